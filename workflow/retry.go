package workflow

import (
	"slices"

	"github.com/sluicehq/sluice/workflow/asl"
)

// JitterStrategy randomises retry intervals.
type JitterStrategy string

// The jitter strategies of a Retrier.
const (
	JitterNone JitterStrategy = "NONE"
	JitterFull JitterStrategy = "FULL"
)

// RetryProps describes one retrier. The zero value retries every error
// (States.ALL) with the ASL defaults.
type RetryProps struct {
	// Errors are the error names retried. Use asl constants or
	// asl.ErrorName(fnerr.NameOf(&fnerr.X{})) for function errors, never
	// string literals. Default: States.ALL.
	Errors []asl.ErrorName
	// IntervalSeconds is the wait before the first retry. Default: 1.
	IntervalSeconds int
	// MaxAttempts is the number of retries. Default: 3 (to never retry an
	// error, catch it without a retrier).
	MaxAttempts int
	// BackoffRate multiplies the interval after each attempt. Default: 2.0.
	BackoffRate float64
	// MaxDelaySeconds caps the interval. Default: no cap.
	MaxDelaySeconds int
	// Jitter randomises the interval. Default: JitterNone.
	Jitter JitterStrategy
	// Comment describes the retrier. Default: none.
	Comment string
}

// CatchProps describes one catcher.
type CatchProps struct {
	// Errors are the error names caught. Default: States.ALL.
	Errors []asl.ErrorName
	// ResultPath places the error output ({"Error", "Cause"}) in the state
	// input (JSONPath). Default: "$" (the error output replaces the input).
	ResultPath string
	// Output is the catcher's output (JSONata). Default: the error output.
	Output any
	// Assign sets variables when the catcher is taken. Default: none.
	Assign map[string]any
	// Comment describes the catcher. Default: none.
	Comment string
}

type catch struct {
	handler State
	props   CatchProps
}

// handling gives AddRetry and AddCatch to Task, Parallel and Map.
type handling struct {
	retries []RetryProps
	catches []catch
}

func (h *handling) addRetry(p RetryProps) { h.retries = append(h.retries, p) }

func (h *handling) addCatch(b *stateBase, handler Chainable, p CatchProps) {
	if handler == nil || handler.StartState() == nil {
		b.record(CodeNilState, "AddCatch(nil)")
		return
	}
	h.catches = append(h.catches, catch{handler: handler.StartState(), props: p})
}

// errorList returns the names, States.ALL standing alone if present (it
// subsumes every other name).
func errorList(names []asl.ErrorName) []asl.ErrorName {
	if len(names) == 0 || slices.Contains(names, asl.StatesALL) {
		return []asl.ErrorName{asl.StatesALL}
	}
	return slices.Clone(names)
}

func hasAll(names []asl.ErrorName) bool { return slices.Contains(names, asl.StatesALL) }

// build converts the handlers, sorted so that the States.ALL ones come last
// (stable otherwise).
func (h *handling) build(c *compiler, path string, b *stateBase) asl.ErrorHandling {
	var out asl.ErrorHandling
	for _, r := range h.retries {
		ar := asl.Retrier{ErrorEquals: errorList(r.Errors), JitterStrategy: string(r.Jitter), Comment: r.Comment}
		if r.IntervalSeconds != 0 {
			ar.IntervalSeconds = ptr(int64(r.IntervalSeconds))
		}
		if r.MaxAttempts != 0 {
			ar.MaxAttempts = ptr(int64(r.MaxAttempts))
		}
		if r.BackoffRate != 0 {
			ar.BackoffRate = ptr(r.BackoffRate)
		}
		if r.MaxDelaySeconds != 0 {
			ar.MaxDelaySeconds = ptr(int64(r.MaxDelaySeconds))
		}
		out.Retry = append(out.Retry, ar)
	}
	slices.SortStableFunc(out.Retry, func(x, y asl.Retrier) int { return boolCmp(hasAll(x.ErrorEquals), hasAll(y.ErrorEquals)) })
	for i, k := range h.catches {
		out.Catch = append(out.Catch, asl.Catcher{
			ErrorEquals: errorList(k.props.Errors),
			ResultPath:  toPath(k.props.ResultPath),
			Output:      c.encode(path+".Catch["+itoa(i)+"].Output", b.name, k.props.Output),
			Assign:      c.assign(path+".Catch["+itoa(i)+"]", b.name, k.props.Assign),
			Next:        k.handler.Name(),
			Comment:     k.props.Comment,
		})
	}
	slices.SortStableFunc(out.Catch, func(x, y asl.Catcher) int { return boolCmp(hasAll(x.ErrorEquals), hasAll(y.ErrorEquals)) })
	return out
}

// successors returns the catch handlers in order.
func (h *handling) successors() []State {
	out := make([]State, 0, len(h.catches))
	for _, k := range h.catches {
		out = append(out, k.handler)
	}
	return out
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func ptr[T any](v T) *T { return &v }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
