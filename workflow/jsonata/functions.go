package jsonata

import "sync"

// call is what a built-in receives besides its arguments.
type call struct {
	ev    *evaluator
	input any
	pos   int
	name  string
}

func (c *call) err(code string, kv ...any) error { return evalErr(code, c.pos, kv...) }

type builtin struct {
	fn    func(c *call, args []any) (any, error)
	arity int
}

// builtinDef is one entry of a category table: the function's name (without
// the $), its signature in jsonata's notation (signature.go) and its Go
// implementation.
type builtinDef struct {
	name string
	sig  string
	fn   func(c *call, args []any) (any, error)
}

// builtinTables are the built-in functions, one table per category of the
// JSONata and Step Functions documentation, each in a file of its own
// (fn_<category>.go). A function's name appears in exactly one table
// (TestBuiltinTables).
func builtinTables() [][]builtinDef {
	return [][]builtinDef{
		aggregationFunctions(),
		stringFunctions(),
		encodingFunctions(),
		numericFunctions(),
		booleanFunctions(),
		arrayFunctions(),
		objectFunctions(),
		higherOrderFunctions(),
		dateTimeFunctions(),
		stepFunctionsFunctions(),
	}
}

// builtins returns the frame of the built-in functions, built from the
// tables on first use; it is read-only after that and shared by every
// evaluation. (A sync.Once rather than a sync.OnceValue variable: the tables
// refer to the evaluator, which calls builtins, and a variable initialised
// from them would be an initialisation cycle.)
func builtins() *frame {
	builtinOnce.Do(func() {
		f := &frame{vars: map[string]any{}}
		for _, table := range builtinTables() {
			for _, d := range table {
				f.vars[d.name] = newBuiltin(d)
			}
		}
		builtinFrame = f
	})
	return builtinFrame
}

var (
	builtinOnce  sync.Once
	builtinFrame *frame // set once by builtins
)

// newBuiltin makes the Function value of a table entry; its arity is the
// number of parameters that are not optional.
func newBuiltin(d builtinDef) *Function {
	s := mustSig(d.sig)
	arity := 0
	for _, p := range s.params {
		if !p.optional {
			arity++
		}
	}
	return &Function{name: d.name, native: &builtin{fn: d.fn, arity: arity}, sig: s}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return Undefined
}

func num(v any) float64 { f, _ := number(v); return f }

func str(v any) string { s, _ := v.(string); return s }

func seqOf(items []any) *sequence { return &sequence{items: items} }
