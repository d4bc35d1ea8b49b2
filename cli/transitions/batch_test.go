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
// tasks) predicts them: the batch's own states (its Standard
// transitions), and per file its Express child's states and one child
// execution (the Map's transition). A file of several chunks is handed to
// the per-file machine: its execution's transitions are the per-file
// path's (cost.TakePath), and the next batch's child that settles it is
// BatchPath.Settle. An empty batch takes the batch's own states alone.
func TestBatchTransitionsMatchCost(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the pipeline in four batches")
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
			size := int64(1)
			for i := range tt.files {
				// Files of distinct names, so each is a key of its own.
				named := filepath.Join(t.TempDir(), fmt.Sprintf("orders-%d-%d.csv", tt.rows, i))
				if err := os.Rename(ordersCSV(t, tt.rows), named); err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(named); err == nil {
					size = fi.Size()
				}
				if _, _, err := rt.Upload(ctx, "orders", named); err != nil {
					t.Fatal(err)
				}
			}
			br, err := rt.ExecuteBatch(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			p, err := cost.TakeBatchPath(rt.BatchMachine(), max(tt.files, 1), tt.chunks, size, enrich)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.chunks > 1; p.HandedOff != want {
				t.Fatalf("cost model: handed off %v for %d chunks, want %v", p.HandedOff, tt.chunks, want)
			}
			loaded, handed := br.Summary.Loaded, br.Summary.HandedOff
			if p.HandedOff {
				loaded, handed = handed, loaded
			}
			if br.Status != engine.StatusSucceeded || loaded != int64(tt.files) || handed != 0 {
				t.Fatalf("batch %s (%s %s): %+v, want %d files each loaded (or handed off: %v)", br.Status, br.Error, br.Cause, br.Summary, tt.files, p.HandedOff)
			}
			check := func(what string, got transitions.Count, parent []string, child []string) {
				t.Helper()
				t.Logf("%s of %d files: real parent=%d children=%d (%d executions); cost model parent=%d, %d a child",
					what, tt.files, got.Parent, got.Children, got.ChildExecutions, len(parent), len(child))
				if got.Parent != len(parent) || got.Children != tt.files*len(child) || got.ChildExecutions != tt.files || got.ChildType != "EXPRESS" {
					t.Errorf("%s: real run parent %d, children %d in %d %s executions; cost model %d (%v) and %d × %d (%v)",
						what, got.Parent, got.Children, got.ChildExecutions, got.ChildType, len(parent), parent, tt.files, len(child), child)
				}
			}
			check("batch", transitions.Of(rt.BatchMachine(), br.Result.History), p.States, p.File.States)
			if !p.HandedOff {
				return
			}
			// The per-file executions the batch started: the per-file
			// machine's path, as sluice cost prices it.
			pf, err := cost.TakePath(rt.Machine(), tt.chunks, enrich)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range br.Files {
				if !f.HandedOff || f.Result == nil {
					t.Fatalf("%s: %+v, want a handed-off file with its execution's history", f.Key, *f)
				}
				got := transitions.Of(rt.Machine(), f.Result.History)
				if got.Parent != len(pf.States) || got.Children != tt.chunks*len(pf.ChunkStates) {
					t.Errorf("%s's per-file execution: parent %d, children %d; cost model %d and %d × %d", f.Key, got.Parent, got.Children, len(pf.States), tt.chunks, len(pf.ChunkStates))
				}
			}
			next, err := rt.ExecuteBatch(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			if next.Summary.Files != int64(tt.files) || next.Summary.Unsettled != 0 || next.Summary.HandedOff != 0 {
				t.Fatalf("the settling batch: %+v", next.Summary)
			}
			check("settling batch", transitions.Of(rt.BatchMachine(), next.Result.History), p.States, p.Settle.States)
		})
	}
}
