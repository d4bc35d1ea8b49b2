package transitions_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/cli/transitions"
	"github.com/sluicehq/sluice/local"
)

// ordersCSV writes an orders file of n valid rows and returns its path.
func ordersCSV(t *testing.T, n int) string {
	t.Helper()
	b := []byte("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := 1; i <= n; i++ {
		b = fmt.Appendf(b, "ORD-%08d,C%03d,2026-%02d-%02d,SKU-%04d,%d,%d.%02d,EUR,NEW\n", i, 1+i%8, 1+i%12, 1+i%28, i%1000, 1+i%20, i%200, i%100)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("orders-%d.csv", n))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// run loads an orders file of n rows through the local pipeline (real
// functions, the engine, embedded S3 and DynamoDB) staging chunk records
// per chunk file (0: the transformer's default), and counts the
// execution's transitions.
func run(t *testing.T, n, chunk int) transitions.Count {
	t.Helper()
	ctx := context.Background()
	rt, err := local.Open(ctx, local.Config{StateDir: t.TempDir(), Fast: true, ChunkRecords: chunk})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ev, _, err := rt.Upload(ctx, "orders", ordersCSV(t, n))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := rt.Execute(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if fr.Status != local.Loaded || fr.RecordsLoaded != int64(n) {
		t.Fatalf("%d rows: %s with %d records loaded, want LOADED with %d (%s %s)", n, fr.Status, fr.RecordsLoaded, n, fr.Error, fr.Cause)
	}
	c := transitions.Of(rt.Machine(), fr.Result.History)
	// scripts/bench.sh reads these lines.
	t.Logf("transitions rows=%d chunks=%d parent=%d children=%d child_type=%s billed=%d", n, max(c.ChildExecutions, 1), c.Parent, c.Children, c.ChildType, c.Billed())
	return c
}

// TestPipelineTransitions runs real files through the local pipeline and
// counts the transitions in their histories: a small file (one chunk,
// loaded inline) takes the same transitions with 10 rows as with 1,000;
// a file of several chunks goes through the Distributed Map, where the
// parent's transitions stay the same and the children's grow with the
// number of chunks, not with the rows.
func TestPipelineTransitions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the pipeline five times")
	}
	small10, small1000 := run(t, 10, 0), run(t, 1000, 0)
	if diff := cmp.Diff(small10, small1000); diff != "" {
		t.Errorf("one chunk: transitions differ between 10 and 1,000 rows (-10 +1,000):\n%s", diff)
	}
	if small10.ChildExecutions != 0 || small10.Children != 0 {
		t.Errorf("one chunk: %+v, want no Distributed Map child execution (loaded inline)", small10)
	}

	// 3 and 6 chunks of 100 records; 6 chunks of 50 records (half the rows).
	three, six, sixHalf := run(t, 300, 100), run(t, 600, 100), run(t, 300, 50)
	if three.ChildExecutions != 3 || six.ChildExecutions != 6 || sixHalf.ChildExecutions != 6 {
		t.Fatalf("child executions %d, %d, %d; want one per chunk: 3, 6, 6", three.ChildExecutions, six.ChildExecutions, sixHalf.ChildExecutions)
	}
	if diff := cmp.Diff(six, sixHalf); diff != "" {
		t.Errorf("6 chunks: transitions differ between 600 and 300 rows (-600 +300):\n%s", diff)
	}
	if three.Parent != six.Parent {
		t.Errorf("the parent takes %d transitions for 3 chunks and %d for 6, want the same", three.Parent, six.Parent)
	}
	perChunk := three.Children / 3
	if perChunk == 0 || three.Children != 3*perChunk || six.Children != 6*perChunk {
		t.Errorf("children take %d transitions for 3 chunks and %d for 6, want %d a chunk", three.Children, six.Children, perChunk)
	}
}
