package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sync"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// decodeJSON decodes b the way every run-time value is held: UseNumber.
func decodeJSON(b []byte) (any, error) { return jsonenc.Decode(b) }

// DecodeJSON decodes a JSON document into the engine's value representation:
// nil, bool, json.Number, string, []any and map[string]any.
func DecodeJSON(b []byte) (any, error) { return decodeJSON(b) }

// Normalize converts any Go value (a handler's result struct, say) into the
// engine's value representation (nil, bool, json.Number, string, []any,
// map[string]any), round-tripping through JSON only when needed.
func Normalize(v any) (any, error) { return normalize(v) }

// compactBufs are the scratch buffers of compact: the string it returns is
// its only allocation for a canonical value.
var compactBufs = sync.Pool{New: func() any { return new([]byte) }}

// compactLen is len(compact(v)) without the string.
func compactLen(v any) int {
	bp := compactBufs.Get().(*[]byte)
	b, ok := jsonenc.AppendValue((*bp)[:0], v)
	if !ok {
		return len(compact(v))
	}
	if cap(b) <= 64<<10 {
		*bp = b
		compactBufs.Put(bp)
	}
	return len(b)
}

// compact encodes v as compact JSON without HTML escaping, as AWS prints
// payloads.
func compact(v any) string {
	bp := compactBufs.Get().(*[]byte)
	b, ok := jsonenc.AppendValue((*bp)[:0], v)
	if ok {
		s := string(b)
		if cap(b) <= 64<<10 {
			*bp = b
			compactBufs.Put(bp)
		}
		return s
	}
	b, err := jsonenc.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// normalize converts any Go value an Invoker returns into the canonical
// representation, round-tripping through JSON only when needed.
func normalize(v any) (any, error) {
	if canonical(v) {
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

func canonical(v any) bool {
	switch t := v.(type) {
	case nil, bool, json.Number, string:
		return true
	case []any:
		for _, e := range t {
			if !canonical(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range t {
			if !canonical(e) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonType names v's JSON type as AWS's messages do.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64, int, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// number returns v as a float64 when it is a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			r, ok := new(big.Float).SetString(string(n))
			if !ok {
				return 0, false
			}
			f, _ = r.Float64()
		}
		return f, true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// integer returns v as an int64 when it is an integral JSON number.
func integer(v any) (int64, bool) {
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if n, isNum := v.(json.Number); isNum {
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	return int64(f), true
}

// numberValue makes a json.Number from an int.
func intValue(i int64) json.Number { return json.Number(fmt.Sprint(i)) }
