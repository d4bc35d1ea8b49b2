package jsonata

import (
	"math"
	"strings"
	"unicode/utf16"
)

func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ua) < len(ub):
		return -1
	case len(ua) > len(ub):
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (ev *evaluator) binary(n *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	switch n.str {
	case "and":
		if !truthy(lhs) {
			return false, nil
		}
		rhs, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, retoken(err, n.str, n.pos)
		}
		return truthy(rhs), nil
	case "or":
		if truthy(lhs) {
			return true, nil
		}
		rhs, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, retoken(err, n.str, n.pos)
		}
		return truthy(rhs), nil
	}
	rhs, err := ev.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	switch n.str {
	case "+", "-", "*", "/", "%":
		return arithmetic(n, lhs, rhs)
	case "=", "!=":
		if isUndef(lhs) || isUndef(rhs) {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if n.str == "!=" {
			return !eq, nil
		}
		return eq, nil
	case "<", "<=", ">", ">=":
		return comparison(n, lhs, rhs)
	case "&":
		return ev.concat(n, lhs, rhs)
	case "in":
		if isUndef(lhs) || isUndef(rhs) {
			return false, nil
		}
		items, _ := itemsOf(rhs)
		for _, it := range items {
			if strictEqual(it, lhs) {
				return true, nil
			}
		}
		return false, nil
	case "..":
		return rangeOf(n, lhs, rhs)
	}
	return nil, evalErr("S0204", n.pos, "token", n.str)
}

// arithmetic evaluates +, -, *, / and % on evaluated operands.
func arithmetic(n *node, lhs, rhs any) (any, error) {
	if err := checkFinite(lhs, n.pos); err != nil {
		return nil, err
	}
	if err := checkFinite(rhs, n.pos); err != nil {
		return nil, err
	}
	if !isUndef(lhs) && !isNumeric(lhs) {
		return nil, evalErr("T2001", n.pos, "token", n.str, "value", lhs)
	}
	if !isUndef(rhs) && !isNumeric(rhs) {
		return nil, evalErr("T2002", n.pos, "token", n.str, "value", rhs)
	}
	if isUndef(lhs) || isUndef(rhs) {
		return Undefined, nil
	}
	a, _ := number(lhs)
	b, _ := number(rhs)
	var r float64
	switch n.str {
	case "+":
		r = a + b
	case "-":
		r = a - b
	case "*":
		r = a * b
	case "/":
		r = a / b
	case "%":
		r = math.Mod(a, b)
	}
	return r, nil
}

