package workflow

import (
	"reflect"

	"github.com/sluicehq/sluice/workflow/asl"
)

// TaskProps are the optional fields of a Task state.
type TaskProps struct {
	// Comment describes the state. Default: none.
	Comment string
	// QueryLanguage overrides the machine's. Default: inherited.
	QueryLanguage asl.QueryLanguage
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath string
	// Parameters is the payload template of the task input (JSONPath).
	// Default: the input. For SDK integrations use the params argument of
	// the constructor instead.
	Parameters any
	// Arguments is the task input (JSONata). Default: the input.
	Arguments any
	// ResultSelector reshapes the raw result (JSONPath). Default: none.
	ResultSelector any
	// ResultPath places the result in the input (JSONPath); Null discards
	// it. Default: "$" (the result replaces the input).
	ResultPath string
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath string
	// Output is the state output (JSONata). Default: the result.
	Output any
	// Assign sets variables. Default: none.
	Assign map[string]any
	// TimeoutSeconds bounds the task. Default: none for Lambda functions
	// (their own timeout applies), 60 for other resources.
	TimeoutSeconds int
	// HeartbeatSeconds bounds the time between heartbeats. Default: none.
	HeartbeatSeconds int
	// Credentials names a role to assume. Default: the machine's role.
	Credentials any
}

// Task runs a unit of work: a Lambda function, an AWS service integration
// or any other resource.
type Task struct {
	stateBase
	flow
	handling
	props TaskProps
	// resource is a literal Resource ARN (NewTask).
	resource string
	// function is a logical Lambda function name (NewLambda).
	function string
	// sdk is a service integration (DynamoPutItem, S3CopyObject, ...).
	sdk *integration
	// in and out are the Go types the handler decodes its input into and
	// returns (LambdaTask); nil when not declared.
	in, out reflect.Type
}

func newTask(name string, props TaskProps) *Task {
	s := &Task{props: props}
	s.stateBase = stateBase{self: s, name: name}
	s.flow = flow{&s.stateBase}
	return s
}

// NewTask returns a Task state for a literal resource ARN (an activity, an
// integration this package has no constructor for). No IAM action is
// reported for it.
func NewTask(name, resource string, props TaskProps) *Task {
	s := newTask(name, props)
	s.resource = resource
	return s
}

// NewLambda returns a Task state that invokes the Lambda function with
// logical name function, resolved to its ARN at compile time (the ARN is
// the Resource, so the state's result is the function's output and a
// function error's name is its errorType). Reported as lambda:InvokeFunction.
func NewLambda(name, function string, props TaskProps) *Task {
	s := newTask(name, props)
	s.function = function
	return s
}

// LambdaTask is NewLambda for a function whose handler takes In and returns
// Out: Compile checks the keys of the task's Parameters against In's json
// fields, and every path that later states read from the result against
// Out's (see "Typed data flow" in docs/workflow.md).
//
//	validate := workflow.LambdaTask[contract.FileEvent, contract.ValidateOutput](
//		"Validate", "validate", workflow.TaskProps{ResultPath: "$.validation"})
func LambdaTask[In, Out any](name, function string, props TaskProps) *Task {
	s := NewLambda(name, function, props)
	s.in, s.out = reflect.TypeFor[In](), reflect.TypeFor[Out]()
	return s
}

// Returns declares Out as the Go type of t's result (before its
// ResultSelector), for a task whose result this package cannot type by
// itself: an SDK integration whose output the caller knows better than the
// service's, such as a GetItem whose ProjectionExpression keeps two
// attributes, or a literal Resource. Compile then checks later reads of the
// result against Out's json fields and bounds its size with Out's maxBytes
// tags, as for LambdaTask's Out. It returns t.
func Returns[Out any](t *Task) *Task {
	t.out = reflect.TypeFor[Out]()
	return t
}

// Next sets the state after this one.
func (s *Task) Next(next Chainable) *Chain { return s.flow.Next(next) }

// EndStates returns the state itself.
func (s *Task) EndStates() []Nextable { return s.flow.EndStates() }

// StartState returns the state itself.
func (s *Task) StartState() State { return s }

// AddRetry adds a retrier. Retriers are tried in the order added, except
// that Compile moves those matching States.ALL last.
func (s *Task) AddRetry(p RetryProps) *Task { s.addRetry(p); return s }

// AddCatch adds a catcher that runs handler. Catchers are tried in the order
// added, except that Compile moves those matching States.ALL last.
func (s *Task) AddCatch(handler Chainable, p CatchProps) *Task {
	s.addCatch(&s.stateBase, handler, p)
	return s
}

func (c *compiler) lang(ql asl.QueryLanguage) asl.QueryLanguage {
	if ql != "" {
		return ql
	}
	if c.cfg.queryLanguage != "" {
		return c.cfg.queryLanguage
	}
	return asl.JSONPath
}

func (s *Task) build(c *compiler, p string) asl.State {
	out := &asl.Task{
		Common:           common(s.props.Comment, s.props.QueryLanguage),
		Resource:         s.resource,
		Credentials:      c.encode(p+".Credentials", s.name, s.props.Credentials),
		InputPath:        toPath(s.props.InputPath),
		Parameters:       c.encode(p+".Parameters", s.name, s.props.Parameters),
		Arguments:        c.encode(p+".Arguments", s.name, s.props.Arguments),
		ResultSelector:   c.encode(p+".ResultSelector", s.name, s.props.ResultSelector),
		ResultPath:       toPath(s.props.ResultPath),
		OutputPath:       toPath(s.props.OutputPath),
		Output:           c.encode(p+".Output", s.name, s.props.Output),
		Assign:           c.assign(p, s.name, s.props.Assign),
		TimeoutSeconds:   intOrNil(s.props.TimeoutSeconds),
		HeartbeatSeconds: intOrNil(s.props.HeartbeatSeconds),
		ErrorHandling:    s.handling.build(c, p, &s.stateBase),
		Transition:       transition(&s.stateBase),
	}
	c.declare(p, s.name, s.in, s.out)
	switch {
	case s.function != "":
		out.Resource = c.resolve(p+".Resource", s.name, KindFunction, s.function, "lambda:InvokeFunction")
	case s.sdk != nil:
		out.Resource = s.sdk.resource
		field := "Parameters"
		if c.lang(s.props.QueryLanguage) == asl.JSONata {
			field = "Arguments"
		}
		payload := s.sdk.payload(c, p+"."+field, s.name)
		if field == "Arguments" {
			out.Arguments = payload
		} else {
			out.Parameters = payload
		}
	}
	return out
}

// inputType is a helper for the integration table.
func inputType[T any]() reflect.Type { return reflect.TypeFor[T]() }
