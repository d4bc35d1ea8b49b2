package workflow

import (
	"reflect"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
	"github.com/sluicehq/sluice/workflow/validate"
)

// validate runs validate.Machine and records its findings: errors fail
// Compile, warnings end up in Compiled.Warnings.
//
// The data-flow findings are errors here, though validate reports them as
// warnings (Step Functions accepts such a definition): in Go, a path that
// selects nothing is a mistake the compiler catches.
func (c *compiler) validate(m *asl.StateMachine) {
	for _, is := range validate.Machine(m, validate.WithType(c.cfg.machineType), validate.WithTypes(c.types)) {
		if dataFlowCodes[is.Code] {
			is.Severity = validate.Error
		}
		c.add(is)
	}
}

// dataFlowCodes are the validate codes Compile reports as errors.
var dataFlowCodes = map[string]bool{
	validate.CodeUnknownPathField:  true,
	validate.CodePathTypeMismatch:  true,
	validate.CodeUnknownInputField: true,
	validate.CodeMissingInputField: true,
}

// declare records the Go types of a task's handler.
func (c *compiler) declare(p, state string, in, out reflect.Type) {
	if in != nil {
		c.types.TaskInput[state] = c.shapeOf(p, state, "the input type", in)
	}
	if out != nil {
		c.types.TaskOutput[state] = c.shapeOf(p, state, "the output type", out)
	}
}

// declareItems records the Go type of a Map's items.
func (c *compiler) declareItems(p, state string, t reflect.Type) {
	if t != nil {
		c.types.MapItems[state] = c.shapeOf(p, state, "the item type", t)
	}
}

// shapeOf is shape.Of, reporting a malformed size tag as CodeBadType.
func (c *compiler) shapeOf(p, state, what string, t reflect.Type) *shape.Shape {
	s, err := shape.Of(t)
	if err != nil {
		c.add(validate.Issue{Path: p, State: state, Code: CodeBadType, Msg: what + ": " + err.Error()})
	}
	return s
}
