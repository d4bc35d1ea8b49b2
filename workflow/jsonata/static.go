package jsonata

import (
	"encoding/json"
	"slices"
)

// Ref is a read of a free variable followed by plain member names, such as
// $states.input.error.Cause: Var "states", Fields [input error Cause]. A
// static checker compares it with what the variable can hold.
type Ref struct {
	// Pos is the byte offset of the variable in the expression.
	Pos int
	// Var is the variable name without '$'.
	Var string
	// Fields are the member names read after it, up to the first step that
	// is not a plain name (a filter, a wildcard, a function).
	Fields []string
}

// Refs lists every read of a free variable (one not bound inside the
// expression by := or a lambda parameter, nor a built-in function) with
// the member names that follow it, in source order.
func (e *Expr) Refs() []Ref {
	var out []Ref
	walkRefs(e.root, map[string]bool{}, &out)
	slices.SortStableFunc(out, func(a, b Ref) int { return a.Pos - b.Pos })
	return out
}

// freeVar reports whether n reads a free variable.
func freeVar(n *node, bound map[string]bool) bool {
	if n == nil || n.kind != nVariable || n.str == "" || n.str == "$" || bound[n.str] {
		return false
	}
	_, builtin := builtins().vars[n.str]
	return !builtin
}

// refOf returns the Ref a path or variable node reads, if it starts at a
// free variable.
func refOf(n *node, bound map[string]bool) (Ref, bool) {
	switch {
	case freeVar(n, bound) && len(n.predicate) == 0 && len(n.stages) == 0:
		return Ref{Pos: n.pos, Var: n.str}, true
	case n != nil && n.kind == nPath && len(n.args) > 0 && freeVar(n.args[0], bound) &&
		len(n.args[0].predicate) == 0 && len(n.args[0].stages) == 0:
		r := Ref{Pos: n.args[0].pos, Var: n.args[0].str}
		for _, st := range n.args[1:] {
			if st.kind != nName || len(st.stages) > 0 || len(st.predicate) > 0 || st.group != nil {
				break
			}
			r.Fields = append(r.Fields, st.str)
		}
		return r, true
	}
	return Ref{}, false
}

func walkRefs(n *node, bound map[string]bool, out *[]Ref) {
	if n == nil {
		return
	}
	if r, ok := refOf(n, bound); ok {
		*out = append(*out, r)
		if n.kind == nVariable {
			return
		}
		for _, st := range n.args[1:] {
			walkChildren(st, bound, out)
		}
		return
	}
	switch n.kind {
	case nLambda:
		inner := cloneBound(bound)
		for _, p := range n.params {
			inner[p] = true
		}
		walkRefs(n.body, inner, out)
		return
	case nBlock:
		inner := cloneBound(bound)
		for _, a := range n.args {
			walkRefs(a, inner, out)
		}
		return
	case nBind:
		walkRefs(n.rhs, bound, out)
		bound[n.lhs.str] = true
		return
	}
	walkChildren(n, bound, out)
}

// walkChildren walks everything below n except n itself.
func walkChildren(n *node, bound map[string]bool, out *[]Ref) {
	eachScoped(n, bound, func(c *node) { walkRefs(c, bound, out) })
}

// eachScoped calls f on every child of n (nil ones included), after
// binding in bound the names n introduces for them: its focus (@$v) and
// index (#$i) variables, and each index stage's variable before that stage.
// The static walks (Refs, FreeVariables) share it, so that a node kind
// added to the parser is walked by both or by neither.
func eachScoped(n *node, bound map[string]bool, f func(*node)) {
	if n.focus != "" {
		bound[n.focus] = true
	}
	if n.index != "" {
		bound[n.index] = true
	}
	for _, c := range []*node{n.lhs, n.rhs, n.group, n.body, n.cond, n.then, n.els, n.update, n.del} {
		f(c)
	}
	for _, c := range n.args {
		f(c)
	}
	for _, p := range n.pairs {
		f(p[0])
		f(p[1])
	}
	for _, c := range n.predicate {
		f(c)
	}
	for _, c := range n.stages {
		if c.kind == nIndex {
			bound[c.str] = true
		}
		f(c)
	}
	for _, t := range n.terms {
		f(t.expr)
	}
}

// cloneBound copies a scope, for a lambda or block whose names stay inside.
func cloneBound(b map[string]bool) map[string]bool {
	out := make(map[string]bool, len(b))
	for k := range b {
		out[k] = true
	}
	return out
}

// StaticKind is the kind of a Static description.
type StaticKind int

// The static kinds.
const (
	// StaticUnknown: nothing is known about the value.
	StaticUnknown StaticKind = iota
	// StaticObject: an object constructor with literal keys (Fields).
	StaticObject
	// StaticRef: the value a Ref reads (Ref).
	StaticRef
	// StaticMerge: $merge of an array constructor (Parts, in order).
	StaticMerge
	// StaticEither: one of Parts (the two sides of a condition).
	StaticEither
	// StaticString, StaticNumber, StaticBool, StaticNull: a value of that
	// kind.
	StaticString
	StaticNumber
	StaticBool
	StaticNull
)

