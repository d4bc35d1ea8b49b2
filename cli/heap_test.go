package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// gcPercent reads the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestRaiseFirstHeapGoal checks that the raised GOGC lasts until a
// collection has run and is then restored.
func TestRaiseFirstHeapGoal(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	raiseFirstHeapGoal(startingHeapPercent)
	if got := gcPercent(); got != startingHeapPercent {
		t.Fatalf("GOGC after raiseFirstHeapGoal = %d, want %d", got, startingHeapPercent)
	}
	// The finalizer runs on its own goroutine after the collection that
	// found the sentinel unreachable: collect until it has run.
	for i := 0; i < 100 && gcPercent() != 100; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("GOGC after a collection = %d, want 100 restored", got)
	}
}
