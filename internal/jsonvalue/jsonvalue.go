package jsonvalue

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// EqualFunc reports whether a and b have the same structure and leaf
// accepts every pair of corresponding values below it. Where a is an
// object, b must be an object with exactly the same keys; where a is an
// array, b must be an array of the same length; anywhere else leaf(a, b)
// decides, whatever b is.
func EqualFunc(a, b any, leaf func(a, b any) bool) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !EqualFunc(v, w, leaf) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !EqualFunc(a[i], bl[i], leaf) {
				return false
			}
		}
		return true
	}
	return leaf(a, b)
}

// Equal reports whether a and b are equal JSON values: null, booleans and
// strings by value, numbers by numberEqual, objects regardless of key
// order, arrays element by element. A value of any other type equals
// nothing.
func Equal(a, b any, numberEqual func(a, b json.Number) bool) bool {
	return EqualFunc(a, b, func(a, b any) bool {
		switch a := a.(type) {
		case nil:
			return b == nil
		case bool:
			bb, ok := b.(bool)
			return ok && a == bb
		case string:
			bs, ok := b.(string)
			return ok && a == bs
		case json.Number:
			bn, ok := b.(json.Number)
			return ok && numberEqual(a, bn)
		}
		return false
	})
}

// WriteJava writes v to b as Java's toString prints the collections
// Jackson decodes JSON into: strings bare, null as "null", arrays as
// "[a, b]", objects as "{k=v, k2=v2}" with the keys sorted. number renders
// a json.Number (nil: as written) and other renders a value of any other
// type (nil: fmt.Sprint).
func WriteJava(b *strings.Builder, v any, number func(json.Number) string, other func(any) string) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.WriteString(v)
	case json.Number:
		if number == nil {
			b.WriteString(string(v))
		} else {
			b.WriteString(number(v))
		}
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			WriteJava(b, e, number, other)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range SortedKeys(v) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			WriteJava(b, v[k], number, other)
		}
		b.WriteByte('}')
	default:
		if other == nil {
			fmt.Fprint(b, v)
		} else {
			b.WriteString(other(v))
		}
	}
}

// SortedKeys returns the keys of the object m in ascending byte order, the
// order in which Sluice walks and prints objects so that results and
// messages are deterministic.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// UnionKeys returns the keys found in a, b or both, in ascending byte
// order: the fields a diff of two objects visits.
func UnionKeys(a, b map[string]any) []string {
	keys := make([]string, 0, max(len(a), len(b)))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
