package workflow

import (
	"sort"
	"strings"
)

// Issue is one problem found by Compile: builder misuse, an unresolved
// resource, a misspelt SDK parameter, or a finding of validate.Machine.
type Issue struct {
	// Path locates the field in the compiled document, such as
	// "States.Fanout.Branches[0].States.Load.Parameters.TableNme"; empty
	// when the problem is not tied to one field.
	Path string
	// State is the name of the state concerned, if any.
	State string
	// Code is a stable identifier: one of the Code* constants, or a
	// validate code. Tests assert on Code, not Msg.
	Code string
	// Warning is true for findings that do not fail Compile.
	Warning bool
	// Msg explains the problem in words.
	Msg string
}

// String formats the issue as "path: code: message" ("warning: " before the
// code of a warning).
func (i Issue) String() string {
	var b strings.Builder
	if i.Path != "" {
		b.WriteString(i.Path)
		b.WriteString(": ")
	} else if i.State != "" {
		b.WriteString("state ")
		b.WriteString(`"` + i.State + `": `)
	}
	if i.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(i.Code)
	b.WriteString(": ")
	b.WriteString(i.Msg)
	return b.String()
}

// Issues is a list of problems. It implements error.
type Issues []Issue

// Error lists the issues, one per line, prefixed with "compile: ".
func (is Issues) Error() string {
	if len(is) == 0 {
		return "compile: no issues"
	}
	lines := make([]string, len(is))
	for i, x := range is {
		lines[i] = x.String()
	}
	return "compile: " + strings.Join(lines, "\ncompile: ")
}

// Codes returns the issue codes in order (for tests).
func (is Issues) Codes() []string {
	out := make([]string, len(is))
	for i, x := range is {
		out[i] = x.Code
	}
	return out
}

func (is Issues) sort() {
	sort.SliceStable(is, func(i, j int) bool {
		if is[i].Path != is[j].Path {
			return is[i].Path < is[j].Path
		}
		return is[i].State < is[j].State
	})
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
