package jsonenc

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

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
		// encoding/json decides: ScanString's plain, and Unquote (whose
		// fast path trusts plain) must agree with it.
		var want string
		wantOK := json.Unmarshal(b[:end], &want) == nil
		if plain && (!wantOK || want != string(b[1:end-1])) {
			t.Fatalf("ScanString(%q): plain, but encoding/json decodes %q (ok %v)", b, want, wantOK)
		}
		if s, ok := Unquote(b[:end]); ok != wantOK || s != want {
			t.Fatalf("Unquote(%q) = %q, %v; encoding/json: %q, %v", b[:end], s, ok, want, wantOK)
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

// scanStringBytes is ScanString one byte at a time: the reference the
// word-at-a-time scan must agree with.
func scanStringBytes(b []byte, i int) (end int, plain bool) {
	plain = true
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && plain {
				plain = utf8.Valid(b[i+1 : j])
			}
			return j + 1, plain
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			plain = false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return -1, false
}

// FuzzScanStringWords checks ScanString against the byte-at-a-time scan
// from every starting quote of the input.
func FuzzScanStringWords(f *testing.F) {
	for _, s := range []string{
		`"abcdefghijklmnopqrstuvwxyz"`, `"abcdefgh\"ijklmnop"`, `"abcdefg\\"`, "\"abcdefgh\x1fijkl\"",
		"\"abcdefghé\"", "\"abcdefgh\xffijklmnop\"", `"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:2026"`,
		`"abcdefgh`, `"abcdefg\`, `"~~~~~~~~ !#$%&'()*+,-./"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := range b {
			if b[i] != '"' {
				continue
			}
			end, plain := ScanString(b, i)
			wantEnd, wantPlain := scanStringBytes(b, i)
			if end != wantEnd || plain != wantPlain {
				t.Fatalf("ScanString(%q, %d) = %d, %v; byte by byte %d, %v", b, i, end, plain, wantEnd, wantPlain)
			}
		}
	})
}

// BenchmarkScanString scans the string values of a staged order record,
// word by word (ScanString) and byte by byte (the reference).
func BenchmarkScanString(b *testing.B) {
	strs := [][]byte{
		[]byte(`"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:20261207T042409.482534-4b5d8789",`),
		[]byte(`"2026-12-07T04:24:09.490Z",`), []byte(`"incoming/orders/o5.csv",`), []byte(`"v0000000000000000004",`),
		[]byte(`"EUR","customer_id":`), []byte(`"C002","customer_missing":`), []byte(`"Babbage, Charles",`), []byte(`"2026-02-02",`),
		[]byte(`"ORD-00000001",`), []byte(`"ORDER#ORD-00000001",`), []byte(`"RETAIL","sk":`), []byte(`"ORDER","sku":`),
		[]byte(`"SKU-0001","status":`), []byte(`"SHIPPED","total":`),
	}
	n := 0
	for _, s := range strs {
		n += bytes.IndexByte(s[1:], '"') + 2
	}
	for _, scan := range []struct {
		name string
		fn   func([]byte, int) (int, bool)
	}{{"words", ScanString}, {"bytes", scanStringBytes}} {
		b.Run(scan.name, func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				for _, s := range strs {
					if end, plain := scan.fn(s, 0); end < 0 || !plain {
						b.Fatal(string(s))
					}
				}
			}
		})
	}
}
