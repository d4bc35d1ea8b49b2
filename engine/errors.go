package engine

import (
	"encoding/json"
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
)

// StateError is an error raised while running a state. Retry and Catch match
// on Name only.
type StateError struct {
	// State is the name of the state that raised the error.
	State string
	// Path is the field of the definition involved, such as "InputPath" or
	// "Parameters.id.$"; empty when no single field is.
	Path string
	// Name is the ASL error name (States.TaskFailed, a Lambda errorType, a
	// Fail state's Error).
	Name asl.ErrorName
	// Cause is the error cause as AWS words it.
	Cause string
	// Err is the underlying error, if any.
	Err error

	// prefixed records that Cause already names the state and event.
	prefixed bool
	// noName records an error without a name (a Fail state without Error).
	noName bool
	// noCause records an error without a cause.
	noCause bool
}

// Error returns `state "S": Name: Cause`.
func (e *StateError) Error() string {
	s := string(e.Name)
	if e.State != "" {
		s = fmt.Sprintf("state %q: %s", e.State, s)
	}
	if e.Cause != "" {
		s += ": " + e.Cause
	}
	return s
}

// Unwrap returns the underlying error.
func (e *StateError) Unwrap() error { return e.Err }

// errorOutput is the {"Error", "Cause"} object a Catcher passes on.
func (e *StateError) errorOutput() map[string]any {
	out := map[string]any{}
	if !e.noName {
		out["Error"] = string(e.Name)
	}
	if !e.noCause {
		out["Cause"] = e.Cause
	}
	return out
}

// runtimeErr is an error whose cause AWS prefixes with the state and the id
// of its entered event ("An error occurred while executing the state ...").
func runtimeErr(name asl.ErrorName, field, format string, args ...any) *StateError {
	return &StateError{Name: name, Path: field, Cause: fmt.Sprintf(format, args...)}
}

// plainErr is an error whose cause is used as is.
func plainErr(name asl.ErrorName, cause string) *StateError {
	return &StateError{Name: name, Cause: cause, prefixed: true}
}

// TaskError fails a task with a chosen error name and cause. Invokers return
// it for service errors (for example "DynamoDB.ConditionalCheckFailedException").
type TaskError struct {
	// Name is the ASL error name.
	Name string
	// Cause is the error cause.
	Cause string
	// NoCause reports that the cause is absent (null), not empty.
	NoCause bool
}

// Error returns "Name: Cause".
func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// LambdaError is a function error as the Lambda runtime reports it. Step
// Functions uses ErrorType as the error name and the JSON of the whole object
// as the cause.
type LambdaError struct {
	// ErrorMessage is the error's message.
	ErrorMessage string `json:"errorMessage"`
	// ErrorType is the error name Step Functions matches on.
	ErrorType string `json:"errorType"`
	// RequestID is the invocation's request id, if known.
	RequestID string `json:"requestId,omitempty"`
	// StackTrace is the runtime's stack trace, if any.
	StackTrace []string `json:"stackTrace,omitempty"`
}

// Error returns "errorType: errorMessage".
func (e *LambdaError) Error() string { return e.ErrorType + ": " + e.ErrorMessage }

// cause renders the error object as AWS puts it in Cause.
func (e *LambdaError) cause() string {
	b, _ := json.Marshal(e)
	return string(b)
}

func plainErrf(name asl.ErrorName, format string, args ...any) *StateError {
	return plainErr(name, fmt.Sprintf(format, args...))
}
