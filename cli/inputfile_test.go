package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe nobody writes to: opening it for reading
// would block forever.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	return path
}

// TestInputNotRegular feeds a FIFO and /dev/zero to the commands that read
// input files: each is refused at once with an error naming the file and
// what it is, instead of blocking on the FIFO or reading /dev/zero forever.
// transform's -o /dev/null (an output device) keeps working.
func TestInputNotRegular(t *testing.T) {
	t.Parallel()
	fifo := mkfifo(t, filepath.Join(t.TempDir(), "orders.csv"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"run FIFO", []string{"run", "--state-dir", t.TempDir(), "--dataset", "orders", fifo}, fifo + " is a named pipe (FIFO), not a regular file"},
		{"run /dev/zero", []string{"run", "--state-dir", t.TempDir(), "--dataset", "orders", "/dev/zero"}, "/dev/zero is a character device, not a regular file"},
		{"transform FIFO", []string{"transform", "--dataset", "orders", "-o", os.DevNull, fifo}, fifo + " is a named pipe (FIFO), not a regular file"},
		{"transform /dev/zero", []string{"transform", "--dataset", "orders", "-o", os.DevNull, "/dev/zero"}, "/dev/zero is a character device, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat("/dev/zero"); err != nil && strings.Contains(tt.name, "zero") {
				t.Skip("no /dev/zero here")
			}
			done := make(chan struct{})
			var code int
			var stderr string
			go func() {
				code, _, stderr = runCLI(t, "", tt.args...)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("the command is still reading the input after a minute")
			}
			if ExitCode(code) != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, ExitUsage, tt.want)
			}
		})
	}
	t.Run("transform -o /dev/null", func(t *testing.T) {
		t.Parallel()
		if code, _, stderr := runCLI(t, "", "transform", "--dataset", "orders", "-o", os.DevNull, example("orders", "orders.csv")); code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

// TestDevSkipsFIFO drops a FIFO into a watched folder beside a real file:
// `sluice dev --once` reports the FIFO as failed, naming it, and still
// loads the real file.
func TestDevSkipsFIFO(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "incoming", "readings", "stuck.jsonl"))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(fifo, old, old); err != nil {
		t.Fatal(err)
	}
	copyInto(t, filepath.Join(dir, "incoming", "readings"), example("readings", "readings.jsonl"))
	done := make(chan struct{})
	var code int
	var stdout, stderr string
	go func() {
		code, stdout, stderr = runCLI(t, "", "dev", "--once", "--dir", dir, "--state-dir", state)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("sluice dev --once is still running after two minutes")
	}
	if !strings.Contains(stdout+stderr, "stuck.jsonl is a named pipe (FIFO), not a regular file") {
		t.Errorf("the FIFO is not named in the output (exit %d):\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "incoming/readings/readings.jsonl") || !strings.Contains(stdout, "LOADED") {
		t.Errorf("the regular file was not loaded:\n%s", stdout)
	}
}
