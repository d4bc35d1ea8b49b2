package jsonenc

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"
)

// The scanning functions below serve fast paths that read JSON without
// reflection (the loader's records, the embedded table's requests). They
// find where a token ends and whether it needs decoding; anything unusual
// is left to encoding/json (Unquote), so that the fast paths decode exactly
// as encoding/json does.

// SkipSpace returns the index of the first byte of b at or after i that is
// not JSON white space (len(b) if there is none).
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// ScanString scans the JSON string token that starts at b[i], which must
// be '"'. It returns the index just past the closing quote (-1 if the
// string does not end) and whether the string is plain: no escapes, no
// control characters and valid UTF-8, so that the bytes between the
// quotes are its value. A string that is not plain may still be valid:
// decode it with Unquote.
func ScanString(b []byte, i int) (end int, plain bool) {
	plain = true
	ascii := true
	for j := i + 1; j < len(b); j++ {
		// Eight bytes at a time to the next byte that needs a look:
		// most strings are printable ASCII.
		for j+8 <= len(b) {
			if m := special(binary.LittleEndian.Uint64(b[j:])); m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		if j >= len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			if !ascii && plain {
				plain = utf8.Valid(b[i+1 : j])
			}
			return j + 1, plain
		case c == '\\':
			plain = false
			j++ // the escaped byte; \uXXXX's digits cannot be a quote
		case c < 0x20:
			plain = false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return -1, false
}

// Repeated bytes for special.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special returns a mask whose lowest set bit is the high bit of the
// first (lowest) byte of w that is a quote, a backslash, a control
// character or not ASCII; 0 if there is none. It uses the classic test
// for a zero byte in a word, (x-ones)&^x&highs, whose lowest set bit is
// exact (a borrow can only mark bytes above a zero byte): on
// x = w^(ones*'"') for a quote, on x = w^(ones*'\\') for a backslash;
// (w-ones*0x20)&^w&highs is the same test for a byte below 0x20, and
// w&highs marks the bytes from 0x80.
func special(w uint64) uint64 {
	q := w ^ (ones * '"')
	s := w ^ (ones * '\\')
	return ((q-ones)&^q | (s-ones)&^s | (w-ones*0x20)&^w | w) & highs
}

// ScanNumber returns the index just past the JSON number that starts at
// b[i], or -1 if no valid number starts there.
func ScanNumber(b []byte, i int) int {
	j := i
	for j < len(b) {
		c := b[j]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			j++
			continue
		}
		break
	}
	if j == i || !validNumber(b[i:j]) {
		return -1
	}
	return j
}

// Unquote decodes a JSON string token (quotes included) exactly as
// encoding/json does: escapes resolved, invalid UTF-8 and lone surrogates
// replaced by U+FFFD. It reports false for a token that is not a valid
// JSON string. A plain string (ScanString) is its bytes between the quotes,
// converted without decoding.
func Unquote(tok []byte) (string, bool) {
	if len(tok) >= 2 && tok[0] == '"' {
		if end, plain := ScanString(tok, 0); end == len(tok) && plain {
			return string(tok[1 : len(tok)-1]), true
		}
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		return "", false
	}
	return s, true
}

// PlainASCII reports whether AppendString and encoding/json (HTML escaping
// on) both write s as it is between quotes: printable ASCII without '"',
// '\\', '<', '>' or '&'.
func PlainASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
