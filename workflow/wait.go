package workflow

import (
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// WaitTime is how long a Wait state waits: make one with WaitSeconds,
// WaitSecondsPath, WaitUntil, WaitTimestampPath or WaitExpr.
type WaitTime struct {
	seconds       *asl.IntOrExpr
	secondsPath   string
	timestamp     string
	timestampPath string
}

// WaitSeconds waits a fixed number of seconds.
func WaitSeconds(n int) WaitTime { return WaitTime{seconds: asl.Int(int64(n))} }

// WaitSecondsPath waits the number of seconds found at a path (JSONPath).
func WaitSecondsPath(p string) WaitTime { return WaitTime{secondsPath: p} }

// WaitUntil waits until a fixed time.
func WaitUntil(t time.Time) WaitTime { return WaitTime{timestamp: t.UTC().Format(time.RFC3339)} }

// WaitTimestampPath waits until the time found at a path (JSONPath).
func WaitTimestampPath(p string) WaitTime { return WaitTime{timestampPath: p} }

// WaitExpr waits the number of seconds a JSONata expression gives
// (delimiters included, see Expr).
func WaitExpr(expr string) WaitTime { return WaitTime{seconds: &asl.IntOrExpr{Expr: expr}} }

// WaitProps are the optional fields of a Wait state.
type WaitProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the input.
	Output any
	// Assign sets variables. Default: none.
	Assign map[string]any
}

// Wait delays the execution.
type Wait struct {
	stateBase
	flow
	time  WaitTime
	props WaitProps
}

// NewWait returns a Wait state.
func NewWait(name string, t WaitTime, props WaitProps) *Wait {
	s := &Wait{time: t, props: props}
	s.stateBase = stateBase{self: s, name: name}
	s.flow = flow{&s.stateBase}
	return s
}

// Next sets the state after this one.
func (s *Wait) Next(next Chainable) *Chain { return s.flow.Next(next) }

// EndStates returns the state itself.
func (s *Wait) EndStates() []Nextable { return s.flow.EndStates() }

// StartState returns the state itself.
func (s *Wait) StartState() State { return s }

func (s *Wait) build(c *compiler, p string) asl.State {
	if s.time == (WaitTime{}) {
		c.add(validate.Issue{Path: p, State: s.name, Code: CodeBadWait, Msg: "Wait needs a WaitTime (WaitSeconds, WaitUntil, ...)"})
	}
	return &asl.Wait{
		Common:        common(s.props.Comment, s.props.QueryLanguage),
		InputPath:     toPath(s.props.InputPath),
		Seconds:       s.time.seconds,
		SecondsPath:   s.time.secondsPath,
		Timestamp:     s.time.timestamp,
		TimestampPath: s.time.timestampPath,
		OutputPath:    toPath(s.props.OutputPath),
		Output:        c.encode(p+".Output", s.name, s.props.Output),
		Assign:        c.assign(p, s.name, s.props.Assign),
		Transition:    transition(&s.stateBase),
	}
}
