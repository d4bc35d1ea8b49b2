package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// startingHeapPercent is the GOGC the first collection runs under: the Go
// runtime's first heap goal is 4 MiB × GOGC/100, so 400 lets a process
// reach 16 MiB before it collects for the first time.
const startingHeapPercent = 400

// startingHeap lets the heap grow to 16 MiB before the first garbage
// collection, then gives the collector back its usual setting. Most
// sluice commands (exec, lint, asl, graph, diff) end before their heap
// reaches 16 MiB, and the linked packages' initialisation alone allocates
// about 2 MiB, so under the default 4 MiB first goal a short command paid
// for one whole collection (about a tenth of `sluice exec`'s CPU on a
// 200-state chain). The Go compiler does the same at its start
// (cmd/compile's AdjustStartingHeap). Long runs are unaffected after their
// first collection, and a memory limit set later (sluice transform's)
// still bounds the heap. A GOGC in the environment is the user's choice
// and is left alone.
//
// It acts once per process: Run may be called again (tests).
var startingHeap = sync.OnceFunc(func() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	raiseFirstHeapGoal(startingHeapPercent)
})

// raiseFirstHeapGoal sets GOGC to percent until the next collection has
// run, then back to what it was.
func raiseFirstHeapGoal(percent int) {
	prev := debug.SetGCPercent(percent)
	// The sentinel is unreachable at once; its finalizer runs after the
	// next collection and restores the setting. It holds a pointer so
	// that it is not batched by the tiny allocator, whose objects may
	// never be finalized.
	sentinel := &struct{ _ *byte }{}
	runtime.SetFinalizer(sentinel, func(*struct{ _ *byte }) { debug.SetGCPercent(prev) })
}
