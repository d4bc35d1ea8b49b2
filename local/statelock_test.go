package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestStateDirOneWriter: a second runtime that would run pipelines on a
// state directory in use is refused with an error naming the holder, while
// a read-only one opens beside it and sees what the writer loaded.
func TestStateDirOneWriter(t *testing.T) {
	ctx := context.Background()
	state := t.TempDir()
	w, err := Open(ctx, Config{StateDir: state, Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	if res := submit(t, w, writeCSV(t, t.TempDir(), "small.csv", 1)); res.Status != Loaded {
		t.Fatalf("writer: %+v", res)
	}

	_, err = Open(ctx, Config{StateDir: state, Functions: fakeFunctions(2), Fast: true})
	var busy *StateDirBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second writer: want *StateDirBusyError, got %v", err)
	}
	if busy.PID != os.Getpid() || !strings.Contains(err.Error(), state) || !strings.Contains(err.Error(), "--state-dir") {
		t.Errorf("busy error names pid %d (want %d): %v", busy.PID, os.Getpid(), err)
	}

	ro, err := Open(ctx, Config{StateDir: state, Functions: fakeFunctions(2), ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only beside the writer: %v", err)
	}
	if n := scanCount(t, ro); n != 1 {
		t.Errorf("read-only runtime sees %d items, want 1", n)
	}
	if _, _, err := ro.Upload(ctx, "orders", writeCSV(t, t.TempDir(), "x.csv", 1)); err == nil {
		t.Error("upload through a read-only runtime: want an error")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "dynamodb", snapshotPrefix+"*")); len(left) != 0 {
		t.Errorf("the read-only runtime left its snapshot behind: %v", left)
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2, err := Open(ctx, Config{StateDir: state, Functions: fakeFunctions(2), Fast: true})
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	w2.Close()
}

// TestTableSnapshotBesideWriter takes snapshots while another store keeps
// writing (and compacting) the same tables: every snapshot opens, and sees
// a count no smaller than the one before and no larger than what was
// written.
func TestTableSnapshotBesideWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ts, err := OpenTableStore(dir, TableFaults{})
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
		snap, err := OpenTableSnapshot(dir)
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
func countItems(t *testing.T, ts *TableStore) int {
	t.Helper()
	srv, err := ServeDynamoDB(ts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	return count(t, NewDynamoDBClient(srv.URL))
}

// TestObjectJournalTornLine: a journal whose last line was cut short (a
// crash, or a writer caught mid-line) still opens, read-only and for
// writing, and the writer cuts the torn line off before appending.
func TestObjectJournalTornLine(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenObjectStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	j := filepath.Join(dir, "journal.jsonl")
	whole, _ := os.ReadFile(j)
	f, _ := os.OpenFile(j, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"op":"bucket","bucket":"tor`)
	f.Close()

	ro, err := OpenObjectStoreReadOnly(dir, nil)
	if err != nil {
		t.Fatalf("read-only open of a torn journal: %v", err)
	}
	if ok, _ := ro.BucketExists("b"); !ok {
		t.Error("read-only store lost bucket b")
	}
	ro.Close()
	w, err := OpenObjectStore(dir, nil)
	if err != nil {
		t.Fatalf("open of a torn journal: %v", err)
	}
	if err := w.CreateBucket("c"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, _ := os.ReadFile(j)
	if !strings.HasPrefix(string(got), string(whole)) || strings.Contains(string(got), "tor\"") || strings.Count(string(got), "\n") != strings.Count(string(whole), "\n")+1 {
		t.Errorf("journal after the torn line and one more write:\n%s", got)
	}
	again, err := OpenObjectStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for _, b := range []string{"b", "c"} {
		if ok, _ := again.BucketExists(b); !ok {
			t.Errorf("bucket %s missing after reopen", b)
		}
	}
}
