package jsonpath

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of filter expressions so that hostile input
// cannot exhaust the stack.
const maxDepth = 64

// Parse parses a JSONPath expression: "$", "$$..." (context object) or
// "$name..." (variable) followed by any segments. Errors are *Error.
func Parse(expr string) (*Path, error) {
	return parse(expr, false)
}

// ParseReference parses a Reference Path: like Parse, but only member names
// and single indexes are allowed, so the path identifies at most one value.
// ResultPath, Choice Variable and the *Path fields use reference paths.
func ParseReference(expr string) (*Path, error) {
	return parse(expr, true)
}

// MustParse is like Parse but panics on error. It is meant for tests and
// package-level values.
func MustParse(expr string) *Path {
	p, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return p
}

func parse(expr string, reference bool) (*Path, error) {
	ps := &parser{s: expr}
	p, err := ps.path(reference)
	if err != nil {
		return nil, err
	}
	if ps.i != len(ps.s) {
		return nil, ps.errf(ps.i, "unexpected "+ps.describe())
	}
	p.expr = expr
	return p, nil
}

type parser struct {
	s     string
	i     int
	depth int
}

func (ps *parser) errf(pos int, msg string) *Error {
	return &Error{Expr: ps.s, Pos: pos, Msg: msg}
}

func (ps *parser) describe() string {
	if ps.i >= len(ps.s) {
		return "end of expression"
	}
	r, _ := utf8.DecodeRuneInString(ps.s[ps.i:])
	return strconv.QuoteRune(r)
}

func (ps *parser) peek() byte {
	if ps.i < len(ps.s) {
		return ps.s[ps.i]
	}
	return 0
}

