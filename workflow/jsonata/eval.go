package jsonata

import (
	"context"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"reflect"
	"sort"
	"time"
)

// Expr is a compiled JSONata expression. It is immutable and safe for
// concurrent use after Compile; each Eval call gets its own variables.
type Expr struct {
	src  string
	root *node
}

// String returns the source text of the expression.
func (e *Expr) String() string { return e.src }

// maxDepth bounds the nesting of evaluation (deep non-tail recursion in
// user-defined functions), reported as U1001. About 5 levels are used per
// level of JSONata recursion; tail calls use none.
const maxDepth = 50000

type frame struct {
	vars   map[string]any
	parent *frame
}

func (f *frame) lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (f *frame) bind(name string, v any) {
	if f.vars == nil {
		f.vars = make(map[string]any)
	}
	f.vars[name] = v
}

type evaluator struct {
	ctx   context.Context
	steps int
	depth int
	// budget bounds the evaluation; produced counts the values charged
	// against it, and deadline is when its time runs out (zero: never).
	budget   Budget
	produced int64
	deadline time.Time
	now      time.Time
	// callName is the variable a lambda is being called through by call()
	// (named in its signature errors); applyLambda consumes it.
	callName string
	random   *mrand.Rand // from WithRandom; nil: the global source
	root     any         // the input, $$
	// order records the key order of objects built during this evaluation
	// (Go maps have none); see keysOf.
	order map[uintptr]orderedKeys
}

type orderedKeys struct {
	m    map[string]any // keeps the map alive, so its address is not reused
	keys []string
}

// setOrder records the key order of an object built during evaluation.
func (ev *evaluator) setOrder(m map[string]any, keys []string) {
	if ev.order == nil {
		ev.order = make(map[uintptr]orderedKeys)
	}
	ev.order[reflect.ValueOf(m).Pointer()] = orderedKeys{m: m, keys: keys}
}

// keysOf enumerates an object's keys in jsonata-js order: insertion order
// for objects built by the expression, sorted for objects from the input
// (whose order encoding/json did not keep).
func (ev *evaluator) keysOf(m map[string]any) []string {
	if ev != nil && ev.order != nil {
		if o, ok := ev.order[reflect.ValueOf(m).Pointer()]; ok && len(o.keys) == len(m) {
			return o.keys
		}
	}
	return sortedKeys(m)
}

func (ev *evaluator) rng() interface {
	Float64() float64
	Shuffle(n int, swap func(i, j int))
} {
	if ev.random != nil {
		return ev.random
	}
	return globalRand{}
}

type globalRand struct{}

func (globalRand) Float64() float64                   { return mrand.Float64() }
func (globalRand) Shuffle(n int, swap func(i, j int)) { mrand.Shuffle(n, swap) }

type randKey struct{}

// WithRandom returns a context that makes $random() (without a seed),
// $shuffle and $uuid draw from r during Eval, for reproducible local runs.
// r is used by one evaluation at a time: do not share it between
// concurrent Eval calls. Without it they use math/rand/v2's global source
// and crypto/rand.
func WithRandom(ctx context.Context, r *mrand.Rand) context.Context {
	return context.WithValue(ctx, randKey{}, r)
}

type nowKey struct{}

// WithNow returns a context that makes $now() and $millis() report t
// during Eval, so that an engine with a virtual clock gets reproducible
// results. Without it they use the wall clock (read once per Eval, as
// jsonata-js does).
func WithNow(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, nowKey{}, t)
}

// Eval evaluates the expression against input (bound to $ and $$) with
// vars bound as $name (e.g. vars["states"] is $states). Values use the
// encoding/json UseNumber representation: nil, bool, json.Number, string,
// []any, map[string]any; Go ints and float64 are accepted on input too.
// The result is in the same representation, or Undefined when the
// expression has no result, or a *Function. Evaluation errors are
// *EvalError. Eval honours ctx: when it is cancelled or its deadline
// passes, the error wraps ctx.Err() (errors.Is(err, context.Canceled)). Neither input nor vars are
// modified; the result may share structure with them.
func (e *Expr) Eval(ctx context.Context, input any, vars map[string]any) (result any, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ev := &evaluator{ctx: ctx, budget: budgetOf(ctx)}
	if ev.budget.Time > 0 {
		ev.deadline = time.Now().Add(ev.budget.Time)
	}
	if r, ok := ctx.Value(randKey{}).(*mrand.Rand); ok {
		ev.random = r
	}
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		ev.now = t
	} else {
		ev.now = time.Now()
	}
	if arr, ok := input.([]any); ok {
		input = &sequence{items: []any{arr}, outerWrapper: true}
	}
	ev.root = input
	top := &frame{parent: &frame{vars: vars, parent: builtins()}}
	defer func() {
		if r := recover(); r != nil {
			if ee, ok := r.(*EvalError); ok {
				result, err = nil, ee
				return
			}
			panic(r)
		}
	}()
	v, err := ev.eval(e.root, input, top)
	if err != nil {
		return nil, err
	}
	return export(v)
}

