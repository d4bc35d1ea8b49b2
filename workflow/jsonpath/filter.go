package jsonpath

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/jsonvalue"
)

// Predicate is the parsed expression of a filter segment [?(...)].
type Predicate struct {
	// Pos is the byte offset of the expression (after "[?(").
	Pos  int
	node node
}

// String returns the predicate in canonical form.
func (p *Predicate) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p *Predicate) write(b *strings.Builder) { p.node.write(b) }

// Paths returns the paths the predicate refers to, in order; relative[i]
// is set for a path relative to the current element (@...). The String of
// such a path is its text in the filter, starting with "@" or "$".
func (p *Predicate) Paths() (paths []*Path, relative []bool) {
	var walk func(n node)
	addOp := func(o operand) {
		if po, ok := o.(*pathOperand); ok {
			paths = append(paths, po.path)
			relative = append(relative, po.rel)
		}
	}
	walk = func(n node) {
		switch n := n.(type) {
		case *logicNode:
			walk(n.l)
			walk(n.r)
		case *notNode:
			walk(n.x)
		case *groupNode:
			walk(n.x)
		case *existsNode:
			addOp(n.x)
		case *cmpNode:
			addOp(n.l)
			addOp(n.r)
		}
	}
	walk(p.node)
	return paths, relative
}

type node interface {
	write(b *strings.Builder)
	eval(cur, root any) bool
}

type logicNode struct {
	pos  int
	and  bool
	l, r node
}

func (n *logicNode) write(b *strings.Builder) {
	n.l.write(b)
	if n.and {
		b.WriteString(" && ")
	} else {
		b.WriteString(" || ")
	}
	n.r.write(b)
}

func (n *logicNode) eval(cur, root any) bool {
	if n.and {
		return n.l.eval(cur, root) && n.r.eval(cur, root)
	}
	return n.l.eval(cur, root) || n.r.eval(cur, root)
}

type notNode struct {
	pos int
	x   node
}

func (n *notNode) write(b *strings.Builder) {
	b.WriteByte('!')
	n.x.write(b)
}

func (n *notNode) eval(cur, root any) bool { return !n.x.eval(cur, root) }

type groupNode struct {
	pos int
	x   node
}

func (n *groupNode) write(b *strings.Builder) {
	b.WriteByte('(')
	n.x.write(b)
	b.WriteByte(')')
}

func (n *groupNode) eval(cur, root any) bool { return n.x.eval(cur, root) }

type existsNode struct {
	pos int
	x   operand
}

func (n *existsNode) write(b *strings.Builder) { n.x.write(b) }

func (n *existsNode) eval(cur, root any) bool {
	_, ok := n.x.value(cur, root)
	return ok
}

type cmpNode struct {
	pos  int
	op   string
	l, r operand
}

func (n *cmpNode) write(b *strings.Builder) {
	n.l.write(b)
	b.WriteByte(' ')
	b.WriteString(n.op)
	b.WriteByte(' ')
	n.r.write(b)
}

func (n *cmpNode) eval(cur, root any) bool {
	lv, ok := n.l.value(cur, root)
	if !ok {
		return false
	}
	if n.op == "=~" {
		s, ok := lv.(string)
		re := n.r.(*regexOperand).re
		return ok && re.MatchString(s)
	}
	rv, ok := n.r.value(cur, root)
	if !ok {
		return false
	}
	switch n.op {
	case "==":
		return Equal(lv, rv)
	case "!=":
		return !Equal(lv, rv)
	case "in", "nin":
		lst, ok := rv.([]any)
		if !ok {
			return false
		}
		found := false
		for _, e := range lst {
			if Equal(lv, e) {
				found = true
				break
			}
		}
		return found == (n.op == "in")
	}
	c, ok := compare(lv, rv)
	if !ok {
		return false
	}
	switch n.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

type operand interface {
	write(b *strings.Builder)
	// value returns the operand's value; ok is false when a path selects
	// nothing.
	value(cur, root any) (v any, ok bool)
	position() int
}

type pathOperand struct {
	pos  int
	rel  bool
	path *Path
}

func (o *pathOperand) position() int { return o.pos }

func (o *pathOperand) write(b *strings.Builder) {
	if o.rel {
		b.WriteByte('@')
	} else {
		b.WriteByte('$')
	}
	for i := range o.path.segs {
		writeSegment(b, &o.path.segs[i])
	}
}

func (o *pathOperand) value(cur, root any) (any, bool) {
	doc := root
	if o.rel {
		doc = cur
	}
	if o.path.definite {
		v, err := o.path.getDefinite(doc)
		return v, err == nil
	}
	var out []any
	o.path.collect(doc, root, 0, &out)
	return out, true
}

type literal struct {
	pos int
	v   any
}

func (o *literal) position() int { return o.pos }

func (o *literal) write(b *strings.Builder) { writeLiteral(b, o.v) }

func writeLiteral(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(string(v))
	case string:
		writeQuoted(b, v)
	}
}

func (o *literal) value(any, any) (any, bool) { return o.v, true }

type listOperand struct {
	pos int
	vs  []any
}

func (o *listOperand) position() int { return o.pos }

func (o *listOperand) write(b *strings.Builder) {
	b.WriteByte('[')
	for i, v := range o.vs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeLiteral(b, v)
	}
	b.WriteByte(']')
}

func (o *listOperand) value(any, any) (any, bool) {
	if o.vs == nil {
		return []any{}, true
	}
	return o.vs, true
}

type regexOperand struct {
	pos   int
	src   string
	flags string
	re    *regexp.Regexp
}

func (o *regexOperand) position() int { return o.pos }

func (o *regexOperand) write(b *strings.Builder) {
	b.WriteByte('/')
	b.WriteString(strings.ReplaceAll(o.src, "/", `\/`))
	b.WriteByte('/')
	b.WriteString(o.flags)
}

func (o *regexOperand) value(any, any) (any, bool) { return o.src, true }

// Equal reports whether two JSON values are equal: numbers by value, objects
// regardless of key order, arrays element by element.
func Equal(a, b any) bool {
	return jsonvalue.Equal(a, b, numbersEqual)
}

// numbersEqual reports whether two JSON numbers have the same exact value.
func numbersEqual(a, b json.Number) bool {
	c, ok := compareNumbers(a, b)
	return ok && c == 0
}

// compare orders two numbers or two strings.
func compare(a, b any) (int, bool) {
	switch a := a.(type) {
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return 0, false
		}
		return compareNumbers(a, bn)
	case string:
		bs, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(a, bs), true
	}
	return 0, false
}

// compareNumbers compares two JSON numbers exactly.
func compareNumbers(a, b json.Number) (int, bool) {
	if a == b {
		return 0, true
	}
	// Rounding to float64 is monotonic, so different floats are ordered
	// like the exact values; only equal floats need an exact comparison.
	fa, err1 := strconv.ParseFloat(string(a), 64)
	fb, err2 := strconv.ParseFloat(string(b), 64)
	if err1 == nil && err2 == nil && fa != fb {
		if fa < fb {
			return -1, true
		}
		return 1, true
	}
	x, ok1 := new(big.Float).SetPrec(256).SetString(string(a))
	y, ok2 := new(big.Float).SetPrec(256).SetString(string(b))
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.Cmp(y), true
}
