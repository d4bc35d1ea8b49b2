package jsonata

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// regexValue is a compiled regular expression literal (/.../flags). Go's
// RE2 syntax is used after translating JavaScript escapes; look-around and
// back-references are not supported.
type regexValue struct {
	re  *regexp.Regexp
	src string
}

// jsSpace is JavaScript's \s (RE2's covers ASCII only), as class content.
const jsSpace = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`

// errRegexUnsupported reports JavaScript regex features RE2 lacks.
var errRegexUnsupported = errors.New("unsupported regular expression feature")

// compileRegex translates a JavaScript regular expression (as jsonata-js
// passes it to RegExp) to RE2: identity escapes, \s and '.' get their
// JavaScript meaning. Back-references and look-around fail to compile
// (S0303) rather than silently matching something else.
func compileRegex(pattern, flags string) (*regexValue, error) {
	var b strings.Builder
	if flags != "" {
		b.WriteString("(?")
		b.WriteString(flags)
		b.WriteString(")")
	}
	inClass := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '[' && !inClass && strings.HasPrefix(pattern[i:], "[]"):
			b.WriteString(`[^\x{0}-\x{10FFFF}]`) // matches nothing
			i++
			continue
		case c == '[' && !inClass && strings.HasPrefix(pattern[i:], "[^]"):
			b.WriteString(`[\x{0}-\x{10FFFF}]`) // matches anything
			i += 2
			continue
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			if strings.HasPrefix(pattern[i+1:], "^") {
				b.WriteByte('^')
				i++
			}
			continue
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
			continue
		case c == '.' && !inClass:
			b.WriteString(`[^\n\r\x{2028}\x{2029}]`)
			continue
		case c == '(' && !inClass && strings.HasPrefix(pattern[i:], "(?") &&
			(strings.HasPrefix(pattern[i:], "(?=") || strings.HasPrefix(pattern[i:], "(?!") ||
				strings.HasPrefix(pattern[i:], "(?<=") || strings.HasPrefix(pattern[i:], "(?<!")):
			return nil, errRegexUnsupported
		case c != '\\' || i+1 >= len(pattern):
			b.WriteByte(c)
			continue
		}
		i++
		e := pattern[i]
		switch {
		case e == 's':
			if inClass {
				b.WriteString(jsSpace)
			} else {
				b.WriteString("[" + jsSpace + "]")
			}
		case e == 'S' && !inClass:
			b.WriteString("[^" + jsSpace + "]")
		case e >= '1' && e <= '9' && !inClass:
			return nil, errRegexUnsupported // back-reference
		case e == 'k' && i+1 < len(pattern) && pattern[i+1] == '<':
			return nil, errRegexUnsupported // named back-reference
		case e == '0':
			b.WriteString(`\x00`)
		case e == 'u' && i+4 < len(pattern):
			v, ok := hex4(pattern, i+1)
			if !ok {
				b.WriteByte('u')
				continue
			}
			fmt.Fprintf(&b, `\x{%x}`, v)
			i += 4
		case e == 'c' && i+1 < len(pattern) && (pattern[i+1]|0x20) >= 'a' && (pattern[i+1]|0x20) <= 'z':
			fmt.Fprintf(&b, `\x{%x}`, pattern[i+1]%32)
			i++
		case e == 'b' && inClass:
			b.WriteString(`\x08`)
		case strings.IndexByte("dDwWSbBnrtfvx", e) >= 0:
			b.WriteByte('\\')
			b.WriteByte(e)
		case e < 0x80:
			// identity escape (JavaScript's legacy mode)
			b.WriteString(regexp.QuoteMeta(string(e)))
		default:
			r, size := utf8.DecodeRuneInString(pattern[i:])
			b.WriteString(regexp.QuoteMeta(string(r)))
			i += size - 1
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, err
	}
	return &regexValue{re: re, src: pattern}, nil
}

// utf16Index converts a byte offset in s to a UTF-16 code unit index.
func utf16Index(s string, byteOff int) int {
	if isASCII(s[:byteOff]) {
		return byteOff
	}
	return len(utf16.Encode([]rune(s[:byteOff])))
}

// matches returns jsonata match objects for up to limit matches (limit <0:
// all).
func (r *regexValue) matches(s string, limit int) []any {
	var out []any
	for _, m := range r.re.FindAllStringSubmatchIndex(s, limit) {
		groups := []any{}
		for g := 1; g < len(m)/2; g++ {
			if m[2*g] < 0 {
				groups = append(groups, nil)
			} else {
				groups = append(groups, s[m[2*g]:m[2*g+1]])
			}
		}
		out = append(out, map[string]any{
			"match":  s[m[0]:m[1]],
			"index":  float64(utf16Index(s, m[0])),
			"groups": groups,
		})
	}
	return out
}

// matcher is the value of calling a regex as a function: the first match
// as {match, start, end, groups}, or undefined.
func (r *regexValue) matcher(s string, _ int) any {
	m := r.re.FindStringSubmatchIndex(s)
	if m == nil {
		return Undefined
	}
	groups := []any{}
	for g := 1; g < len(m)/2; g++ {
		if m[2*g] < 0 {
			groups = append(groups, "")
		} else {
			groups = append(groups, s[m[2*g]:m[2*g+1]])
		}
	}
	return map[string]any{
		"match":  s[m[0]:m[1]],
		"start":  float64(utf16Index(s, m[0])),
		"end":    float64(utf16Index(s, m[1])),
		"groups": groups,
	}
}