func (ev *evaluator) tick(pos int) error {
	ev.steps++
	if ev.steps&1023 == 0 {
		if err := ev.ctx.Err(); err != nil {
			return fmt.Errorf("jsonata: evaluation stopped: %w", err)
		}
		if err := ev.overTime(pos); err != nil {
			return err
		}
	}
	return nil
}

func (ev *evaluator) eval(n *node, input any, env *frame) (any, error) {
	if err := ev.tick(n.pos); err != nil {
		return nil, err
	}
	ev.depth++
	defer func() { ev.depth-- }()
	if ev.depth > maxDepth {
		return nil, evalErr("U1001", n.pos)
	}
	res, err := ev.evalNode(n, input, env)
	if err != nil {
		return nil, err
	}
	switch n.kind {
	case nArray, nObject, nPath, nBinary, nWildcard, nDescendant:
		// These build new values; the others pass values through (or,
		// as calls, are charged in apply).
		if err := ev.charge(res, n.pos); err != nil {
			return nil, err
		}
	}
	for _, p := range n.predicate {
		if res, err = ev.filter(p.lhs, res, env); err != nil {
			return nil, err
		}
		if err := ev.charge(res, p.lhs.pos); err != nil {
			return nil, err
		}
	}
	if n.kind != nPath && n.group != nil {
		if res, err = ev.group(n.group, res, env); err != nil {
			return nil, err
		}
		if err := ev.charge(res, n.group.pos); err != nil {
			return nil, err
		}
	}
	if s, ok := res.(*sequence); ok && !s.tupleStream {
		if n.keepArray {
			s.keepSingleton = true
		}
		switch {
		case len(s.items) == 0:
			return Undefined, nil
		case len(s.items) == 1 && !s.keepSingleton:
			return s.items[0], nil
		}
	}
	return res, nil
}

func (ev *evaluator) evalNode(n *node, input any, env *frame) (any, error) {
	switch n.kind {
	case nString:
		return n.str, nil
	case nNumber:
		return n.num, nil
	case nValue:
		return n.val, nil
	case nRegex:
		return n.regex, nil
	case nName:
		return lookup(input, n.str), nil
	case nVariable:
		if n.str == "" {
			if s, ok := input.(*sequence); ok && s.outerWrapper {
				return s.items[0], nil
			}
			return input, nil
		}
		if v, ok := env.lookup(n.str); ok {
			return v, nil
		}
		if n.str == "$" {
			return ev.root, nil
		}
		return Undefined, nil
	case nWildcard:
		return ev.wildcard(input), nil
	case nParent:
		if anc, ok := env.lookup(ancestorsKey); ok {
			if a, _ := anc.([]any); len(a) > 0 {
				return a[len(a)-1], nil
			}
		}
		return Undefined, nil
	case nDescendant:
		return ev.descendants(input), nil
	case nPath:
		return ev.path(n, input, env)
	case nBinary:
		return ev.binary(n, input, env)
	case nNegate:
		v, err := ev.eval(n.lhs, input, env)
		if err != nil {
			return nil, err
		}
		if isUndef(v) {
			return Undefined, nil
		}
		f, ok := number(v)
		if !ok {
			return nil, evalErr("D1002", n.pos, "value", v)
		}
		return -f, nil
	case nArray:
		out := make([]any, 0, len(n.args))
		for _, item := range n.args {
			v, err := ev.eval(item, input, env)
			if err != nil {
				return nil, err
			}
			if isUndef(v) {
				continue
			}
			if item.kind == nArray {
				out = append(out, v)
			} else if a, ok := asArray(v); ok {
				out = append(out, a...)
			} else {
				out = append(out, v)
			}
		}
		if n.consArray {
			return &consArray{items: out}, nil
		}
		return out, nil
	case nObject:
		return ev.group(n, input, env)
	case nBlock:
		child := &frame{parent: env}
		var res any = Undefined
		for _, e := range n.args {
			v, err := ev.eval(e, input, child)
			if err != nil {
				return nil, err
			}
			res = v
		}
		return res, nil
	case nBind:
		v, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		env.bind(n.lhs.str, v)
		return v, nil
	case nCondition:
		c, err := ev.eval(n.cond, input, env)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return ev.eval(n.then, input, env)
		}
		if n.els != nil {
			return ev.eval(n.els, input, env)
		}
		return Undefined, nil
	case nCall:
		return ev.call(n, input, env, nil)
	case nPartial:
		return ev.partial(n, input, env)
	case nLambda:
		return &Function{lambda: n, env: env, input: input, sig: n.sig}, nil
	case nApply:
		return ev.applyOp(n, input, env)
	case nTransform:
		return &Function{transform: n, env: env}, nil
	case nSort:
		items, _ := itemsOf(input)
		return ev.sortItems(n, items, env)
	}
	return nil, evalErr("S0206", n.pos)
}

