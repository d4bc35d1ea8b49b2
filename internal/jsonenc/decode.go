package jsonenc

import (
	"bytes"
	"encoding/json"
	"errors"
)

// maxDecodeDepth is the nesting encoding/json accepts (its scanner's
// maxNestingDepth); DecodeValue leaves deeper documents to it.
const maxDecodeDepth = 10000

// DecodeValue decodes b, one JSON value with optional white space around
// it, as encoding/json's Decoder with UseNumber decodes it into an any:
// nil, bool, json.Number, string, []any and map[string]any (a repeated key
// keeps its last value). It reports false for anything else — invalid
// JSON, trailing data, empty input, nesting deeper than encoding/json
// allows — so that the caller decodes b with encoding/json and reports its
// error: the fast path serves valid documents, and errors read exactly as
// before. It allocates only the values themselves (a json.Decoder costs a
// buffer and a copy of the whole input per call, which is most of the
// work on the small payload templates a state machine holds).
func DecodeValue(b []byte) (any, bool) {
	d := valueDecoder{b: b}
	i := SkipSpace(b, 0)
	v, i := d.value(i, 0)
	if i < 0 || SkipSpace(b, i) != len(b) {
		return nil, false
	}
	return v, true
}

// Decode decodes b, one JSON value, as encoding/json's Decoder with
// UseNumber decodes it into an any: through DecodeValue, and with
// encoding/json when DecodeValue declines, so that an invalid document
// gets encoding/json's error (or an error for data after the value).
func Decode(b []byte) (any, error) {
	if v, ok := DecodeValue(b); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// valueDecoder decodes the values of one document; its methods return the
// index just past what they read, or -1.
type valueDecoder struct{ b []byte }

func (d *valueDecoder) value(i, depth int) (any, int) {
	b := d.b
	if i >= len(b) {
		return nil, -1
	}
	switch c := b[i]; {
	case c == '{':
		return d.object(i, depth+1)
	case c == '[':
		return d.array(i, depth+1)
	case c == '"':
		return d.string(i)
	case c == '-' || (c >= '0' && c <= '9'):
		end := ScanNumber(b, i)
		if end < 0 {
			return nil, -1
		}
		return json.Number(b[i:end]), end
	case c == 't':
		return true, d.literal(i, "true")
	case c == 'f':
		return false, d.literal(i, "false")
	case c == 'n':
		return nil, d.literal(i, "null")
	}
	return nil, -1
}

// literal returns the index past lit at b[i], or -1.
func (d *valueDecoder) literal(i int, lit string) int {
	if len(d.b)-i < len(lit) || string(d.b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

func (d *valueDecoder) string(i int) (string, int) {
	end, plain := ScanString(d.b, i)
	if end < 0 {
		return "", -1
	}
	if plain {
		return string(d.b[i+1 : end-1]), end
	}
	s, ok := Unquote(d.b[i:end])
	if !ok {
		return "", -1
	}
	return s, end
}

func (d *valueDecoder) object(i, depth int) (any, int) {
	if depth > maxDecodeDepth {
		return nil, -1
	}
	b := d.b
	m := map[string]any{}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return m, i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, -1
		}
		k, j := d.string(i)
		if j < 0 {
			return nil, -1
		}
		j = SkipSpace(b, j)
		if j >= len(b) || b[j] != ':' {
			return nil, -1
		}
		v, j := d.value(SkipSpace(b, j+1), depth)
		if j < 0 {
			return nil, -1
		}
		m[k] = v
		j = SkipSpace(b, j)
		if j >= len(b) {
			return nil, -1
		}
		switch b[j] {
		case ',':
			i = SkipSpace(b, j+1)
		case '}':
			return m, j + 1
		default:
			return nil, -1
		}
	}
}

func (d *valueDecoder) array(i, depth int) (any, int) {
	if depth > maxDecodeDepth {
		return nil, -1
	}
	b := d.b
	a := []any{}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return a, i + 1
	}
	for {
		v, j := d.value(i, depth)
		if j < 0 {
			return nil, -1
		}
		a = append(a, v)
		j = SkipSpace(b, j)
		if j >= len(b) {
			return nil, -1
		}
		switch b[j] {
		case ',':
			i = SkipSpace(b, j+1)
		case ']':
			return a, j + 1
		default:
			return nil, -1
		}
	}
}
