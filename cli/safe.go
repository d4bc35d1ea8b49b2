package cli

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// File names come from users and from the bucket: a name may hold escape
// sequences (ESC [ ... that recolour or clear a terminal, or rewrite the
// line before it), other control characters, bidirectional overrides or
// invalid UTF-8. The CLI never prints them raw.

// quoteName returns a file name (or S3 key) for printing: as it is when
// every character is printable, otherwise quoted and escaped as
// strconv.Quote does ("orders\x1b[2J.csv" is printed with its quotes and
// the escape spelled out), so that names that look alike are told apart.
func quoteName(s string) string {
	if printable(s) && !strings.ContainsAny(s, "\n\t") {
		return s
	}
	return strconv.Quote(s)
}

// sanitize returns a message for printing with each character that is not
// printable (or each byte of invalid UTF-8) escaped as strconv.Quote
// escapes it, leaving the rest as it is. Messages carry file names from
// errors and causes that quoteName cannot reach.
func sanitize(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case printableRune(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// printable reports whether s is valid UTF-8 of printable characters
// (line breaks and tabs included: messages span lines).
func printable(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !printableRune(r) {
			return false
		}
		i += n
	}
	return true
}

func printableRune(r rune) bool {
	return r == '\n' || r == '\t' || strconv.IsPrint(r) && !unicode.Is(unicode.Bidi_Control, r)
}