// itemsOf returns the members of an array-like value, or the value as a
// single item; undefined gives none.
func itemsOf(v any) ([]any, bool) {
	if a, ok := asArray(v); ok {
		return a, true
	}
	if isUndef(v) {
		return nil, false
	}
	return []any{v}, false
}

func lookup(input any, key string) any {
	if a, ok := asArray(input); ok {
		res := &sequence{}
		for _, item := range a {
			v := lookup(item, key)
			if isUndef(v) {
				continue
			}
			if inner, ok := asArray(v); ok {
				res.items = append(res.items, inner...)
			} else {
				res.push(v)
			}
		}
		return res
	}
	switch m := input.(type) {
	case map[string]any:
		if v, ok := m[key]; ok {
			return v
		}
	case tuple:
		if v, ok := m[key]; ok {
			return v
		}
	}
	return Undefined
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (ev *evaluator) wildcard(input any) any {
	res := &sequence{}
	if s, ok := input.(*sequence); ok && s.outerWrapper && len(s.items) > 0 {
		input = s.items[0]
	}
	add := func(v any) {
		if a, ok := asArray(v); ok {
			res.items = append(res.items, flatten(a, nil)...)
		} else {
			res.push(v)
		}
	}
	switch x := input.(type) {
	case map[string]any:
		for _, k := range ev.keysOf(x) {
			add(x[k])
		}
	default:
		if a, ok := asArray(input); ok {
			for _, v := range a {
				add(v)
			}
		}
	}
	return res
}

func flatten(a []any, out []any) []any {
	for _, v := range a {
		if inner, ok := asArray(v); ok {
			out = flatten(inner, out)
		} else {
			out = append(out, v)
		}
	}
	return out
}

func (ev *evaluator) descendants(input any) any {
	res := &sequence{}
	if !isUndef(input) {
		ev.recurseDescendants(input, res)
	}
	if len(res.items) == 1 {
		return res.items[0]
	}
	return res
}

func (ev *evaluator) recurseDescendants(v any, res *sequence) {
	if a, ok := asArray(v); ok {
		for _, e := range a {
			ev.recurseDescendants(e, res)
		}
		return
	}
	res.push(v)
	if m, ok := v.(map[string]any); ok {
		for _, k := range ev.keysOf(m) {
			ev.recurseDescendants(m[k], res)
		}
	}
}

func (ev *evaluator) path(n *node, input any, env *frame) (any, error) {
	var inputItems []any
	if a, ok := asArray(input); ok && n.args[0].kind != nVariable {
		inputItems = a
	} else {
		inputItems = []any{input}
	}
	isTuple := false
	var tuples []tuple
	var result any = Undefined
	last := len(n.args) - 1
	for i, step := range n.args {
		if step.tuple {
			isTuple = true
		}
		var err error
		switch {
		case i == 0 && step.consArray:
			var in any = &sequence{items: inputItems}
			if len(inputItems) == 1 {
				in = inputItems[0]
			}
			result, err = ev.eval(step, in, env)
		case isTuple:
			tuples, err = ev.tupleStep(step, inputItems, tuples, env)
		default:
			result, err = ev.step(step, inputItems, env, i == last)
		}
		if err != nil {
			return nil, err
		}
		if !isTuple {
			items, _ := itemsOf(result)
			if len(items) == 0 {
				break
			}
			if step.focus == "" {
				inputItems = items
			}
		}
	}
	if isTuple {
		s := &sequence{}
		for _, t := range tuples {
			s.push(t["@"])
		}
		result = s
	}
	if n.keepSingleton {
		switch r := result.(type) {
		case UndefinedType, []any:
		case *sequence:
			r.keepSingleton = true
		case *consArray:
			// jsonata-js wraps the constructed array itself in the sequence
			result = &sequence{items: []any{r}, keepSingleton: true}
		default:
			result = &sequence{items: []any{r}, keepSingleton: true}
		}
	}
	if n.group != nil {
		var in any = result
		if isTuple {
			ts := &sequence{tupleStream: true}
			for _, t := range tuples {
				ts.push(t)
			}
			in = ts
		}
		return ev.group(n.group, in, env)
	}
	return result, nil
}

func (ev *evaluator) step(step *node, items []any, env *frame, last bool) (any, error) {
	if step.kind == nSort {
		res, err := ev.sortItems(step, items, env)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if res, err = ev.filter(st.lhs, res, env); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	if len(items) == 1 {
		// common case: one context item and a non-array result need no
		// sequence
		res, err := ev.eval(step, items[0], env)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if res, err = ev.filter(st.lhs, res, env); err != nil {
				return nil, err
			}
		}
		if _, isArr := asArray(res); !isArr {
			return res, nil
		}
		return ev.flattenStep([]any{res}, last), nil
	}
	results := make([]any, 0, len(items))
	for _, item := range items {
		res, err := ev.eval(step, item, env)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if res, err = ev.filter(st.lhs, res, env); err != nil {
				return nil, err
			}
		}
		if !isUndef(res) {
			results = append(results, res)
		}
	}
	return ev.flattenStep(results, last), nil
}

