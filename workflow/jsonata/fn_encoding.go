package jsonata

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// encodingFunctions returns the Base64 and URL encoding functions.
func encodingFunctions() []builtinDef {
	return []builtinDef{
		// btoa/atob work on Latin-1 code units
		{"base64encode", "s-:s", strFn(func(s string) string {
			b := make([]byte, 0, len(s))
			for _, r := range s {
				b = append(b, byte(r))
			}
			return base64.StdEncoding.EncodeToString(b)
		})},
		{"base64decode", "s-:s", fnBase64decode},
		{"encodeUrlComponent", "s-:s", strFn(func(s string) string { return uriEncode(s, "-_.!~*'()") })},
		{"encodeUrl", "s-:s", strFn(func(s string) string { return uriEncode(s, "-_.!~*'();/?:@&=+$,#") })},
		{"decodeUrlComponent", "s-:s", urlDecode("decodeUrlComponent")},
		{"decodeUrl", "s-:s", urlDecode("decodeUrl")},
	}
}

// fnBase64decode is $base64decode.
func fnBase64decode(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	// lenient like Node's decoder: characters outside the alphabet are
	// skipped, padding is optional
	clean := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' {
			return r
		}
		return -1
	}, str(a[0]))
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	b, _ := base64.RawStdEncoding.DecodeString(clean)
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs), nil
}

func uriEncode(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func urlDecode(name string) func(c *call, a []any) (any, error) {
	return func(c *call, a []any) (any, error) {
		if isUndef(a[0]) {
			return Undefined, nil
		}
		s := str(a[0])
		keep := ""
		if name == "decodeUrl" {
			keep = ";/?:@&=+$,#"
		}
		r, ok := percentDecode(s, keep)
		if !ok {
			return nil, c.err("D3140", "functionName", name, "value", s)
		}
		return r, nil
	}
}

// percentDecode is decodeURIComponent (keep == "") or decodeURI (escapes
// of the characters in keep stay as they are).
func percentDecode(s, keep string) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		if v < 0x80 && strings.IndexByte(keep, byte(v)) >= 0 {
			b = append(b, s[i:i+3]...)
		} else {
			b = append(b, byte(v))
		}
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}
