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

// processCPU returns the user and system CPU time of the whole process in
// nanoseconds (getrusage RUSAGE_SELF).
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
