package dataset

import (
	"bytes"
	"testing"
)

// plainOracle is PlainText byte by byte.
func plainOracle(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7E || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// TestPlainText puts every byte value at every position of words and
// tails (lengths 1 to 24), alone and after a byte that makes the
// eight-byte tests carry or borrow.
func TestPlainText(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for c := range 256 {
				for _, prev := range []int{-1, 0x00, 0x1F, 0x7F, 0xFF} {
					b := bytes.Repeat([]byte{'a'}, n)
					b[pos] = byte(c)
					if prev >= 0 && pos > 0 {
						b[pos-1] = byte(prev)
					}
					if got, want := PlainText(b), plainOracle(b); got != want {
						t.Fatalf("PlainText(%q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
	if !PlainText(nil) {
		t.Error("PlainText(nil) = false, want true")
	}
}

// FuzzPlainText: PlainText agrees with the byte-by-byte test.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "ORD-00000001C0022026-02-02", "a\"b", "é", "abcdefg\x7f", "abcdefgh\\", "\x1f\xff~~~~~~~~"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := PlainText(b), plainOracle(b); got != want {
			t.Fatalf("PlainText(%q) = %v, want %v", b, got, want)
		}
	})
}
