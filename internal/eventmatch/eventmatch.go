package eventmatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxNumeric is the largest magnitude EventBridge numeric matching covers:
// values between -5.0e9 and +5.0e9 (Event Ruler,
// https://github.com/aws/event-ruler; older EventBridge pages say 1.0e9).
// An S3 object larger than MaxNumeric bytes may match no rule with a
// numeric size condition on AWS, although Match says it does.
const MaxNumeric = 5.0e9

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