// comparison evaluates <, <=, > and >= on evaluated operands: both numbers
// or both strings.
func comparison(n *node, lhs, rhs any) (any, error) {
	lc := isUndef(lhs) || isNumber(lhs) || isString(lhs)
	rc := isUndef(rhs) || isNumber(rhs) || isString(rhs)
	if !lc || !rc {
		bad := lhs
		if lc {
			bad = rhs
		}
		return nil, evalErr("T2010", n.pos, "token", n.str, "value", bad)
	}
	if isUndef(lhs) || isUndef(rhs) {
		return Undefined, nil
	}
	c, ok := compareValues(lhs, rhs)
	if !ok {
		return nil, evalErr("T2009", n.pos, "token", n.str, "value", lhs, "value2", rhs)
	}
	switch n.str {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

// concat evaluates & on evaluated operands: undefined is the empty string.
func (ev *evaluator) concat(n *node, lhs, rhs any) (any, error) {
	var b strings.Builder
	for _, v := range [2]any{lhs, rhs} {
		if isUndef(v) {
			continue
		}
		s, err := ev.toString(v, n.pos)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	if b.Len() > maxStringLen {
		return nil, evalErr("U1010", n.pos)
	}
	return b.String(), nil
}

// rangeOf evaluates the range operator .. on evaluated operands.
func rangeOf(n *node, lhs, rhs any) (any, error) {
	if !isUndef(lhs) && !isInteger(lhs) {
		return nil, evalErr("T2003", n.pos, "value", lhs)
	}
	if !isUndef(rhs) && !isInteger(rhs) {
		return nil, evalErr("T2004", n.pos, "value", rhs)
	}
	if isUndef(lhs) || isUndef(rhs) {
		return Undefined, nil
	}
	a, _ := number(lhs)
	b, _ := number(rhs)
	if a > b {
		return Undefined, nil
	}
	size := b - a + 1
	if size > 1e7 { // jsonata's limit; its message says 1e6
		return nil, evalErr("D2014", n.pos, "value", size)
	}
	out := make([]any, 0, int(size))
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out, nil
}

// strictEqual is JavaScript's === on JSON values (objects and arrays by
// identity, which we approximate as never equal unless both are empty
// references we cannot distinguish).
func strictEqual(a, b any) bool {
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// checkFinite raises D1001 for an infinite operand, as jsonata-js's
// isNumeric does (NaN is simply not a number there).
func checkFinite(v any, pos int) error {
	if f, ok := v.(float64); ok && math.IsInf(f, 0) {
		return evalErr("D1001", pos, "value", f)
	}
	return nil
}

// isNumeric is jsonata-js's isNumeric: a number that is not NaN (0 % 0
// yields NaN, which arithmetic then rejects).
func isNumeric(v any) bool {
	f, ok := number(v)
	return ok && !math.IsNaN(f)
}

func isInteger(v any) bool {
	f, ok := number(v)
	return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
}

// toString is $string's conversion (without prettify) used by '&'.
func (ev *evaluator) toString(v any, pos int) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case *Function, *regexValue:
		return "", nil
	case UndefinedType:
		return "", nil
	}
	if f, ok := number(v); ok {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return "", evalErr("D3001", pos, "value", f)
		}
		return formatJSNumber(precision15(f)), nil
	}
	return stringifyOrdered(v, true, "", ev.keysOf), nil
}

func (ev *evaluator) call(n *node, input any, env *frame, applyTo *any) (any, error) {
	proc, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(n.args)+1)
	if applyTo != nil {
		args = append(args, *applyTo)
	}
	for _, a := range n.args {
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if !isCallable(proc) {
		if name, ok := bareName(n.lhs); ok {
			if _, isBuiltin := builtins().vars[name]; isBuiltin {
				return nil, evalErr("T1005", n.pos, "token", name)
			}
		}
		return nil, evalErr("T1006", n.pos)
	}
	ev.callName = ""
	if n.lhs.kind == nVariable {
		ev.callName = n.lhs.str
	}
	return ev.apply(proc, args, input, n.pos)
}

func isCallable(v any) bool {
	switch v.(type) {
	case *Function, *regexValue:
		return true
	}
	return false
}

func bareName(n *node) (string, bool) {
	if n.kind == nPath && len(n.args) == 1 && n.args[0].kind == nName {
		return n.args[0].str, true
	}
	if n.kind == nName {
		return n.str, true
	}
	return "", false
}

func (ev *evaluator) partial(n *node, input any, env *frame) (any, error) {
	proc, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isCallable(proc) {
		if name, ok := bareName(n.lhs); ok {
			if _, isBuiltin := builtins().vars[name]; isBuiltin {
				return nil, evalErr("T1007", n.pos, "token", name)
			}
		}
		return nil, evalErr("T1008", n.pos)
	}
	args := make([]any, len(n.args))
	for i, a := range n.args {
		if a.kind == nPlaceholder {
			args[i] = partialHole
			continue
		}
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return &Function{partialOf: asFunction(proc), partialArgs: args}, nil
}

func asFunction(v any) *Function {
	switch f := v.(type) {
	case *Function:
		return f
	case *regexValue:
		return &Function{regex: f}
	}
	return nil
}

func (ev *evaluator) applyOp(n *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if n.rhs.kind == nCall {
		return ev.call(n.rhs, input, env, &lhs)
	}
	fn, err := ev.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isCallable(fn) {
		return nil, evalErr("T2006", n.pos, "value", fn)
	}
	if isCallable(lhs) {
		return &Function{first: asFunction(lhs), second: asFunction(fn)}, nil
	}
	return ev.apply(fn, []any{lhs}, input, n.pos)
}

// apply calls a function value with arguments.
func (ev *evaluator) apply(proc any, args []any, input any, pos int) (any, error) {
	f := asFunction(proc)
	if f == nil {
		return nil, evalErr("T1006", pos)
	}
	ev.depth++
	defer func() { ev.depth-- }()
	if ev.depth > maxDepth {
		return nil, evalErr("U1001", pos)
	}
	if err := ev.tick(pos); err != nil {
		return nil, err
	}
	var res any
	var err error
	switch {
	case f.lambda != nil:
		res, err = ev.applyLambda(f, args, input, pos)
	case f.native != nil:
		if f.sig != nil {
			if args, err = f.sig.validate(f.name, args, input, pos); err != nil {
				return nil, err
			}
		}
		if res, err = f.native.fn(&call{ev: ev, input: input, pos: pos, name: f.name}, args); err == nil {
			err = ev.charge(res, pos)
		}
	case f.partialOf != nil:
		full := make([]any, len(f.partialArgs))
		j := 0
		for i, a := range f.partialArgs {
			if a == partialHole {
				if j < len(args) {
					full[i] = args[j]
				} else {
					full[i] = Undefined
				}
				j++
			} else {
				full[i] = a
			}
		}
		res, err = ev.apply(f.partialOf, full, input, pos)
	case f.first != nil:
		r, err := ev.apply(f.first, args, input, pos)
		if err != nil {
			return nil, err
		}
		res, err = ev.apply(f.second, []any{r}, input, pos)
		if err != nil {
			return nil, err
		}
	case f.regex != nil:
		if len(args) == 0 || isUndef(args[0]) {
			return Undefined, nil
		}
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil // jsonata-js would match String(value); we do not
		}
		res = f.regex.matcher(s, 0)
	case f.transform != nil:
		res, err = ev.transform(f, args, pos)
	default:
		return nil, evalErr("T1006", pos)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// tailCall is a call in tail position of a lambda body, returned by
// evalTail so that applyLambda can run it in a loop instead of recursing
// (jsonata-js has no practical recursion limit; tail-recursive loops must
// not hit ours).
type tailCall struct {
	f    *Function
	args []any
	name string
}

// applyLambda runs a lambda, iterating over calls in tail position.
func (ev *evaluator) applyLambda(f *Function, args []any, input any, pos int) (any, error) {
	name := ev.callName
	ev.callName = ""
	for {
		if f.sig != nil {
			var err error
			if args, err = f.sig.validate(name, args, input, pos); err != nil {
				return nil, err
			}
		}
		fr := &frame{parent: f.env, vars: make(map[string]any, len(f.lambda.params))}
		for i, p := range f.lambda.params {
			if i < len(args) {
				fr.vars[p] = args[i]
			} else {
				fr.vars[p] = Undefined
			}
		}
		res, tc, err := ev.evalTail(f.lambda.body, f.input, fr)
		if err != nil || tc == nil {
			return res, err
		}
		if err := ev.tick(pos); err != nil {
			return nil, err
		}
		f, args, name = tc.f, tc.args, tc.name
		input = f.input
	}
}

// evalTail evaluates a lambda body like eval, except that a call to a
// lambda in tail position (the body itself, a branch of a condition, the
// last expression of a block) is returned instead of being made.
func (ev *evaluator) evalTail(n *node, input any, env *frame) (any, *tailCall, error) {
	plain := len(n.predicate) == 0 && n.group == nil && !n.keepArray
	switch {
	case plain && n.kind == nCondition:
		c, err := ev.eval(n.cond, input, env)
		if err != nil {
			return nil, nil, err
		}
		if truthy(c) {
			return ev.evalTail(n.then, input, env)
		}
		if n.els != nil {
			return ev.evalTail(n.els, input, env)
		}
		return Undefined, nil, nil
	case plain && n.kind == nBlock && len(n.args) > 0:
		child := &frame{parent: env}
		for _, e := range n.args[:len(n.args)-1] {
			if _, err := ev.eval(e, input, child); err != nil {
				return nil, nil, err
			}
		}
		return ev.evalTail(n.args[len(n.args)-1], input, child)
	case plain && n.kind == nCall:
		proc, err := ev.eval(n.lhs, input, env)
		if err != nil {
			return nil, nil, err
		}
		if f, ok := proc.(*Function); ok && f.lambda != nil {
			args := make([]any, len(n.args))
			for i, a := range n.args {
				if args[i], err = ev.eval(a, input, env); err != nil {
					return nil, nil, err
				}
			}
			name := ""
			if n.lhs.kind == nVariable {
				name = n.lhs.str
			}
			return nil, &tailCall{f: f, args: args, name: name}, nil
		}
	}
	v, err := ev.eval(n, input, env)
	return v, nil, err
}

// callFn calls a function argument of a higher-order built-in, passing only
// as many of (value, index, array) as the function declares.
func (ev *evaluator) callFn(fn any, pos int, input any, args ...any) (any, error) {
	f := asFunction(fn)
	if f == nil {
		return nil, evalErr("T1006", pos)
	}
	n := f.arity()
	if n < len(args) {
		args = args[:n]
	}
	return ev.apply(f, args, input, pos)
}

func (ev *evaluator) transform(f *Function, args []any, pos int) (any, error) {
	n := f.transform
	if len(args) == 0 || isUndef(args[0]) {
		return Undefined, nil
	}
	obj := ev.deepClone(args[0])
	matches, err := ev.eval(n.lhs, obj, f.env)
	if err != nil {
		return nil, err
	}
	items, _ := itemsOf(matches)
	for _, m := range items {
		mm, ok := m.(map[string]any)
		if !ok {
			continue
		}
		upd, err := ev.eval(n.update, mm, f.env)
		if err != nil {
			return nil, err
		}
		if !isUndef(upd) {
			um, ok := upd.(map[string]any)
			if !ok {
				return nil, evalErr("T2011", n.update.pos, "value", upd)
			}
			keys := ev.keysOf(mm)
			for _, k := range ev.keysOf(um) {
				if _, exists := mm[k]; !exists {
					keys = append(keys, k)
				}
				mm[k] = um[k]
			}
			ev.setOrder(mm, keys)
		}
		if n.del != nil {
			del, err := ev.eval(n.del, mm, f.env)
			if err != nil {
				return nil, err
			}
			if !isUndef(del) {
				before := ev.keysOf(mm)
				ds, _ := itemsOf(del)
				for _, d := range ds {
					s, ok := d.(string)
					if !ok {
						return nil, evalErr("T2012", n.del.pos, "value", del)
					}
					delete(mm, s)
				}
				kept := []string{}
				for _, k := range before {
					if _, ok := mm[k]; ok {
						kept = append(kept, k)
					}
				}
				ev.setOrder(mm, kept)
			}
		}
	}
	return obj, nil
}

func (ev *evaluator) deepClone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := ev.keysOf(x)
		for _, k := range keys {
			out[k] = ev.deepClone(x[k])
		}
		ev.setOrder(out, append([]string(nil), keys...))
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ev.deepClone(e)
		}
		return out
	case *sequence:
		return ev.deepClone(x.items)
	case *consArray:
		return ev.deepClone(x.items)
	}
	return v
}
