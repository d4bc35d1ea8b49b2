package jsontest

import (
	"encoding/json"
	"strings"
	"testing"
)

// Decode decodes the JSON text s with json.Decoder.UseNumber, failing the
// test when s is not JSON.
func Decode(tb testing.TB, s string) any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode %q: %v", s, err)
	}
	return v
}
