package jsonata

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// UndefinedType is the type of [Undefined].
type UndefinedType struct{}

// Undefined is the value of an expression that has no result (JSONata's
// undefined), for example a path that selects nothing. It is distinct from
// JSON null (nil). Compare with ==: v == jsonata.Undefined.
var Undefined = UndefinedType{}

// String returns "undefined".
func (UndefinedType) String() string { return "undefined" }

// Function is a function value (a lambda, a built-in, a partial
// application or a regular expression) returned by an expression such as
// `function($x){$x}`. It is not JSON; Step Functions rejects it as a field
// value ("returned an unsupported result type").
type Function struct {
	name   string // built-in name without '$', or "" for lambdas
	lambda *node
	env    *frame
	input  any
	native *builtin
	sig    *signature
	// partial application
	partialOf   *Function
	partialArgs []any // placeholder positions hold partialHole
	regex       *regexValue
	// composition f ~> g
	first, second *Function
	transform     *node
}

// arity is the number of parameters a higher-order function passes on.
func (f *Function) arity() int {
	switch {
	case f.lambda != nil:
		return len(f.lambda.params)
	case f.native != nil:
		return f.native.arity
	case f.partialOf != nil:
		n := 0
		for _, a := range f.partialArgs {
			if a == partialHole {
				n++
			}
		}
		return n
	case f.regex != nil:
		return 1
	}
	return 1
}

type holeType struct{}

var partialHole = holeType{}

// sequence is JSONata's result sequence: an array produced by path
// evaluation that collapses to its single member, or to undefined when empty.
type sequence struct {
	items         []any
	keepSingleton bool
	outerWrapper  bool
	tupleStream   bool
}

func (s *sequence) push(v any) { s.items = append(s.items, v) }

// tuple is one member of a tuple stream (paths using @ or # bindings).
type tuple map[string]any

// consArray marks an array built by an array constructor used as a path step;
// path flattening keeps it whole.
type consArray struct{ items []any }

// isArray reports whether v is an array-like value and returns its items.
func asArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case *sequence:
		return a.items, true
	case *consArray:
		return a.items, true
	}
	return nil, false
}

func isSequence(v any) bool { _, ok := v.(*sequence); return ok }

func isUndef(v any) bool { return v == Undefined }

// number converts a numeric value (float64, json.Number or a Go integer)
// to float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, false
		}
		return f, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float32:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, json.Number, int, int64, int32, float32, uint64:
		return true
	}
	return false
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isFunction(v any) bool { _, ok := v.(*Function); return ok }

// typeName is $type's answer.
func typeName(v any) string {
	switch v.(type) {
	case UndefinedType:
		return "undefined"
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case *Function:
		return "function"
	case tuple:
		return "object"
	}
	if isNumber(v) {
		return "number"
	}
	if _, ok := asArray(v); ok {
		return "array"
	}
	return "undefined"
}

// truthy is JSONata's boolean cast ($boolean) for a defined value.
func truthy(v any) bool {
	switch x := v.(type) {
	case UndefinedType, nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case map[string]any:
		return len(x) > 0
	case *Function:
		return false
	}
	if f, ok := number(v); ok {
		return f != 0
	}
	if a, ok := asArray(v); ok {
		if len(a) == 1 {
			return truthy(a[0])
		}
		for _, e := range a {
			if truthy(e) {
				return true
			}
		}
		return false
	}
	return false
}

