package routing

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
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
//   - per dataset, the key starts with its prefix and the size is outside
//     its bounds: a prefix and two numeric matchers ("<" min, ">" max),
//     which a field's array ORs. A key under the prefix but with another
//     suffix matches the first branch as well; that overlap is harmless,
//     because it is one rule. No other dataset's rule can match a key
//     under the prefix, because dataset prefixes never overlap
//     (dataset.Set refuses it, and Unrouted checks it again).
//
// Why a prefix and not the dataset's own wildcards: EventBridge refuses a
// pattern whose wildcards on one field are too complex ("Rule is too
// complex"; see eventmatch.MaxWildcardComplexity), and it adds up the
// wildcards of every "$or" branch on the key. With the dataset wildcards
// repeated in the branches, the builtin datasets' unrouted pattern is
// over that limit; with prefixes, only the anything-but list counts.
//
// What the pattern rests on: "$or", "anything-but" with a list of
// wildcards, prefix and numeric ranges are recorded against AWS in the
// conformance corpus (../shared/conformance/events: anything_but
// content_anything_wildcard_list*, or/*, numeric/*), and the pattern is
// checked by eventmatch.Validate, which agrees with AWS on every case of
// that corpus. Limits: the pattern must fit MaxPatternLen; numeric
// matching covers values between -5.0e9 and +5.0e9 only
// (eventmatch.MaxNumeric), so an object larger than that may match
// neither this rule nor a dataset's on AWS.
//
// Unrouted fails when there are no datasets, or when a dataset prefix and
// an internal prefix overlap (the pipeline's own writes would then be
// taken for incoming files).
func Unrouted(bucket string, datasets []*dataset.Dataset, internalPrefixes []string) (map[string]any, error) {
	if len(datasets) == 0 {
		return nil, errors.New("routing: no datasets")
	}
	var exclude []any
	for i, d := range datasets {
		for _, o := range datasets[:i] {
			if strings.HasPrefix(d.Prefix, o.Prefix) || strings.HasPrefix(o.Prefix, d.Prefix) {
				return nil, fmt.Errorf("routing: dataset %s prefix %q overlaps dataset %s's %q", d.Name, d.Prefix, o.Name, o.Prefix)
			}
		}
		for _, p := range internalPrefixes {
			if p == "" || strings.HasPrefix(d.Prefix, p) || strings.HasPrefix(p, d.Prefix) {
				return nil, fmt.Errorf("routing: dataset %s prefix %q overlaps the pipeline's internal prefix %q", d.Name, d.Prefix, p)
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
		branches = append(branches, map[string]any{"key": []any{map[string]any{"prefix": d.Prefix}}, "size": size})
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
// in AWS's shape (version 0, detail-type "Object Created"); see
// eventmatch.S3ObjectCreated.
func S3ObjectCreated(id, account, region, time, bucket, key, versionID, etag string, size int64) map[string]any {
	return eventmatch.S3ObjectCreated(id, account, region, time, bucket, key, versionID, etag, size)
}

// Match reports whether event matches pattern; see eventmatch.Match, which
// holds the matcher so that code routing events without dataset
// declarations does not link them.
func Match(pattern, event map[string]any) (bool, error) {
	return eventmatch.Match(pattern, event)
}
