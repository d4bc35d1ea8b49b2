// Package ctxtime holds the context-aware sleep that the engine's RealClock
// and functions/load's SystemClock both are: wait for a duration, or stop
// early when the context is done.
package ctxtime
