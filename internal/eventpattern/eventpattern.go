// Package eventpattern builds the EventBridge event patterns of Sluice's
// rules and matches events against EventBridge patterns. The platform
// deploys the patterns ForDataset and Unrouted return and the local runtime
// routes S3 events with Match over the very same patterns, so local routing
// cannot drift from what AWS will do.
//
// Match implements the EventBridge content filters Sluice patterns use and
// the common others: exact values, prefix, suffix, equals-ignore-case,
// wildcard, anything-but (values, prefix, suffix, wildcard, a list of
// wildcards), numeric ranges, exists and $or. See
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
// and the operator table at
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
package eventpattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/dataset"
)

// MaxPatternLen is the default EventBridge quota on the size of a rule's
// event pattern, in characters (adjustable to 4096 by a quota increase;
// see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
// The platform refuses to deploy a longer pattern rather than let PutRule
// fail.
const MaxPatternLen = 2048

// ForDataset returns the pattern of d's rule: S3 "Object Created" events
// from bucket whose key starts with d's prefix and ends with one of its
// suffixes, and whose size is within d's bounds.
func ForDataset(bucket string, d *dataset.Dataset) map[string]any {
	min, max := sizeBounds(d)
	size := []any{">=", min}
	if max > 0 {
		size = append(size, "<=", max)
	}
	return objectCreated(bucket, map[string]any{
		"key":  keyWildcards(d),
		"size": []any{map[string]any{"numeric": size}},
	})
}

// Unrouted returns the pattern of the bucket's unrouted rule: every S3
// "Object Created" event from bucket that the rule of no dataset in
// datasets matches (ForDataset), except events of the objects the pipeline
// writes itself, whose keys start with one of internalPrefixes (the bucket
// sends EventBridge the events of all its objects). Within the bucket's
// "Object Created" events, an event whose key is not internal matches
// exactly one of the datasets' patterns and this one.
//
// An EventBridge pattern cannot combine two matchers of one field with
// AND, and has no NOT, so the complement is a "$or" of branches that each
// keep every condition on a field in a single matcher:
//
//   - the key matches none of the accepted wildcards (every dataset's
//     "<prefix>*<suffix>" and "<internal prefix>*"): "anything-but" with a
//     list of wildcards;
//   - per dataset, the key matches one of its wildcards and the size is
//     outside its bounds: the same key wildcards as its rule and two
//     numeric matchers ("<" min, ">" max), which a field's array ORs.
//
// What the pattern rests on, from the EventBridge documentation: "$or"
// and "anything-but" with a wildcard are event-bus operators, and the only
// ones that may stand above a leaf
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html);
// numeric ranges and anything-but lists
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
// "$or" semantics (an array of two or more sub-patterns at any level,
// ANDed with the fields beside it) are spelled out by Event Ruler, the
// matcher EventBridge runs (https://github.com/aws/event-ruler, README).
// Limits: the pattern must fit MaxPatternLen; numeric matching covers
// values between -5.0e9 and +5.0e9 only (Event Ruler; older EventBridge
// pages say 1.0e9), so an object larger than that may match neither this
// rule nor a dataset's on AWS. The documentation pages found show
// "anything-but" with one wildcard; the list form is the one AWS CDK's
// Match.anythingButWildcard emits for several wildcards, but it was not
// tried against an account from here: check it once with TestEventPattern
// (aws events test-event-pattern).
//
// Unrouted fails when there are no datasets, or when a dataset prefix and
// an internal prefix overlap (the pipeline's own writes would then be
// taken for incoming files).
func Unrouted(bucket string, datasets []*dataset.Dataset, internalPrefixes []string) (map[string]any, error) {
	if len(datasets) == 0 {
		return nil, errors.New("eventpattern: no datasets")
	}
	var exclude []any
	for _, d := range datasets {
		for _, p := range internalPrefixes {
			if p == "" || strings.HasPrefix(d.Prefix, p) || strings.HasPrefix(p, d.Prefix) {
				return nil, fmt.Errorf("eventpattern: dataset %s prefix %q overlaps the pipeline's internal prefix %q", d.Name, d.Prefix, p)
			}
		}
		for _, w := range keyWildcards(d) {
			exclude = append(exclude, w.(map[string]any)["wildcard"])
		}
	}
	for _, p := range internalPrefixes {
		exclude = append(exclude, escapeWildcard(p)+"*")
	}
	branches := []any{map[string]any{
		"key": []any{map[string]any{"anything-but": map[string]any{"wildcard": exclude}}},
	}}
	for _, d := range datasets {
		min, max := sizeBounds(d)
		size := []any{map[string]any{"numeric": []any{"<", min}}}
		if max > 0 {
			size = append(size, map[string]any{"numeric": []any{">", max}})
		}
		branches = append(branches, map[string]any{"key": keyWildcards(d), "size": size})
	}
	return objectCreated(bucket, map[string]any{"$or": branches}), nil
}

