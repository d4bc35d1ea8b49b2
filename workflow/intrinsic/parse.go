package intrinsic

import (
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/workflow/jsonpath"
)

const prefix = "States."

// IsCall reports whether s has the shape of an intrinsic function call:
// "States.<Name>(" after optional leading white space. It does not check
// the rest; Parse does.
func IsCall(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	i := len(prefix)
	start := i
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	if i == start {
		return false
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i < len(s) && s[i] == '('
}

// Parse parses an intrinsic function call such as
// "States.Format('{} items', $.count)". Errors are *Error with the byte
// offset of the problem.
func Parse(expr string) (*Call, error) {
	p := &parser{s: expr}
	p.skipSpace()
	c, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errf(p.i, "unexpected "+p.describe()+" after the call")
	}
	return c, nil
}

// MustParse is like Parse but panics on error. It is meant for tests and
// package-level values.
func MustParse(expr string) *Call {
	c, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return c
}

type parser struct {
	s string
	i int
}

func (p *parser) errf(pos int, msg string) *Error {
	return &Error{Expr: p.s, Pos: pos, Msg: msg, Kind: ErrSyntax}
}

func (p *parser) errk(kind ErrorKind, pos int, msg string) *Error {
	return &Error{Expr: p.s, Pos: pos, Msg: msg, Kind: kind}
}

func (p *parser) describe() string {
	if p.i >= len(p.s) {
		return "end of expression"
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.i:])
	return strconv.QuoteRune(r)
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func isIdentChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (p *parser) call(depth int) (*Call, error) {
	start := p.i
	if depth > MaxNesting {
		return nil, p.errk(ErrNesting, start, "intrinsic functions are nested more than "+strconv.Itoa(MaxNesting)+" deep")
	}
	if !strings.HasPrefix(p.s[p.i:], prefix) {
		return nil, p.errf(start, "expected an intrinsic function call such as States.Format(...)")
	}
	p.i += len(prefix)
	for p.i < len(p.s) && isIdentChar(p.s[p.i]) {
		p.i++
	}
	name := p.s[start:p.i]
	fn, ok := Functions[name]
	if !ok {
		return nil, p.errk(ErrUnknownFunction, start, "unknown intrinsic function "+strconv.Quote(name))
	}
	p.skipSpace()
	if p.peek() != '(' {
		return nil, p.errf(p.i, "expected '(' after "+name+", found "+p.describe())
	}
	open := p.i
	p.i++
	c := &Call{Pos: start, Name: name}
	p.skipSpace()
	if p.peek() == ')' {
		p.i++
	} else {
		for {
			p.skipSpace()
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, a)
			p.skipSpace()
			if p.peek() == ',' {
				p.i++
				continue
			}
			if p.peek() == ')' {
				p.i++
				break
			}
			if p.i >= len(p.s) {
				return nil, p.errf(open, "unclosed '(' of "+name)
			}
			return nil, p.errf(p.i, "expected ',' or ')', found "+p.describe())
		}
	}
	if !fn.ArityOK(len(c.Args)) {
		return nil, p.errk(ErrArity, start, arityMsg(fn, len(c.Args)))
	}
	for i := range c.Args {
		if err := p.checkLiteral(fn, i, &c.Args[i]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func arityMsg(fn Func, n int) string {
	var want string
	switch {
	case fn.MaxArgs < 0:
		want = "at least " + strconv.Itoa(fn.MinArgs)
	case fn.MinArgs == fn.MaxArgs:
		want = strconv.Itoa(fn.MinArgs)
	default:
		want = strconv.Itoa(fn.MinArgs) + " to " + strconv.Itoa(fn.MaxArgs)
	}
	return fn.Name + " takes " + want + " argument(s), found " + strconv.Itoa(n)
}

// checkLiteral checks a literal argument against the function's parameter
// type; paths and nested calls are checked at run time.
func (p *parser) checkLiteral(fn Func, i int, a *Arg) error {
	if a.Kind == ArgPath || a.Kind == ArgCall {
		return nil
	}
	want := fn.Param(i)
	ok := true
	switch want {
	case String:
		ok = a.Kind == ArgString
	case Number:
		ok = a.Kind == ArgNumber
	case Integer:
		ok = a.Kind == ArgNumber && isInteger(a.Num)
	case Boolean:
		ok = a.Kind == ArgBool
	case Array, Object:
		ok = false
	}
	if !ok {
		return p.errk(ErrArgumentType, a.Pos, "argument "+strconv.Itoa(i+1)+" of "+fn.Name+" must be of type "+want.String()+", found a "+a.Kind.String()+" literal")
	}
	switch {
	case fn.Name == "States.JsonMerge" && i == 2 && a.Bool:
		return p.errk(ErrArgumentValue, a.Pos, "States.JsonMerge does not support deep merging: its third argument must be false")
	case fn.Name == "States.Hash" && i == 1 && !slices.Contains(HashAlgorithms, a.Str):
		return p.errk(ErrArgumentValue, a.Pos, "States.Hash does not support the algorithm "+strconv.Quote(a.Str)+"; use one of "+strings.Join(HashAlgorithms, ", "))
	}
	return nil
}

// isInteger reports whether a JSON number has no fractional part.
func isInteger(n json.Number) bool {
	f, ok := new(big.Float).SetString(string(n))
	return ok && f.IsInt()
}

func (p *parser) arg(depth int) (Arg, error) {
	pos := p.i
	switch c := p.peek(); {
	case c == '\'':
		raw, str, err := p.str()
		if err != nil {
			return Arg{}, err
		}
		return Arg{Pos: pos, Kind: ArgString, Raw: raw, Str: str}, nil
	case c == '$':
		return p.path()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], prefix):
		call, err := p.call(depth + 1)
		if err != nil {
			return Arg{}, err
		}
		return Arg{Pos: pos, Kind: ArgCall, Call: call}, nil
	}
	for _, kw := range []string{"true", "false", "null"} {
		if strings.HasPrefix(p.s[p.i:], kw) {
			end := p.i + len(kw)
			if end == len(p.s) || !isIdentChar(p.s[end]) {
				p.i = end
				switch kw {
				case "true":
					return Arg{Pos: pos, Kind: ArgBool, Bool: true}, nil
				case "false":
					return Arg{Pos: pos, Kind: ArgBool}, nil
				}
				return Arg{Pos: pos, Kind: ArgNull}, nil
			}
		}
	}
	if p.i >= len(p.s) {
		return Arg{}, p.errf(pos, "expected an argument, found end of expression")
	}
	return Arg{}, p.errf(pos, "expected an argument (a 'string', a number, true, false, null, a path or a call), found "+p.describe())
}

