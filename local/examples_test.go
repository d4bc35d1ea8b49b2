package local_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"

	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/sluicehq/sluice/local/s3emu"
)

// pinnedTime is the clock of the test's S3 store and of the enricher:
// every object's LastModified, so the loader's _source_order, and every
// _ingested_at are the same on every run.
var pinnedTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// exampleFiles are the example files in the order they load: customers
// before the orders that join them.
var exampleFiles = []struct {
	dataset, file                    string
	wantIn, wantLoaded, wantRejected int64
}{
	{"customers", "customers.csv", 8, 8, 0},
	{"orders", "orders.csv", 20, 20, 0},
	{"readings", "readings.jsonl", 6, 6, 0},
	{"catalog", "catalog.xml", 4, 4, 0},
}

// openPinned opens a runtime whose S3 endpoint is a local ObjectStore
// behind gofakes3 with a fixed clock, so every object's LastModified, and
// with it the loader's _source_order, is pinnedTime. It is s3emu.Handler
// but for the time source (gofakes3 stamps Last-Modified itself) and the
// skew check that a fixed clock would fail. DynamoDB is the embedded one;
// the functions are the real ones with the enricher's clock pinned too.
func openPinned(t *testing.T, cfg local.Config) *local.Runtime {
	t.Helper()
	store, err := s3emu.Open(filepath.Join(t.TempDir(), "s3"), func() time.Time { return pinnedTime })
	if err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(store, gofakes3.WithIntegrityCheck(true), gofakes3.WithLogger(gofakes3.DiscardLog()),
		gofakes3.WithTimeSource(gofakes3.FixedTimeSource(pinnedTime)), gofakes3.WithTimeSkewLimit(0))
	srv := httptest.NewServer(fake.Server()) // 127.0.0.1
	cfg.StateDir, cfg.S3Endpoint, cfg.Fast = t.TempDir(), srv.URL, true
	cfg.Functions = local.FunctionsAt(func() time.Time { return pinnedTime })
	rt, err := local.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rt.Close()
		srv.Close()
		store.Close()
	})
	return rt
}

