package benchcpu

import "syscall"

// threadCPU returns the user and system CPU time of the calling thread in
// nanoseconds (getrusage RUSAGE_THREAD).
func threadCPU() (int64, bool) {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