// objectCreated wraps the object conditions of a pattern into one for the
// bucket's S3 "Object Created" events.
func objectCreated(bucket string, object map[string]any) map[string]any {
	return map[string]any{
		"source":      []any{"aws.s3"},
		"detail-type": []any{"Object Created"},
		"detail": map[string]any{
			"bucket": map[string]any{"name": []any{bucket}},
			"object": object,
		},
	}
}

// keyWildcards returns the key matchers of d's rule: one wildcard
// "<prefix>*<suffix>" per suffix.
func keyWildcards(d *dataset.Dataset) []any {
	var keys []any
	for _, s := range suffixes(d) {
		keys = append(keys, map[string]any{"wildcard": escapeWildcard(d.Prefix) + "*" + escapeWildcard(s)})
	}
	return keys
}

// sizeBounds returns d's accepted sizes: min at least 1 (an empty file is
// never accepted) and max, 0 for no bound.
func sizeBounds(d *dataset.Dataset) (min, max int64) {
	min = d.MinSize
	if min < 1 {
		min = 1
	}
	return min, d.MaxSize
}

// suffixes lists d's suffixes in lower and upper case (EventBridge wildcards
// are case-sensitive; the validator compares without regard to case).
func suffixes(d *dataset.Dataset) []string {
	in := d.FileSuffixes()
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		for _, v := range []string{strings.ToLower(s), strings.ToUpper(s)} {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

func escapeWildcard(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`).Replace(s)
}

// Marshal encodes a pattern as EventBridge stores it: compact JSON, keys
// sorted, with ">=" and "<=" left as they are (encoding/json would escape
// them as \u003e, which is valid but unreadable in a preview diff).
func Marshal(pattern map[string]any) (string, error) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pattern); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// S3ObjectCreated returns the EventBridge event S3 sends for a new object,
// in AWS's shape (version 0, detail-type "Object Created").
func S3ObjectCreated(id, account, region, time, bucket, key, versionID, etag string, size int64) map[string]any {
	object := map[string]any{"key": key, "size": size, "etag": etag, "sequencer": fmt.Sprintf("%016X", size)}
	if versionID != "" {
		object["version-id"] = versionID
	}
	return map[string]any{
		"version":     "0",
		"id":          id,
		"detail-type": "Object Created",
		"source":      "aws.s3",
		"account":     account,
		"time":        time,
		"region":      region,
		"resources":   []any{"arn:aws:s3:::" + bucket},
		"detail": map[string]any{
			"version":    "0",
			"bucket":     map[string]any{"name": bucket},
			"object":     object,
			"request-id": id,
			"requester":  account,
			"reason":     "PutObject",
		},
	}
}

// Match reports whether event matches pattern. Both are decoded JSON
// (map[string]any); numbers may be float64, int64 or json.Number. A
// malformed pattern is an error.
//
// A "$or" key holds an array of two or more sub-patterns, matched against
// the same level of the event; it matches when one of them does, and is
// ANDed with the other fields beside it (Event Ruler's "$or" primitive,
// https://github.com/aws/event-ruler#the-or-primitive).
func Match(pattern, event map[string]any) (bool, error) {
	for field, want := range pattern {
		if field == "$or" {
			ok, err := matchOr(want, event)
			if err != nil || !ok {
				return false, err
			}
			continue
		}
		got, present := event[field]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !present || !ok {
				// Only "exists": false inside could match an absent object.
				if !present && allAbsentOK(w) {
					continue
				}
				return false, nil
			}
			ok, err := Match(w, sub)
			if err != nil || !ok {
				return ok, err
			}
		case []any:
			ok, err := matchValues(w, got, present)
			if err != nil {
				return false, fmt.Errorf("field %q: %w", field, err)
			}
			if !ok {
				return false, nil
			}
		default:
			return false, fmt.Errorf("field %q: pattern values must be arrays or objects", field)
		}
	}
	return true, nil
}

// orBranches returns the sub-patterns of a "$or".
func orBranches(want any) ([]map[string]any, error) {
	arr, ok := want.([]any)
	if !ok || len(arr) < 2 {
		return nil, errors.New(`"$or" takes an array of at least two patterns`)
	}
	out := make([]map[string]any, len(arr))
	for i, b := range arr {
		m, ok := b.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, fmt.Errorf(`"$or" pattern %d is not a non-empty object`, i)
		}
		out[i] = m
	}
	return out, nil
}

func matchOr(want any, event map[string]any) (bool, error) {
	branches, err := orBranches(want)
	if err != nil {
		return false, err
	}
	for i, b := range branches {
		ok, err := Match(b, event)
		if err != nil {
			return false, fmt.Errorf(`"$or" pattern %d: %w`, i, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func allAbsentOK(p map[string]any) bool {
	for field, v := range p {
		if field == "$or" {
			branches, err := orBranches(v)
			if err != nil {
				return false
			}
			if !slices.ContainsFunc(branches, allAbsentOK) {
				return false
			}
			continue
		}
		switch w := v.(type) {
		case map[string]any:
			if !allAbsentOK(w) {
				return false
			}
		case []any:
			ok, _ := matchValues(w, nil, false)
			if !ok {
				return false
			}
		}
	}
	return true
}

// matchValues reports whether any condition matches the value (or, for an
// array value, any of its elements).
func matchValues(conds []any, got any, present bool) (bool, error) {
	vals := []any{got}
	if arr, ok := got.([]any); ok {
		vals = arr
	}
	for _, c := range conds {
		for _, v := range vals {
			ok, err := matchOne(c, v, present)
			if err != nil {
				return false, err
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

func matchOne(cond, v any, present bool) (bool, error) {
	m, ok := cond.(map[string]any)
	if !ok {
		return present && equal(cond, v), nil
	}
	if len(m) != 1 {
		return false, fmt.Errorf("a content filter must have exactly one key, got %d", len(m))
	}
	for op, arg := range m {
		if op == "exists" {
			b, ok := arg.(bool)
			if !ok {
				return false, fmt.Errorf("exists takes true or false")
			}
			return b == present, nil
		}
		if !present {
			return false, nil
		}
		s, isStr := v.(string)
		switch op {
		case "prefix", "suffix":
			if !isStr {
				return false, nil
			}
			want, fold, err := stringArg(arg)
			if err != nil {
				return false, fmt.Errorf("%s: %w", op, err)
			}
			if fold {
				s, want = strings.ToLower(s), strings.ToLower(want)
			}
			if op == "prefix" {
				return strings.HasPrefix(s, want), nil
			}
			return strings.HasSuffix(s, want), nil
		case "equals-ignore-case":
			want, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("equals-ignore-case takes a string")
			}
			return isStr && strings.EqualFold(s, want), nil
		case "wildcard":
			want, ok := arg.(string)
			if !ok {
				return false, fmt.Errorf("wildcard takes a string")
			}
			re, err := wildcard(want)
			if err != nil {
				return false, err
			}
			return isStr && re.MatchString(s), nil
		case "numeric":
			return numeric(arg, v)
		case "anything-but":
			ok, err := anythingBut(arg, v)
			return ok, err
		default:
			return false, fmt.Errorf("unsupported content filter %q", op)
		}
	}
	return false, nil
}

func stringArg(arg any) (s string, fold bool, err error) {
	switch a := arg.(type) {
	case string:
		return a, false, nil
	case map[string]any:
		if v, ok := a["equals-ignore-case"].(string); ok && len(a) == 1 {
			return v, true, nil
		}
	}
	return "", false, fmt.Errorf("want a string or {\"equals-ignore-case\": string}")
}

func anythingBut(arg, v any) (bool, error) {
	switch a := arg.(type) {
	case []any:
		for _, x := range a {
			if equal(x, v) {
				return false, nil
			}
		}
		return true, nil
	case map[string]any:
		// {"anything-but": {"wildcard": [w1, w2, ...]}}: none of the
		// wildcards matches.
		if list, ok := a["wildcard"].([]any); ok && len(a) == 1 {
			if len(list) == 0 {
				return false, errors.New("anything-but: empty wildcard list")
			}
			for _, w := range list {
				ok, err := matchOne(map[string]any{"wildcard": w}, v, true)
				if err != nil || ok {
					return false, err
				}
			}
			return true, nil
		}
		ok, err := matchOne(a, v, true)
		return !ok, err
	default:
		return !equal(a, v), nil
	}
}

// compiled caches compiled wildcards, up to maxCompiled of them: rules
// hold few, and the local runtime matches every event against all.
var (
	compiled    sync.Map // string -> *regexp.Regexp
	nCompiled   atomic.Int64
	maxCompiled = int64(1024)
)

// wildcard compiles an EventBridge wildcard: '*' matches any run of
// characters, "\\*" and "\\\\" a literal star and backslash. Two stars in a
// row, and a backslash before anything else, are invalid patterns, as in
// EventBridge.
func wildcard(p string) (*regexp.Regexp, error) {
	if re, ok := compiled.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\':
			if i+1 == len(p) || p[i+1] != '*' && p[i+1] != '\\' {
				return nil, fmt.Errorf("wildcard %q: a backslash escapes only '*' or '\\'", p)
			}
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case p[i] == '*':
			if i+1 < len(p) && p[i+1] == '*' {
				return nil, fmt.Errorf("wildcard %q: consecutive '*'", p)
			}
			b.WriteString("(?s:.*)")
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err == nil && nCompiled.Add(1) <= maxCompiled {
		compiled.Store(p, re)
	}
	return re, err
}

func numeric(arg, v any) (bool, error) {
	spec, ok := arg.([]any)
	if !ok || len(spec) == 0 || len(spec)%2 != 0 {
		return false, fmt.Errorf("numeric takes [op, number, ...]")
	}
	x, ok := number(v)
	if !ok {
		return false, nil
	}
	for i := 0; i < len(spec); i += 2 {
		op, _ := spec[i].(string)
		n, ok := number(spec[i+1])
		if !ok {
			return false, fmt.Errorf("numeric: %v is not a number", spec[i+1])
		}
		var pass bool
		switch op {
		case "=":
			pass = x == n
		case "<":
			pass = x < n
		case "<=":
			pass = x <= n
		case ">":
			pass = x > n
		case ">=":
			pass = x >= n
		default:
			return false, fmt.Errorf("numeric: unknown operator %q", op)
		}
		if !pass {
			return false, nil
		}
	}
	return true, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	}
	return 0, false
}

func equal(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return a == b
}
