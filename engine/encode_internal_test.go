package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func stdCompact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// FuzzAppendJSON checks the fast encoder against encoding/json on every
// document that decodes.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{`{"b":[1,2.5e3,"x\u2028"],"a":null,"<":">&"}`, `"\u0001\t\"\\"`, `[true,false,{}]`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		v, err := decodeJSON(doc)
		if err != nil {
			return
		}
		got, ok := appendJSON(nil, v)
		if !ok {
			t.Fatalf("canonical value rejected: %s", doc)
		}
		if want := stdCompact(v); string(got) != want {
			t.Fatalf("appendJSON = %s, encoding/json = %s", got, want)
		}
	})
}

func TestAppendJSONStrings(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", "tab\tnew\nline", "quote\"back\\", "\x00\x1f", "é\u2028\u2029", "bad\xffutf8", "<html>&"} {
		got, _ := appendJSON(nil, s)
		if want := stdCompact(s); string(got) != want {
			t.Errorf("appendJSON(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzValidNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5e+10", "01", "1.", ".5", "1e", "-", "12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := json.Valid([]byte(s)) && strings.TrimSpace(s) == s && len(s) > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
		if got := validNumber(s); got != want {
			t.Fatalf("validNumber(%q) = %v, json.Valid says %v", s, got, want)
		}
	})
}
