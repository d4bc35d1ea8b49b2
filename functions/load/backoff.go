package load

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/sluicehq/sluice/internal/ctxtime"
)

// Backoff is capped exponential backoff with full jitter: before retry n
// (n ≥ 1) the loader sleeps a uniformly random duration in
// [0, min(Cap, Base·2^(n-1))]. Full jitter spreads the retries of many
// concurrent loaders (a Distributed Map runs hundreds) so that they do not
// hit a throttled table in lock step.
type Backoff struct {
	// Base is the upper bound of the first delay. Default: 25ms.
	Base time.Duration
	// Cap bounds every delay. Default: 2s.
	Cap time.Duration
}

// Defaults of Backoff.
const (
	DefaultBackoffBase = 25 * time.Millisecond
	DefaultBackoffCap  = 2 * time.Second
)

// Delay returns the delay before retry n using rnd, which returns a uniform
// integer in [0, max) (nil: math/rand/v2).
func (b Backoff) Delay(n int, rnd func(max int64) int64) time.Duration {
	if b.Base <= 0 {
		b.Base = DefaultBackoffBase
	}
	if b.Cap <= 0 {
		b.Cap = DefaultBackoffCap
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	limit := b.Cap
	if n < 1 {
		n = 1
	}
	if n-1 < 40 {
		if d := b.Base << (n - 1); d > 0 && d < b.Cap {
			limit = d
		}
	}
	return time.Duration(rnd(int64(limit) + 1))
}

// Clock is the loader's view of time, injected so that tests of the
// deadline neither wait nor depend on the machine's speed.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	return ctxtime.Sleep(ctx, d)
}
