package dataset

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// reportThreadCPU locks the benchmark to its thread and, when it ends,
// reports the thread's CPU time per op ("cpu-ns/op"): on a shared machine
// the wall time of ns/op includes the time other processes ran.
func reportThreadCPU(b *testing.B) {
	runtime.LockOSThread()
	start := threadCPU()
	b.Cleanup(func() {
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		runtime.UnlockOSThread()
	})
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
