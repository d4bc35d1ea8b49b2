package jsonata

import (
	"regexp"
	"strings"
	"unicode/utf16"
)

// regexValue is a compiled regular expression literal (/.../flags). Go's
// RE2 syntax is used after translating JavaScript escapes; look-around and
// back-references are not supported.
type regexValue struct {
	re  *regexp.Regexp
	src string
}

func compileRegex(pattern, flags string) (*regexValue, error) {
	var b strings.Builder
	if flags != "" {
		b.WriteString("(?")
		b.WriteString(flags)
		b.WriteString(")")
	}
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '\\' || i+1 >= len(pattern) {
			b.WriteByte(c)
			continue
		}
		i++
		e := pattern[i]
		switch {
		case e >= 'a' && e <= 'z' || e >= 'A' && e <= 'Z' || e >= '0' && e <= '9':
			if e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S' || e == 'b' || e == 'B' ||
				e == 'n' || e == 'r' || e == 't' || e == 'f' || e == 'v' || e == 'x' || e == 'u' || e == '0' {
				if e == 'u' && i+4 < len(pattern)+0 && i+4 <= len(pattern)-1+1 {
					if v, ok := hex4(pattern, i+1); ok {
						b.WriteString(regexp.QuoteMeta(string(rune(v))))
						i += 4
						continue
					}
				}
				if e == '0' {
					b.WriteString(`\x00`)
					continue
				}
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			// identity escape of a letter in JavaScript's legacy mode
			b.WriteString(regexp.QuoteMeta(string(e)))
		case e < 0x80:
			b.WriteString(regexp.QuoteMeta(string(e)))
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
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
