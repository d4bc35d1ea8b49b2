// Command benchtime runs a command and writes its wall time, CPU time and
// peak resident memory to a file, for scripts/bench.sh:
//
//	benchtime OUT CMD [ARG...]
//
// OUT gets one line, "wall_s cpu_s rss_kb": the wall time from the start
// of the child to its end in microseconds (GNU time's %e rounds it to
// 10 ms, a quarter of a 40 ms `sluice exec`), user plus system CPU time
// and peak RSS from the child's rusage. The command's standard streams
// are benchtime's. Its exit status is the command's (1 if it could not
// start, or died of a signal).
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtime OUT CMD [ARG...]")
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintf(os.Stderr, "benchtime: %v\n", err)
		return 1
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "benchtime: no rusage on this system")
		return 1
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	line := fmt.Sprintf("%.6f %.6f %d\n", wall.Seconds(), cpu.Seconds(), ru.Maxrss) // Maxrss: KB on Linux
	if werr := os.WriteFile(args[0], []byte(line), 0o644); werr != nil {
		fmt.Fprintf(os.Stderr, "benchtime: %v\n", werr)
		return 1
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		if code < 0 {
			return 1
		}
		return code
	}
	return 0
}
