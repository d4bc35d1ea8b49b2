package local

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sluicehq/sluice/engine"
)

// EnvCrash is the environment variable the CLI reads a CrashPoint from
// (ParseCrash). It is a test hook, not a user feature: the crash harness
// (local/crash_test.go) sets it on a real `sluice run` process to kill it
// at a chosen point, then runs the same command again and checks that
// nothing was lost or written twice.
const EnvCrash = "SLUICE_TEST_KILL"

// CrashPoint says where the process kills itself with SIGKILL: no
// deferred function runs, no file is closed or flushed, exactly as under
// kill -9. One of the fields is set.
type CrashPoint struct {
	// State kills the process when the Nth entry of the state with that
	// name begins (top level, Map iterations and Distributed Map chunks
	// alike), before the state does anything.
	State string
	// Nth is the entry of State that kills (1 for the first).
	Nth int64
	// Items kills the process once this many items have been written to
	// the embedded tables by BatchWriteItem (the loader's writes), after
	// the write that reaches it.
	Items int64
	// UploadBytes kills the process once this many bytes of an uploaded
	// file have been read (mid-upload).
	UploadBytes int64
}

// ParseCrash parses a crash point: "state:NAME" or "state:NAME@N" (the Nth
// entry of the state), "items:N" or "upload:BYTES". An empty spec is no
// crash point (nil).
func ParseCrash(spec string) (*CrashPoint, error) {
	if spec == "" {
		return nil, nil
	}
	kind, arg, ok := strings.Cut(spec, ":")
	if !ok || arg == "" {
		return nil, fmt.Errorf("%s=%q: want state:NAME[@N], items:N or upload:BYTES", EnvCrash, spec)
	}
	count := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%s=%q: %q is not a positive count", EnvCrash, spec, s)
		}
		return n, nil
	}
	var c CrashPoint
	var err error
	switch kind {
	case "state":
		name, nth, hasNth := strings.Cut(arg, "@")
		c.State, c.Nth = name, 1
		if name == "" {
			return nil, fmt.Errorf("%s=%q: no state name", EnvCrash, spec)
		}
		if hasNth {
			c.Nth, err = count(nth)
		}
	case "items":
		c.Items, err = count(arg)
	case "upload":
		c.UploadBytes, err = count(arg)
	default:
		return nil, fmt.Errorf("%s=%q: unknown kind %q (want state, items or upload)", EnvCrash, spec, kind)
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// crasher counts towards a CrashPoint and kills the process on reaching it.
type crasher struct {
	point   CrashPoint
	entries atomic.Int64
	items   atomic.Int64
	once    sync.Once
}

func newCrasher(p *CrashPoint) *crasher {
	if p == nil {
		return nil
	}
	return &crasher{point: *p}
}

// kill ends the process as kill -9 does.
func (c *crasher) kill(why string) {
	c.once.Do(func() {
		fmt.Fprintf(os.Stderr, "sluice: %s: killed by %s (test hook)\n", why, EnvCrash)
		p, err := os.FindProcess(os.Getpid())
		if err == nil {
			_ = p.Kill() // SIGKILL on Unix
		}
		os.Exit(137) // where Kill is not SIGKILL
	})
	select {} // another goroutine is killing the process
}

// observe is an engine observer: it counts the entries of the state.
func (c *crasher) observe(e engine.Event) {
	if c == nil || c.point.State == "" || e.StateEnteredEventDetails == nil || e.StateEnteredEventDetails.Name != c.point.State {
		return
	}
	if c.entries.Add(1) == c.point.Nth {
		c.kill(fmt.Sprintf("state %s entered (entry %d)", c.point.State, c.point.Nth))
	}
}

// wrote counts the items a DynamoDB write request put.
func (c *crasher) wrote(op string, body []byte) {
	if c == nil || c.point.Items == 0 || op != "BatchWriteItem" {
		return
	}
	// Counted from the request text, without decoding it: a string value
	// "PutRequest" would count too, which only kills a little earlier.
	n := int64(bytes.Count(body, []byte(`"PutRequest"`)))
	if c.items.Add(n) >= c.point.Items {
		c.kill(fmt.Sprintf("%d items written", c.items.Load()))
	}
}

// uploaded checks the bytes of an upload read so far.
func (c *crasher) uploaded(done int64) {
	if c != nil && c.point.UploadBytes > 0 && done >= c.point.UploadBytes {
		c.kill(fmt.Sprintf("%d bytes uploaded", done))
	}
}
