package jsonenc

import "unicode/utf8"

const hex = "0123456789abcdef"

// AppendString appends s to b as a quoted JSON string the way encoding/json
// does with HTML escaping off: '"', '\\' and control characters are escaped
// (\b, \f, \n, \r, \t by name, the rest as \u00XX), invalid UTF-8 becomes
// \ufffd, and U+2028 and U+2029 are escaped.
func AppendString(b []byte, s string) []byte { return appendString(b, s, false) }

// AppendStringHTML is AppendString with encoding/json's default HTML
// escaping on, as json.Marshal writes a string: '<', '>' and '&' become
// \u003c, \u003e and \u0026 as well.
func AppendStringHTML(b []byte, s string) []byte { return appendString(b, s, true) }

func appendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendStringMinimal appends s as a JSON string escaping only what JSON
// requires: the quote, the backslash and control characters (\b \f \n \r
// \t, else \u00XX). Invalid UTF-8 becomes U+FFFD and U+2028/U+2029 stay as
// they are. That is how Jackson (behind Step Functions' intrinsic
// functions, upperHex true) and JavaScript's JSON.stringify (behind
// JSONata, upperHex false) write strings; AppendString writes
// encoding/json's form instead.
func AppendStringMinimal(b []byte, s string, upperHex bool) []byte {
	digits := hex
	if upperHex {
		digits = "0123456789ABCDEF"
	}
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if r < 0x20 {
				b = append(b, '\\', 'u', '0', '0', digits[r>>4], digits[r&0xf])
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"')
}
