package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// ArgKind is the kind of an argument.
type ArgKind int

const (
	// ArgString is a quoted literal: 'text'.
	ArgString ArgKind = iota
	// ArgNumber is a number literal: 1, -2.5.
	ArgNumber
	// ArgBool is true or false.
	ArgBool
	// ArgNull is null.
	ArgNull
	// ArgPath is a JSONPath: $.x, $$.Execution.Id, $var.
	ArgPath
	// ArgCall is a nested intrinsic call.
	ArgCall
)

// String returns the kind's name.
func (k ArgKind) String() string {
	switch k {
	case ArgString:
		return "string"
	case ArgNumber:
		return "number"
	case ArgBool:
		return "boolean"
	case ArgNull:
		return "null"
	case ArgPath:
		return "path"
	case ArgCall:
		return "call"
	}
	return fmt.Sprintf("ArgKind(%d)", int(k))
}

// Arg is one argument of a call.
type Arg struct {
	// Pos is the byte offset of the argument in the whole expression.
	Pos int
	// Kind says which of the fields below applies.
	Kind ArgKind
	// Str is the value of a string literal, escapes resolved.
	Str string
	// Raw is a string literal as written between the quotes, escapes kept;
	// States.Format needs it to tell "{}" from "\{\}".
	Raw string
	// Num is the text of a number literal.
	Num json.Number
	// Bool is the value of a boolean literal.
	Bool bool
	// Path is the path of an ArgPath argument.
	Path *jsonpath.Path
	// Call is the nested call of an ArgCall argument.
	Call *Call
}

// Call is a parsed intrinsic function call. It is immutable and safe for
// concurrent use.
type Call struct {
	// Pos is the byte offset of the call's name in the whole expression.
	Pos int
	// Name is the full function name, e.g. "States.Format".
	Name string
	// Args are the arguments in order.
	Args []Arg
}

// String returns the call in canonical form: arguments separated by ", ",
// string literals as written, paths as written. Parsing the result gives
// the same call again.
func (c *Call) String() string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

func (c *Call) write(b *strings.Builder) {
	b.WriteString(c.Name)
	b.WriteByte('(')
	for i := range c.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		a := &c.Args[i]
		switch a.Kind {
		case ArgString:
			b.WriteByte('\'')
			b.WriteString(a.Raw)
			b.WriteByte('\'')
		case ArgNumber:
			b.WriteString(string(a.Num))
		case ArgBool:
			if a.Bool {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
		case ArgNull:
			b.WriteString("null")
		case ArgPath:
			b.WriteString(a.Path.String())
		case ArgCall:
			a.Call.write(b)
		}
	}
	b.WriteByte(')')
}

// Paths returns every path the call and its nested calls refer to, in
// order. The validator uses it to check variable and context references.
func (c *Call) Paths() []*jsonpath.Path {
	var out []*jsonpath.Path
	var walk func(c *Call)
	walk = func(c *Call) {
		for i := range c.Args {
			switch c.Args[i].Kind {
			case ArgPath:
				out = append(out, c.Args[i].Path)
			case ArgCall:
				walk(c.Args[i].Call)
			}
		}
	}
	walk(c)
	return out
}

// Error is a syntax or static error in an intrinsic function expression.
type Error struct {
	// Expr is the whole expression.
	Expr string
	// Pos is the byte offset of the problem in Expr.
	Pos int
	// Msg describes the problem.
	Msg string
	// Kind classifies the problem, so that a validator need not parse Msg.
	Kind ErrorKind
}

// ErrorKind classifies an *Error.
type ErrorKind int

const (
	// ErrSyntax is malformed text: a missing parenthesis, a bad literal.
	ErrSyntax ErrorKind = iota
	// ErrUnknownFunction is a States.Xxx name that does not exist; Pos is
	// at the name.
	ErrUnknownFunction
	// ErrArity is a wrong number of arguments; Pos is at the function name.
	ErrArity
	// ErrArgumentType is a literal argument of the wrong type; Pos is at
	// the argument.
	ErrArgumentType
	// ErrArgumentValue is a literal argument with a value the function
	// refuses (a deep JsonMerge, an unknown Hash algorithm).
	ErrArgumentValue
	// ErrNesting is calls nested deeper than MaxNesting.
	ErrNesting
	// ErrPath is an invalid path argument; Pos is at the problem inside it.
	ErrPath
)

// String returns the kind's name.
func (k ErrorKind) String() string {
	switch k {
	case ErrSyntax:
		return "Syntax"
	case ErrUnknownFunction:
		return "UnknownFunction"
	case ErrArity:
		return "Arity"
	case ErrArgumentType:
		return "ArgumentType"
	case ErrArgumentValue:
		return "ArgumentValue"
	case ErrNesting:
		return "Nesting"
	case ErrPath:
		return "Path"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error returns "intrinsic: <msg> at offset N in <expr>".
func (e *Error) Error() string {
	return fmt.Sprintf("intrinsic: %s at offset %d in %q", e.Msg, e.Pos, e.Expr)
}

// IntrinsicFailure is the ASL error name of a failed intrinsic function.
const IntrinsicFailure = "States.IntrinsicFailure"

// EvalError is a failure while evaluating a call: an argument of the wrong
// type, an index out of range, a limit exceeded.
type EvalError struct {
	// Name is the ASL error name, States.IntrinsicFailure.
	Name string
	// Msg is the cause text, meant to be reported verbatim.
	Msg string
}

// Error returns "<Name>: <Msg>".
func (e *EvalError) Error() string { return e.Name + ": " + e.Msg }

// Cause returns Msg, the text for the cause of the failed state.
func (e *EvalError) Cause() string { return e.Msg }

func failf(format string, args ...any) *EvalError {
	return &EvalError{Name: IntrinsicFailure, Msg: fmt.Sprintf(format, args...)}
}
