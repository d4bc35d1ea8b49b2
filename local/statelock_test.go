package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

	tables := func() []string {
		entries, _ := os.ReadDir(filepath.Join(state, "dynamodb"))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	before := tables()
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
	if diff := cmp.Diff(before, tables()); diff != "" {
		t.Errorf("the read-only runtime left its snapshot behind (-before +after):\n%s", diff)
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
