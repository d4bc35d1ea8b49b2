package routing

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/corpus"
)

const bucket = "sluice-data"

// router holds the deployed patterns, compiled from the JSON text
// EventBridge receives: one per builtin dataset and the unrouted one.
type router struct {
	datasets []*dataset.Dataset
	accept   map[string]*eventmatch.Pattern
	unrouted *eventmatch.Pattern
}

func compile(t testing.TB, p map[string]any) *eventmatch.Pattern {
	t.Helper()
	text, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := eventmatch.Compile([]byte(text))
	if err != nil {
		t.Fatalf("EventBridge would refuse %s: %v", text, err)
	}
	return c
}

func newRouter(t testing.TB) *router {
	t.Helper()
	ds := dataset.Builtin().All()
	un, err := Unrouted(bucket, ds, contract.InternalPrefixes())
	if err != nil {
		t.Fatal(err)
	}
	r := &router{datasets: ds, accept: map[string]*eventmatch.Pattern{}, unrouted: compile(t, un)}
	for _, d := range ds {
		r.accept[d.Name] = compile(t, ForDataset(bucket, d))
	}
	return r
}

// s3Event returns the event S3 sends for key and size (as
// S3ObjectCreated builds it), as JSON text.
func s3Event(t testing.TB, eventBucket, key string, size int64) []byte {
	t.Helper()
	b, err := json.Marshal(S3ObjectCreated("id", "000000000000", "us-east-1", "2026-01-01T00:00:00Z", eventBucket, key, "v1", "etag", size))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// route returns the rules an event matches: dataset names, and
// "(unrouted)" for the unrouted rule.
func (r *router) route(t testing.TB, event []byte) (rules []string) {
	t.Helper()
	e, err := eventmatch.ParseEvent(event)
	if err != nil {
		t.Fatalf("event %s: %v", event, err)
	}
	for _, d := range r.datasets {
		if r.accept[d.Name].Match(e) {
			rules = append(rules, d.Name)
		}
	}
	if r.unrouted.Match(e) {
		rules = append(rules, "(unrouted)")
	}
	return rules
}

// checkPartition checks the routing property for one event: an object the
// pipeline writes itself matches no rule; any other object of the bucket
// matches exactly one (a dataset's or the unrouted rule), unless it is
// larger than EventBridge's numeric range, when it matches at most one
// (the reconciler reports those). Events that are not "Object Created"
// match no rule.
func (r *router) checkPartition(t testing.TB, event []byte) {
	t.Helper()
	rules := r.route(t, event)
	var ev struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			Bucket struct{ Name string } `json:"bucket"`
			Object struct {
				Key  string  `json:"key"`
				Size float64 `json:"size"`
			} `json:"object"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	// The key as EventBridge delivers it (JSON replaces invalid UTF-8).
	got, size := ev.Detail.Object.Key, ev.Detail.Object.Size
	internal := false
	for _, p := range contract.InternalPrefixes() {
		internal = internal || strings.HasPrefix(got, p)
	}
	switch {
	case ev.DetailType != "Object Created" || ev.Detail.Bucket.Name != bucket:
		if len(rules) != 0 {
			t.Errorf("%s event of %q in %q matched %v, want no rule", ev.DetailType, got, ev.Detail.Bucket.Name, rules)
		}
	case internal && len(rules) != 0:
		t.Errorf("internal object %q (%.0f bytes) matched %v, want no rule", got, size, rules)
	case !internal && size > eventmatch.MaxNumeric && len(rules) > 1:
		t.Errorf("object %q (%.0f bytes) matched %v, want at most one rule", got, size, rules)
	case !internal && size <= eventmatch.MaxNumeric && len(rules) != 1:
		t.Errorf("object %q (%.0f bytes) matched %v, want exactly one rule", got, size, rules)
	}
}

// TestRoutingPartition checks, over keys built from the datasets' own
// prefixes and suffixes and sizes around their bounds, that every event of
// the bucket matches exactly one rule, and none for internal objects.
func TestRoutingPartition(t *testing.T) {
	r := newRouter(t)
	prefixes := []string{"", "incoming/", "incoming/unknown/", "Incoming/orders/", "incoming/orders", "other/incoming/orders/", "incoming/orders/incoming/readings/"}
	suffixes := []string{"", ".txt", ".Csv", ".csv.bak", ".CSV.gz", ".json", "/", ".gz", "*", `\`}
	sizes := []int64{0, 1, 2, 1 << 20, 5 << 40}
	for _, d := range r.datasets {
		prefixes = append(prefixes, d.Prefix)
		suffixes = append(suffixes, suffixesOf(d)...)
		min, max := sizeBounds(d)
		sizes = append(sizes, min-1, min, min+1, max-1, max, max+1)
	}
	for _, p := range contract.InternalPrefixes() {
		prefixes = append(prefixes, p, p+"orders/")
	}
	sizes = append(sizes, int64(eventmatch.MaxNumeric), int64(eventmatch.MaxNumeric)+1)
	names := []string{"", "a", "sub/dir/a", "a.b", "ü*"}
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	n := 0
	for _, p := range prefixes {
		for _, name := range names {
			for _, s := range suffixes {
				for _, size := range sizes {
					if size < 0 {
						continue
					}
					r.checkPartition(t, s3Event(t, bucket, p+name+s, size))
					n++
				}
			}
		}
	}
	t.Logf("%d events", n)
}

// suffixesOf returns d's suffixes as its rule spells them.
func suffixesOf(d *dataset.Dataset) []string { return suffixes(d) }

// TestInternalObjectsMatchNoRule checks the keys the pipeline itself writes,
// built by package contract, against every rule.
func TestInternalObjectsMatchNoRule(t *testing.T) {
	r := newRouter(t)
	for _, d := range r.datasets {
		for _, s := range suffixesOf(d) {
			src := contract.Object{Bucket: bucket, Key: d.Prefix + "in" + s, VersionID: "v1", Size: 10}
			for _, key := range []string{
				contract.ChunkKey(d.Name, src, "transformed", 0),
				contract.ManifestKey(d.Name, src),
				contract.ReportKey(d.Name, src),
				contract.QuarantineKey(d.Name, src),
				// As the state machine's Quarantine step names the copy.
				contract.QuarantinePrefix + d.Name + "/v1/" + src.Key,
				contract.ResultsPrefix + "0f3c/manifest.json",
			} {
				for _, size := range []int64{0, 10} {
					if rules := r.route(t, s3Event(t, bucket, key, size)); len(rules) != 0 {
						t.Errorf("internal object %s (%d bytes) matched %v", key, size, rules)
					}
				}
			}
		}
	}
}

// TestUnroutedExamples spells out what the unrouted rule catches.
func TestUnroutedExamples(t *testing.T) {
	r := newRouter(t)
	tests := []struct {
		key    string
		size   int64
		bucket string
		want   string
	}{
		{"incoming/orders/a.csv", 10, bucket, "orders"},
		{"incoming/orders/a.CSV.GZ", 10, bucket, "orders"},
		{"incoming/orders/a.txt", 10, bucket, "(unrouted)"},
		{"incoming/orders/empty.csv", 0, bucket, "(unrouted)"},
		{"incoming/orders/huge.csv", 4<<30 + 1, bucket, "(unrouted)"},
		{"incoming/orders/mixed.Csv", 10, bucket, "(unrouted)"},
		{"incoming/customers/c.csv", 1<<30 + 1, bucket, "(unrouted)"},
		{"drop/a.csv", 10, bucket, "(unrouted)"},
		{"incoming/invoices/a.csv", 10, bucket, "(unrouted)"},
		{"staging/orders/x/part-00000.jsonl", 10, bucket, ""},
		{"incoming/orders/a.txt", 10, "another-bucket", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%d", tt.bucket, tt.key, tt.size), func(t *testing.T) {
			rules := r.route(t, s3Event(t, tt.bucket, tt.key, tt.size))
			if got := strings.Join(rules, ","); got != tt.want {
				t.Errorf("matched %q, want %q", got, tt.want)
			}
		})
	}
}

// s3Shapes returns the S3 events of the conformance corpus
// (cases/s3_events: real "Object Created", "Object Deleted", "Object ACL
// Updated" and "Object Restore" events as AWS delivered them), plus the
// event S3ObjectCreated builds. Without the corpus (outside CI) only the
// latter.
func s3Shapes(t testing.TB) []map[string]any {
	t.Helper()
	var shapes []map[string]any
	var own map[string]any
	_ = json.Unmarshal(s3Event(t, bucket, "k", 1), &own)
	shapes = append(shapes, own)
	dir, err := corpus.Find(corpus.EventsEnv, "events")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("event-pattern corpus not found at %s: %v", dir, err)
		}
		return shapes
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cases", "s3_events", "*.json"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Event map[string]any `json:"event"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.Event != nil {
			shapes = append(shapes, c.Event)
		}
	}
	if len(shapes) < 2 {
		t.Fatalf("no S3 events under %s", dir)
	}
	return shapes
}

