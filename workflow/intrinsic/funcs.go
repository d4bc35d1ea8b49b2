package intrinsic

import "github.com/sluicehq/sluice/internal/hashalg"

// Type is the type a function expects of an argument.
type Type int

const (
	// Any accepts every JSON value.
	Any Type = iota
	// String accepts a JSON string.
	String
	// Number accepts a JSON number.
	Number
	// Integer accepts a JSON number with no fractional part.
	Integer
	// Boolean accepts true or false.
	Boolean
	// Array accepts a JSON array.
	Array
	// Object accepts a JSON object.
	Object
)

// String returns the type's name as used in messages.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Number:
		return "number"
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "any"
}

// Func describes an intrinsic function: its arity and argument types.
type Func struct {
	// Name is the full name, e.g. "States.Format".
	Name string
	// MinArgs is the least number of arguments.
	MinArgs int
	// MaxArgs is the greatest number of arguments; -1 means no limit.
	MaxArgs int
	// Params gives the expected type of each argument; when there are more
	// arguments than Params, the last entry applies to the rest.
	Params []Type
}

// Param returns the expected type of argument i (0-based).
func (f Func) Param(i int) Type {
	if len(f.Params) == 0 {
		return Any
	}
	if i >= len(f.Params) {
		return f.Params[len(f.Params)-1]
	}
	return f.Params[i]
}

// ArityOK reports whether n arguments are acceptable.
func (f Func) ArityOK(n int) bool {
	return n >= f.MinArgs && (f.MaxArgs < 0 || n <= f.MaxArgs)
}

// MaxNesting is the deepest nesting of calls Step Functions accepts in one
// field.
const MaxNesting = 10

// Limits Step Functions applies at run time.
const (
	// MaxArrayRange is the largest array States.ArrayRange may create.
	MaxArrayRange = 1000
	// MaxStringInput is the longest input (in characters) of
	// States.Base64Encode, States.Base64Decode and States.Hash.
	MaxStringInput = 10000
	// MaxFormatResult bounds the string States.Format builds: a result
	// longer than the 262,144-byte payload quota of a state could not be
	// passed on anyway, and many placeholders for one large input value
	// would otherwise multiply it without bound. (AWS documents no such
	// limit of its own; this one fails earlier than the state would.)
	MaxFormatResult = 262144
)

// Functions lists every intrinsic function by full name. It is read-only.
var Functions = map[string]Func{
	"States.Format":         {Name: "States.Format", MinArgs: 1, MaxArgs: -1, Params: []Type{String, Any}},
	"States.StringToJson":   {Name: "States.StringToJson", MinArgs: 1, MaxArgs: 1, Params: []Type{String}},
	"States.JsonToString":   {Name: "States.JsonToString", MinArgs: 1, MaxArgs: 1, Params: []Type{Any}},
	"States.Array":          {Name: "States.Array", MinArgs: 0, MaxArgs: -1, Params: []Type{Any}},
	"States.ArrayPartition": {Name: "States.ArrayPartition", MinArgs: 2, MaxArgs: 2, Params: []Type{Array, Integer}},
	"States.ArrayContains":  {Name: "States.ArrayContains", MinArgs: 2, MaxArgs: 2, Params: []Type{Array, Any}},
	"States.ArrayRange":     {Name: "States.ArrayRange", MinArgs: 3, MaxArgs: 3, Params: []Type{Integer, Integer, Integer}},
	"States.ArrayGetItem":   {Name: "States.ArrayGetItem", MinArgs: 2, MaxArgs: 2, Params: []Type{Array, Integer}},
	"States.ArrayLength":    {Name: "States.ArrayLength", MinArgs: 1, MaxArgs: 1, Params: []Type{Array}},
	"States.ArrayUnique":    {Name: "States.ArrayUnique", MinArgs: 1, MaxArgs: 1, Params: []Type{Array}},
	"States.Base64Encode":   {Name: "States.Base64Encode", MinArgs: 1, MaxArgs: 1, Params: []Type{String}},
	"States.Base64Decode":   {Name: "States.Base64Decode", MinArgs: 1, MaxArgs: 1, Params: []Type{String}},
	"States.Hash":           {Name: "States.Hash", MinArgs: 2, MaxArgs: 2, Params: []Type{Any, String}},
	"States.JsonMerge":      {Name: "States.JsonMerge", MinArgs: 3, MaxArgs: 3, Params: []Type{Object, Object, Boolean}},
	"States.MathRandom":     {Name: "States.MathRandom", MinArgs: 2, MaxArgs: 3, Params: []Type{Number, Number, Integer}},
	"States.MathAdd":        {Name: "States.MathAdd", MinArgs: 2, MaxArgs: 2, Params: []Type{Number, Number}},
	"States.StringSplit":    {Name: "States.StringSplit", MinArgs: 2, MaxArgs: 2, Params: []Type{String, String}},
	"States.UUID":           {Name: "States.UUID", MinArgs: 0, MaxArgs: 0},
}

// HashAlgorithms are the algorithm names States.Hash accepts.
var HashAlgorithms = hashalg.Names
