package dataset

import (
	"strconv"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// A row-only calculated field is computed by the validator only to refuse
// a value no DynamoDB number holds (and to count its bytes in the item).
// Where the declared bounds of the fields its expression reads prove that
// every value fits, the validator skips the computation: Compile proves
// it here, from Min, Max and Scale, for expressions of fields, integer
// literals, unary signs, +, - and * (the shapes RowPlan bounds from a
// row's digits). Anything else is computed row by row, as before.

// fits reports whether a value of the calculated field whose unrounded
// nonzero digits lie within b is, once written (Int: no places, Decimal:
// Scale places), a number DynamoDB stores; and the most bytes its
// attribute then takes in ItemSize.
func (c *Calculated) fits(b numBound) (size int, ok bool) {
	hi, lo := b.hi+1, b.lo // room for rounding up
	switch {
	case c.Type == Int:
		lo = max(lo, 0)
	case c.Scale > 0:
		lo = max(lo, -c.Scale)
	}
	if hi-lo+1 > maxNumberDigits || hi > maxNumberExponent || lo < minNumberExponent {
		return 0, false
	}
	// The name; '-', the integer digits, '.', the places, and the
	// number's 1.
	return len(c.Name) + 1 + max(hi, 0) + 1 + 1 + max(-lo, c.Scale, 0) + 1, true
}

// ProvenSize reports whether Compile proved, from the declared bounds of
// the fields the row-only expression reads, that every value of the field
// is a number DynamoDB stores; size is then the most bytes its attribute
// takes in an item (ItemSize). The validator computes a proven field only
// when an item could otherwise exceed DynamoDB's limit.
func (c *Calculated) ProvenSize() (size int, ok bool) { return c.provenSize, c.provenSize > 0 }

// declaredBound bounds the digits of every value of an int or decimal
// field from its declaration: the integer digits of its Min and Max when
// both are declared (else those of the largest value the type takes: 18
// for an int64, DynamoDB's 10^125 for a decimal), and its Scale (else
// DynamoDB's 10^-130 for a decimal).
func (f *Field) declaredBound() (numBound, bool) {
	b := numBound{hi: maxNumberExponent, lo: minNumberExponent}
	switch f.Type {
	case Int:
		b = numBound{hi: 18, lo: 0}
	case Decimal:
		if f.Scale > 0 {
			b.lo = -f.Scale
		}
	default:
		return numBound{}, false
	}
	if f.min != nil && f.max != nil {
		b.hi = max(decimalBound([]byte(f.min.canon)).hi, decimalBound([]byte(f.max.canon)).hi)
	}
	return b, true
}

// proveCalculated sets the ProvenSize of each row-only int or decimal
// calculated field whose expression's bound the declarations prove: from
// its fields' declared bounds and those of the proven fields before it.
func (d *Dataset) proveCalculated() {
	bounds := map[string]numBound{}
	for i := range d.Fields {
		if d.Fields[i].List != nil {
			continue // a list is no number
		}
		if b, ok := d.Fields[i].declaredBound(); ok {
			bounds[d.Fields[i].Name] = b
		}
	}
	for i := range d.Enrichment.Calculated {
		cf := &d.Enrichment.Calculated[i]
		cf.provenSize = 0
		if !cf.rowOnly || cf.Type != Int && cf.Type != Decimal {
			continue
		}
		tree, err := parser.Parse(cf.Expr)
		if err != nil {
			continue
		}
		b, ok := staticBound(tree.Node, bounds)
		if !ok {
			continue
		}
		size, ok := cf.fits(b)
		if !ok {
			continue
		}
		cf.provenSize = size
		// Later fields read the written value: rounded up one digit at
		// most, and with no more places than written.
		w := numBound{hi: b.hi + 1, lo: b.lo}
		switch {
		case cf.Type == Int:
			w.lo = max(w.lo, 0)
		case cf.Scale > 0:
			w.lo = max(w.lo, -cf.Scale)
		}
		bounds[cf.Name] = w
	}
}

// staticBound is boundOf over declared bounds: the bound of expression n,
// false when its shape or an operand has none.
func staticBound(n ast.Node, bounds map[string]numBound) (numBound, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		b, ok := bounds[n.Value]
		return b, ok
	case *ast.IntegerNode:
		return decimalBound([]byte(strconv.Itoa(n.Value))), true
	case *ast.UnaryNode:
		if n.Operator != "-" && n.Operator != "+" {
			return numBound{}, false
		}
		return staticBound(n.Node, bounds)
	case *ast.BinaryNode:
		a, ok := staticBound(n.Left, bounds)
		if !ok {
			return numBound{}, false
		}
		b, ok := staticBound(n.Right, bounds)
		if !ok {
			return numBound{}, false
		}
		switch n.Operator {
		case "+", "-":
			return numBound{hi: max(a.hi, b.hi) + 1, lo: min(a.lo, b.lo)}, true
		case "*":
			return numBound{hi: a.hi + b.hi + 1, lo: a.lo + b.lo}, true
		}
	}
	return numBound{}, false
}