func (ps *parser) skipSpace() {
	for ps.i < len(ps.s) && (ps.s[ps.i] == ' ' || ps.s[ps.i] == '\t' || ps.s[ps.i] == '\n' || ps.s[ps.i] == '\r') {
		ps.i++
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// isNameStop reports the bytes that end a member name in dot notation. At
// the top level these are Jayway's: '.', '[', '(' and white space, so
// $.a-b and $.a:b are names. Inside a filter the operators and
// punctuation end a name too.
func isNameStop(c byte, inFilter bool) bool {
	switch c {
	case '.', '[', '(', ' ', '\t', '\n', '\r':
		return true
	case ']', ')', '\'', '"', ',', '=', '<', '>', '!', '&', '|', '~', '*', '?', '@', '$':
		return inFilter
	}
	return false
}

// path parses a root and its segments, stopping at the first byte that
// cannot continue a path (the caller checks what follows).
func (ps *parser) path(reference bool) (*Path, error) {
	if ps.peek() != '$' {
		return nil, ps.errf(ps.i, "path must start with '$'")
	}
	p := &Path{}
	ps.i++
	switch c := ps.peek(); {
	case c == '$':
		p.root = RootContext
		ps.i++
	case isIdentStart(c):
		p.root = RootVariable
		start := ps.i
		for ps.i < len(ps.s) && isIdentChar(ps.s[ps.i]) {
			ps.i++
		}
		p.variable = ps.s[start:ps.i]
	}
	segs, err := ps.segments(reference, false)
	if err != nil {
		return nil, err
	}
	p.segs = segs
	p.definite = true
	for i := range segs {
		if !segs[i].definite() {
			p.definite = false
		}
	}
	return p, nil
}

// segments parses segments until a byte that does not start one. Inside a
// filter (inFilter) a path ends quietly at such a byte.
func (ps *parser) segments(reference, inFilter bool) ([]Segment, error) {
	var segs []Segment
	for ps.i < len(ps.s) {
		start := ps.i
		var seg Segment
		var err error
		switch {
		case strings.HasPrefix(ps.s[ps.i:], ".."):
			if reference {
				return nil, ps.errf(start, "recursive descent is not allowed in a reference path")
			}
			ps.i += 2
			if ps.peek() == '[' {
				seg, err = ps.bracket(reference)
			} else {
				seg, err = ps.dotted(inFilter)
			}
			seg.Recursive = true
		case ps.s[ps.i] == '.':
			ps.i++
			seg, err = ps.dotted(inFilter)
		case ps.s[ps.i] == '[':
			seg, err = ps.bracket(reference)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, ps.errf(ps.i, "unexpected "+ps.describe()+" (expected '.' or '[')")
		}
		if err != nil {
			return nil, err
		}
		seg.Pos = start
		if reference && seg.Kind == Wildcard {
			return nil, ps.errf(start, "wildcard is not allowed in a reference path")
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

// dotted parses what follows "." or "..": "*" or a member name.
func (ps *parser) dotted(inFilter bool) (Segment, error) {
	if ps.peek() == '*' {
		ps.i++
		return Segment{Kind: Wildcard}, nil
	}
	start := ps.i
	for ps.i < len(ps.s) && !isNameStop(ps.s[ps.i], inFilter) {
		ps.i++
	}
	if ps.i == start {
		return Segment{}, ps.errf(start, "expected a member name, found "+ps.describe())
	}
	name := ps.s[start:ps.i]
	if !utf8.ValidString(name) {
		return Segment{}, ps.errf(start, "invalid UTF-8 in member name")
	}
	return Segment{Kind: Child, Names: []string{name}}, nil
}

// bracket parses "[...]" at ps.i.
func (ps *parser) bracket(reference bool) (Segment, error) {
	open := ps.i
	ps.i++ // '['
	ps.skipSpace()
	var seg Segment
	switch c := ps.peek(); {
	case c == '\'' || c == '"':
		seg.Kind = Child
		for {
			ps.skipSpace()
			if c := ps.peek(); c != '\'' && c != '"' {
				return seg, ps.errf(ps.i, "expected a quoted name, found "+ps.describe())
			}
			name, err := ps.quoted()
			if err != nil {
				return seg, err
			}
			seg.Names = append(seg.Names, name)
			ps.skipSpace()
			if ps.peek() != ',' {
				break
			}
			if reference {
				return seg, ps.errf(ps.i, "a union is not allowed in a reference path")
			}
			ps.i++
		}
	case c == '*':
		ps.i++
		seg.Kind = Wildcard
	case c == '?':
		if reference {
			return seg, ps.errf(ps.i, "a filter is not allowed in a reference path")
		}
		ps.i++
		ps.skipSpace()
		if ps.peek() != '(' {
			return seg, ps.errf(ps.i, "expected '(' after '?'")
		}
		ps.i++
		pred, err := ps.predicate()
		if err != nil {
			return seg, err
		}
		ps.skipSpace()
		if ps.peek() != ')' {
			return seg, ps.errf(ps.i, "expected ')' to close the filter, found "+ps.describe())
		}
		ps.i++
		seg.Kind = Filter
		seg.Pred = pred
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		if err := ps.indexOrSlice(&seg, reference); err != nil {
			return seg, err
		}
	default:
		return seg, ps.errf(ps.i, "unexpected "+ps.describe()+" in brackets")
	}
	ps.skipSpace()
	if ps.peek() != ']' {
		if ps.i >= len(ps.s) {
			return seg, ps.errf(open, "unclosed '['")
		}
		return seg, ps.errf(ps.i, "expected ']', found "+ps.describe())
	}
	ps.i++
	return seg, nil
}

// quoted parses a '...' or "..." name. A backslash escapes the quote
// character and itself; before anything else it is kept.
func (ps *parser) quoted() (string, error) {
	q := ps.s[ps.i]
	start := ps.i
	ps.i++
	var b strings.Builder
	for ps.i < len(ps.s) {
		c := ps.s[ps.i]
		switch {
		case c == q:
			ps.i++
			s := b.String()
			if !utf8.ValidString(s) {
				return "", ps.errf(start, "invalid UTF-8 in quoted name")
			}
			return s, nil
		case c == '\\':
			if ps.i+1 >= len(ps.s) {
				return "", ps.errf(ps.i, "unterminated escape")
			}
			// As in Jayway (and so on AWS), only the quote itself and the
			// backslash are escapes; before any other character (such as a
			// double quote inside '...') the backslash is kept.
			e := ps.s[ps.i+1]
			if e != q && e != '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(e)
			ps.i += 2
		default:
			b.WriteByte(c)
			ps.i++
		}
	}
	return "", ps.errf(start, "unterminated quoted name")
}

func (ps *parser) integer() (int, bool, error) {
	start := ps.i
	if ps.peek() == '-' {
		ps.i++
	}
	ds := ps.i
	for ps.i < len(ps.s) && ps.s[ps.i] >= '0' && ps.s[ps.i] <= '9' {
		ps.i++
	}
	if ps.i == ds {
		if ps.i != start {
			return 0, false, ps.errf(ps.i, "expected digits after '-'")
		}
		return 0, false, nil
	}
	n, err := strconv.Atoi(ps.s[start:ps.i])
	if err != nil || n > math.MaxInt32 || n < math.MinInt32 {
		return 0, false, ps.errf(start, "index out of range")
	}
	return n, true, nil
}

// indexOrSlice parses [1], [1,2], [1:2], [:2], [1:], [::2].
func (ps *parser) indexOrSlice(seg *Segment, reference bool) error {
	first, ok, err := ps.integer()
	if err != nil {
		return err
	}
	ps.skipSpace()
	if ps.peek() == ':' {
		if reference {
			return ps.errf(ps.i, "a slice is not allowed in a reference path")
		}
		seg.Kind = Slice
		if ok {
			seg.Start = &first
		}
		for k := 0; k < 2 && ps.peek() == ':'; k++ {
			ps.i++
			ps.skipSpace()
			n, ok, err := ps.integer()
			if err != nil {
				return err
			}
			if ok {
				if k == 0 {
					seg.End = &n
				} else {
					if n == 0 {
						return ps.errf(ps.i, "slice step cannot be zero")
					}
					seg.Step = &n
				}
			}
			ps.skipSpace()
		}
		return nil
	}
	if !ok {
		return ps.errf(ps.i, "expected an index")
	}
	seg.Kind = Index
	seg.Indexes = []int{first}
	for ps.peek() == ',' {
		if reference {
			return ps.errf(ps.i, "a union is not allowed in a reference path")
		}
		ps.i++
		ps.skipSpace()
		n, ok, err := ps.integer()
		if err != nil {
			return err
		}
		if !ok {
			return ps.errf(ps.i, "expected an index")
		}
		seg.Indexes = append(seg.Indexes, n)
		ps.skipSpace()
	}
	return nil
}

// predicate parses a filter expression up to (not including) its ')'.
func (ps *parser) predicate() (*Predicate, error) {
	pos := ps.i
	n, err := ps.orExpr()
	if err != nil {
		return nil, err
	}
	return &Predicate{Pos: pos, node: n}, nil
}

func (ps *parser) orExpr() (node, error) {
	l, err := ps.andExpr()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.s[ps.i:], "||") {
			return l, nil
		}
		pos := ps.i
		ps.i += 2
		r, err := ps.andExpr()
		if err != nil {
			return nil, err
		}
		l = &logicNode{pos: pos, and: false, l: l, r: r}
	}
}

func (ps *parser) andExpr() (node, error) {
	l, err := ps.unary()
	if err != nil {
		return nil, err
	}
	for {
		ps.skipSpace()
		if !strings.HasPrefix(ps.s[ps.i:], "&&") {
			return l, nil
		}
		pos := ps.i
		ps.i += 2
		r, err := ps.unary()
		if err != nil {
			return nil, err
		}
		l = &logicNode{pos: pos, and: true, l: l, r: r}
	}
}

func (ps *parser) unary() (node, error) {
	ps.depth++
	defer func() { ps.depth-- }()
	if ps.depth > maxDepth {
		return nil, ps.errf(ps.i, "filter expression nested too deeply")
	}
	ps.skipSpace()
	switch ps.peek() {
	case '!':
		if !strings.HasPrefix(ps.s[ps.i:], "!=") {
			pos := ps.i
			ps.i++
			x, err := ps.unary()
			if err != nil {
				return nil, err
			}
			return &notNode{pos: pos, x: x}, nil
		}
	case '(':
		pos := ps.i
		ps.i++
		x, err := ps.orExpr()
		if err != nil {
			return nil, err
		}
		ps.skipSpace()
		if ps.peek() != ')' {
			return nil, ps.errf(ps.i, "expected ')', found "+ps.describe())
		}
		ps.i++
		return &groupNode{pos: pos, x: x}, nil
	}
	return ps.comparison()
}

var cmpOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">", " in ", " nin "}

func (ps *parser) comparison() (node, error) {
	pos := ps.i
	l, err := ps.operand(false)
	if err != nil {
		return nil, err
	}
	save := ps.i
	ps.skipSpace()
	op := ""
	for _, o := range cmpOps {
		trimmed := strings.TrimSpace(o)
		if o[0] == ' ' {
			// Word operators need a space before them (consumed above) and
			// something that is not a name character after them.
			if ps.i > save && strings.HasPrefix(ps.s[ps.i:], trimmed) {
				after := ps.i + len(trimmed)
				if after < len(ps.s) && !isIdentChar(ps.s[after]) {
					op = trimmed
					break
				}
			}
			continue
		}
		if strings.HasPrefix(ps.s[ps.i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		ps.i = save
		if _, ok := l.(*pathOperand); !ok {
			return nil, ps.errf(pos, "a filter term must be a path or a comparison")
		}
		return &existsNode{pos: pos, x: l}, nil
	}
	opPos := ps.i
	ps.i += len(op)
	ps.skipSpace()
	var r operand
	if op == "=~" {
		r, err = ps.regex()
	} else {
		r, err = ps.operand(op == "in" || op == "nin")
	}
	if err != nil {
		return nil, err
	}
	return &cmpNode{pos: opPos, op: op, l: l, r: r}, nil
}

// operand parses a path (@... or $...) or a literal.
func (ps *parser) operand(allowList bool) (operand, error) {
	ps.skipSpace()
	pos := ps.i
	switch c := ps.peek(); {
	case c == '@':
		ps.i++
		segs, err := ps.segments(false, true)
		if err != nil {
			return nil, err
		}
		return &pathOperand{pos: pos, rel: true, path: &Path{expr: ps.s[pos:ps.i], segs: segs, definite: allDefinite(segs)}}, nil
	case c == '$':
		ps.i++
		p := &Path{}
		if ps.peek() == '$' {
			return nil, ps.errf(pos, "context paths are not allowed in a filter")
		}
		segs, err := ps.segments(false, true)
		if err != nil {
			return nil, err
		}
		p.expr, p.segs, p.definite = ps.s[pos:ps.i], segs, allDefinite(segs)
		return &pathOperand{pos: pos, path: p}, nil
	case c == '\'' || c == '"':
		s, err := ps.quoted()
		if err != nil {
			return nil, err
		}
		return &literal{pos: pos, v: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return ps.number()
	case c == '[' && allowList:
		ps.i++
		lst := &listOperand{pos: pos}
		ps.skipSpace()
		if ps.peek() == ']' {
			ps.i++
			return lst, nil
		}
		for {
			o, err := ps.operand(false)
			if err != nil {
				return nil, err
			}
			lit, ok := o.(*literal)
			if !ok {
				return nil, ps.errf(o.position(), "a list may hold only literals")
			}
			lst.vs = append(lst.vs, lit.v)
			ps.skipSpace()
			if ps.peek() == ',' {
				ps.i++
				continue
			}
			if ps.peek() != ']' {
				return nil, ps.errf(ps.i, "expected ',' or ']' in list, found "+ps.describe())
			}
			ps.i++
			return lst, nil
		}
	}
	for _, kw := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(ps.s[ps.i:], kw.s) {
			end := ps.i + len(kw.s)
			if end == len(ps.s) || !isIdentChar(ps.s[end]) {
				ps.i = end
				return &literal{pos: pos, v: kw.v}, nil
			}
		}
	}
	return nil, ps.errf(pos, "expected a path or a literal, found "+ps.describe())
}

func allDefinite(segs []Segment) bool {
	for i := range segs {
		if !segs[i].definite() {
			return false
		}
	}
	return true
}

// number parses a JSON number literal.
func (ps *parser) number() (operand, error) {
	start := ps.i
	if ps.peek() == '-' {
		ps.i++
	}
	digits := func() int {
		s := ps.i
		for ps.i < len(ps.s) && ps.s[ps.i] >= '0' && ps.s[ps.i] <= '9' {
			ps.i++
		}
		return ps.i - s
	}
	if digits() == 0 {
		return nil, ps.errf(ps.i, "expected digits")
	}
	if ps.peek() == '.' {
		ps.i++
		if digits() == 0 {
			return nil, ps.errf(ps.i, "expected digits after '.'")
		}
	}
	if c := ps.peek(); c == 'e' || c == 'E' {
		ps.i++
		if c := ps.peek(); c == '+' || c == '-' {
			ps.i++
		}
		if digits() == 0 {
			return nil, ps.errf(ps.i, "expected exponent digits")
		}
	}
	text := ps.s[start:ps.i]
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return nil, ps.errf(start, "number out of range")
	}
	return &literal{pos: start, v: json.Number(text)}, nil
}

// regex parses /pattern/flags (flags: i, m, s). The pattern must match
// the whole string.
func (ps *parser) regex() (operand, error) {
	start := ps.i
	if ps.peek() != '/' {
		return nil, ps.errf(ps.i, "expected a regular expression /.../ after =~")
	}
	ps.i++
	var b strings.Builder
	for {
		if ps.i >= len(ps.s) {
			return nil, ps.errf(start, "unterminated regular expression")
		}
		c := ps.s[ps.i]
		if c == '\\' && ps.i+1 < len(ps.s) && ps.s[ps.i+1] == '/' {
			b.WriteByte('/')
			ps.i += 2
			continue
		}
		if c == '\\' && ps.i+1 < len(ps.s) {
			b.WriteString(ps.s[ps.i : ps.i+2])
			ps.i += 2
			continue
		}
		ps.i++
		if c == '/' {
			break
		}
		b.WriteByte(c)
	}
	fstart := ps.i
	for ps.i < len(ps.s) && (ps.s[ps.i] == 'i' || ps.s[ps.i] == 'm' || ps.s[ps.i] == 's') {
		ps.i++
	}
	flags := ps.s[fstart:ps.i]
	src := b.String()
	// Jayway matches the whole string (Java's Matcher.matches).
	pat := `^(?:` + src + `)$`
	if flags != "" {
		pat = "(?" + flags + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, ps.errf(start, "invalid regular expression: "+err.Error())
	}
	return &regexOperand{pos: start, src: src, flags: flags, re: re}, nil
}