// runFile uploads, routes and executes one example file as sluice run
// does.
func runFile(t *testing.T, rt *local.Runtime, ds, file string) *local.FileResult {
	t.Helper()
	ctx := context.Background()
	ev, _, err := rt.Upload(ctx, ds, filepath.Join("..", "examples", ds, file))
	if err != nil {
		t.Fatal(err)
	}
	routed, err := rt.Route(ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(local.Routing{Datasets: []string{ds}}, routed); diff != "" {
		t.Fatalf("%s routed to (-want +got):\n%s", ev.Key, diff)
	}
	res, err := rt.Execute(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

type counts struct {
	Status               local.Status
	In, Loaded, Rejected int64
}

func itemsJSONL(t *testing.T, rt *local.Runtime, ds string) []byte {
	t.Helper()
	items, err := rt.Items(context.Background(), ds)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := local.WriteJSONLines(&b, items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExamplesGolden loads every example file through the runtime with
// the clocks pinned and compares each dataset's items (what sluice table
// scan prints) with testdata/examples/<dataset>.jsonl. Only _execution is
// replaced: the execution name starts with the wall-clock time, so the test
// checks that it is the ARN of the file's execution and writes a
// placeholder.
func TestExamplesGolden(t *testing.T) {
	rt := openPinned(t, local.Config{})
	executions := map[string]string{}
	for _, ex := range exampleFiles {
		res := runFile(t, rt, ex.dataset, ex.file)
		got := counts{res.Status, res.RecordsIn, res.RecordsLoaded, res.RecordsRejected}
		if diff := cmp.Diff(counts{local.Loaded, ex.wantIn, ex.wantLoaded, ex.wantRejected}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s\n(%s: %s)", ex.file, diff, res.Error, res.Cause)
		}
		executions[ex.dataset] = "arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:" + res.Execution
	}
	for _, ex := range exampleFiles {
		t.Run(ex.dataset, func(t *testing.T) {
			b := itemsJSONL(t, rt, ex.dataset)
			if n := int64(bytes.Count(b, []byte("\n"))); n != ex.wantLoaded {
				t.Errorf("%d items, want %d", n, ex.wantLoaded)
			}
			if !bytes.Contains(b, []byte(`"_source_order":"2026-01-01T00:00:00.000000000Z/v`)) {
				t.Errorf("_source_order does not carry the pinned clock:\n%s", b)
			}
			all := bytes.Count(b, []byte(`"_execution":`))
			b = bytes.ReplaceAll(b, []byte(`"_execution":"`+executions[ex.dataset]+`"`), []byte(`"_execution":"<the file's execution ARN>"`))
			if n := bytes.Count(b, []byte(`"_execution":"<the file's execution ARN>"`)); n != all {
				t.Errorf("%d of %d items have the _execution %s", n, all, executions[ex.dataset])
			}
			golden.Check(t, "testdata/examples/"+ex.dataset+".jsonl", b)
		})
	}
}

// TestExamplesDistributedMap runs the examples with 3 records per chunk:
// every file with more than 3 records goes through LoadChunks (one
// LoadChunk per chunk), and the items equal the inline path's but for the
// source version attributes (the chunk and result objects take version
// numbers too, so the same upload gets a later one).
func TestExamplesDistributedMap(t *testing.T) {
	var mu sync.Mutex
	tasks := map[string]int{}
	rt := openPinned(t, local.Config{ChunkRecords: 3, Observe: func(e integrations.TaskEvent) {
		mu.Lock()
		defer mu.Unlock()
		if e.Err == nil {
			tasks[e.State]++
		}
	}})
	inline := openPinned(t, local.Config{})
	for _, ex := range exampleFiles {
		res := runFile(t, rt, ex.dataset, ex.file)
		got := counts{res.Status, res.RecordsIn, res.RecordsLoaded, res.RecordsRejected}
		if diff := cmp.Diff(counts{local.Loaded, ex.wantIn, ex.wantLoaded, ex.wantRejected}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s\n(%s: %s)", ex.file, diff, res.Error, res.Cause)
		}
		if res := runFile(t, inline, ex.dataset, ex.file); res.Status != local.Loaded {
			t.Fatalf("inline %s: %s %s", ex.file, res.Status, res.Cause)
		}
	}
	// ceil(8/3) + ceil(20/3) + ceil(6/3) + ceil(4/3) chunks; only the
	// orders are enriched.
	want := map[string]int{"LoadChunk": 3 + 7 + 2 + 2, "EnrichChunk": 7}
	got := map[string]int{"LoadChunk": tasks["LoadChunk"], "EnrichChunk": tasks["EnrichChunk"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("successful chunk tasks (-want +got):\n%s\nall tasks: %v", diff, tasks)
	}
	if tasks["Load"] != 0 || tasks["Enrich"] != 0 {
		t.Errorf("inline tasks ran on the chunked path: %v", tasks)
	}
	for _, ex := range exampleFiles {
		t.Run(ex.dataset, func(t *testing.T) {
			chunked := withoutVersion(t, itemsJSONL(t, rt, ex.dataset))
			plain := withoutVersion(t, itemsJSONL(t, inline, ex.dataset))
			if diff := cmp.Diff(plain, chunked); diff != "" {
				t.Errorf("items (-inline +chunked):\n%s", diff)
			}
		})
	}
}

var executionRe = regexp.MustCompile(`"_execution":"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:[^"]+"`)

// withoutVersion blanks _source_version and the version part of
// _source_order after checking that they agree, and _execution (the two
// runtimes' executions have different names).
func withoutVersion(t *testing.T, jsonl []byte) string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(jsonl)), "\n") {
		_, rest, ok := strings.Cut(l, `"_source_version":"`)
		if !ok {
			t.Fatalf("no _source_version: %s", l)
		}
		version, _, _ := strings.Cut(rest, `"`)
		order := `"_source_order":"2026-01-01T00:00:00.000000000Z/` + version + `"`
		if !strings.Contains(l, order) {
			t.Errorf("_source_order does not end in the source version %s: %s", version, l)
		}
		l = strings.Replace(l, order, `"_source_order":"-"`, 1)
		l = executionRe.ReplaceAllString(l, `"_execution":"-"`)
		l = strings.Replace(l, `"_source_version":"`+version+`"`, `"_source_version":"-"`, 1)
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
