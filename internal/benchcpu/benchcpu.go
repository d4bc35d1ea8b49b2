// Package benchcpu reports a benchmark's CPU time per operation next to
// its wall time. On a shared machine ns/op includes the time other
// processes ran; the CPU time of the benchmark's own thread does not, so
// two builds can be compared while others compile. Linux only (elsewhere
// nothing is reported).
package benchcpu

import (
	"runtime"
	"testing"
)

// Report locks the calling benchmark to its thread and, when it ends,
// reports the thread's CPU time per op as the "cpu-ns/op" metric. Call it
// before the benchmark loop, from the benchmark's own goroutine; work done
// on other goroutines is not counted.
func Report(b *testing.B) {
	runtime.LockOSThread()
	start, ok := threadCPU()
	b.Cleanup(func() {
		defer runtime.UnlockOSThread()
		end, ok2 := threadCPU()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	})
}

// ReportProcess reports, when the benchmark ends, the whole process's CPU
// time per op as the "proc-cpu-ns/op" metric: work the benchmark starts
// on other goroutines (a database's background compaction, the garbage
// collector) is counted too, so run such a benchmark alone (-cpu 1 or
// without -count parallelism) for the figure to be its own.
func ReportProcess(b *testing.B) {
	start, ok := processCPU()
	b.Cleanup(func() {
		end, ok2 := processCPU()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "proc-cpu-ns/op")
		}
	})
}
