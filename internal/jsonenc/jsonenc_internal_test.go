package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func stdCompact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// FuzzAppendValue checks the fast encoder against encoding/json on every
// document that decodes (with UseNumber, as the engine holds values).
func FuzzAppendValue(f *testing.F) {
	for _, s := range []string{`{"b":[1,2.5e3,"x\u2028"],"a":null,"<":">&"}`, `"\u0001\t\"\\"`, `[true,false,{}]`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 4096 {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(doc))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		got, ok := AppendValue(nil, v)
		if !ok {
			t.Fatalf("canonical value rejected: %s", doc)
		}
		if want := stdCompact(v); string(got) != want {
			t.Fatalf("AppendValue = %s, encoding/json = %s", got, want)
		}
	})
}

func TestAppendValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		v      any
		want   string
		wantOK bool
	}{
		{"nested", map[string]any{"b": []any{json.Number("1"), "x<"}, "a": nil, "c": true}, `{"a":null,"b":[1,"x<"],"c":true}`, true},
		{"empty number", json.Number(""), `0`, true},
		{"bad number", json.Number("1x"), ``, false},
		{"other type", int64(1), ``, false},
		{"other type inside", []any{int64(1)}, ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := AppendValue(nil, tt.v)
			if ok != tt.wantOK {
				t.Fatalf("AppendValue ok = %v, want %v", ok, tt.wantOK)
			}
			if ok {
				if diff := cmp.Diff(tt.want, string(got)); diff != "" {
					t.Errorf("AppendValue (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		v       any
		want    string
		wantErr bool
	}{
		{"canonical", map[string]any{"k": "<&>"}, `{"k":"<&>"}`, false},
		{"fallback", map[string]any{"n": int64(3), "s": []string{"a<"}}, `{"n":3,"s":["a<"]}`, false},
		{"bad number", json.Number("1x"), ``, true},
		{"unsupported", func() {}, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Marshal(tt.v)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Marshal error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Marshal (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzValidNumber(f *testing.F) {
	for _, s := range []string{"0", "-1.5e+10", "01", "1.", ".5", "1e", "-", "12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := json.Valid([]byte(s)) && strings.TrimSpace(s) == s && len(s) > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
		if got := ValidNumber(s); got != want {
			t.Fatalf("ValidNumber(%q) = %v, json.Valid says %v", s, got, want)
		}
	})
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "tab\tnew\nline", "quote\"back\\", "\x00\x1f\b\f\r", "é\u2028\u2029", "bad\xffutf8", "<html>&"} {
		got := string(AppendString([]byte("x"), s))
		if diff := cmp.Diff("x"+stdCompact(s), got); diff != "" {
			t.Errorf("AppendString(%q) (-want +got):\n%s", s, diff)
		}
	}
}

// FuzzAppendString checks AppendString against encoding/json.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a\u2028b", "\x01\t\"\\", "\xff\xfe", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), stdCompact(s); got != want {
			t.Fatalf("AppendString(%q) = %s, encoding/json = %s", s, got, want)
		}
	})
}

// FuzzAppendStringHTML checks AppendStringHTML against json.Marshal.
func FuzzAppendStringHTML(f *testing.F) {
	for _, s := range []string{"a\u2028b", "\x01\t\"\\", "\xff\xfe", "<>&", "a<b>c&d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendStringHTML(nil, s); string(got) != string(want) {
			t.Fatalf("AppendStringHTML(%q) = %s, json.Marshal = %s", s, got, want)
		}
	})
}

func TestAppendStringMinimal(t *testing.T) {
	tests := []struct {
		in    string
		upper bool
		want  string
	}{
		{"plain <&>", false, `"plain <&>"`},
		{"q\"b\\n\n\t\x01", false, `"q\"b\\n\n\t\u0001"`},
		{"\x1f", true, `"\u001F"`},
		{"\x1f", false, `"\u001f"`},
		{"ls\u2028", false, "\"ls\u2028\""},
		{"bad\xff", false, "\"bad\ufffd\""},
	}
	for _, tt := range tests {
		if got := string(AppendStringMinimal(nil, tt.in, tt.upper)); got != tt.want {
			t.Errorf("AppendStringMinimal(%q, %v) = %s, want %s", tt.in, tt.upper, got, tt.want)
		}
	}
}
