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

// TestPutPiece: putPiece writes what append would, from pieces with and
// without room past their end, at every length up to 40 and every offset
// in a destination with the room it needs, leaving what lies before the
// offset alone.
func TestPutPiece(t *testing.T) {
	src := make([]byte, 64)
	for i := range src {
		src[i] = byte('a' + i%26)
	}
	for n := 0; n <= 40; n++ {
		for _, room := range []bool{true, false} {
			s := src[:n:n]
			if room {
				s = src[: n : n+pieceSlack]
			}
			for off := range 20 {
				d := bytes.Repeat([]byte{'.'}, off+n+pieceSlack)
				want := append(bytes.Repeat([]byte{'.'}, off), s...)
				if end := putPiece(d, off, s); end != off+n || !bytes.Equal(d[:end], want) {
					t.Fatalf("putPiece(len %d, room %v, at %d) = %d %q, want %d %q", n, room, off, end, d[:end], off+n, want)
				}
			}
		}
	}
	// Without the room past the piece, the 16-byte copies are refused
	// (the unsafe copies rely on that check).
	for n := range 20 {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("putPiece of %d bytes with %d bytes of room did not panic", n, pieceSlack-1)
				}
			}()
			putPiece(make([]byte, 3+n+pieceSlack-1), 3, src[:n:n+pieceSlack])
		}()
	}
}
