// Package eventpattern builds the EventBridge event pattern of a dataset's
// rule and matches events against EventBridge patterns. The platform deploys
// the patterns ForDataset returns and the local runtime routes S3 events
// with Match over the very same patterns, so local routing cannot drift from
// what AWS will do.
//
// Match implements the EventBridge content filters Sluice patterns use and
// the common others: exact values, prefix, suffix, equals-ignore-case,
// wildcard, anything-but (values, prefix, suffix, wildcard), numeric ranges
// and exists. See
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
package eventpattern

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/dataset"
)

// ForDataset returns the pattern of d's rule: S3 "Object Created" events
// from bucket whose key starts with d's prefix and ends with one of its
// suffixes, and whose size is within d's bounds.
func ForDataset(bucket string, d *dataset.Dataset) map[string]any {
	var keys []any
	for _, s := range suffixes(d) {
		keys = append(keys, map[string]any{"wildcard": escapeWildcard(d.Prefix) + "*" + escapeWildcard(s)})
	}
	object := map[string]any{"key": keys}
	min := d.MinSize
	if min < 1 {
		min = 1
	}
	size := []any{">=", min}
	if d.MaxSize > 0 {
		size = append(size, "<=", d.MaxSize)
	}
	object["size"] = []any{map[string]any{"numeric": size}}
	return map[string]any{
		"source":      []any{"aws.s3"},
		"detail-type": []any{"Object Created"},
		"detail": map[string]any{
			"bucket": map[string]any{"name": []any{bucket}},
			"object": object,
		},
	}
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
func Match(pattern, event map[string]any) (bool, error) {
	for field, want := range pattern {
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

func allAbsentOK(p map[string]any) bool {
	for _, v := range p {
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
			return isStr && wildcard(want).MatchString(s), nil
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
		ok, err := matchOne(a, v, true)
		return !ok, err
	default:
		return !equal(a, v), nil
	}
}

func wildcard(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(string(p[i])))
		case p[i] == '*':
			b.WriteString("(?s:.*)")
		default:
			b.WriteString(regexp.QuoteMeta(string(p[i])))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
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
