package workflow

import (
	"errors"
	"strings"

	"github.com/sluicehq/sluice/workflow/validate"
)

// CompileError is the error Compile returns: every problem found (builder
// misuse, unresolved resources, misspelt SDK parameters and the findings of
// validate.Machine) as validate.Issues, in the validator's order. Use
// AsIssues to get at them.
type CompileError struct {
	// Issues are the problems, sorted by validate.Issues.Sort; all have
	// Error severity.
	Issues validate.Issues
}

// Error lists the issues, one per line, each prefixed with "compile: ".
func (e *CompileError) Error() string {
	if len(e.Issues) == 0 {
		return "compile: no issues"
	}
	lines := make([]string, len(e.Issues))
	for i, x := range e.Issues {
		lines[i] = x.String()
	}
	return "compile: " + strings.Join(lines, "\ncompile: ")
}

// Unwrap returns the issues, so that errors.As finds a validate.Issues.
func (e *CompileError) Unwrap() error { return e.Issues }

// AsIssues returns the issues inside err, if any.
func AsIssues(err error) (validate.Issues, bool) {
	var is validate.Issues
	ok := errors.As(err, &is)
	return is, ok
}

// Codes of the problems Compile finds itself.
const (
	// CodeNilState: a nil Chainable was passed to Next, When, Branch, ...
	CodeNilState = "NilState"
	// CodeSecondNext: Next was called twice on one state.
	CodeSecondNext = "SecondNext"
	// CodeNextAfterTerminal: a chain ending in Succeed, Fail or a Choice was
	// continued with Next.
	CodeNextAfterTerminal = "NextAfterTerminal"
	// CodeStateReused: one state value appears in two graphs (the machine,
	// a Parallel branch, a Map processor).
	CodeStateReused = "StateReused"
	// CodeDuplicateStateName: two different states have one name.
	CodeDuplicateStateName = "DuplicateStateName"
	// CodeEmptyName: a state has no name.
	CodeEmptyName = "EmptyStateName"
	// CodeChoiceWithoutBranches: a Choice has no When.
	CodeChoiceWithoutBranches = "ChoiceWithoutBranches"
	// CodeSecondOtherwise: Otherwise was called twice on one Choice.
	CodeSecondOtherwise = "SecondOtherwise"
	// CodeNoBranches: a Parallel has no branch.
	CodeNoBranches = "ParallelWithoutBranches"
	// CodeNoItemProcessor: a Map has no ItemProcessor.
	CodeNoItemProcessor = "MapWithoutItemProcessor"
	// CodeSecondItemProcessor: ItemProcessor was called twice on one Map.
	CodeSecondItemProcessor = "SecondItemProcessor"
	// CodeBadJSON: a payload (Parameters, Arguments, Result, Assign, ...)
	// could not be encoded as JSON.
	CodeBadJSON = "BadJSON"
	// CodeUnresolvedResource: the Resolver could not resolve a logical name,
	// or no Resolver was given.
	CodeUnresolvedResource = "UnresolvedResource"
	// CodeUnknownSDKField: an SDK integration parameter names no field of
	// the aws-sdk-go-v2 input struct.
	CodeUnknownSDKField = "UnknownSDKField"
	// CodeReservedSDKField: a parameter sets a field that the builder fills
	// from the resolved resource (TableName, Bucket, TopicArn, ...).
	CodeReservedSDKField = "ReservedSDKField"
	// CodeBadParameters: SDK integration parameters are not a JSON object.
	CodeBadParameters = "BadParameters"
	// CodeBadCondition: a Choice condition is malformed (nil, empty And/Or).
	CodeBadCondition = "BadCondition"
	// CodeBadWait: a Wait state has no duration.
	CodeBadWait = "BadWait"
	// CodeBadType: a declared Go type (LambdaTask, WithInput,
	// ItemReader.ItemType) has a malformed maxBytes or maxItems tag.
	CodeBadType = "BadType"
)
