package records

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Record is one record read from a file.
type Record struct {
	// Line is the 1-based line of the file where the record starts.
	Line int64
	// Row is the 1-based index of the record among the file's records
	// (a CSV header is not a row).
	Row int64
	// Values maps input column (CSV header, JSON property, XML child
	// element, or XML attribute as "@name") to value: strings for CSV; for
	// XML strings, maps and lists as XMLReader describes; decoded JSON
	// values (json.Number for numbers) for JSON.
	Values map[string]any
}

// Reader yields records one at a time.
type Reader interface {
	// Next returns the next record; a *RowError for a bad record (call Next
	// again to continue); a *FormatError when reading cannot go on; io.EOF
	// at the end.
	Next() (Record, error)
}

// Error codes of FormatError and RowError. They are stable: reports and
// tests match on them.
const (
	CodeUTF8              = "invalid_utf8"
	CodeHeader            = "bad_header"
	CodeRagged            = "ragged_row"
	CodeQuote             = "bad_quote"
	CodeUnterminatedQuote = "unterminated_quote"
	CodeTooLarge          = "record_too_large"
	CodeJSONSyntax        = "json_syntax"
	CodeJSONDepth         = "json_too_deep"
	CodeNotObject         = "not_an_object"
	CodeDuplicateName     = "duplicate_name"
	CodeXMLSyntax         = "xml_syntax"
	CodeXMLDTD            = "xml_dtd"
	CodeXMLDepth          = "xml_too_deep"
	CodeGzip              = "gzip"
	CodeGzipRatio         = "gzip_ratio"
)

// FormatError reports a file that cannot be read further.
type FormatError struct {
	// Line is where the problem was found (0 when unknown).
	Line int64
	// Code is a stable identifier (the Code* constants).
	Code string
	// Msg explains.
	Msg string
}

func (e *FormatError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// RowError reports one bad record; the reader can continue.
type RowError struct {
	// Line and Row locate the record.
	Line, Row int64
	// Code is a stable identifier (the Code* constants).
	Code string
	// Msg explains.
	Msg string
	// Excerpt is the start of the offending text, if any.
	Excerpt string
	// Column is the input column (JSON property) concerned, if one is.
	Column string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("line %d (row %d): %s", e.Line, e.Row, e.Msg)
}

// Limits bound what a reader accepts. The zero value means the defaults.
type Limits struct {
	// MaxRecordBytes caps the encoded size of one record (and of a CSV
	// header). Default: 1 MiB.
	MaxRecordBytes int
	// MaxDepth caps JSON and XML nesting inside a record. Default: 32.
	MaxDepth int
	// MaxColumns caps the number of CSV columns. Default: 1024.
	MaxColumns int
}

func (l Limits) withDefaults() Limits {
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = 1 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 32
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = 1024
	}
	return l
}

var newline = []byte{'\n'}

// utf8Reader fails with a *FormatError at the first invalid UTF-8
// sequence, carrying an incomplete trailing sequence over to the next read.
type utf8Reader struct {
	r     io.Reader
	carry []byte // bytes of an incomplete sequence, not yet returned
	line  int64  // newlines returned so far
	err   error
}

// newUTF8Reader returns a validating reader of r that also drops a leading
// UTF-8 byte order mark.
func newUTF8Reader(r io.Reader) *utf8Reader { return &utf8Reader{r: &bomSkipper{r: r}} }

// bomSkipper drops a UTF-8 byte order mark at the start of the stream.
type bomSkipper struct {
	r    io.Reader
	head []byte // bytes read while looking for the mark, not yet returned
	done bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if !b.done {
		b.done = true
		var buf [3]byte
		n, err := io.ReadFull(b.r, buf[:])
		b.head = buf[:n]
		if n == 3 && string(b.head) == "\uFEFF" {
			b.head = nil
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return 0, err
		}
	}
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	return b.r.Read(p)
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	if u.err != nil && len(u.carry) == 0 {
		return 0, u.err
	}
	if len(p) < utf8.UTFMax+1 {
		return 0, io.ErrShortBuffer
	}
	n := copy(p, u.carry)
	u.carry = u.carry[:0]
	if u.err == nil {
		m, err := u.r.Read(p[n:])
		n += m
		u.err = err
	}
	// Hold back an incomplete sequence at the end unless the input ended.
	end := n
	if u.err == nil {
		for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
			if utf8.RuneStart(p[i]) {
				if !utf8.FullRune(p[i:n]) {
					end = i
				}
				break
			}
		}
	}
	for i := 0; i < end; {
		// Eight ASCII bytes at a time: most text is.
		for i+8 <= end && binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 == 0 {
			i += 8
		}
		if i >= end {
			break
		}
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:end])
		if r == utf8.RuneError && size <= 1 {
			u.err = &FormatError{Line: u.line + int64(bytes.Count(p[:i], newline)) + 1, Code: CodeUTF8, Msg: "invalid UTF-8"}
			u.carry = nil
			return i, nil
		}
		i += size
	}
	u.line += int64(bytes.Count(p[:end], newline))
	u.carry = append(u.carry, p[end:n]...)
	if end == 0 && n > 0 && u.err == nil {
		// Only an incomplete sequence so far: read more before returning.
		return u.Read(p)
	}
	if end < n || u.err == nil {
		return end, nil
	}
	return end, u.err
}

// String renders the record's values for debugging.
func (r Record) String() string { return fmt.Sprintf("line %d row %d %v", r.Line, r.Row, r.Values) }
