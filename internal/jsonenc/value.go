package jsonenc

import (
	"bytes"
	"encoding/json"
	"slices"
)

// AppendValue appends the compact JSON of a canonical value (nil, bool,
// string, json.Number, []any and map[string]any of those), byte for byte
// what encoding/json produces with SetEscapeHTML(false): sorted object keys,
// the same string escapes, an empty json.Number as 0. It reports false for
// a value that is not canonical (another type, or a json.Number that is not
// a JSON number), leaving the caller to fall back to encoding/json.
func AppendValue(b []byte, v any) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if t {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case json.Number:
		if t == "" {
			return append(b, '0'), true
		}
		if !ValidNumber(string(t)) {
			return b, false
		}
		return append(b, t...), true
	case string:
		return AppendString(b, t), true
	case []any:
		b = append(b, '[')
		for i, e := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = AppendValue(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = AppendValue(b, t[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// ValidNumber reports whether s is a JSON number literal:
// [-]digits[.digits][(e|E)[±]digits], without leading zeros or spaces.
func ValidNumber(s string) bool { return validNumber(s) }

func validNumber[T string | []byte](s T) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// Marshal returns the compact JSON of v with sorted object keys and no HTML
// escaping, without a trailing newline: AppendValue for a canonical value,
// else encoding/json with SetEscapeHTML(false), whose error it returns.
func Marshal(v any) ([]byte, error) {
	if b, ok := AppendValue(make([]byte, 0, 64), v); ok {
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
