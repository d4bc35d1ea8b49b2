package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockFile is the state directory's lock: the process that runs pipelines
// on the directory holds it, and its owner record says who that is.
const lockFile = "lock"

// lockOwner is written into the lock file by the process that holds it.
type lockOwner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// StateDirBusyError reports that another process runs pipelines on the
// state directory. Two writers would both allocate object versions and
// tables from the same journals, so the second is refused; read-only
// commands (table scan, report) still work beside it.
type StateDirBusyError struct {
	// Dir is the state directory.
	Dir string
	// PID and Command name the process holding it, when it said so.
	PID     int
	Command string
	// Since is when that process took the directory.
	Since time.Time
}

func (e *StateDirBusyError) Error() string {
	who := "another sluice process"
	if e.PID > 0 {
		who = fmt.Sprintf("%q (pid %d, since %s)", e.Command, e.PID, e.Since.Local().Format("15:04:05"))
	}
	return fmt.Sprintf("state directory %s is in use by %s: stop it, or give this command another --state-dir", e.Dir, who)
}

// stateLock is a held lock on a state directory.
type stateLock struct {
	f *os.File
}

// lockStateDir takes dir's lock for this process, or fails with a
// *StateDirBusyError naming the holder.
func lockStateDir(dir string) (*stateLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if !errors.Is(err, errLocked) {
			return nil, fmt.Errorf("state directory %s: lock: %w", dir, err)
		}
		busy := &StateDirBusyError{Dir: dir}
		if b, err := os.ReadFile(path); err == nil {
			var o lockOwner
			if json.Unmarshal(b, &o) == nil {
				busy.PID, busy.Command, busy.Since = o.PID, o.Command, o.Since
			}
		}
		return nil, busy
	}
	owner, _ := json.Marshal(lockOwner{PID: os.Getpid(), Command: commandLine(), Since: time.Now()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(owner, '\n'), 0)
	}
	return &stateLock{f: f}, nil
}

// release gives the lock up (closing the file drops it).
func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}

// commandLine is this process's command, program name shortened.
func commandLine() string {
	args := append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	s := strings.Join(args, " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
