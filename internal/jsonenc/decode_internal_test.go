package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stdDecode decodes doc as the engine did before DecodeValue: a Decoder
// with UseNumber, and nothing but white space after the value.
func stdDecode(doc []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err == nil || !json.Valid(doc) {
		return nil, false
	}
	return v, true
}

// FuzzDecodeValue checks DecodeValue against encoding/json: it accepts
// exactly the valid documents and decodes them to the same value.
func FuzzDecodeValue(f *testing.F) {
	for _, s := range []string{
		`{"b":[1,2.5e3,"x\u2028"],"a":null,"<":">&","a":{}}`, `"\u0001\t\"\\"`, ` [true,false,{},[]] `,
		"\"\xff\"", `"\ud800"`, `-0.5E+7`, `01`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `1 2`, `{} }`, ``, `nul`, "\"a\tb\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		want, wantOK := stdDecode(doc)
		got, ok := DecodeValue(doc)
		if ok != wantOK {
			t.Fatalf("DecodeValue(%q) ok = %v, encoding/json %v", doc, ok, wantOK)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("DecodeValue(%q) (-encoding/json +DecodeValue):\n%s", doc, diff)
		}
	})
}

func TestDecodeValueDepth(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{maxDecodeDepth, maxDecodeDepth + 1} {
		doc := []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		_, wantOK := stdDecode(doc)
		if _, ok := DecodeValue(doc); ok != wantOK {
			t.Errorf("depth %d: DecodeValue ok = %v, encoding/json %v", depth, ok, wantOK)
		}
	}
	if _, ok := DecodeValue([]byte(strings.Repeat("[", maxDecodeDepth) + strings.Repeat("]", maxDecodeDepth))); !ok {
		t.Errorf("depth %d rejected", maxDecodeDepth)
	}
}

// TestDecode: Decode gives DecodeValue's value for a valid document, and
// encoding/json's error for an invalid one (DecodeValue declines both a
// syntax error and data after the value).
func TestDecode(t *testing.T) {
	t.Parallel()
	v, err := Decode([]byte(` {"a":[1,"x",null]} `))
	if want := map[string]any{"a": []any{json.Number("1"), "x", nil}}; err != nil || !cmp.Equal(v, want) {
		t.Errorf("Decode = %#v, %v; want %#v", v, err, want)
	}
	var want any
	wantErr := json.Unmarshal([]byte(`{"a":}`), &want)
	if _, err := Decode([]byte(`{"a":}`)); err == nil || err.Error() != wantErr.Error() {
		t.Errorf("Decode of a syntax error = %v, want encoding/json's %v", err, wantErr)
	}
	if _, err := Decode([]byte(`{} {}`)); err == nil || !strings.Contains(err.Error(), "after the JSON value") {
		t.Errorf("Decode of two values = %v, want an error for the data after the first", err)
	}
}
