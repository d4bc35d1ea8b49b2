//go:build !unix

package local

import (
	"errors"
	"os"
)

// errLocked is tryLock's answer when another process holds the lock.
var errLocked = errors.New("locked by another process")

// tryLock does not lock where flock(2) is missing: two writers on one state
// directory are then the user's to avoid.
func tryLock(*os.File) error { return nil }
