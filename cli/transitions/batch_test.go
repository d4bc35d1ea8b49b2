package transitions_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/cli/transitions"
	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/platform/cost"
)

// TestBatchTransitionsMatchCost runs real batches through the local
// runtime (real functions, the engine, embedded S3 and DynamoDB) and
// counts the transitions in their histories, then checks that sluice
// cost's path through the same batch machine (cost.TakeBatchPath, stub
// tasks) predicts them: the batch's own states, and per file its child
// execution's and, for a file of several chunks, its chunk executions'.
// An empty batch takes the batch's own states alone.
func TestBatchTransitionsMatchCost(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the pipeline in three batches")
	}
	orders, err := dataset.Builtin().Lookup("orders")
	if err != nil {
		t.Fatal(err)
	}
	enrich := orders.Enrichment.Enabled()
	tests := []struct {
		name                 string
		files, rows, perFile int // files of rows each, staged perFile records a chunk (0: the default)
		chunks               int // the chunks a file makes
	}{
		{"empty", 0, 0, 0, 1},
		{"three small files", 3, 20, 0, 1},
		{"two files of three chunks", 2, 300, 100, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			rt, err := local.Open(ctx, local.Config{StateDir: t.TempDir(), Fast: true, ChunkRecords: tt.perFile})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			for i := range tt.files {
				// Files of distinct names, so each is a key of its own.
				named := filepath.Join(t.TempDir(), fmt.Sprintf("orders-%d-%d.csv", tt.rows, i))
				if err := os.Rename(ordersCSV(t, tt.rows), named); err != nil {
					t.Fatal(err)
				}
				if _, _, err := rt.Upload(ctx, "orders", named); err != nil {
					t.Fatal(err)
				}
			}
			br, err := rt.ExecuteBatch(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			if br.Status != engine.StatusSucceeded || br.Summary.Loaded != int64(tt.files) {
				t.Fatalf("batch %s (%s %s), %d of %d files loaded", br.Status, br.Error, br.Cause, br.Summary.Loaded, tt.files)
			}
			got := transitions.Of(rt.BatchMachine(), br.Result.History)

			p, err := cost.TakeBatchPath(rt.BatchMachine(), max(tt.files, 1), tt.chunks, enrich)
			if err != nil {
				t.Fatal(err)
			}
			children := tt.files * len(p.File.States)
			if p.File.Distributed {
				children += tt.files * tt.chunks * len(p.File.ChunkStates)
			}
			t.Logf("batch of %d files: real parent=%d children=%d; cost model parent=%d children=%d (%d a file)",
				tt.files, got.Parent, got.Children, len(p.States), children, len(p.File.States))
			if got.Parent != len(p.States) || got.Children != children {
				t.Errorf("transitions: real run parent %d, children %d; cost model %d (%v) and %d", got.Parent, got.Children, len(p.States), p.States, children)
			}
			if wantMap := tt.chunks > 1; p.File.Distributed != wantMap {
				t.Errorf("cost model: distributed %v for %d chunks", p.File.Distributed, tt.chunks)
			}
		})
	}
}