// deepEqual compares two values as JSONata's = does.
func deepEqual(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case UndefinedType:
		return isUndef(b)
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !deepEqual(v, w) {
				return false
			}
		}
		return true
	case *Function:
		return a == b
	}
	if xa, ok := asArray(a); ok {
		ya, ok := asArray(b)
		if !ok || len(xa) != len(ya) {
			return false
		}
		for i := range xa {
			if !deepEqual(xa[i], ya[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// formatJSNumber renders f as JavaScript's Number.prototype.toString does.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	neg := f < 0
	if neg {
		f = -f
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(expStr)
	n := e + 1
	k := len(digits)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case k <= n && n <= 21:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default:
		b.WriteString(digits[:1])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return b.String()
}

// precision15 rounds f to 15 significant digits, as $string does in
// jsonata 2.0.6 (the version Step Functions runs; 2.1 exempts integers).
func precision15(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'e', 14, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// stringify serialises v as JavaScript's JSON.stringify does (object keys
// sorted, since Go maps carry no order). With round15, numbers are first
// rounded to 15 significant digits ($string). indent "" means compact.
func stringify(v any, round15 bool, indent string) string {
	return stringifyOrdered(v, round15, indent, sortedKeys)
}

// stringifyOrdered is stringify with object keys enumerated by keys.
func stringifyOrdered(v any, round15 bool, indent string, keys func(map[string]any) []string) string {
	var b strings.Builder
	w := jsonWriter{b: &b, round15: round15, indent: indent, keys: keys}
	w.write(v, "")
	return b.String()
}

type jsonWriter struct {
	b       *strings.Builder
	round15 bool
	indent  string
	keys    func(map[string]any) []string
}

func (w *jsonWriter) write(v any, cur string) bool {
	b, round15, indent := w.b, w.round15, w.indent
	switch x := v.(type) {
	case UndefinedType, *Function:
		return false
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeJSONString(b, x)
	case json.Number:
		f, _ := number(x)
		if round15 {
			f = precision15(f)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			b.WriteString("null")
		} else {
			b.WriteString(formatJSNumber(f))
		}
	case map[string]any:
		keys := w.keys(x)
		b.WriteByte('{')
		inner := cur + indent
		first := true
		for _, k := range keys {
			val := x[k]
			if isUndef(val) || isFunction(val) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			if indent != "" {
				b.WriteByte('\n')
				b.WriteString(inner)
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if indent != "" {
				b.WriteByte(' ')
			}
			w.write(val, inner)
		}
		if indent != "" && !first {
			b.WriteByte('\n')
			b.WriteString(cur)
		}
		b.WriteByte('}')
	case tuple:
		return w.write(map[string]any(x), cur)
	default:
		if f, ok := number(v); ok {
			if round15 {
				f = precision15(f)
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				b.WriteString("null")
			} else {
				b.WriteString(formatJSNumber(f))
			}
			return true
		}
		if a, ok := asArray(v); ok {
			b.WriteByte('[')
			inner := cur + indent
			for i, e := range a {
				if i > 0 {
					b.WriteByte(',')
				}
				if indent != "" {
					b.WriteByte('\n')
					b.WriteString(inner)
				}
				if !w.write(e, inner) {
					b.WriteString("null")
				}
			}
			if indent != "" && len(a) > 0 {
				b.WriteByte('\n')
				b.WriteString(cur)
			}
			b.WriteByte(']')
			return true
		}
		if _, ok := v.(*regexValue); ok {
			b.WriteString("{}")
			return true
		}
		b.WriteString("null")
	}
	return true
}

// export converts an internal value to the shared run-time representation
// (nil, bool, json.Number, string, []any, map[string]any). Functions stay
// *Function at the top level; nested ones are dropped from objects and
// become null in arrays, as JSON.stringify does. Results may share
// structure with the input and variables.
func export(v any) (any, error) {
	switch x := v.(type) {
	case *sequence:
		if len(x.items) == 0 {
			return Undefined, nil
		}
		if len(x.items) == 1 && !x.keepSingleton {
			return export(x.items[0])
		}
	case *regexValue:
		return &Function{regex: x}, nil
	case *Function, UndefinedType:
		return v, nil
	}
	if !needsExport(v) {
		if a, ok := v.([]any); ok && a == nil {
			return []any{}, nil
		}
		return v, nil
	}
	return exportNested(v)
}

func needsExport(v any) bool {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return false
	case map[string]any:
		for _, e := range x {
			if needsExport(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if needsExport(e) {
				return true
			}
		}
		return false
	}
	return true
}

func exportNested(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return v, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, nil // JSON.stringify writes null
		}
		return json.Number(formatJSNumber(x)), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ee, err := exportNested(e)
			if err != nil {
				return nil, err
			}
			if !isUndef(ee) {
				out[k] = ee
			}
		}
		return out, nil
	case tuple:
		return exportNested(map[string]any(x))
	case *Function, UndefinedType, *regexValue:
		return Undefined, nil
	}
	if f, ok := number(v); ok {
		return exportNested(f)
	}
	if a, ok := asArray(v); ok {
		out := make([]any, len(a))
		for i, e := range a {
			ee, err := exportNested(e)
			if err != nil {
				return nil, err
			}
			if isUndef(ee) {
				ee = nil
			}
			out[i] = ee
		}
		return out, nil
	}
	return nil, nil
}

// writeJSONString writes s as a JSON string the way JSON.stringify does.
func writeJSONString(b *strings.Builder, s string) {
	var buf [64]byte
	b.Write(jsonenc.AppendStringMinimal(buf[:0], s, false))
}
