package engine

import (
	"context"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/ctxtime"
)

// Clock is the engine's source of time. Implementations must be safe for
// concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout returns a context that is done after d on this clock.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// RealClock is wall-clock time.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits on a timer.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	return ctxtime.Sleep(ctx, d)
}

// WithTimeout is context.WithTimeout.
func (RealClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// VirtualClock is simulated time: Sleep returns at once and moves the clock
// forward, so Wait states and retry intervals cost nothing. The work of a
// task is not simulated, so its timers are not either: WithTimeout counts
// real time, and a task that hangs still fails with States.Timeout or
// States.HeartbeatTimeout after its TimeoutSeconds or HeartbeatSeconds (the
// virtual clock is shared by an execution's branches, so a Wait skipped in
// one must not shorten a task's timeout in another). An execution's own
// TimeoutSeconds is kept on virtual time (see Engine.Run). The zero value
// starts at the zero time; use NewVirtualClock to pick a start. Safe for
// concurrent use.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtualClock returns a VirtualClock reading start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the virtual time by d.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

// Advance moves the virtual time forward by d.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// WithTimeout is context.WithTimeout: a timeout bounds work, which takes
// real time even when waits do not.
func (c *VirtualClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
