package eventpattern

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
)

const bucket = "sluice-data"

// router holds the deployed patterns, as EventBridge sees them (JSON
// round-tripped): one per builtin dataset and the unrouted one.
type router struct {
	datasets []*dataset.Dataset
	accept   map[string]map[string]any
	unrouted map[string]any
}

func jsonRoundTrip(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func newRouter(t testing.TB) *router {
	t.Helper()
	ds := dataset.Builtin().All()
	un, err := Unrouted(bucket, ds, contract.InternalPrefixes())
	if err != nil {
		t.Fatal(err)
	}
	r := &router{datasets: ds, accept: map[string]map[string]any{}, unrouted: jsonRoundTrip(t, un)}
	for _, d := range ds {
		r.accept[d.Name] = jsonRoundTrip(t, ForDataset(bucket, d))
	}
	return r
}

// route returns the rules an event for key and size matches: dataset
// names, and "(unrouted)" for the unrouted rule.
func (r *router) route(t testing.TB, eventBucket, key string, size int64) (event map[string]any, rules []string) {
	t.Helper()
	event = jsonRoundTrip(t, S3ObjectCreated("id", "000000000000", "us-east-1", "2026-01-01T00:00:00Z", eventBucket, key, "v1", "etag", size))
	for _, d := range r.datasets {
		ok, err := Match(r.accept[d.Name], event)
		if err != nil {
			t.Fatalf("%s rule: %v", d.Name, err)
		}
		if ok {
			rules = append(rules, d.Name)
		}
	}
	ok, err := Match(r.unrouted, event)
	if err != nil {
		t.Fatalf("unrouted rule: %v", err)
	}
	if ok {
		rules = append(rules, "(unrouted)")
	}
	return event, rules
}

// checkPartition checks the routing property for one event: an object the
// pipeline writes itself matches no rule; any other object of the bucket
// matches exactly one (a dataset's or the unrouted rule).
func (r *router) checkPartition(t testing.TB, key string, size int64) {
	t.Helper()
	event, rules := r.route(t, bucket, key, size)
	// The key as EventBridge delivers it (JSON replaces invalid UTF-8).
	got := event["detail"].(map[string]any)["object"].(map[string]any)["key"].(string)
	internal := false
	for _, p := range contract.InternalPrefixes() {
		internal = internal || strings.HasPrefix(got, p)
	}
	switch {
	case internal && len(rules) != 0:
		t.Errorf("internal object %q (%d bytes) matched %v, want no rule", got, size, rules)
	case !internal && len(rules) != 1:
		t.Errorf("object %q (%d bytes) matched %v, want exactly one rule", got, size, rules)
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
					r.checkPartition(t, p+name+s, size)
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
					if _, rules := r.route(t, bucket, key, size); len(rules) != 0 {
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
			_, rules := r.route(t, tt.bucket, tt.key, tt.size)
			if got := strings.Join(rules, ","); got != tt.want {
				t.Errorf("matched %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzRoutingPartition(f *testing.F) {
	f.Add("incoming/orders/a.csv", int64(10))
	f.Add("incoming/orders/a.txt", int64(10))
	f.Add("incoming/orders/a.csv", int64(0))
	f.Add("incoming/readings/r.JSONL.GZ", int64(4<<30+1))
	f.Add("staging/orders/x.jsonl", int64(3))
	f.Add("", int64(1))
	f.Add(`incoming/catalog/\*.xml`, int64(1))
	r := newRouter(f)
	f.Fuzz(func(t *testing.T, key string, size int64) {
		// S3 keys are at most 1024 bytes, sizes 0 to 5 TiB.
		if len(key) > 1024 || size < 0 || size > 5<<40 {
			return
		}
		r.checkPartition(t, key, size)
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
