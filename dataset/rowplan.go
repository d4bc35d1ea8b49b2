package dataset

import (
	"bytes"
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// RowPlan stages rows of delimited text (the fields of a CSV row, by
// column index) straight into JSON Lines, without the maps of Normalize,
// Stage and the records writer. It is the fast path of the validator and
// the transformer, and it never decides anything on its own: Stage either
// writes exactly the bytes Normalize → Keep → Stage → CalculateRow
// (the row-only check) → records.Writer would give for a good row, or
// says it cannot tell (ok false) and the caller runs that general path on
// the row. Bad rows, rows with defaults, filters, non-ASCII text to trim or
// change case, and values beyond the fast conversions all go the general
// way, so every rejection is reported by the one definition of a bad row.
//
// The row-only calculated fields are not computed when their value bounds
// are proven from the row's own digits (a product of an integer of a
// digits and a decimal of b digits has at most a+b+1): the validator
// computes them only to refuse a value DynamoDB could not store, and a
// proven bound says it can.
//
// A RowPlan is not safe for concurrent use: it reuses its buffers.
type RowPlan struct {
	d      *Dataset
	fields []planField
	out    []outAttr // output attributes, in the writer's (sorted) order
	pk, sk []keyPart
	calcs  []calcPlan
	room   int // ItemAllowance bytes

	// val holds the normalised values of the current row that differ
	// from their input, back to back; vals has each field's normalised
	// value (a slice of the row's input, of val or of a constant; nil:
	// absent), then the row's pk, sk and line (at valPK, valSK and
	// valLine). A slice of val stays valid when val grows: append copies,
	// and the old array keeps its bytes.
	val  []byte
	vals [][]byte
	// outLen is the length of the current row's kept field values.
	outLen int
	// src is, for each output attribute, the index in vals of its value.
	src                   []int
	valPK, valSK, valLine int
	// bnd has the bound of each int and decimal field's value in vals,
	// set by its conversion.
	bnd  []numBound
	key  []byte // pk then sk of the current row
	skAt int
	// line is the current row's line number, formatted; lineNum the
	// number (0: none yet), so that the next line is an increment.
	line    []byte
	lineNum int64
	// plainKey: the literals of the key templates are plain and every
	// field they name has plainOut.
	plainKey bool
	// glue, when every output attribute is a field with plainOut or a
	// key with plainKey, is the text between the values of a row whose
	// fields are all present and plain: glue[0] opens the object and
	// names the first attribute, glue[i] closes value i-1 and names
	// attribute i (with the quotes of string values), and the last closes
	// the object. Nil when the plan has no such form.
	glue [][]byte
	// glueLen is the length of all the glue.
	glueLen int
	// trim is the dataset's Transforms.Trim.
	trim bool
}

type fieldKind uint8

const (
	kindGeneric fieldKind = iota // Field.convert on a string
	kindString
	kindEnum
	kindInt
	kindDecimal
	kindDate
	kindBool
)

type planField struct {
	f         *Field
	col       int // index of the field's column in the row; -1: not in the header
	kind      fieldKind
	cs        Case
	class     *[128]bool // a Pattern of the form [class]+ (ASCII), else nil
	dates     []dateLayout
	enumASCII bool
	number    bool // written as a JSON number
	drop      bool
	hasDef    bool
	// plainOut: the normalised value of a plain input is plain too
	// (PlainText), so it is written as a JSON string as it is.
	plainOut bool
	// needed: an empty value is not absent (required, or defaulted).
	needed bool
	// simple: a string kept as it is (no case) or an enum, whose pattern,
	// if any, is a class: an ASCII value is checked by asciiText or
	// enumValue, which check calls in place of convert.
	simple bool
	maxLen int // the field's MaxLength
	// size is what the field adds to ItemSize besides the length of its
	// value: its name, and 1 for a number; for a bool, the 1 its value
	// counts too.
	size int
	// values are the enum's values as bytes.
	values [][]byte
	// min and max are the field's Min and Max (nil: none).
	min, max *planBound
}

// dateLayout is a layout made of 2006, 01 and 02 and literal separators.
type dateLayout struct {
	n                int // length
	year, month, day int // offsets
	seps             []int
	layout           string
	// canonical: the layout is DateLayout, so a value that parses is
	// its own normalised form.
	canonical bool
}

type outKind uint8

const (
	outField outKind = iota
	outPK
	outSK
	outLine
)

type outAttr struct {
	name  []byte // `"name":`
	kind  outKind
	field int
}

type keyPart struct {
	lit   string
	field int // -1 for a literal
}

type calcPlan struct {
	name  string
	bound func(p *RowPlan) (b numBound, ok bool)
	cf    *Calculated
}

// numBound bounds the decimal digits of a value: every nonzero digit lies
// at a power of ten from 10^lo to 10^hi.
type numBound struct{ hi, lo int }

// RowPlan returns the fast-path plan of a compiled CSV dataset for rows
// whose columns are header, or nil when the dataset needs what the plan
// does not do (filters, TTL, list fields, another format).
func (d *Dataset) RowPlan(header []string) *RowPlan {
	if d.c == nil || d.Format.Kind != CSV || len(d.c.filters) > 0 || d.TTL != nil || len(d.c.lists) > 0 {
		return nil
	}
	colIdx := make(map[string]int, len(header))
	for i, h := range header {
		colIdx[h] = i
	}
	p := &RowPlan{d: d, room: d.c.allowance.Bytes, trim: d.Transforms.Trim}
	byName := map[string]int{}
	for i := range d.Fields {
		f := &d.Fields[i]
		byName[f.Name] = i
		p.fields = append(p.fields, d.planFieldOf(f, colIdx))
	}
	// Key templates.
	tmpl := func(t *Template) ([]keyPart, bool) {
		var parts []keyPart
		for _, pt := range t.parts {
			if pt.field == "" {
				parts = append(parts, keyPart{lit: pt.lit, field: -1})
				continue
			}
			i, ok := byName[pt.field]
			if !ok {
				return nil, false
			}
			parts = append(parts, keyPart{field: i})
		}
		return parts, true
	}
	var ok1, ok2 bool
	p.pk, ok1 = tmpl(d.c.pk)
	p.sk, ok2 = tmpl(d.c.sk)
	if !ok1 || !ok2 {
		return nil
	}
	p.plainKey = true
	for _, pt := range append(slices.Clip(p.pk), p.sk...) {
		if pt.field < 0 {
			p.plainKey = p.plainKey && PlainText([]byte(pt.lit))
		} else {
			p.plainKey = p.plainKey && p.fields[pt.field].plainOut
		}
	}
	// Output attributes in the writer's order: sorted names.
	type named struct {
		name string
		a    outAttr
	}
	var attrs []named
	for i, pf := range p.fields {
		if !pf.drop {
			attrs = append(attrs, named{pf.f.Name, outAttr{kind: outField, field: i}})
		}
	}
	attrs = append(attrs, named{AttrPK, outAttr{kind: outPK}}, named{AttrSK, outAttr{kind: outSK}}, named{AttrLine, outAttr{kind: outLine}})
	slices.SortFunc(attrs, func(a, b named) int { return bytes.Compare([]byte(a.name), []byte(b.name)) })
	for _, a := range attrs {
		a.a.name = append(jsonenc.AppendString(nil, a.name), ':')
		p.out = append(p.out, a.a)
	}
	// Row-only calculated fields: a bound per field, or nil.
	for i := range d.Enrichment.Calculated {
		cf := &d.Enrichment.Calculated[i]
		if !cf.RowOnly() {
			continue
		}
		cp := calcPlan{name: cf.Name, cf: cf}
		if tree, err := parser.Parse(cf.Expr); err == nil {
			cp.bound = boundOf(tree.Node, byName, p.fields)
		}
		p.calcs = append(p.calcs, cp)
	}
	p.valPK, p.valSK, p.valLine = len(p.fields), len(p.fields)+1, len(p.fields)+2
	p.vals = make([][]byte, len(p.fields)+3)
	for _, a := range p.out {
		switch a.kind {
		case outPK:
			p.src = append(p.src, p.valPK)
		case outSK:
			p.src = append(p.src, p.valSK)
		case outLine:
			p.src = append(p.src, p.valLine)
		default:
			p.src = append(p.src, a.field)
		}
	}
	p.bnd = make([]numBound, len(p.fields))
	p.glue = p.buildGlue()
	return p
}

// planFieldOf plans field f, whose column has index colIdx[f.Column].
func (d *Dataset) planFieldOf(f *Field, colIdx map[string]int) planField {
	pf := planField{f: f, col: -1, cs: d.c.caseOf[f.Name], drop: d.c.drop[f.Name], min: newPlanBound(f.min), max: newPlanBound(f.max)}
	if c, ok := colIdx[f.Column]; ok {
		pf.col = c
	}
	_, pf.hasDef = d.c.defaults[f.Name]
	pf.needed = f.Required || pf.hasDef
	pf.maxLen = f.MaxLength
	switch f.Type {
	case String:
		pf.kind = kindString
		pf.class = charClass(f.Pattern)
	case Enum:
		pf.kind, pf.enumASCII = kindEnum, true
		for _, v := range f.Values {
			pf.enumASCII = pf.enumASCII && isASCII(v)
		}
		if !pf.enumASCII {
			pf.kind = kindGeneric
		}
		for _, v := range f.Values {
			// With room past the end for putPiece.
			pf.values = append(pf.values, append(make([]byte, 0, len(v)+pieceSlack), v...))
		}
		pf.class = charClass(f.Pattern)
	case Int:
		pf.kind, pf.number = kindInt, true
	case Decimal:
		pf.kind, pf.number = kindDecimal, true
	case Bool:
		pf.kind = kindBool
	case Date:
		pf.kind = kindDate
		for _, l := range f.layouts() {
			dl, ok := parseDateLayout(l)
			if !ok {
				pf.kind, pf.dates = kindGeneric, nil
				break
			}
			pf.dates = append(pf.dates, dl)
		}
	default:
		pf.kind = kindGeneric
	}
	switch pf.kind {
	case kindString, kindInt, kindDecimal, kindDate, kindBool:
		pf.plainOut = true
	case kindEnum:
		pf.plainOut = true
		for _, v := range f.Values {
			pf.plainOut = pf.plainOut && PlainText([]byte(v))
		}
	}
	switch pf.kind {
	case kindString:
		pf.simple = pf.cs != Upper && pf.cs != Lower && (f.re == nil || pf.class != nil)
	case kindEnum:
		pf.simple = f.re == nil || pf.class != nil
	}
	pf.size = len(f.Name)
	if pf.number || pf.kind == kindBool {
		pf.size++
	}
	return pf
}

// buildGlue returns the glue of p (see RowPlan.glue), or nil.
func (p *RowPlan) buildGlue() [][]byte {
	glue := [][]byte{{'{'}}
	for _, a := range p.out {
		quoted := false
		switch a.kind {
		case outPK, outSK:
			if !p.plainKey {
				return nil
			}
			quoted = true
		case outField:
			pf := &p.fields[a.field]
			if !pf.number && pf.kind != kindBool {
				if !pf.plainOut {
					return nil
				}
				quoted = true
			}
		}
		g := &glue[len(glue)-1]
		if len(glue) > 1 {
			*g = append(*g, ',')
		}
		*g = append(*g, a.name...)
		if quoted {
			*g = append(*g, '"')
			glue = append(glue, []byte{'"'})
		} else {
			glue = append(glue, nil)
		}
	}
	glue[len(glue)-1] = append(glue[len(glue)-1], '}', '\n')
	// Each piece with room past its end for putPiece.
	p.glueLen = 0
	for i, g := range glue {
		glue[i] = append(make([]byte, 0, len(g)+pieceSlack), g...)
		p.glueLen += len(g)
	}
	return glue
}

// charClass returns the ASCII table of a pattern of the form [class]+,
// or nil.
func charClass(pattern string) *[128]bool {
	if pattern == "" {
		return nil
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpPlus || len(re.Sub) != 1 || re.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	var t [128]bool
	rs := re.Sub[0].Rune
	for i := 0; i+1 < len(rs); i += 2 {
		for r := rs[i]; r <= rs[i+1] && r < 128; r++ {
			t[r] = true
		}
	}
	return &t
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// parseDateLayout reads a layout of the tokens 2006, 01 and 02 (each once)
// and separators that are not letters or digits.
func parseDateLayout(l string) (dateLayout, bool) {
	dl := dateLayout{n: len(l), year: -1, month: -1, day: -1, layout: l}
	for i := 0; i < len(l); {
		switch {
		case len(l)-i >= 4 && l[i:i+4] == "2006" && dl.year < 0:
			dl.year = i
			i += 4
		case len(l)-i >= 2 && l[i:i+2] == "01" && dl.month < 0:
			dl.month = i
			i += 2
		case len(l)-i >= 2 && l[i:i+2] == "02" && dl.day < 0:
			dl.day = i
			i += 2
		case l[i] == '-' || l[i] == '/' || l[i] == '.' || l[i] == ' ':
			dl.seps = append(dl.seps, i)
			i++
		default:
			return dateLayout{}, false
		}
	}
	dl.canonical = l == DateLayout
	return dl, dl.year >= 0 && dl.month >= 0 && dl.day >= 0
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parse reads value in the layout; ok false when it does not fit exactly.
func (dl *dateLayout) parse(v []byte) (y, m, d int, ok bool) {
	if len(v) != dl.n {
		return 0, 0, 0, false
	}
	for _, s := range dl.seps {
		if v[s] != dl.layout[s] {
			return 0, 0, 0, false
		}
	}
	// The eight digits, unrolled: a byte below '0' wraps above 9.
	yb, mb, db := v[dl.year:dl.year+4], v[dl.month:dl.month+2], v[dl.day:dl.day+2]
	y0, y1, y2, y3 := yb[0]-'0', yb[1]-'0', yb[2]-'0', yb[3]-'0'
	m0, m1, d0, d1 := mb[0]-'0', mb[1]-'0', db[0]-'0', db[1]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 {
		return 0, 0, 0, false
	}
	y = int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	m, d = int(m0)*10+int(m1), int(d0)*10+int(d1)
	if m < 1 || m > 12 || d < 1 || d > 28 && d > daysIn(m, y) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// boundOf compiles a bound of an expression of +, -, * over int and
// decimal fields and integer literals; nil when it has anything else.
func boundOf(n ast.Node, byName map[string]int, fields []planField) func(p *RowPlan) (numBound, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		i, ok := byName[n.Value]
		if !ok || fields[i].kind != kindInt && fields[i].kind != kindDecimal {
			return nil
		}
		return func(p *RowPlan) (numBound, bool) {
			// convert set the bound of a value it gave.
			return p.bnd[i], p.vals[i] != nil
		}
	case *ast.IntegerNode:
		b := decimalBound([]byte(strconv.Itoa(n.Value)))
		return func(*RowPlan) (numBound, bool) { return b, true }
	case *ast.UnaryNode:
		if n.Operator != "-" && n.Operator != "+" {
			return nil
		}
		return boundOf(n.Node, byName, fields)
	case *ast.BinaryNode:
		l, r := boundOf(n.Left, byName, fields), boundOf(n.Right, byName, fields)
		if l == nil || r == nil {
			return nil
		}
		var comb func(a, b numBound) numBound
		switch n.Operator {
		case "+", "-":
			comb = func(a, b numBound) numBound { return numBound{hi: max(a.hi, b.hi) + 1, lo: min(a.lo, b.lo)} }
		case "*":
			comb = func(a, b numBound) numBound { return numBound{hi: a.hi + b.hi + 1, lo: a.lo + b.lo} }
		default:
			return nil
		}
		return func(p *RowPlan) (numBound, bool) {
			a, ok := l(p)
			if !ok {
				return numBound{}, false
			}
			b, ok := r(p)
			if !ok {
				return numBound{}, false
			}
			return comb(a, b), true
		}
	}
	return nil
}

// decimalBound bounds a canonical int or decimal (optional '-', digits,
// optional fraction).
func decimalBound(v []byte) numBound {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	intPart, frac, _ := bytes.Cut(v, []byte{'.'})
	return numBound{hi: max(len(intPart)-1, 0), lo: -len(frac)}
}

// Stage appends the staged JSON line of a row (fields by column index,
// line its line in the file) to dst. ok false means the plan cannot tell
// (the row may be bad, or needs the general path): dst is then returned
// unchanged and the caller must stage the row the general way. On success
// Key returns the row's pk and sk.
func (p *RowPlan) Stage(dst []byte, fields [][]byte, line int64) ([]byte, bool) {
	return p.StagePlain(dst, fields, line, false)
}

// StagePlain is Stage for a caller that has checked the row's values with
// PlainText: plain true says every byte of every field is plain, which
// spares Stage its checks byte by byte (control characters, UTF-8, JSON
// escapes). plain false is Stage.
func (p *RowPlan) StagePlain(dst []byte, fields [][]byte, line int64, plain bool) ([]byte, bool) {
	absent, ok := p.check(fields, line, plain)
	if !ok {
		return dst, false
	}
	return p.write(dst, plain, absent), true
}

// CheckPlain reports what StagePlain would, without writing the JSON
// line: true when the plan can tell that the row is good (then Key
// returns its key), false when the general path must decide. The
// validator, which keeps no staged line, checks its rows with it.
func (p *RowPlan) CheckPlain(fields [][]byte, line int64, plain bool) bool {
	_, ok := p.check(fields, line, plain)
	return ok
}

// check normalises the row's values into vals, renders its key and
// proves it good: ok false when it cannot tell. absent says an optional
// kept field is absent (the line then has no glue form).
func (p *RowPlan) check(fields [][]byte, line int64, plain bool) (absent, ok bool) {
	p.val = p.val[:0]
	outLen := 0
	size := 0 // the item's size as DynamoDB counts it (ItemSize)
	vals := p.vals[:len(p.fields)]
	for i := range p.fields {
		pf := &p.fields[i]
		var v []byte
		if pf.col >= 0 && pf.col < len(fields) {
			v = fields[pf.col]
		}
		if p.trim {
			if plain {
				// Plain text has no white space but ' '.
				for len(v) > 0 && v[0] == ' ' {
					v = v[1:]
				}
				for len(v) > 0 && v[len(v)-1] == ' ' {
					v = v[:len(v)-1]
				}
			} else {
				var ok bool
				if v, ok = trimASCII(v); !ok {
					return false, false
				}
			}
		}
		if len(v) == 0 {
			if pf.needed {
				return false, false
			}
			vals[i] = nil
			absent = absent || !pf.drop
			continue
		}
		var nv []byte
		var ok bool
		switch {
		case !plain:
			nv, ok = p.convert(i, pf, v, false)
		case pf.kind == kindString && pf.simple:
			nv, ok = v, pf.asciiText(v)
		case pf.kind == kindEnum && pf.simple:
			nv, ok = pf.enumValue(v)
		case pf.kind == kindInt:
			nv, ok = p.convertInt(i, pf, v)
		case pf.kind == kindDecimal:
			nv, ok = p.convertDecimal(i, pf, v)
		default:
			nv, ok = p.convert(i, pf, v, true)
		}
		if !ok {
			return false, false
		}
		vals[i] = nv
		if !pf.drop {
			outLen += len(nv)
			// Its name and value: a bool counts 1, a number its digits
			// and 1 (sizeOf).
			size += pf.size
			if pf.kind != kindBool {
				size += len(nv)
			}
		}
	}
	p.outLen = outLen
	// Keys.
	p.key = p.key[:0]
	if !p.render(p.pk) {
		return false, false
	}
	p.skAt = len(p.key)
	if !p.render(p.sk) {
		return false, false
	}
	if cap(p.key)-len(p.key) < pieceSlack {
		p.key = slices.Grow(p.key, pieceSlack) // room for putPiece
	}
	p.formatLine(line)
	p.vals[p.valPK], p.vals[p.valSK], p.vals[p.valLine] = p.key[:p.skAt], p.key[p.skAt:], p.line
	size += len(AttrPK) + p.skAt + len(AttrSK) + len(p.key) - p.skAt + len(AttrLine) + len(p.line) + 1
	// Row-only calculated fields: proven within DynamoDB's number limits,
	// and their largest size counted.
	for i := range p.calcs {
		c := &p.calcs[i]
		if c.bound == nil {
			return false, false
		}
		b, present := c.bound(p)
		if !present {
			continue // an input is missing: the expression fails, no number
		}
		n, ok := c.cf.fits(b)
		if !ok {
			return false, false
		}
		size += n
	}
	if size+p.room > MaxItemBytes {
		return false, false
	}
	return absent, true
}

// write appends the JSON line of the row check proved good.
func (p *RowPlan) write(dst []byte, plain, absent bool) []byte {
	if p.glue != nil && plain && !absent {
		// Every value is present and written as it is, between glue:
		// the pieces are copied 16 bytes at a time into room made once
		// (putPiece), instead of appended one by one.
		size := p.glueLen + p.outLen + len(p.key) + len(p.line)
		n := len(dst)
		dst = slices.Grow(dst, size+pieceSlack)
		d := dst[:cap(dst)]
		n = putPiece(d, n, p.glue[0])
		vals, glue := p.vals, p.glue[1:]
		glue = glue[:len(p.src)]
		for k, j := range p.src {
			n = putPiece(d, n, vals[j])
			n = putPiece(d, n, glue[k])
		}
		return dst[:n]
	}
	dst = append(dst, '{')
	first := true
	for _, a := range p.out {
		if a.kind == outField && p.vals[a.field] == nil {
			continue // an absent optional field: the record has no such key
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, a.name...)
		switch a.kind {
		case outPK:
			dst = appendJSONText(dst, p.key[:p.skAt], plain && p.plainKey)
		case outSK:
			dst = appendJSONText(dst, p.key[p.skAt:], plain && p.plainKey)
		case outLine:
			dst = append(dst, p.line...)
		case outField:
			v := p.vals[a.field]
			if pf := &p.fields[a.field]; pf.number || pf.kind == kindBool {
				dst = append(dst, v...)
			} else {
				dst = appendJSONText(dst, v, plain && pf.plainOut)
			}
		}
	}
	return append(dst, '}', '\n')
}

// pieceSlack is the room putPiece needs past the end of what it writes,
// and the capacity a piece must have past its length to be copied 16
// bytes at a time.
const pieceSlack = 15

// putPiece copies s into d at n and returns n+len(s). d must have
// pieceSlack bytes past n+len(s) (checked: it panics otherwise); those
// may be overwritten. When s has pieceSlack bytes of capacity past its
// end (the row's values lie back to back in one buffer, the glue and the
// plan's own buffers are made so), it is copied 16 bytes at a time: a
// value or glue of a JSON line is mostly one such copy, cheaper than a
// call of memmove.
//
// The 16-byte copies go through unsafe pointers: the two bounds above are
// checked once for the piece instead of each copy's slices (which took
// three quarters of the writer's instructions). Every copy lies within
// them: it starts at k < len(s) and ends at k+16 <= len(s)+pieceSlack+1,
// within cap(s), and at n+k+16 <= n+len(s)+pieceSlack+1 in d.
func putPiece(d []byte, n int, s []byte) int {
	if cap(s)-len(s) < pieceSlack {
		return n + copy(d[n:], s)
	}
	end := n + len(s)
	_ = d[n : end+pieceSlack] // the room the copies may write
	dp, sp := unsafe.Pointer(unsafe.SliceData(d)), unsafe.Pointer(unsafe.SliceData(s))
	for k := 0; k < len(s); k += 16 {
		*(*[16]byte)(unsafe.Add(dp, n+k)) = *(*[16]byte)(unsafe.Add(sp, k))
	}
	return end
}

// formatLine sets line to n formatted: the line after the last is an
// increment of its digits.
func (p *RowPlan) formatLine(n int64) {
	if n == p.lineNum+1 && p.lineNum > 0 {
		i := len(p.line) - 1
		for ; i >= 0 && p.line[i] == '9'; i-- {
			p.line[i] = '0'
		}
		if i >= 0 {
			p.line[i]++
			p.lineNum = n
			return
		}
	}
	p.line = strconv.AppendInt(slices.Grow(p.line[:0], 20+pieceSlack), n, 10)
	p.lineNum = n
}

// Key returns the pk and sk of the row Stage last staged; valid until the
// next call.
func (p *RowPlan) Key() (pk, sk []byte) { return p.key[:p.skAt], p.key[p.skAt:] }

func (p *RowPlan) render(parts []keyPart) bool {
	for _, pt := range parts {
		if pt.field < 0 {
			p.key = append(p.key, pt.lit...)
			continue
		}
		v := p.vals[pt.field]
		if v == nil {
			return false
		}
		p.key = append(p.key, v...)
	}
	return true
}

// appendJSONText is appendJSONString of a value known to be PlainText
// when plain is true.
func appendJSONText(dst, v []byte, plain bool) []byte {
	if !plain {
		return appendJSONString(dst, v)
	}
	dst = append(dst, '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

// PlainText reports whether every byte of b is printable ASCII other than
// '"' and '\\' (0x20 to 0x7E): text that needs no UTF-8 check and that a
// JSON string holds as it is. It tests eight bytes at a time.
func PlainText(b []byte) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; len(b) >= 8; b = b[8:] {
		x := binary.LittleEndian.Uint64(b)
		// A byte below 0x20, a byte of 0x7F or more, a '"', a '\\': the
		// classic "has a byte less than n" and "has a zero byte" tests.
		// A borrow or carry can only mark a byte after one that is
		// already marked, so the word as a whole is tested exactly.
		low := (x - 0x20*ones) &^ x
		high := (x + ones) | x
		q := x ^ ('"' * ones)
		bs := x ^ ('\\' * ones)
		if (low|high|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			return false
		}
	}
	for _, c := range b {
		if c < 0x20 || c >= 0x7F || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendJSONString appends v as a JSON string; v is valid UTF-8.
func appendJSONString(dst, v []byte) []byte {
	for _, c := range v {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return jsonenc.AppendString(dst, string(v))
		}
	}
	dst = append(dst, '"')
	dst = append(dst, v...)
	return append(dst, '"')
}

// trimASCII trims ASCII white space; ok false when v starts or ends with
// Unicode white space, which strings.TrimSpace would also trim.
func trimASCII(v []byte) ([]byte, bool) {
	for len(v) > 0 && asciiSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && asciiSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	if len(v) > 0 && v[0] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeRune(v); unicode.IsSpace(r) {
			return v, false
		}
	}
	if len(v) > 0 && v[len(v)-1] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeLastRune(v); unicode.IsSpace(r) {
			return v, false
		}
	}
	return v, true
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// convert returns the normalised value of v (present, non-empty): v
// itself or a slice of it where normalising changes nothing, else a slice
// of p.val or of a constant; false when the fast conversion cannot tell.
// plain says v is PlainText.
func (p *RowPlan) convert(i int, pf *planField, v []byte, plain bool) ([]byte, bool) {
	ascii := true
	if !plain {
		for _, c := range v {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
				return nil, false // a control character: the general path reports it
			}
			if c >= utf8.RuneSelf {
				ascii = false
			}
		}
		if !ascii && !utf8.Valid(v) {
			return nil, false
		}
	}
	f := pf.f
	switch pf.kind {
	case kindString:
		if ascii && pf.simple {
			return v, pf.asciiText(v)
		}
		if !ascii && (pf.cs == Upper || pf.cs == Lower) {
			return nil, false
		}
		if f.MaxLength > 0 && (len(v) > f.MaxLength && (ascii || utf8.RuneCount(v) > f.MaxLength)) {
			return nil, false
		}
		if f.re != nil {
			if pf.class != nil && ascii {
				for _, c := range v {
					if !pf.class[c] {
						return nil, false
					}
				}
			} else if !f.re.Match(v) {
				return nil, false
			}
		}
		switch pf.cs {
		case Upper:
			start := len(p.val)
			p.val = append(p.val, v...)
			asciiUpper(p.val[start:])
			return p.val[start:], true
		case Lower:
			start := len(p.val)
			p.val = append(p.val, v...)
			asciiLower(p.val[start:])
			return p.val[start:], true
		}
		return v, true
	case kindEnum:
		if !ascii {
			return nil, false
		}
		if pf.simple {
			return pf.enumValue(v)
		}
		if !f.re.Match(v) {
			return nil, false
		}
		return pf.enumValue(v)
	case kindInt:
		return p.convertInt(i, pf, v)
	case kindDecimal:
		return p.convertDecimal(i, pf, v)
	case kindDate:
		for i := range pf.dates {
			dl := &pf.dates[i]
			if len(v) != dl.n {
				continue
			}
			if _, _, _, ok := dl.parse(v); !ok {
				continue // time.Parse fails on it too: the next layout
			}
			// parse read exactly 4, 2 and 2 digits: they are the
			// normalised value's digits (DateLayout), as they are.
			if dl.canonical {
				return v, true
			}
			start := len(p.val)
			p.val = append(p.val, v[dl.year:dl.year+4]...)
			p.val = append(p.val, '-')
			p.val = append(p.val, v[dl.month:dl.month+2]...)
			p.val = append(p.val, '-')
			p.val = append(p.val, v[dl.day:dl.day+2]...)
			return p.val[start:], true
		}
		return nil, false
	case kindBool:
		if len(v) > 5 || !ascii {
			return nil, false
		}
		var low [5]byte
		n := copy(low[:], v)
		asciiLower(low[:n])
		switch string(low[:n]) {
		case "true", "yes", "1", "y", "t":
			return boolText[1], true
		case "false", "no", "0", "n", "f":
			return boolText[0], true
		}
		return nil, false
	}
	// kindGeneric: Field.convert, and the value's text form.
	nv, fe := f.convert(string(v), pf.cs)
	if fe != nil {
		return nil, false
	}
	switch x := nv.(type) {
	case string:
		start := len(p.val)
		p.val = append(p.val, x...)
		return p.val[start:], !pf.number && len(x) > 0
	}
	return nil, false
}

// asciiText reports whether an ASCII value of a simple string field is
// good: within MaxLength (its bytes are its characters) and, with a
// pattern, every byte in its class.
func (pf *planField) asciiText(v []byte) bool {
	if pf.maxLen > 0 && len(v) > pf.maxLen {
		return false
	}
	if pf.class != nil {
		for _, c := range v {
			if !pf.class[c] {
				return false
			}
		}
	}
	return true
}

// enumValue returns the enum value an ASCII value names (as written, or
// in another case when the enum is case-insensitive) after the class of
// its pattern, if any, has passed it; false when it names none.
func (pf *planField) enumValue(v []byte) ([]byte, bool) {
	if pf.class != nil {
		for _, c := range v {
			if !pf.class[c] {
				return nil, false
			}
		}
	}
	f := pf.f
	for k, e := range f.Values {
		if string(v) == e || f.CaseInsensitive && asciiEqualFold(v, e) {
			return pf.values[k], true
		}
	}
	return nil, false
}

// boolText is the JSON of false and true (never written to).
var boolText = [2][]byte{[]byte("false"), []byte("true")}

func asciiUpper(b []byte) {
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
}

func asciiLower(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
}

func asciiEqualFold(v []byte, e string) bool {
	if len(v) != len(e) {
		return false
	}
	for i := 0; i < len(v); i++ {
		a, b := v[i], e[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// convertInt is Field.convert of an Int: strconv.ParseInt's syntax (an
// optional sign, decimal digits), up to 18 digits. It sets the field's
// bound (p.bnd[i]).
func (p *RowPlan) convertInt(i int, pf *planField, v []byte) ([]byte, bool) {
	neg := false
	d := v
	if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
		neg, d = d[0] == '-', d[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return nil, false
	}
	n, ok := digits(d)
	if !ok {
		return nil, false
	}
	var canon []byte
	switch {
	case len(d) > 1 && d[0] == '0' || neg && n == 0:
		// Leading zeros or -0: the number's own form.
		if neg {
			n = -n
		}
		start := len(p.val)
		p.val = strconv.AppendInt(p.val, int64(n), 10)
		canon = p.val[start:]
		neg = n < 0
		d = canon
		if neg {
			d = canon[1:]
		}
	case neg:
		// Without leading zeros the digits are the canonical form.
		canon = v
	default:
		canon = d
	}
	p.bnd[i] = numBound{hi: len(d) - 1}
	return canon, pf.inBounds(canon, neg, len(d))
}

// convertDecimal is Field.convert of a Decimal: canonicalDecimal with the
// field's Scale, the bounds and DynamoDB's number limits. A value already
// in that form (most are) is returned as it is, without a copy. It sets
// the field's bound (p.bnd[i]).
func (p *RowPlan) convertDecimal(i int, pf *planField, v []byte) ([]byte, bool) {
	f := pf.f
	neg, sign := false, false
	body := v
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		neg, sign, body = body[0] == '-', true, body[1:]
	}
	intPart, frac := body, body[len(body):]
	dot := false
	for k, c := range body {
		if c == '.' {
			intPart, frac, dot = body[:k], body[k+1:], true
			break
		}
	}
	if len(intPart) == 0 && len(frac) == 0 || !allDigitsBytes(intPart) || !allDigitsBytes(frac) {
		return nil, false
	}
	if f.Scale > 0 && len(frac) > f.Scale {
		return nil, false
	}
	places := len(frac) == f.Scale // the scale's places (then a dot)
	if f.Scale == 0 {
		places = !dot || len(frac) > 0 // no dot, or places after it
	}
	if !sign && places && len(intPart) > 0 && (intPart[0] != '0' || len(intPart) == 1) {
		// Canonical as it is: no sign, no leading zero, the places of
		// the scale (or, with none, those given).
		p.bnd[i] = numBound{hi: len(intPart) - 1, lo: -len(frac)}
		return v, (len(v) <= maxNumberDigits || NumberLimit(string(v)) == "") && pf.inBounds(v, false, len(intPart))
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	start := len(p.val)
	if neg {
		p.val = append(p.val, '-')
	}
	digitsStart := len(p.val)
	intLen := max(len(intPart), 1)
	if len(intPart) == 0 {
		p.val = append(p.val, '0')
	} else {
		p.val = append(p.val, intPart...)
	}
	fracLen := 0
	if len(frac) > 0 || f.Scale > 0 {
		p.val = append(p.val, '.')
		p.val = append(p.val, frac...)
		for i := len(frac); i < f.Scale; i++ {
			p.val = append(p.val, '0')
		}
		fracLen = max(len(frac), f.Scale)
	}
	if neg {
		zero := true
		for _, c := range p.val[digitsStart:] {
			if c != '0' && c != '.' {
				zero = false
				break
			}
		}
		if zero {
			p.val = append(p.val[:start], p.val[digitsStart:]...)
			neg = false
		}
	}
	canon := p.val[start:]
	p.bnd[i] = numBound{hi: intLen - 1, lo: -fracLen}
	if !pf.inBounds(canon, neg, intLen) {
		return nil, false
	}
	// Up to 38 characters holds at most 38 digits, at powers from 10^-37
	// to 10^37: within DynamoDB's limits.
	return canon, len(canon) <= maxNumberDigits || NumberLimit(string(canon)) == ""
}

func allDigitsBytes(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// inBounds reports whether canon, a canonical int or decimal (neg: it
// is negative; intLen: the digits of its integer part), lies within the
// field's Min and Max.
func (pf *planField) inBounds(canon []byte, neg bool, intLen int) bool {
	return (pf.min == nil || pf.min.cmp(canon, neg, intLen) >= 0) &&
		(pf.max == nil || pf.max.cmp(canon, neg, intLen) <= 0)
}

// planBound is a field's Min or Max, with what decides most comparisons
// before its digits are read.
type planBound struct {
	canon  string
	neg    bool
	intLen int // digits of the integer part (canonical: no leading zero)
}

func newPlanBound(b *ratBound) *planBound {
	if b == nil {
		return nil
	}
	pb := &planBound{canon: b.canon, neg: strings.HasPrefix(b.canon, "-")}
	pb.intLen = cutDot(strings.TrimPrefix(b.canon, "-"))
	return pb
}

// cmp is cmpCanonical(canon, b.canon): two canonical numbers of one sign
// whose integer parts differ in length compare as those lengths do.
func (b *planBound) cmp(canon []byte, neg bool, intLen int) int {
	switch {
	case neg != b.neg:
		if neg {
			return -1
		}
		return 1
	case intLen < b.intLen && !neg, intLen > b.intLen && neg:
		return -1
	case intLen > b.intLen && !neg, intLen < b.intLen && neg:
		return 1
	}
	return cmpCanonical(canon, b.canon)
}