// flattenStep joins the results of a step into one sequence, flattening
// arrays one level (but not arrays built by a constructor step); a last
// step's single array result is kept as it is.
func (ev *evaluator) flattenStep(results []any, last bool) any {
	if last && len(results) == 1 {
		switch r := results[0].(type) {
		case []any, *consArray:
			return r
		}
	}
	out := &sequence{items: make([]any, 0, len(results))}
	for _, r := range results {
		switch a := r.(type) {
		case []any:
			out.items = append(out.items, a...)
		case *sequence:
			out.items = append(out.items, a.items...)
		default:
			out.push(r)
		}
	}
	return out
}

// ancestorsKey binds, in a tuple and in the frame made from it, the chain
// of context values that led to the tuple's "@" (nearest last); % reads it.
// It cannot clash with a variable name.
const ancestorsKey = "\x00ancestors"

func ancestorsOf(t tuple, env *frame) []any {
	if a, ok := t[ancestorsKey].([]any); ok {
		return a
	}
	if a, ok := env.lookup(ancestorsKey); ok {
		if as, ok := a.([]any); ok {
			return as
		}
	}
	return nil
}

func frameFromTuple(env *frame, t tuple) *frame {
	f := &frame{parent: env, vars: make(map[string]any, len(t))}
	for k, v := range t {
		if k != "@" {
			f.vars[k] = v
		}
	}
	return f
}

func (ev *evaluator) tupleStep(step *node, input []any, tuples []tuple, env *frame) ([]tuple, error) {
	if step.kind == nSort {
		result := []tuple{}
		if tuples != nil {
			items := make([]any, len(tuples))
			for i, t := range tuples {
				items[i] = t
			}
			sorted, err := ev.sortItems(step, items, env)
			if err != nil {
				return nil, err
			}
			for _, s := range sorted.(*sequence).items {
				result = append(result, s.(tuple))
			}
		} else {
			sorted, err := ev.sortItems(step, input, env)
			if err != nil {
				return nil, err
			}
			for i, s := range sorted.(*sequence).items {
				t := tuple{"@": s}
				if step.index != "" {
					t[step.index] = float64(i)
				}
				result = append(result, t)
			}
		}
		return ev.stages(step.stages, result, env)
	}
	if tuples == nil {
		tuples = make([]tuple, len(input))
		for i, item := range input {
			tuples[i] = tuple{"@": item}
		}
	}
	result := []tuple{}
	for _, tb := range tuples {
		stepEnv := frameFromTuple(env, tb)
		res, err := ev.eval(step, tb["@"], stepEnv)
		if err != nil {
			return nil, err
		}
		if isUndef(res) {
			continue
		}
		items, _ := itemsOf(res)
		rs, isTS := res.(*sequence)
		isTS = isTS && rs.tupleStream
		anc := ancestorsOf(tb, env)
		var newAnc []any
		switch {
		case step.kind == nParent:
			if len(anc) > 0 {
				newAnc = anc[: len(anc)-1 : len(anc)-1]
			}
		default:
			newAnc = append(anc[:len(anc):len(anc)], tb["@"])
		}
		for bb, item := range items {
			t := make(tuple, len(tb)+2)
			for k, v := range tb {
				t[k] = v
			}
			if isTS {
				for k, v := range item.(tuple) {
					t[k] = v
				}
			} else {
				if step.focus != "" {
					t[step.focus] = item
					t["@"] = tb["@"]
				} else {
					t["@"] = item
				}
				if step.index != "" {
					t[step.index] = float64(bb)
				}
				t[ancestorsKey] = newAnc
			}
			result = append(result, t)
		}
	}
	return ev.stages(step.stages, result, env)
}