// str parses a '...' literal. \' \{ \} and \\ are escapes; a backslash
// before any other character is kept as it is.
func (p *parser) str() (raw, str string, err error) {
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\'':
			raw = p.s[start+1 : p.i]
			p.i++
			if !utf8.ValidString(raw) {
				return "", "", p.errf(start, "invalid UTF-8 in string literal")
			}
			return raw, b.String(), nil
		case '\\':
			if p.i+1 >= len(p.s) {
				return "", "", p.errf(p.i, "unterminated escape in string literal")
			}
			e := p.s[p.i+1]
			switch e {
			case '\'', '{', '}', '\\':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", "", p.errf(start, "unterminated string literal")
}

func (p *parser) number() (Arg, error) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	digits := func() int {
		s := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		return p.i - s
	}
	if digits() == 0 {
		return Arg{}, p.errf(p.i, "expected digits in number")
	}
	if p.peek() == '.' {
		p.i++
		if digits() == 0 {
			return Arg{}, p.errf(p.i, "expected digits after '.'")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if digits() == 0 {
			return Arg{}, p.errf(p.i, "expected exponent digits")
		}
	}
	text := p.s[start:p.i]
	if f, err := strconv.ParseFloat(text, 64); err != nil || f != f {
		return Arg{}, p.errf(start, "number out of range")
	}
	if p.i < len(p.s) && isIdentChar(p.s[p.i]) {
		return Arg{}, p.errf(p.i, "unexpected "+p.describe()+" after number")
	}
	return Arg{Pos: start, Kind: ArgNumber, Num: json.Number(text)}, nil
}

// path scans a path argument up to the ',' or ')' that ends it and parses
// it with package jsonpath.
func (p *parser) path() (Arg, error) {
	start := p.i
	depth := 0
	var quote byte
scan:
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case quote != 0:
			if c == '\\' {
				p.i++
			} else if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[' || (c == '(' && depth > 0):
			depth++
		case c == ']' || (c == ')' && depth > 0):
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			break scan
		}
		p.i++
	}
	if p.i > len(p.s) {
		p.i = len(p.s)
	}
	text := p.s[start:p.i]
	jp, err := jsonpath.Parse(text)
	if err != nil {
		var je *jsonpath.Error
		if errors.As(err, &je) {
			return Arg{}, p.errk(ErrPath, start+je.Pos, "invalid path: "+je.Msg)
		}
		return Arg{}, p.errk(ErrPath, start, "invalid path: "+err.Error())
	}
	return Arg{Pos: start, Kind: ArgPath, Path: jp}, nil
}
