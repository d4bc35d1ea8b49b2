package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// Key encoding. Each component is escaped (0x00 becomes 0x00 0xff) and
// terminated by 0x00 0x01, so no encoded component is a prefix of another
// and a partition's items are contiguous.
func appendEscaped(dst []byte, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			dst = append(dst, 0, 0xff)
		} else {
			dst = append(dst, c)
		}
	}
	return append(dst, 0, 1)
}

// tableBounds returns the key range of a table's items.
func tableBounds(table string) (lo, hi []byte) {
	lo = appendEscaped([]byte{itemPrefix}, []byte(table))
	hi = append(append([]byte(nil), lo[:len(lo)-1]...), 2)
	return lo, hi
}

// prefixEnd returns the least key greater than every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// keyAttr is one key attribute as it comes on the wire.
type keyAttr struct {
	S *string `json:"S"`
	N *string `json:"N"`
	B []byte  `json:"B"`
}

// appendValue appends the encoding of a key attribute: its type, then its
// canonical bytes (numbers as exact rationals, so 1, 1.0 and 10E-1 are one
// key, as in DynamoDB).
func appendValue(dst []byte, raw json.RawMessage) ([]byte, error) {
	var v keyAttr
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch {
	case v.S != nil:
		return appendEscaped(append(dst, 'S'), []byte(*v.S)), nil
	case v.N != nil:
		r, ok := new(big.Rat).SetString(*v.N)
		if !ok {
			return nil, fmt.Errorf("%q is not a number", *v.N)
		}
		return appendEscaped(append(dst, 'N'), []byte(r.RatString())), nil
	case v.B != nil:
		return appendEscaped(append(dst, 'B'), v.B), nil
	}
	return nil, errors.New("a key attribute must be of type S, N or B")
}

// key returns the storage key of an item (or key) of t, and the key
// attributes alone as DynamoDB JSON.
func (t *tableDef) key(raw json.RawMessage) ([]byte, map[string]json.RawMessage, error) {
	var item map[string]json.RawMessage
	if err := json.Unmarshal(raw, &item); err != nil {
		return nil, nil, err
	}
	return t.keyOf(item)
}

func (t *tableDef) keyOf(item map[string]json.RawMessage) ([]byte, map[string]json.RawMessage, error) {
	k, _ := tableBounds(t.Name)
	attrs := map[string]json.RawMessage{}
	for _, name := range []string{t.Hash, t.Range} {
		if name == "" {
			continue
		}
		v, ok := item[name]
		if !ok {
			return nil, nil, fmt.Errorf("missing key attribute %s", name)
		}
		var err error
		if k, err = appendValue(k, v); err != nil {
			return nil, nil, fmt.Errorf("key attribute %s: %w", name, err)
		}
		attrs[name] = v
	}
	return k, attrs, nil
}

// partition returns the key prefix of the items whose hash key is v.
func (t *tableDef) partition(v json.RawMessage) ([]byte, error) {
	k, _ := tableBounds(t.Name)
	return appendValue(k, v)
}
