package workflow

import (
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// ParallelProps are the optional fields of a Parallel state.
type ParallelProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// Parameters is the branches' input template (JSONPath). Default: the
	// input.
	Parameters any
	// Arguments is the branches' input (JSONata). Default: the input.
	Arguments any
	// ResultSelector reshapes the array of branch results (JSONPath).
	// Default: none.
	ResultSelector any
	// ResultPath places the result in the input (JSONPath); Null discards
	// it. Default: "$".
	ResultPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the result array.
	Output any
	// Assign sets variables. Default: none.
	Assign map[string]any
}

// Parallel runs its branches concurrently on the same input; its result is
// the array of their outputs.
type Parallel struct {
	stateBase
	flow
	handling
	props    ParallelProps
	branches []State
}

// NewParallel returns a Parallel state. Add branches with Branch.
func NewParallel(name string, props ParallelProps) *Parallel {
	s := &Parallel{props: props}
	s.stateBase = stateBase{self: s, name: name}
	s.flow = flow{&s.stateBase}
	return s
}

// Branch adds one branch per argument; each is a graph of its own.
func (s *Parallel) Branch(branches ...Chainable) *Parallel {
	for _, b := range branches {
		if b == nil || b.StartState() == nil {
			s.record(CodeNilState, "Branch(nil)")
			continue
		}
		s.branches = append(s.branches, b.StartState())
	}
	return s
}

// Next sets the state after this one.
func (s *Parallel) Next(next Chainable) *Chain { return s.flow.Next(next) }

// EndStates returns the state itself.
func (s *Parallel) EndStates() []Nextable { return s.flow.EndStates() }

// StartState returns the state itself.
func (s *Parallel) StartState() State { return s }

// AddRetry adds a retrier (see Task.AddRetry).
func (s *Parallel) AddRetry(p RetryProps) *Parallel { s.addRetry(p); return s }

// AddCatch adds a catcher (see Task.AddCatch).
func (s *Parallel) AddCatch(handler Chainable, p CatchProps) *Parallel {
	s.addCatch(&s.stateBase, handler, p)
	return s
}

func (s *Parallel) build(c *compiler, p string) asl.State {
	if len(s.branches) == 0 {
		c.add(validate.Issue{Path: p + ".Branches", State: s.name, Code: CodeNoBranches, Msg: "a Parallel needs at least one Branch"})
	}
	out := &asl.Parallel{
		Common:         common(s.props.Comment, s.props.QueryLanguage),
		InputPath:      toPath(s.props.InputPath),
		Parameters:     c.encode(p+".Parameters", s.name, s.props.Parameters),
		Arguments:      c.encode(p+".Arguments", s.name, s.props.Arguments),
		Branches:       []asl.Graph{},
		ResultSelector: c.encode(p+".ResultSelector", s.name, s.props.ResultSelector),
		ResultPath:     toPath(s.props.ResultPath),
		OutputPath:     toPath(s.props.OutputPath),
		Output:         c.encode(p+".Output", s.name, s.props.Output),
		Assign:         c.assign(p, s.name, s.props.Assign),
	}
	for i, b := range s.branches {
		prefix := p + ".Branches[" + itoa(i) + "]."
		start, states := c.graph(b, prefix, prefix)
		out.Branches = append(out.Branches, asl.Graph{StartAt: start, States: states})
	}
	out.ErrorHandling = s.handling.build(c, p, &s.stateBase)
	out.Transition = transition(&s.stateBase)
	return out
}
