package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// StateType is the value of a state's "Type" field.
type StateType string

// The state types of the language.
const (
	TypeTask     StateType = "Task"
	TypePass     StateType = "Pass"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// QueryLanguage selects how a state's fields are evaluated.
type QueryLanguage string

// The two query languages. The zero value means "inherit": a state inherits
// the machine's language, and a machine defaults to JSONPath.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// ErrorName is an ASL error name as matched by ErrorEquals.
type ErrorName string

// The predefined error names of the language, plus those of the Lambda
// service integration that a well-behaved machine retries.
const (
	StatesALL                      ErrorName = "States.ALL"
	StatesTimeout                  ErrorName = "States.Timeout"
	StatesHeartbeatTimeout         ErrorName = "States.HeartbeatTimeout"
	StatesTaskFailed               ErrorName = "States.TaskFailed"
	StatesPermissions              ErrorName = "States.Permissions"
	StatesResultPathMatchFailure   ErrorName = "States.ResultPathMatchFailure"
	StatesParameterPathFailure     ErrorName = "States.ParameterPathFailure"
	StatesQueryEvaluationError     ErrorName = "States.QueryEvaluationError"
	StatesBranchFailed             ErrorName = "States.BranchFailed"
	StatesNoChoiceMatched          ErrorName = "States.NoChoiceMatched"
	StatesIntrinsicFailure         ErrorName = "States.IntrinsicFailure"
	StatesExceedToleratedFailure   ErrorName = "States.ExceedToleratedFailureThreshold"
	StatesItemReaderFailed         ErrorName = "States.ItemReaderFailed"
	StatesResultWriterFailed       ErrorName = "States.ResultWriterFailed"
	StatesRuntime                  ErrorName = "States.Runtime"
	StatesDataLimitExceeded        ErrorName = "States.DataLimitExceeded"
	LambdaServiceException         ErrorName = "Lambda.ServiceException"
	LambdaSdkClientException       ErrorName = "Lambda.SdkClientException"
	LambdaTooManyRequestsException ErrorName = "Lambda.TooManyRequestsException"
	LambdaAWSLambdaException       ErrorName = "Lambda.AWSLambdaException"
	LambdaUnknown                  ErrorName = "Lambda.Unknown"
)

// Path is an optional path field (InputPath, OutputPath, ResultPath) where
// JSON null has a meaning of its own: a nil *Path is an absent field, a Path
// with Null set is an explicit null, and otherwise Value holds the path.
type Path struct {
	Value string
	Null  bool
}

// NewPath returns a *Path holding p.
func NewPath(p string) *Path { return &Path{Value: p} }

// NullPath returns a *Path that encodes as JSON null.
func NullPath() *Path { return &Path{Null: true} }

// MarshalJSON encodes the path as a string or null.
func (p Path) MarshalJSON() ([]byte, error) {
	if p.Null {
		return []byte("null"), nil
	}
	return marshalNoEscape(p.Value)
}

// UnmarshalJSON decodes a string or null.
func (p *Path) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*p = Path{Null: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a path string or null")
	}
	*p = Path{Value: s}
	return nil
}

// IntOrExpr is a field that holds either an integer (JSONPath and JSONata) or a
// JSONata expression string "{% ... %}" (JSONata only). Examples are
// TimeoutSeconds, HeartbeatSeconds, Wait's Seconds and Map's MaxConcurrency.
type IntOrExpr struct {
	// Int is the literal value when Expr is empty.
	Int int64
	// Expr is the JSONata expression, delimiters included, when set.
	Expr string
}

// Int returns an *IntOrExpr holding the literal v.
func Int(v int64) *IntOrExpr { return &IntOrExpr{Int: v} }

// MarshalJSON encodes a number or the expression string.
func (v IntOrExpr) MarshalJSON() ([]byte, error) {
	if v.Expr != "" {
		return marshalNoEscape(v.Expr)
	}
	return json.Marshal(v.Int)
}

// UnmarshalJSON decodes an integer or a string.
func (v *IntOrExpr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = IntOrExpr{Expr: s}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want an integer or a JSONata expression string")
	}
	i, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("want an integer, got %s", n)
		}
		i = int64(f)
	}
	*v = IntOrExpr{Int: i}
	return nil
}

// NumberOrExpr is like IntOrExpr for fields that take any number, such as
// ToleratedFailurePercentage.
type NumberOrExpr struct {
	// Number is the literal value when Expr is empty.
	Number float64
	// Expr is the JSONata expression, delimiters included, when set.
	Expr string
}

// MarshalJSON encodes a number or the expression string.
func (v NumberOrExpr) MarshalJSON() ([]byte, error) {
	if v.Expr != "" {
		return marshalNoEscape(v.Expr)
	}
	return json.Marshal(v.Number)
}

// UnmarshalJSON decodes a number or a string.
func (v *NumberOrExpr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = NumberOrExpr{Expr: s}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("want a number or a JSONata expression string")
	}
	*v = NumberOrExpr{Number: f}
	return nil
}
