package dataset

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Expressions use github.com/expr-lang/expr: it type-checks against a typed
// environment at compile time (so a declaration with a wrong field name or
// type fails Compile, not the first file), supports operator overloading
// (so decimal arithmetic reads as quantity * unit_price and stays exact) and
// evaluates in a fraction of a microsecond.

// exprOptions returns the options every dataset expression compiles with:
// the typed environment of the fields plus the Number operators.
func exprOptions(env map[string]any) []expr.Option {
	var (
		dd  = new(func(Number, Number) Number)
		di  = new(func(Number, int) Number)
		id  = new(func(int, Number) Number)
		cdd = new(func(Number, Number) bool)
		cdi = new(func(Number, int) bool)
		cid = new(func(int, Number) bool)
	)
	arith := func(name string, f func(a, b Number) (Number, error)) expr.Option {
		return expr.Function(name, func(p ...any) (any, error) {
			a, b, err := decArgs(p)
			if err != nil {
				return nil, err
			}
			return f(a, b)
		}, dd, di, id)
	}
	cmp := func(name string, ok func(c int) bool) expr.Option {
		return expr.Function(name, func(p ...any) (any, error) {
			a, b, err := decArgs(p)
			if err != nil {
				return nil, err
			}
			return ok(a.Cmp(b)), nil
		}, cdd, cdi, cid)
	}
	wrap := func(f func(a, b Number) Number) func(a, b Number) (Number, error) {
		return func(a, b Number) (Number, error) { return f(a, b), nil }
	}
	return []expr.Option{
		expr.Env(env),
		arith("_dec_add", wrap(decAdd)),
		arith("_dec_sub", wrap(decSub)),
		arith("_dec_mul", wrap(decMul)),
		arith("_dec_quo", decQuo),
		cmp("_dec_lt", func(c int) bool { return c < 0 }),
		cmp("_dec_le", func(c int) bool { return c <= 0 }),
		cmp("_dec_gt", func(c int) bool { return c > 0 }),
		cmp("_dec_ge", func(c int) bool { return c >= 0 }),
		cmp("_dec_eq", func(c int) bool { return c == 0 }),
		expr.Operator("+", "_dec_add"),
		expr.Operator("-", "_dec_sub"),
		expr.Operator("*", "_dec_mul"),
		expr.Operator("/", "_dec_quo"),
		expr.Operator("<", "_dec_lt"),
		expr.Operator("<=", "_dec_le"),
		expr.Operator(">", "_dec_gt"),
		expr.Operator(">=", "_dec_ge"),
		expr.Operator("==", "_dec_eq"),
		expr.Function("decimal", func(p ...any) (any, error) {
			switch v := p[0].(type) {
			case string:
				return ParseNumber(v)
			case int:
				return NumberFromInt(int64(v)), nil
			}
			return nil, fmt.Errorf("decimal(%T)", p[0])
		}, new(func(string) Number), new(func(int) Number)),
	}
}

func decArgs(p []any) (Number, Number, error) {
	if len(p) != 2 {
		return Number{}, Number{}, fmt.Errorf("decimal operator needs 2 operands")
	}
	a, ok1 := toDecimal(p[0])
	b, ok2 := toDecimal(p[1])
	if !ok1 || !ok2 {
		return Number{}, Number{}, fmt.Errorf("decimal operator on %T and %T", p[0], p[1])
	}
	return a, b, nil
}

func toDecimal(v any) (Number, bool) {
	switch v := v.(type) {
	case Number:
		return v, true
	case int:
		return NumberFromInt(int64(v)), true
	}
	return Number{}, false
}

// sampleValue is the typed zero value of a field type in the compile-time
// environment.
func sampleValue(t Type) any {
	switch t {
	case Int:
		return 0
	case Decimal:
		return Number{}
	case Bool:
		return false
	case Timestamp:
		return time.Time{}
	}
	return ""
}

// exprValue converts a record value to its expression type. Besides the
// normalised forms (json.Number) it accepts what an enricher may have
// copied from elsewhere: numeric text, Go integers and floats.
func exprValue(t Type, v any) any {
	switch t {
	case Int:
		switch x := v.(type) {
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return int(i)
			}
		case string:
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return int(i)
			}
		case int64:
			return int(x)
		case float64:
			if x == float64(int64(x)) {
				return int(x)
			}
		}
	case Decimal:
		var text string
		switch x := v.(type) {
		case json.Number:
			text = string(x)
		case string:
			text = x
		case int:
			return NumberFromInt(int64(x))
		case int64:
			return NumberFromInt(x)
		case float64:
			text = strconv.FormatFloat(x, 'f', -1, 64)
		}
		if text != "" {
			if d, err := ParseNumber(text); err == nil {
				return d
			}
		}
	case Timestamp:
		if s, ok := v.(string); ok {
			if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return ts
			}
		}
	}
	return v
}

// compileExpr compiles src against env, expecting a result of Go type want
// (nil: any).
func compileExpr(src string, env map[string]any, want reflect.Type) (*vm.Program, error) {
	opts := exprOptions(env)
	if want != nil && want.Kind() == reflect.Bool {
		opts = append(opts, expr.AsBool())
	}
	p, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, err
	}
	return p, nil
}
