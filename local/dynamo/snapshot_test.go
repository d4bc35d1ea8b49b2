package dynamo

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestTableSnapshotBesideWriter takes snapshots while another store keeps
// writing (and compacting) the same tables: every snapshot opens, and sees
// a count no smaller than the one before and no larger than what was
// written.
func TestTableSnapshotBesideWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ts, err := Open(dir, Faults{})
	if err != nil {
		t.Fatal(err)
	}
	c, closeFn := serveTable(t, ts)
	defer closeFn()
	createItems(t, c)

	const batches = 400 // 10,000 items of ~1 KB: several write-buffer flushes
	var mu sync.Mutex
	written := 0
	done := make(chan error, 1)
	go func() {
		pad := strings.Repeat("x", 1000)
		for b := 0; b < batches; b++ {
			var reqs []types.WriteRequest
			for i := 0; i < 25; i++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"pk": str(fmt.Sprintf("K#%06d", b*25+i)), "pad": str(pad)}}})
			}
			if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}}); err != nil {
				done <- err
				return
			}
			mu.Lock()
			written += 25
			mu.Unlock()
		}
		done <- nil
	}()
	last, snapshots := 0, 0
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		mu.Lock()
		before := written
		mu.Unlock()
		snap, err := OpenSnapshot(dir)
		if err != nil {
			t.Fatalf("snapshot %d: %v", snapshots, err)
		}
		n := countItems(t, snap)
		mu.Lock()
		after := written
		mu.Unlock()
		if n < last || n < before || n > after {
			t.Errorf("snapshot %d sees %d items; before it %d were written, after it %d, the last snapshot saw %d", snapshots, n, before, after, last)
		}
		last = n
		snapshots++
		if err := snap.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if last != batches*25 {
		t.Errorf("the last snapshot, taken after the writer finished, sees %d items, want %d", last, batches*25)
	}
	if snapshots < 2 {
		t.Errorf("only %d snapshots were taken", snapshots)
	}
}

// countItems counts the items of a snapshot store's table "items".
func countItems(t *testing.T, ts *Store) int {
	t.Helper()
	srv := httptest.NewServer(ts)
	defer srv.Close()
	return count(t, newClient(srv.URL))
}
