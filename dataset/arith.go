package dataset

import (
	"encoding/json"
	"math/bits"
	"strconv"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Arith is a calculated field whose expression is one sum, difference or
// product of two names, at least one of them Decimal and the other Int or
// Decimal, such as the orders' quantity * unit_price. Its value can be
// computed from the operands' text with 64-bit integers, without the
// expression engine and its big.Rat arithmetic (and without allocating):
// AppendValue gives exactly the text the engine's result is stored as, or
// says it cannot (FuzzArith and FuzzProvenSize compare the two). Calculate
// and the enricher's line path both compute such fields with it.
type Arith struct {
	// X and Y are the operands' names.
	X, Y       string
	op         byte // '+', '-' or '*'
	xInt, yInt bool
	// toInt: the field is an Int (rounded to 0 places); else scale is
	// the places written, -1 for the exact value (Number.String).
	toInt bool
	scale int
}

// Arith returns calculated field i (Enrichment.Calculated[i]) of a
// compiled dataset as an Arith, or nil when its expression has another
// form. Calculate computes such a field with it too.
func (d *Dataset) Arith(i int) *Arith {
	if d.c == nil || i < 0 || i >= len(d.c.ariths) || d.c.ariths[i] == nil {
		return nil
	}
	a := *d.c.ariths[i] // a copy: Calculate keeps using the original
	return &a
}

// compileArith returns calculated field i of the dataset c compiles as an
// Arith, or nil when its expression has another form.
func (d *Dataset) compileArith(c *compiled, i int) *Arith {
	cf := &d.Enrichment.Calculated[i]
	if cf.Type != Decimal && cf.Type != Int {
		return nil
	}
	tree, err := parser.Parse(cf.Expr)
	if err != nil {
		return nil
	}
	n, ok := tree.Node.(*ast.BinaryNode)
	if !ok || len(n.Operator) != 1 || (n.Operator[0] != '+' && n.Operator[0] != '-' && n.Operator[0] != '*') {
		return nil
	}
	l, lok := n.Left.(*ast.IdentifierNode)
	r, rok := n.Right.(*ast.IdentifierNode)
	if !lok || !rok {
		return nil
	}
	number := func(name string) (isInt, ok bool) {
		t, known := c.types[name]
		if !known || c.lists[name] || (t != Int && t != Decimal) {
			return false, false
		}
		return t == Int, true
	}
	a := &Arith{X: l.Value, Y: r.Value, op: n.Operator[0], toInt: cf.Type == Int, scale: cf.Scale}
	var xok, yok bool
	a.xInt, xok = number(a.X)
	a.yInt, yok = number(a.Y)
	if !xok || !yok || (a.xInt && a.yInt) {
		// Two Ints are multiplied by the expression engine as Go ints
		// (wrapping on overflow): left to it.
		return nil
	}
	if cf.Type == Decimal && cf.Scale == 0 {
		a.scale = -1
	}
	return a
}

// maxArithDigits bounds the digits of an operand and of a result's
// fraction: 10^18 fits an int64.
const maxArithDigits = 18

var pow10 = func() (p [maxArithDigits + 1]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// value returns the text Calculate stores for the field in rec, or false
// when Arith cannot compute it (an operand absent or neither a json.Number
// nor a string, or one AppendValue declines): the expression machine
// decides then.
func (a *Arith) value(rec map[string]any) (string, bool) {
	// Operands Arith takes have at most 20 bytes: the copies stay on the
	// stack.
	var xb, yb [24]byte
	x, ok := numberText(xb[:0], rec[a.X])
	if !ok {
		return "", false
	}
	y, ok := numberText(yb[:0], rec[a.Y])
	if !ok {
		return "", false
	}
	var out [48]byte
	b, ok := a.AppendValue(out[:0], x, y)
	if !ok {
		return "", false
	}
	return string(b), true
}

// numberText appends the text of a record's value as the expression
// machine reads it for a number field (exprValue): a json.Number's or a
// string's.
func numberText(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case json.Number:
		return append(dst, v...), true
	case string:
		return append(dst, v...), true
	}
	return nil, false
}

// AppendValue appends the text Calculate stores as the field's
// json.Number when the record's X and Y hold numbers whose text (a
// json.Number's, or a string's) is x and y, and reports whether it could.
// It reports false, leaving the expression machine to decide, for an
// operand not in the normalised form (-?digits[.digits], no leading zeros,
// at most 18 digits; an Int without a fraction) and for a result beyond 64
// bits.
func (a *Arith) AppendValue(dst, x, y []byte) ([]byte, bool) {
	mx, sx, ok1 := parseArith(x, a.xInt)
	my, sy, ok2 := parseArith(y, a.yInt)
	if !ok1 || !ok2 {
		return dst, false
	}
	var m int64
	var s int
	switch a.op {
	case '*':
		hi, lo := bits.Mul64(abs64(mx), abs64(my))
		if hi != 0 || lo > 1<<63-1 || sx+sy > maxArithDigits {
			return dst, false
		}
		m, s = int64(lo), sx+sy
		if (mx < 0) != (my < 0) {
			m = -m
		}
	case '+', '-':
		if a.op == '-' {
			my = -my
		}
		s = max(sx, sy)
		var ok bool
		if mx, ok = scaleUp(mx, s-sx); !ok {
			return dst, false
		}
		if my, ok = scaleUp(my, s-sy); !ok {
			return dst, false
		}
		m = mx + my
		if (mx > 0 && my > 0 && m < 0) || (mx < 0 && my < 0 && m >= 0) {
			return dst, false
		}
	}
	places := a.scale
	switch {
	case a.toInt:
		places = 0
	case places < 0:
		// Number.String: the exact value, no trailing zeros.
		for s > 0 && m%10 == 0 {
			m /= 10
			s--
		}
		places = s
	}
	return appendFloatString(dst, m, s, places), true
}

// appendFloatString appends m·10^-s as big.Rat.FloatString(places)
// writes it: rounded half away from zero; a value that is not an integer
// keeps its '-' even when it rounds to zero.
func appendFloatString(dst []byte, m int64, s, places int) []byte {
	u := abs64(m)
	unit := pow10[s]
	if u%unit == 0 {
		dst = strconv.AppendInt(dst, m/int64(unit), 10)
		if places > 0 {
			dst = append(dst, '.')
			dst = appendZeros(dst, places)
		}
		return dst
	}
	if m < 0 {
		dst = append(dst, '-')
	}
	if places >= s {
		dst = strconv.AppendUint(dst, u/unit, 10)
		dst = append(dst, '.')
		dst = appendPadded(dst, u%unit, s)
		return appendZeros(dst, places-s)
	}
	d := pow10[s-places]
	q, rem := u/d, u%d
	if 2*rem >= d {
		q++
	}
	dst = strconv.AppendUint(dst, q/pow10[places], 10)
	if places > 0 {
		dst = append(dst, '.')
		dst = appendPadded(dst, q%pow10[places], places)
	}
	return dst
}

func appendZeros(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, '0')
	}
	return dst
}

