package jsonenc

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScanString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantEnd   int
		wantPlain bool
	}{
		{"plain", `"abc",`, 5, true},
		{"empty", `""`, 2, true},
		{"escaped quote", `"a\"b"x`, 6, false},
		{"escaped backslash at end", `"a\\"`, 5, false},
		{"unicode escape", `"\u00e9"`, 8, false},
		{"utf-8", "\"é\"", 4, true},
		{"invalid utf-8", "\"\xff\"", 3, false},
		{"control character", "\"a\tb\"", 5, false},
		{"unterminated", `"abc`, -1, false},
		{"unterminated after escape", `"ab\"`, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			end, plain := ScanString([]byte(tt.in), 0)
			if diff := cmp.Diff([2]any{tt.wantEnd, tt.wantPlain}, [2]any{end, plain}); diff != "" {
				t.Errorf("ScanString(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// FuzzScanString checks ScanString against encoding/json: a plain string's
// bytes are its value, and the end is where the token encoding/json
// decodes ends.
func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, "\"\xff\"", `"\ud800"`, "\"\x01\"", `"é"`, `"a\\"b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != '"' {
			return
		}
		end, plain := ScanString(b, 0)
		if end < 0 {
			if json.Valid(b) {
				t.Fatalf("ScanString(%q) found no end of a valid string", b)
			}
			return
		}
		s, ok := Unquote(b[:end])
		if plain && (!ok || s != string(b[1:end-1])) {
			t.Fatalf("ScanString(%q): plain, but encoding/json decodes %q (ok %v)", b, s, ok)
		}
		if json.Valid(b) && end != len(bytes.TrimRight(b, " \t\r\n")) {
			t.Fatalf("ScanString(%q) = %d, want the whole token", b, end)
		}
	})
}

func TestScanNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"12,": 2, "-1.5e+3}": 7, "0": 1, "01": -1, "-": -1, "1.": -1, "x": -1, "2 ": 1} {
		if got := ScanNumber([]byte(in), 0); got != want {
			t.Errorf("ScanNumber(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestPlainASCII(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"": true, "plain text 1.5": true, "quote\"": false, "back\\": false, "<": false, ">": false, "&": false, "tab\t": false, "é": false, "\x7f": false} {
		if got := PlainASCII(s); got != want {
			t.Errorf("PlainASCII(%q) = %v, want %v", s, got, want)
		}
		if !want {
			continue
		}
		// What PlainASCII vouches for: both encoders write it as it is.
		b, _ := json.Marshal(s)
		if got := string(AppendString(nil, s)); got != `"`+s+`"` || string(b) != got {
			t.Errorf("PlainASCII(%q): AppendString %s, encoding/json %s", s, got, b)
		}
	}
}