func (ev *evaluator) stages(stages []*node, ts []tuple, env *frame) ([]tuple, error) {
	for _, st := range stages {
		switch st.kind {
		case nFilter:
			in := &sequence{tupleStream: true}
			for _, t := range ts {
				in.push(t)
			}
			out, err := ev.filter(st.lhs, in, env)
			if err != nil {
				return nil, err
			}
			ts = []tuple{}
			if s, ok := out.(*sequence); ok {
				for _, t := range s.items {
					ts = append(ts, t.(tuple))
				}
			}
		case nIndex:
			for i, t := range ts {
				t[st.str] = float64(i)
			}
		}
	}
	return ts, nil
}

func (ev *evaluator) filter(pred *node, input any, env *frame) (any, error) {
	results := &sequence{}
	if s, ok := input.(*sequence); ok && s.tupleStream {
		results.tupleStream = true
	}
	items, _ := itemsOf(input)
	if pred.kind == nNumber {
		idx := int(math.Floor(pred.num))
		if idx < 0 {
			idx += len(items)
		}
		if idx >= 0 && idx < len(items) {
			item := items[idx]
			if a, ok := item.([]any); ok {
				return a, nil
			}
			results.push(item)
		}
		return results, nil
	}
	for i, item := range items {
		ctx, fenv := item, env
		if t, ok := item.(tuple); ok && results.tupleStream {
			ctx = t["@"]
			fenv = frameFromTuple(env, t)
		}
		res, err := ev.eval(pred, ctx, fenv)
		if err != nil {
			return nil, err
		}
		if isNumber(res) {
			res = []any{res}
		}
		if nums, ok := arrayOfNumbers(res); ok {
			for _, f := range nums {
				ii := int(math.Floor(f))
				if ii < 0 {
					ii += len(items)
				}
				if ii == i {
					results.push(item)
				}
			}
		} else if truthy(res) {
			results.push(item)
		}
	}
	return results, nil
}

