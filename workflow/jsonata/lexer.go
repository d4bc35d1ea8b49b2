package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type tokKind int

const (
	tokEnd tokKind = iota
	tokName
	tokVariable
	tokString
	tokNumber
	tokValue // true, false, null
	tokRegex
	tokOperator
)

type token struct {
	kind  tokKind
	pos   int // byte offset of the token's first byte
	str   string
	num   float64
	value any // for tokValue
	flags string
}

// operators lists the single-byte and double-byte operator symbols.
var singleOps = ".[]{}(),@#;:?+-*/%|=<>^&!~"

// Step Functions implements JSONata 2.0.6, which has no "?:" and "??"
// operators (added in jsonata 2.1): "a ?? b" is a syntax error there.
var doubleOps = []string{"..", ":=", "!=", ">=", "<=", "**", "~>"}

type lexer struct {
	src  string
	pos  int
	prev *token
	// regexNext makes a '/' right after the next token start a regular
	// expression; jsonata-js does so after "[]" and after the ")" that
	// closes an order-by clause, and we follow it for identical parses.
	regexNext bool
}

func (l *lexer) errAt(code string, pos int, kv ...any) *Error {
	return &Error{Expr: l.src, Pos: pos, Code: code, Msg: msg(code, kv...)}
}

// regexAllowed reports whether a '/' starts a regular expression: it does
// when the previous token cannot end an operand.
func (l *lexer) regexAllowed() bool {
	if l.regexNext {
		return true
	}
	p := l.prev
	if p == nil {
		return true
	}
	switch p.kind {
	case tokName, tokVariable, tokString, tokNumber, tokValue, tokRegex:
		return false
	case tokOperator:
		switch p.str {
		case ")", "]", "}", "*", "**", "%":
			// "*", "**" and "%" are far more often operands (wildcard,
			// descendants, parent) than operators in front of a regex
			return false
		}
	}
	return true
}

func (l *lexer) next() (*token, error) {
	t, err := l.scan()
	l.regexNext = false
	if err == nil {
		l.prev = t
	}
	return t, err
}

func (l *lexer) scan() (*token, error) {
	src := l.src
	// whitespace and comments
	for l.pos < len(src) {
		c := src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			l.pos++
			continue
		}
		if c == '/' && l.pos+1 < len(src) && src[l.pos+1] == '*' {
			end := strings.Index(src[l.pos+2:], "*/")
			if end < 0 {
				return nil, l.errAt("S0106", l.pos)
			}
			l.pos += 2 + end + 2
			continue
		}
		break
	}
	start := l.pos
	if l.pos >= len(src) {
		return &token{kind: tokEnd, pos: start}, nil
	}
	c := src[l.pos]
	if c == '/' && l.regexAllowed() {
		return l.scanRegex()
	}
	if l.pos+1 < len(src) {
		two := src[l.pos : l.pos+2]
		for _, op := range doubleOps {
			if two == op {
				l.pos += 2
				return &token{kind: tokOperator, pos: start, str: op}, nil
			}
		}
	}
	if strings.IndexByte(singleOps, c) >= 0 {
		l.pos++
		return &token{kind: tokOperator, pos: start, str: string(c)}, nil
	}
	if c == '"' || c == '\'' {
		return l.scanString(c)
	}
	if c >= '0' && c <= '9' {
		return l.scanNumber()
	}
	if c == '`' {
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			return nil, l.errAt("S0105", l.pos)
		}
		l.pos += end + 2
		return &token{kind: tokName, pos: start, str: src[start+1 : start+1+end]}, nil
	}
	// name or variable
	i := l.pos
	if c == '$' {
		i++
	}
	for i < len(src) {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r < 128 && (strings.IndexByte(singleOps, byte(r)) >= 0 || isSpace(byte(r))) {
			break
		}
		i += size
	}
	word := src[l.pos:i]
	l.pos = i
	if c == '$' {
		return &token{kind: tokVariable, pos: start, str: word[1:]}, nil
	}
	switch word {
	case "and", "or", "in":
		return &token{kind: tokOperator, pos: start, str: word}, nil
	case "true":
		return &token{kind: tokValue, pos: start, str: word, value: true}, nil
	case "false":
		return &token{kind: tokValue, pos: start, str: word, value: false}, nil
	case "null":
		return &token{kind: tokValue, pos: start, str: word, value: nil}, nil
	}
	return &token{kind: tokName, pos: start, str: word}, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (l *lexer) scanNumber() (*token, error) {
	src := l.src
	start := l.pos
	i := l.pos
	if src[i] == '0' {
		i++
	} else {
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
		i++
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && src[j] >= '0' && src[j] <= '9' {
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			i = j
		}
	}
	text := src[start:i]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, l.errAt("S0102", start, "token", text)
	}
	l.pos = i
	return &token{kind: tokNumber, pos: start, str: text, num: f}, nil
}

func (l *lexer) scanString(q byte) (*token, error) {
	src := l.src
	start := l.pos
	i := l.pos + 1
	var b strings.Builder
	for i < len(src) {
		c := src[i]
		if c == q {
			l.pos = i + 1
			return &token{kind: tokString, pos: start, str: b.String()}, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(src) {
			break
		}
		e := src[i]
		switch e {
		case '"', '\\', '/', '\'':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(src, i+1)
			if !ok {
				return nil, l.errAt("S0104", i)
			}
			i += 4
			if utf16.IsSurrogate(rune(r)) && i+6 < len(src)+1 && i+2 < len(src) && src[i+1] == '\\' && src[i+2] == 'u' {
				if r2, ok := hex4(src, i+3); ok {
					if d := utf16.DecodeRune(rune(r), rune(r2)); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						break
					}
				}
			}
			b.WriteRune(rune(r))
		default:
			return nil, l.errAt("S0103", i, "token", string(e))
		}
		i++
	}
	return nil, l.errAt("S0101", start)
}

func hex4(s string, i int) (int, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i:i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	return int(v), true
}

func (l *lexer) scanRegex() (*token, error) {
	src := l.src
	start := l.pos
	i := l.pos + 1
	depth := 0 // inside [...]
	for i < len(src) {
		c := src[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '[' {
			depth = 1
		} else if c == ']' {
			depth = 0
		} else if c == '/' && depth == 0 {
			pattern := src[start+1 : i]
			if pattern == "" {
				return nil, l.errAt("S0301", start)
			}
			i++
			fs := i
			for i < len(src) && (src[i] == 'i' || src[i] == 'm') {
				i++
			}
			l.pos = i
			return &token{kind: tokRegex, pos: start, str: pattern, flags: src[fs:i]}, nil
		}
		i++
	}
	return nil, l.errAt("S0302", start)
}