// Static describes the value of an expression as far as its structure
// shows it, without evaluating anything.
type Static struct {
	// Kind says which fields apply.
	Kind StaticKind
	// Fields are the members of a StaticObject.
	Fields map[string]Static
	// Ref is what a StaticRef reads.
	Ref Ref
	// Parts are the objects of a StaticMerge or the alternatives of a
	// StaticEither.
	Parts []Static
	// Bytes bounds the encoding of a StaticString when it is known (a
	// literal, a timestamp from $now or $fromMillis); 0 otherwise.
	Bytes int
}

// Functions whose result kind is fixed.
var (
	stringFuncs = map[string]bool{"string": true, "substring": true, "substringBefore": true, "substringAfter": true,
		"uppercase": true, "lowercase": true, "trim": true, "pad": true, "join": true, "replace": true,
		"encodeUrlComponent": true, "encodeUrl": true, "decodeUrlComponent": true, "decodeUrl": true,
		"base64encode": true, "base64decode": true, "fromMillis": true, "now": true, "formatNumber": true,
		"formatBase": true, "formatInteger": true, "uuid": true, "hash": true}
	numberFuncs = map[string]bool{"number": true, "length": true, "count": true, "sum": true, "max": true, "min": true,
		"average": true, "abs": true, "floor": true, "ceil": true, "round": true, "power": true, "sqrt": true,
		"random": true, "millis": true, "toMillis": true, "parseInteger": true, "randomSeeded": true}
	boolFuncs = map[string]bool{"boolean": true, "not": true, "exists": true, "contains": true}
)

// Static describes the expression's value.
func (e *Expr) Static() Static { return static(e.root, map[string]bool{}) }

func static(n *node, bound map[string]bool) Static {
	if n == nil || len(n.predicate) > 0 || len(n.stages) > 0 {
		return Static{}
	}
	if r, ok := refOf(n, bound); ok {
		if n.kind == nPath && len(r.Fields) != len(n.args)-1 {
			return Static{}
		}
		return Static{Kind: StaticRef, Ref: r}
	}
	switch n.kind {
	case nString:
		b, _ := json.Marshal(n.str)
		return Static{Kind: StaticString, Bytes: len(b)}
	case nNumber:
		return Static{Kind: StaticNumber}
	case nValue:
		switch n.val.(type) {
		case bool:
			return Static{Kind: StaticBool}
		case nil:
			return Static{Kind: StaticNull}
		}
	case nObject:
		if n.group != nil {
			return Static{}
		}
		out := Static{Kind: StaticObject, Fields: map[string]Static{}}
		for _, p := range n.pairs {
			if p[0].kind != nString {
				return Static{}
			}
			out.Fields[p[0].str] = static(p[1], bound)
		}
		return out
	case nBlock:
		if len(n.args) == 0 {
			return Static{}
		}
		inner := cloneBound(bound)
		for _, a := range n.args[:len(n.args)-1] {
			if a.kind == nBind {
				inner[a.lhs.str] = true
			}
		}
		return static(n.args[len(n.args)-1], inner)
	case nCondition:
		return Static{Kind: StaticEither, Parts: []Static{static(n.then, bound), static(n.els, bound)}}
	case nBinary:
		switch n.str {
		case "&":
			return Static{Kind: StaticString}
		case "+", "-", "*", "/", "%":
			return Static{Kind: StaticNumber}
		case "=", "!=", "<", "<=", ">", ">=", "and", "or", "in":
			return Static{Kind: StaticBool}
		}
	case nNegate:
		return Static{Kind: StaticNumber}
	case nCall:
		if n.lhs == nil || n.lhs.kind != nVariable {
			return Static{}
		}
		if _, builtin := builtins().vars[n.lhs.str]; !builtin || bound[n.lhs.str] {
			return Static{}
		}
		switch name := n.lhs.str; {
		case name == "merge" && len(n.args) == 1 && n.args[0].kind == nArray && !n.args[0].consArray:
			out := Static{Kind: StaticMerge}
			for _, a := range n.args[0].args {
				out.Parts = append(out.Parts, static(a, bound))
			}
			return out
		case (name == "now" && len(n.args) == 0) || (name == "fromMillis" && len(n.args) == 1):
			// "2006-01-02T15:04:05.000Z", quoted.
			return Static{Kind: StaticString, Bytes: 26}
		case stringFuncs[name]:
			return Static{Kind: StaticString}
		case numberFuncs[name]:
			return Static{Kind: StaticNumber}
		case boolFuncs[name]:
			return Static{Kind: StaticBool}
		}
	}
	return Static{}
}
