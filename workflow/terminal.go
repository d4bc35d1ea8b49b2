package workflow

import "github.com/sluicehq/sluice/workflow/asl"

// SucceedProps are the optional fields of a Succeed state.
type SucceedProps struct {
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
}

// Succeed ends its graph successfully. It has no open end.
type Succeed struct {
	stateBase
	props SucceedProps
}

// NewSucceed returns a Succeed state.
func NewSucceed(name string, props SucceedProps) *Succeed {
	s := &Succeed{props: props}
	s.stateBase = stateBase{self: s, name: name}
	return s
}

// EndStates returns none: nothing can follow a Succeed state.
func (s *Succeed) EndStates() []Nextable { return nil }

func (s *Succeed) build(c *compiler, p string) asl.State {
	return &asl.Succeed{
		Common:     common(s.props.Comment, s.props.QueryLanguage),
		InputPath:  toPath(s.props.InputPath),
		OutputPath: toPath(s.props.OutputPath),
		Output:     c.encode(p+".Output", s.name, s.props.Output),
	}
}

// FailProps are the optional fields of a Fail state.
type FailProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// Error is the error name (or a JSONata expression). Default: none.
	Error asl.ErrorName
	// ErrorPath reads the error name from the input (JSONPath). Default:
	// none.
	ErrorPath string
	// Cause is the error cause (or a JSONata expression). Default: none.
	Cause string
	// CausePath reads the cause from the input (JSONPath). Default: none.
	CausePath string
}

// Fail ends the execution with an error. It has no open end.
type Fail struct {
	stateBase
	props FailProps
}

// NewFail returns a Fail state.
func NewFail(name string, props FailProps) *Fail {
	s := &Fail{props: props}
	s.stateBase = stateBase{self: s, name: name}
	return s
}

// EndStates returns none: nothing can follow a Fail state.
func (s *Fail) EndStates() []Nextable { return nil }

func (s *Fail) build(*compiler, string) asl.State {
	return &asl.Fail{
		Common:    common(s.props.Comment, s.props.QueryLanguage),
		Error:     string(s.props.Error),
		ErrorPath: s.props.ErrorPath,
		Cause:     s.props.Cause,
		CausePath: s.props.CausePath,
	}
}
