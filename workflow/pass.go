package workflow

import "github.com/sluicehq/sluice/workflow/asl"

// PassProps are the optional fields of a Pass state.
type PassProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// Parameters is a payload template applied to the input (JSONPath).
	// Default: none.
	Parameters any
	// Result is fixed JSON used as the result (JSONPath). Default: the
	// input.
	Result any
	// ResultPath places the result in the input (JSONPath); Null discards
	// it. Default: "$".
	ResultPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the input.
	Output any
	// Assign sets variables. Default: none.
	Assign map[string]any
}

// Pass passes its input to its output, optionally reshaped.
type Pass struct {
	stateBase
	flow
	props PassProps
}

// NewPass returns a Pass state.
func NewPass(name string, props PassProps) *Pass {
	s := &Pass{props: props}
	s.stateBase = stateBase{self: s, name: name}
	s.flow = flow{&s.stateBase}
	return s
}

// Next sets the state after this one.
func (s *Pass) Next(next Chainable) *Chain { return s.flow.Next(next) }

// EndStates returns the state itself.
func (s *Pass) EndStates() []Nextable { return s.flow.EndStates() }

// StartState returns the state itself.
func (s *Pass) StartState() State { return s }

func (s *Pass) build(c *compiler, p string) asl.State {
	return &asl.Pass{
		Common:     common(s.props.Comment, s.props.QueryLanguage),
		InputPath:  toPath(s.props.InputPath),
		Parameters: c.encode(p+".Parameters", s.name, s.props.Parameters),
		Result:     c.encode(p+".Result", s.name, s.props.Result),
		ResultPath: toPath(s.props.ResultPath),
		OutputPath: toPath(s.props.OutputPath),
		Output:     c.encode(p+".Output", s.name, s.props.Output),
		Assign:     c.assign(p, s.name, s.props.Assign),
		Transition: transition(&s.stateBase),
	}
}
