package jsonpath

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonvalue"
)

// Get evaluates the path against doc. The root of the path ("$", "$$" or
// "$name") stands for doc itself: the caller passes the state input, the
// context object or the variable's value.
//
// A definite path returns the selected value, or a *NotFoundError when it
// selects nothing. An indefinite path returns a []any of every match (empty,
// never nil, when nothing matches). Get never modifies doc, and the result
// may share structure with it.
func (p *Path) Get(doc any) (any, error) {
	if p.definite {
		return p.getDefinite(doc)
	}
	out := []any{}
	p.collect(doc, doc, 0, &out)
	return out, nil
}

// prefix returns the canonical form of the path up to and including
// segment i.
func (p *Path) prefix(i int) string {
	var b strings.Builder
	writeRoot(&b, p.root, p.variable)
	for k := 0; k <= i && k < len(p.segs); k++ {
		writeSegment(&b, &p.segs[k])
	}
	return b.String()
}

func (p *Path) notFound(i int, msg string) *NotFoundError {
	return &NotFoundError{Expr: p.expr, At: p.prefix(i), Msg: msg}
}

// javaType names a JSON value's type as Jayway's messages do.
func javaType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case string:
		return "java.lang.String"
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 32); err == nil {
			return "java.lang.Integer"
		}
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return "java.lang.Long"
		}
		if !strings.ContainsAny(string(v), ".eE") {
			return "java.math.BigInteger"
		}
		return "java.lang.Double"
	case []any:
		return "java.util.ArrayList"
	case map[string]any:
		return "java.util.LinkedHashMap"
	}
	return fmt.Sprintf("%T", v)
}

// javaString renders a value as Java's toString does for the objects
// Jackson decodes JSON into: {a=1, b=[x, y]}, numbers as written.
func javaString(v any) string {
	var b strings.Builder
	jsonvalue.WriteJava(&b, v, nil, nil)
	return b.String()
}

func (p *Path) getDefinite(doc any) (any, error) {
	cur := doc
	for i := range p.segs {
		s := &p.segs[i]
		switch s.Kind {
		case Child:
			name := s.Names[0]
			m, ok := cur.(map[string]any)
			if !ok {
				var b strings.Builder
				writeSegment(&b, &Segment{Kind: Child, Names: s.Names})
				return nil, p.notFound(i, fmt.Sprintf(
					"Expected to find an object with property %s in path %s but found '%s'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
					b.String(), p.prefix(i-1), javaType(cur)))
			}
			v, ok := m[name]
			if !ok {
				if i == len(p.segs)-1 {
					return nil, p.notFound(i, "No results for path: "+p.prefix(i))
				}
				return nil, p.notFound(i, "Missing property in path "+p.prefix(i))
			}
			cur = v
		case Index:
			// Jayway's ArrayIndexToken: null and non-arrays throw, an index
			// out of range just yields nothing ("No results").
			if cur == nil {
				return nil, p.notFound(i, "The path "+p.prefix(i-1)+" is null")
			}
			a, ok := cur.([]any)
			if !ok {
				return nil, p.notFound(i, fmt.Sprintf(
					"Filter: [%d] can only be applied to arrays. Current context is: %s",
					s.Indexes[0], javaString(cur)))
			}
			idx := s.Indexes[0]
			if idx < 0 {
				idx += len(a)
			}
			if idx < 0 || idx >= len(a) {
				return nil, p.notFound(len(p.segs)-1, "No results for path: "+p.Canonical())
			}
			cur = a[idx]
		}
	}
	return cur, nil
}

// collect appends to out every value that segments i.. select from node.
func (p *Path) collect(node, root any, i int, out *[]any) {
	if i == len(p.segs) {
		*out = append(*out, node)
		return
	}
	s := &p.segs[i]
	if s.Recursive {
		p.descend(node, root, i, out)
		return
	}
	step(node, root, s, func(v any) { p.collect(v, root, i+1, out) })
}

// descend applies segment i to node and to every container below it.
func (p *Path) descend(node, root any, i int, out *[]any) {
	s := &p.segs[i]
	step(node, root, s, func(v any) { p.collect(v, root, i+1, out) })
	switch n := node.(type) {
	case map[string]any:
		for _, k := range jsonvalue.SortedKeys(n) {
			switch c := n[k].(type) {
			case map[string]any, []any:
				p.descend(c, root, i, out)
			}
		}
	case []any:
		for _, c := range n {
			switch c.(type) {
			case map[string]any, []any:
				p.descend(c, root, i, out)
			}
		}
	}
}