// reshape returns shape with the bucket, key and size of an object (the
// size only where the shape has one).
func reshape(t testing.TB, shape map[string]any, eventBucket, key string, size int64) []byte {
	t.Helper()
	b, _ := json.Marshal(shape)
	var ev map[string]any
	_ = json.Unmarshal(b, &ev)
	detail, _ := ev["detail"].(map[string]any)
	if detail == nil {
		t.Fatalf("S3 event without detail: %s", b)
	}
	detail["bucket"] = map[string]any{"name": eventBucket}
	obj, _ := detail["object"].(map[string]any)
	if obj == nil {
		obj = map[string]any{}
		detail["object"] = obj
	}
	obj["key"] = key
	if _, ok := obj["size"]; ok {
		obj["size"] = size
	}
	ev["resources"] = []any{"arn:aws:s3:::" + eventBucket}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoutingPartitionCorpusShapes checks the property over every S3 event
// shape AWS delivered in the corpus: "Object Created" events route to
// exactly one rule, the others to none.
func TestRoutingPartitionCorpusShapes(t *testing.T) {
	r := newRouter(t)
	for i, shape := range s3Shapes(t) {
		for _, key := range []string{"incoming/orders/a.csv", "incoming/orders/a.txt", "staging/orders/x.jsonl", "drop/a.csv"} {
			for _, size := range []int64{0, 10, 5 << 30} {
				t.Run(fmt.Sprintf("%d/%s/%d", i, key, size), func(t *testing.T) {
					r.checkPartition(t, reshape(t, shape, bucket, key, size))
				})
			}
		}
	}
}

// FuzzRoutingPartition checks the partition over keys, sizes and the
// corpus's S3 event shapes.
func FuzzRoutingPartition(f *testing.F) {
	shapes := s3Shapes(f)
	for i := range shapes {
		f.Add("incoming/orders/a.csv", int64(10), uint8(i))
		f.Add("incoming/orders/a.txt", int64(10), uint8(i))
	}
	f.Add("incoming/orders/a.csv", int64(0), uint8(0))
	f.Add("incoming/readings/r.JSONL.GZ", int64(4<<30+1), uint8(0))
	f.Add("staging/orders/x.jsonl", int64(3), uint8(0))
	f.Add("", int64(1), uint8(0))
	f.Add(`incoming/catalog/\*.xml`, int64(1), uint8(1))
	r := newRouter(f)
	f.Fuzz(func(t *testing.T, key string, size int64, shape uint8) {
		// S3 keys are at most 1024 bytes, sizes 0 to 5 TiB.
		if len(key) > 1024 || size < 0 || size > 5<<40 {
			return
		}
		r.checkPartition(t, reshape(t, shapes[int(shape)%len(shapes)], bucket, key, size))
	})
}

func TestUnroutedRefusesOverlaps(t *testing.T) {
	ds := dataset.Builtin().All()
	tests := []struct {
		name     string
		datasets []*dataset.Dataset
		internal []string
	}{
		{"no datasets", nil, contract.InternalPrefixes()},
		{"internal under a dataset", ds, []string{"incoming/orders/staging/"}},
		{"dataset under an internal prefix", []*dataset.Dataset{{Name: "x", Prefix: "staging/x/"}}, contract.InternalPrefixes()},
		{"empty internal prefix", ds, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Unrouted(bucket, tt.datasets, tt.internal); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// TestPatternsFitTheQuota checks the builtin datasets' patterns against
// EventBridge's default pattern size.
func TestPatternsFitTheQuota(t *testing.T) {
	// A bucket name of the maximum length, 63 characters.
	long := strings.Repeat("b", 63)
	ds := dataset.Builtin().All()
	un, err := Unrouted(long, ds, contract.InternalPrefixes())
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]map[string]any{"(unrouted)": un}
	for _, d := range ds {
		patterns[d.Name] = ForDataset(long, d)
	}
	for name, p := range patterns {
		s, err := Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) > MaxPatternLen {
			t.Errorf("%s: pattern of %d characters, quota %d", name, len(s), MaxPatternLen)
		}
		t.Logf("%s: %d characters", name, len(s))
	}
}
