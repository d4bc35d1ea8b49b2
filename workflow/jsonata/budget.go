package jsonata

import (
	"context"
	"fmt"
	"time"
)

// Budget bounds the total work of one Eval, so that an expression such as
// [1..10000].([1..10000]) (10^8 values) fails with an *EvalError instead of
// running the process out of memory or time. The engine reports that error
// as States.QueryEvaluationError, as Step Functions reports a JSONata
// expression that fails.
//
// Values counts what the evaluation produces, not what it holds at once:
// every member of an array, sequence or object the expression builds (array
// and object constructors, ranges, path and filter results, the results of
// built-in functions), and one value per 32 bytes of each string it builds.
// A value costs about that much memory, so the default budget bounds the
// garbage an evaluation can make to a few hundred megabytes. Values that
// only pass through (the input, variables) are not counted again.
type Budget struct {
	// Values is the most values one evaluation may produce (U1011).
	// Default: DefaultBudget.Values; negative: no limit.
	Values int64
	// Time is the longest one evaluation may run, in wall time (U1012).
	// Default: DefaultBudget.Time; negative: no limit (ctx still applies).
	Time time.Duration
}

// DefaultBudget is the budget of an Eval whose context sets none: five
// million values (half the size of jsonata's largest range, [1..1e7]) and
// twenty seconds. Step Functions does not document such limits; a state's
// input and output are at most 256 KiB (some 100,000 values), so an
// expression that needs more than this is a runaway.
var DefaultBudget = Budget{Values: 5e6, Time: 20 * time.Second}

type budgetKey struct{}

// WithBudget returns a context that gives each Eval under it budget b
// instead of DefaultBudget (zero fields take the default's).
func WithBudget(ctx context.Context, b Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// budgetOf returns the budget for an evaluation under ctx.
func budgetOf(ctx context.Context) Budget {
	b, _ := ctx.Value(budgetKey{}).(Budget)
	if b.Values == 0 {
		b.Values = DefaultBudget.Values
	}
	if b.Time == 0 {
		b.Time = DefaultBudget.Time
	}
	return b
}

// stringValueBytes is the size of string that counts as one value.
const stringValueBytes = 32

// charge counts the values v adds against the budget (see Budget) and
// fails with U1011 once they exceed it.
func (ev *evaluator) charge(v any, pos int) error {
	var n int
	switch x := v.(type) {
	case []any:
		n = len(x)
	case *sequence:
		n = len(x.items)
	case *consArray:
		n = len(x.items)
	case map[string]any:
		n = len(x)
	case string:
		n = len(x) / stringValueBytes
	default:
		return nil
	}
	ev.produced += int64(n)
	if ev.budget.Values >= 0 && ev.produced > ev.budget.Values {
		return evalErr("U1011", pos, "value", ev.budget.Values)
	}
	return nil
}

// overTime fails with U1012 once the evaluation has run past its time
// budget.
func (ev *evaluator) overTime(pos int) error {
	if !ev.deadline.IsZero() && time.Now().After(ev.deadline) {
		return evalErr("U1012", pos, "value", fmt.Sprint(ev.budget.Time))
	}
	return nil
}