// step emits every value segment s selects directly from node.
func step(node, root any, s *Segment, emit func(any)) {
	switch s.Kind {
	case Child:
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		for _, n := range s.Names {
			if v, ok := m[n]; ok {
				emit(v)
			}
		}
	case Index:
		a, ok := node.([]any)
		if !ok {
			return
		}
		for _, idx := range s.Indexes {
			if idx < 0 {
				idx += len(a)
			}
			if idx >= 0 && idx < len(a) {
				emit(a[idx])
			}
		}
	case Wildcard:
		switch n := node.(type) {
		case map[string]any:
			for _, k := range jsonvalue.SortedKeys(n) {
				emit(n[k])
			}
		case []any:
			for _, v := range n {
				emit(v)
			}
		}
	case Slice:
		a, ok := node.([]any)
		if !ok {
			return
		}
		for _, idx := range sliceIndexes(len(a), s.Start, s.End, s.Step) {
			emit(a[idx])
		}
	case Filter:
		switch n := node.(type) {
		case []any:
			for _, v := range n {
				if s.Pred.node.eval(v, root) {
					emit(v)
				}
			}
		case map[string]any:
			if s.Pred.node.eval(n, root) {
				emit(n)
			}
		}
	}
}

// sliceIndexes returns the indexes a[start:end:step] selects, with Python
// semantics: negative bounds count from the end and bounds are clamped.
func sliceIndexes(n int, start, end, stepp *int) []int {
	st := 1
	if stepp != nil {
		st = *stepp
	}
	norm := func(v *int, def int, lo, hi int) int {
		if v == nil {
			return def
		}
		x := *v
		if x < 0 {
			x += n
		}
		if x < lo {
			x = lo
		}
		if x > hi {
			x = hi
		}
		return x
	}
	var out []int
	if st > 0 {
		b, e := norm(start, 0, 0, n), norm(end, n, 0, n)
		for i := b; i < e; i += st {
			out = append(out, i)
		}
	} else {
		b, e := norm(start, n-1, -1, n-1), norm(end, -1, -1, n-1)
		if end == nil {
			e = -1
		}
		for i := b; i > e; i += st {
			out = append(out, i)
		}
	}
	return out
}

// Set returns a copy of doc with v placed at the path, as ResultPath does:
// missing objects along the way are created, and the input is never
// modified (objects and arrays on the way are copied, the rest is shared).
// The path "$" returns v itself. The path must be definite and rooted at
// "$" or a variable; placing through a value that is not an object (or an
// array, for an index) is a *SetError.
func (p *Path) Set(doc any, v any) (any, error) {
	if p.root == RootContext {
		return nil, &SetError{Expr: p.expr, At: "$$", Msg: "the context object cannot be written"}
	}
	if !p.definite {
		return nil, &SetError{Expr: p.expr, At: p.Canonical(), Msg: "only a reference path can be set"}
	}
	return p.set(doc, true, 0, v)
}

func (p *Path) set(node any, exists bool, i int, v any) (any, error) {
	if i == len(p.segs) {
		return v, nil
	}
	s := &p.segs[i]
	switch s.Kind {
	case Child:
		var m map[string]any
		switch n := node.(type) {
		case map[string]any:
			m = make(map[string]any, len(n)+1)
			for k, x := range n {
				m[k] = x
			}
		default:
			if exists {
				return nil, &SetError{Expr: p.expr, At: p.prefix(i - 1), Msg: fmt.Sprintf(
					"cannot set property %s in path %s: found %s, not an object", quoteName(s.Names[0]), p.prefix(i-1), kindOf(node))}
			}
			m = make(map[string]any, 1)
		}
		child, ok := m[s.Names[0]]
		nv, err := p.set(child, ok, i+1, v)
		if err != nil {
			return nil, err
		}
		m[s.Names[0]] = nv
		return m, nil
	case Index:
		a, ok := node.([]any)
		if !ok {
			return nil, &SetError{Expr: p.expr, At: p.prefix(i - 1), Msg: fmt.Sprintf(
				"cannot set index [%d] in path %s: found %s, not an array", s.Indexes[0], p.prefix(i-1), kindOf(node))}
		}
		idx := s.Indexes[0]
		if idx < 0 {
			idx += len(a)
		}
		if idx < 0 || idx >= len(a) {
			return nil, &SetError{Expr: p.expr, At: p.prefix(i), Msg: "index out of bounds in path " + p.prefix(i)}
		}
		c := make([]any, len(a))
		copy(c, a)
		nv, err := p.set(a[idx], true, i+1, v)
		if err != nil {
			return nil, err
		}
		c[idx] = nv
		return c, nil
	}
	return nil, &SetError{Expr: p.expr, At: p.prefix(i), Msg: "only a reference path can be set"}
}

func quoteName(n string) string {
	var b strings.Builder
	b.WriteByte('[')
	writeQuoted(&b, n)
	b.WriteByte(']')
	return b.String()
}

// kindOf names a JSON value's type for messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
