//go:build unix

package load

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user+system) the test process has used: on
// a shared machine a benchmark's CPU per record says more than its wall
// time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