func arrayOfNumbers(v any) ([]float64, bool) {
	a, ok := asArray(v)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(a))
	for i, e := range a {
		f, ok := number(e)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

// maxArrayLen bounds arrays built by concatenation, so that a runaway
// recursion fails with U1010 instead of exhausting memory.
const maxArrayLen = 1e7

// appendValues is $append: undefined-tolerant concatenation.
func appendValues(a, b any) any {
	if isUndef(a) {
		return b
	}
	if isUndef(b) {
		return a
	}
	x, _ := asArray(a)
	y, _ := asArray(b)
	if len(x)+len(y) > maxArrayLen {
		panic(evalErr("U1010", -1))
	}
	out := make([]any, 0, len(x)+len(y)+2)
	if x, ok := asArray(a); ok {
		out = append(out, x...)
	} else {
		out = append(out, a)
	}
	if y, ok := asArray(b); ok {
		out = append(out, y...)
	} else {
		out = append(out, b)
	}
	return out
}

func (ev *evaluator) group(g *node, input any, env *frame) (any, error) {
	s, _ := input.(*sequence)
	reduce := s != nil && s.tupleStream
	items, _ := itemsOf(input)
	if len(items) == 0 {
		items = []any{Undefined}
	}
	type entry struct {
		data any
		idx  int
	}
	groups := map[string]*entry{}
	var order []string
	for _, item := range items {
		ctx, genv := item, env
		if t, ok := item.(tuple); ok && reduce {
			ctx = t["@"]
			genv = frameFromTuple(env, t)
		}
		for pi, pair := range g.pairs {
			k, err := ev.eval(pair[0], ctx, genv)
			if err != nil {
				return nil, err
			}
			if isUndef(k) {
				continue
			}
			key, ok := k.(string)
			if !ok {
				return nil, evalErr("T1003", pair[0].pos, "value", k)
			}
			if e, ok := groups[key]; ok {
				if e.idx != pi {
					return nil, evalErr("D1009", pair[0].pos, "value", key)
				}
				e.data = appendValues(e.data, item)
			} else {
				groups[key] = &entry{data: item, idx: pi}
				order = append(order, key)
			}
		}
	}
	result := make(map[string]any, len(order))
	for _, key := range order {
		e := groups[key]
		ctx, genv := e.data, env
		if reduce {
			merged := tuple{}
			var ats []any
			for _, it := range mustItems(e.data) {
				t, _ := it.(tuple)
				for k, v := range t {
					if k == "@" || k == ancestorsKey {
						if k == ancestorsKey {
							if _, ok := merged[k]; !ok {
								merged[k] = v
							}
						}
						continue
					}
					if old, ok := merged[k]; ok {
						merged[k] = appendValues(old, v)
					} else {
						merged[k] = v
					}
				}
				ats = append(ats, t["@"])
			}
			if len(ats) == 1 {
				ctx = ats[0]
			} else {
				ctx = ats
			}
			genv = frameFromTuple(env, merged)
		}
		v, err := ev.eval(g.pairs[e.idx][1], ctx, genv)
		if err != nil {
			return nil, err
		}
		if !isUndef(v) {
			result[key] = v
		}
	}
	if len(result) > 1 {
		keys := make([]string, 0, len(result))
		for _, k := range order {
			if _, ok := result[k]; ok {
				keys = append(keys, k)
			}
		}
		ev.setOrder(result, keys)
	}
	return result, nil
}

func mustItems(v any) []any {
	items, _ := itemsOf(v)
	return items
}

type sortKey struct {
	vals []any
	item any
}

func (ev *evaluator) sortItems(n *node, items []any, env *frame) (any, error) {
	if len(items) < 2 {
		// nothing to order: the sort keys are never evaluated
		return &sequence{items: append([]any(nil), items...)}, nil
	}
	keys := make([]sortKey, len(items))
	for i, item := range items {
		ctx, senv := item, env
		if t, ok := item.(tuple); ok {
			ctx = t["@"]
			senv = frameFromTuple(env, t)
		}
		keys[i].item = item
		for _, term := range n.terms {
			v, err := ev.eval(term.expr, ctx, senv)
			if err != nil {
				return nil, err
			}
			if !isUndef(v) && !isNumber(v) && !isString(v) {
				return nil, evalErr("T2008", n.pos, "value", v)
			}
			keys[i].vals = append(keys[i].vals, v)
		}
	}
	var sortErr error
	sort.SliceStable(keys, func(a, b int) bool {
		for t, term := range n.terms {
			x, y := keys[a].vals[t], keys[b].vals[t]
			if isUndef(x) && isUndef(y) {
				continue
			}
			if isUndef(x) {
				return false
			}
			if isUndef(y) {
				return true
			}
			c, ok := compareValues(x, y)
			if !ok {
				if sortErr == nil {
					sortErr = evalErr("T2007", n.pos, "value", x, "value2", y)
				}
				return false
			}
			if c == 0 {
				continue
			}
			if term.desc {
				c = -c
			}
			return c < 0
		}
		return false
	})
	if sortErr != nil {
		return nil, sortErr
	}
	out := &sequence{items: make([]any, len(keys))}
	for i, k := range keys {
		out.items[i] = k.item
	}
	return out, nil
}

// compareValues orders two numbers or two strings (by UTF-16 code units,
// as JavaScript does); ok is false for mixed types.
func compareValues(x, y any) (int, bool) {
	if fx, ok := number(x); ok {
		fy, ok := number(y)
		if !ok {
			return 0, false
		}
		switch {
		case fx < fy:
			return -1, true
		case fx > fy:
			return 1, true
		}
		return 0, true
	}
	sx, ok := x.(string)
	if !ok {
		return 0, false
	}
	sy, ok := y.(string)
	if !ok {
		return 0, false
	}
	return compareUTF16(sx, sy), true
}