// appendPadded appends v with at least width digits.
func appendPadded(dst []byte, v uint64, width int) []byte {
	var buf [20]byte
	b := strconv.AppendUint(buf[:0], v, 10)
	return append(appendZeros(dst, width-len(b)), b...)
}

// parseArith parses an operand in normalised form: the mantissa and the
// number of places.
func parseArith(b []byte, isInt bool) (m int64, places int, ok bool) {
	i := 0
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intDigits := i - start
	if intDigits == 0 || (intDigits > 1 && b[start] == '0') {
		return 0, 0, false
	}
	if i < len(b) {
		if isInt || b[i] != '.' {
			return 0, 0, false
		}
		i++
		fracStart := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		places = i - fracStart
		if places == 0 || i != len(b) {
			return 0, 0, false
		}
	}
	if intDigits+places > maxArithDigits {
		return 0, 0, false
	}
	var u uint64
	for _, c := range b[start:] {
		if c != '.' {
			u = u*10 + uint64(c-'0')
		}
	}
	m = int64(u)
	if neg {
		m = -m
	}
	return m, places, true
}

// scaleUp returns m·10^n, false on overflow.
func scaleUp(m int64, n int) (int64, bool) {
	if n == 0 {
		return m, true
	}
	if n > maxArithDigits {
		return 0, false
	}
	hi, lo := bits.Mul64(abs64(m), pow10[n])
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	if m < 0 {
		return -int64(lo), true
	}
	return int64(lo), true
}

func abs64(m int64) uint64 {
	if m < 0 {
		return uint64(-m)
	}
	return uint64(m)
}
