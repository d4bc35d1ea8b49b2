package jsonata

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sluicehq/sluice/internal/hashalg"
)

// stepFunctionsFunctions returns the functions Step Functions adds to JSONata.
// $eval is not available in Step Functions ("use $parse instead"): calling it
// fails with T1006 as for any unknown function.
func stepFunctionsFunctions() []builtinDef {
	return []builtinDef{
		{"partition", "an:a", fnPartition},
		{"range", "nnn?:a", fnRange},
		{"hash", "s-s?:s", fnHash},
		{"uuid", ":s", fnUUID},
		{"parse", "s-:j", fnParse},
	}
}

// fnPartition is $partition.
func fnPartition(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	items := mustItems(a[0])
	size := int(num(a[1]))
	if size <= 0 {
		return nil, c.err("D3137", "message", "The chunk size argument of $partition must be a positive integer")
	}
	out := []any{}
	for i := 0; i < len(items); i += size {
		end := min(i+size, len(items))
		out = append(out, append([]any{}, items[i:end]...))
	}
	return out, nil
}

// fnRange is $range.
func fnRange(c *call, a []any) (any, error) {
	start, end := num(a[0]), num(a[1])
	step := 1.0
	if s := arg(a, 2); !isUndef(s) {
		step = num(s)
	}
	if step == 0 {
		return nil, c.err("D3137", "message", "The step argument of $range must not be zero")
	}
	out := seqOf(nil)
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out.items) >= 1e6 {
			return nil, c.err("D2014", "value", len(out.items))
		}
		out.push(v)
	}
	return out, nil
}

// fnHash is $hash.
func fnHash(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	alg := "SHA-256"
	if s, ok := arg(a, 1).(string); ok {
		alg = s
	}
	h, ok := hashalg.New(alg)
	if !ok {
		return nil, c.err("D3137", "message", fmt.Sprintf("Unsupported hash algorithm: %s", alg))
	}
	h.Write([]byte(str(a[0])))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnUUID is $uuid.
func fnUUID(c *call, a []any) (any, error) {
	var b [16]byte
	if r := c.ev.random; r != nil {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
	} else {
		_, _ = rand.Read(b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// fnParse is $parse.
func fnParse(c *call, a []any) (any, error) {
	if isUndef(a[0]) {
		return Undefined, nil
	}
	dec := json.NewDecoder(strings.NewReader(str(a[0])))
	dec.UseNumber()
	v, err := c.ev.decodeOrdered(dec)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err != nil {
		return nil, c.err("D3137", "message", "Unable to parse the JSON string: "+str(a[0]))
	}
	return v, nil
}

// decodeOrdered decodes one JSON value, recording the key order of its
// objects so that $string and $keys reproduce it.
func (ev *evaluator) decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := ev.decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			ev.setOrder(m, keys)
			return m, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := ev.decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, errors.New("unexpected delimiter")
	}
	return tok, nil
}
