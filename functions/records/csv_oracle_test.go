package records

// The CSV reader as it was before it worked on bytes (commit 6af0d59),
// kept as the oracle of FuzzCSVDifferential: the byte-level reader must
// give the same records and the same errors for any input.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// oracleCSV reads delimiter-separated values (RFC 4180 with a choice of
// delimiter and quote): quoted fields may hold delimiters, doubled quotes
// and newlines; lines end in LF or CRLF; a leading UTF-8 BOM is skipped;
// blank lines are skipped. Every row must have as many fields as the header.
type oracleCSV struct {
	br      *bufio.Reader
	opt     CSVOptions
	lim     Limits
	header  []string
	line    int64 // lines consumed
	row     int64
	started bool
	err     error // sticky fatal error
	fields  []string
	buf     []byte
}

// newOracleCSV returns a reader of r. The header, if any, is read by the first
// call of Next (or Header).
func newOracleCSV(r io.Reader, opt CSVOptions) *oracleCSV {
	if opt.Delimiter == 0 {
		opt.Delimiter = ','
	}
	if opt.Quote == 0 {
		opt.Quote = '"'
	}
	return &oracleCSV{br: bufio.NewReaderSize(newUTF8Reader(r), 64<<10), opt: opt, lim: opt.Limits.withDefaults()}
}

// Header returns the column names, reading the header row if needed. It
// returns io.EOF for an empty file.
func (c *oracleCSV) Header() ([]string, error) {
	if err := c.start(); err != nil {
		return nil, err
	}
	return c.header, nil
}

func (c *oracleCSV) start() error {
	if c.started {
		return c.err
	}
	c.started = true
	if len(c.opt.Columns) > 0 {
		c.header = c.opt.Columns
		return nil
	}
	line, fields, err := c.readRecord()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			err = &FormatError{Line: re.Line, Code: CodeHeader, Msg: "header: " + re.Msg}
		}
		c.err = err
		return err
	}
	seen := map[string]bool{}
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" || seen[f] {
			c.err = &FormatError{Line: line, Code: CodeHeader, Msg: fmt.Sprintf("header: column %d is empty or repeated (%q)", i+1, f)}
			return c.err
		}
		seen[f] = true
		c.header = append(c.header, f)
	}
	return nil
}

// Next returns the next row as a Record keyed by the header.
func (c *oracleCSV) Next() (Record, error) {
	if err := c.start(); err != nil {
		return Record{}, err
	}
	if c.err != nil {
		return Record{}, c.err
	}
	line, fields, err := c.readRecord()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			c.row++
			re.Row = c.row
			return Record{}, re
		}
		c.err = err
		return Record{}, err
	}
	c.row++
	if len(fields) != len(c.header) {
		return Record{}, &RowError{Line: line, Row: c.row, Code: CodeRagged,
			Msg:     fmt.Sprintf("row has %d fields, the header has %d", len(fields), len(c.header)),
			Excerpt: excerpt(strings.Join(fields, string(c.opt.Delimiter)))}
	}
	vals := make(map[string]any, len(fields))
	for i, f := range fields {
		vals[c.header[i]] = f
	}
	return Record{Line: line, Row: c.row, Values: vals}, nil
}

// readLine returns the next physical line without its line ending, or
// io.EOF.
func (c *oracleCSV) readLine() ([]byte, error) {
	c.buf = c.buf[:0]
	for {
		chunk, err := c.br.ReadSlice('\n')
		if len(c.buf)+len(chunk) > c.lim.MaxRecordBytes {
			return nil, &FormatError{Line: c.line + 1, Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", c.lim.MaxRecordBytes)}
		}
		c.buf = append(c.buf, chunk...)
		switch {
		case err == nil:
			c.line++
			b := c.buf[:len(c.buf)-1]
			return bytes.TrimSuffix(b, []byte{'\r'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(c.buf) == 0 {
				return nil, io.EOF
			}
			c.line++
			return bytes.TrimSuffix(c.buf, []byte{'\r'}), nil
		default:
			return nil, err
		}
	}
}

// readRecord parses one record, which may span lines inside quotes. It
// skips blank lines. A quoting mistake is a *RowError (the rest of the
// physical line is dropped); an unterminated quote at the end of input is a
// *FormatError.
func (c *oracleCSV) readRecord() (int64, []string, error) {
	var line []byte
	var err error
	for {
		line, err = c.readLine()
		if err != nil {
			return 0, nil, err
		}
		if c.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(line) > 0 {
			break
		}
	}
	start := c.line
	c.fields = c.fields[:0]
	d, q := c.opt.Delimiter, c.opt.Quote
	// One string per physical line; fields are substrings of it unless a
	// quoted field has doubled quotes or spans lines.
	ls := string(line)
	orig := ls
	var field []byte
	total := len(ls)
	rowErr := func(msg string) error {
		return &RowError{Line: start, Code: CodeQuote, Msg: msg, Excerpt: excerpt(orig)}
	}
	for {
		if len(c.fields) >= c.lim.MaxColumns {
			return 0, nil, &FormatError{Line: start, Code: CodeTooLarge, Msg: fmt.Sprintf("more than %d columns", c.lim.MaxColumns)}
		}
		if len(ls) == 0 || ls[0] != q {
			// Unquoted field.
			i := strings.IndexByte(ls, d)
			f := ls
			if i >= 0 {
				f = ls[:i]
			}
			if strings.IndexByte(f, q) >= 0 {
				return 0, nil, rowErr(fmt.Sprintf("quote %q inside an unquoted field", q))
			}
			c.fields = append(c.fields, f)
			if i < 0 {
				return start, c.fields, nil
			}
			ls = ls[i+1:]
			continue
		}
		// Quoted field.
		ls = ls[1:]
		var value string
		if i := strings.IndexByte(ls, q); i >= 0 && (i+1 == len(ls) || ls[i+1] != q) {
			// The common case: closed on this line, no doubled quote.
			value, ls = ls[:i], ls[i+1:]
		} else {
			field = field[:0]
			for {
				i := strings.IndexByte(ls, q)
				if i < 0 {
					// The field continues on the next line.
					field = append(field, ls...)
					field = append(field, '\n')
					next, err := c.readLine()
					if errors.Is(err, io.EOF) {
						return 0, nil, &FormatError{Line: start, Code: CodeUnterminatedQuote, Msg: "quoted field not closed before the end of the file"}
					}
					if err != nil {
						return 0, nil, err
					}
					total += len(next) + 1
					if total > c.lim.MaxRecordBytes {
						return 0, nil, &FormatError{Line: start, Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", c.lim.MaxRecordBytes)}
					}
					ls = string(next)
					continue
				}
				field = append(field, ls[:i]...)
				ls = ls[i+1:]
				if len(ls) > 0 && ls[0] == q {
					field = append(field, q)
					ls = ls[1:]
					continue
				}
				break
			}
			value = string(field)
		}
		c.fields = append(c.fields, value)
		switch {
		case len(ls) == 0:
			return start, c.fields, nil
		case ls[0] == d:
			ls = ls[1:]
		default:
			return 0, nil, rowErr(fmt.Sprintf("unexpected %q after a closing quote", ls[0]))
		}
	}
}
