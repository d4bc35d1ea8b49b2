package records

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
)

// CSVOptions configure a CSV reader.
type CSVOptions struct {
	// Delimiter separates fields. Default: ','.
	Delimiter byte
	// Quote encloses fields. Default: '"'.
	Quote byte
	// Columns names the columns of a file without header; when empty the
	// first record is the header.
	Columns []string
	// Limits bound the input.
	Limits Limits
}

// CSVReader reads delimiter-separated values (RFC 4180 with a choice of
// delimiter and quote): quoted fields may hold delimiters, doubled quotes
// and newlines; lines end in LF or CRLF; a leading UTF-8 BOM is skipped;
// blank lines are skipped. Every row must have as many fields as the header.
//
// It works on bytes: a line that lies whole in the read buffer is parsed in
// place, and a row's field values are copied once into one buffer reused
// for every row, so NextFields allocates nothing per row.
type CSVReader struct {
	br      *bufio.Reader
	u       *utf8Reader // under br
	opt     CSVOptions
	lim     Limits
	header  []string
	line    int64 // lines consumed
	row     int64
	started bool
	err     error    // sticky fatal error
	buf     []byte   // a line longer than the read buffer, assembled
	first   []byte   // the first line of a record spanning lines (for excerpts)
	rec     []byte   // the current record's field values, each followed by the delimiter
	ends    []int    // end offset in rec of each field (the offset of its delimiter)
	fields  [][]byte // the current record's fields (slices of rec)
	// mem, when memOn, is the rest of an input held in memory whose
	// lines are read in place (ResetASCII), without br.
	mem   []byte
	memOn bool
}

// NewCSV returns a reader of r. The header, if any, is read by the first
// call of Next (or Header).
func NewCSV(r io.Reader, opt CSVOptions) *CSVReader {
	if opt.Delimiter == 0 {
		opt.Delimiter = ','
	}
	if opt.Quote == 0 {
		opt.Quote = '"'
	}
	u := newUTF8Reader(r)
	return &CSVReader{br: bufio.NewReaderSize(u, 64<<10), u: u, opt: opt, lim: opt.Limits.withDefaults()}
}

// NewCSVAt returns a reader of the records of a file that continue at a
// record boundary after its first line lines, r holding the rest of the
// file from there: the file's header is header (r has none), no byte
// order mark is skipped, and lines and rows are numbered as in the whole
// file except that the rows count from 1 again. A reader that hands the
// parts of one file to several goroutines reads each part with one (Rest
// gives where the first part starts).
func NewCSVAt(r io.Reader, header []string, line int64, opt CSVOptions) *CSVReader {
	if opt.Delimiter == 0 {
		opt.Delimiter = ','
	}
	if opt.Quote == 0 {
		opt.Quote = '"'
	}
	u := &utf8Reader{r: r, line: line}
	return &CSVReader{br: bufio.NewReaderSize(u, 64<<10), u: u, opt: opt, lim: opt.Limits.withDefaults(),
		header: header, started: true, line: line}
}

// ResetAt makes c, made by NewCSVAt, read the records of r that follow
// line lines of the file, with its buffers kept: rows count from 1.
func (c *CSVReader) ResetAt(r io.Reader, line int64) {
	*c.u = utf8Reader{r: r, line: line, carry: c.u.carry[:0]}
	c.br.Reset(c.u)
	c.line, c.row, c.err = line, 0, nil
	c.mem, c.memOn = nil, false
}

// ResetASCII is ResetAt of an input held in memory whose every byte is
// ASCII (below 0x80; ASCII reports it): its lines are read where they
// lie, with no copy into a read buffer and no UTF-8 check, which ASCII
// passes. The records and errors are those ResetAt would give.
func (c *CSVReader) ResetASCII(b []byte, line int64) {
	c.line, c.row, c.err = line, 0, nil
	c.mem, c.memOn = b, true
}

// ASCII reports whether every byte of b is below 0x80, eight at a time.
func ASCII(b []byte) bool {
	var or uint64
	for ; len(b) >= 32; b = b[32:] {
		or |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
	}
	for ; len(b) >= 8; b = b[8:] {
		or |= binary.LittleEndian.Uint64(b)
	}
	for _, c := range b {
		or |= uint64(c)
	}
	return or&0x8080808080808080 == 0
}

// Options returns the reader's options with its defaults filled in
// (its limits too).
func (c *CSVReader) Options() CSVOptions {
	o := c.opt
	o.Limits = c.lim
	return o
}

// Rows returns the number of rows read so far.
func (c *CSVReader) Rows() int64 { return c.row }

// Rest hands over the rest of the file: it returns a reader of the bytes
// c has not yet parsed (those it read ahead, then the rest of its input,
// unchecked), the number of lines and rows read so far, and ok true; c is
// not to be read again. It must be called between records (after Header,
// or after a row), and ok is false (c unchanged) when c cannot hand over
// exactly: an error is pending, or an incomplete UTF-8 sequence is held
// back.
func (c *CSVReader) Rest() (rest io.Reader, line, row int64, ok bool) {
	if err := c.start(); err != nil || c.err != nil || len(c.u.carry) > 0 || c.u.err != nil && !errors.Is(c.u.err, io.EOF) {
		return nil, 0, 0, false
	}
	ahead, _ := c.br.Peek(c.br.Buffered())
	buffered := bytes.NewReader(append([]byte(nil), ahead...))
	rest = io.MultiReader(buffered, c.u.r)
	if c.u.err != nil {
		rest = buffered // the input has ended
	}
	c.err = errHandedOver
	return rest, c.line, c.row, true
}

// errHandedOver is what a CSVReader returns after Rest.
var errHandedOver = errors.New("records: the CSV reader handed the rest of its input over")

// Delimiter returns the byte that separates fields (and follows each value
// AppendRow appends).
func (c *CSVReader) Delimiter() byte { return c.opt.Delimiter }

// Header returns the column names, reading the header row if needed. It
// returns io.EOF for an empty file.
func (c *CSVReader) Header() ([]string, error) {
	if err := c.start(); err != nil {
		return nil, err
	}
	return c.header, nil
}

func (c *CSVReader) start() error {
	if c.started {
		return c.err
	}
	c.started = true
	if len(c.opt.Columns) > 0 {
		c.header = c.opt.Columns
		return nil
	}
	c.rec, c.ends = c.rec[:0], c.ends[:0]
	line, err := c.readRecord()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			err = &FormatError{Line: re.Line, Code: CodeHeader, Msg: "header: " + re.Msg}
		}
		c.err = err
		return err
	}
	seen := map[string]bool{}
	for i, fb := range c.fieldBytes() {
		f := strings.TrimSpace(string(fb))
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
func (c *CSVReader) Next() (Record, error) {
	line, row, fields, err := c.NextFields()
	if err != nil {
		return Record{}, err
	}
	// One string for the whole row; the values are substrings of it.
	all := string(c.rec)
	vals := make(map[string]any, len(fields))
	from := 0
	for i, end := range c.ends {
		vals[c.header[i]] = all[from:end]
		from = end + 1
	}
	return Record{Line: line, Row: row, Values: vals}, nil
}

// NextFields reads the next row like Next but returns its values as bytes,
// fields[i] being the value of column i of Header. fields and its slices
// are valid only until the next call. The errors are Next's.
func (c *CSVReader) NextFields() (line, row int64, fields [][]byte, err error) {
	if err := c.start(); err != nil {
		return 0, 0, nil, err
	}
	if c.err != nil {
		return 0, 0, nil, c.err
	}
	c.rec, c.ends = c.rec[:0], c.ends[:0]
	line, err = c.readRecord()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			c.row++
			re.Row = c.row
			return 0, 0, nil, re
		}
		c.err = err
		return 0, 0, nil, err
	}
	c.row++
	fields = c.fieldBytes()
	if len(fields) != len(c.header) {
		return 0, 0, nil, c.ragged(line, fields)
	}
	return line, c.row, fields, nil
}

func (c *CSVReader) ragged(line int64, fields [][]byte) *RowError {
	return &RowError{Line: line, Row: c.row, Code: CodeRagged,
		Msg:     fmt.Sprintf("row has %d fields, the header has %d", len(fields), len(c.header)),
		Excerpt: excerpt(string(bytes.Join(fields, []byte{c.opt.Delimiter})))}
}

// AppendRow reads the next row like NextFields, but appends its values to
// rec, each followed by one byte (the delimiter), and the end of each (an
// offset in rec, that of the byte after it) to ends, instead of copying
// them into the reader's own buffer: a caller that keeps many rows reads
// each straight where it keeps it. A value starts one byte after the end
// of the value before it (the first at the len(rec) given). A row without
// quotes is so appended in one copy of its line. On an error rec and ends
// come back as they were given.
func (c *CSVReader) AppendRow(rec []byte, ends []int) (line, row int64, _ []byte, _ []int, err error) {
	if err := c.start(); err != nil {
		return 0, 0, rec, ends, err
	}
	if c.err != nil {
		return 0, 0, rec, ends, c.err
	}
	ownRec, ownEnds := c.rec, c.ends
	c.rec, c.ends = rec, ends
	n0, e0 := len(rec), len(ends)
	line, err = c.readRecord()
	got, gotEnds := c.rec, c.ends
	c.rec, c.ends = ownRec, ownEnds
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			c.row++
			re.Row = c.row
			return 0, 0, rec, ends, re
		}
		c.err = err
		return 0, 0, rec, ends, err
	}
	c.row++
	if n := len(gotEnds) - e0; n != len(c.header) {
		fields := make([][]byte, 0, n)
		from := n0
		for _, end := range gotEnds[e0:] {
			fields = append(fields, got[from:end])
			from = end + 1
		}
		return 0, 0, rec, ends, c.ragged(line, fields)
	}
	return line, c.row, got, gotEnds, nil
}

// fieldBytes returns the fields of the record readRecord last read.
func (c *CSVReader) fieldBytes() [][]byte {
	c.fields = c.fields[:0]
	from := 0
	for _, end := range c.ends {
		c.fields = append(c.fields, c.rec[from:end:end])
		from = end + 1
	}
	return c.fields
}

// readLine returns the next physical line without its line ending, or
// io.EOF. The line is valid until the next read: it may lie in the read
// buffer itself.
func (c *CSVReader) readLine() ([]byte, error) {
	if c.memOn {
		return c.memLine()
	}
	chunk, err := c.br.ReadSlice('\n')
	if err == nil {
		// The common case: the whole line is in the read buffer.
		if len(chunk) > c.lim.MaxRecordBytes {
			return nil, &FormatError{Line: c.line + 1, Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", c.lim.MaxRecordBytes)}
		}
		c.line++
		return bytes.TrimSuffix(chunk[:len(chunk)-1], []byte{'\r'}), nil
	}
	c.buf = c.buf[:0]
	for {
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
			chunk, err = c.br.ReadSlice('\n')
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

// memLine is readLine of the input in mem: the same lines, and the same
// error for a line longer than the limit (its bytes, the line end
// included, are counted).
func (c *CSVReader) memLine() ([]byte, error) {
	if len(c.mem) == 0 {
		return nil, io.EOF
	}
	n := len(c.mem)
	line := c.mem
	if i := bytes.IndexByte(c.mem, '\n'); i >= 0 {
		n, line = i+1, c.mem[:i]
	}
	if n > c.lim.MaxRecordBytes {
		return nil, &FormatError{Line: c.line + 1, Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", c.lim.MaxRecordBytes)}
	}
	c.mem = c.mem[n:]
	c.line++
	return bytes.TrimSuffix(line, []byte{'\r'}), nil
}

// readRecord parses one record, which may span lines inside quotes,
// appending it to rec and ends (callers reset them). It skips blank lines. A quoting mistake is a *RowError (the
// rest of the physical line is dropped); an unterminated quote at the end
// of input is a *FormatError.
func (c *CSVReader) readRecord() (int64, error) {
	var line []byte
	var err error
	for {
		line, err = c.readLine()
		if err != nil {
			return 0, err
		}
		if c.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(line) > 0 {
			break
		}
	}
	start := c.line
	base := len(c.ends) // the record's first field (AppendRow appends)
	d, q := c.opt.Delimiter, c.opt.Quote
	if bytes.IndexByte(line, q) < 0 {
		// The common case: no quote on the line, so every delimiter
		// ends a field.
		return start, c.splitUnquoted(line, base, start)
	}
	ls := line
	orig := line // the first physical line, for excerpts (copied to first when more lines are read)
	total := len(ls)
	rowErr := func(msg string) error {
		return &RowError{Line: start, Code: CodeQuote, Msg: msg, Excerpt: excerpt(string(orig))}
	}
	for {
		if len(c.ends)-base >= c.lim.MaxColumns {
			return 0, &FormatError{Line: start, Code: CodeTooLarge, Msg: fmt.Sprintf("more than %d columns", c.lim.MaxColumns)}
		}
		if len(ls) == 0 || ls[0] != q {
			// Unquoted field.
			i := bytes.IndexByte(ls, d)
			f := ls
			if i >= 0 {
				f = ls[:i]
			}
			if bytes.IndexByte(f, q) >= 0 {
				return 0, rowErr(fmt.Sprintf("quote %q inside an unquoted field", q))
			}
			c.rec = append(c.rec, f...)
			c.ends = append(c.ends, len(c.rec))
			c.rec = append(c.rec, d)
			if i < 0 {
				return start, nil
			}
			ls = ls[i+1:]
			continue
		}
		// Quoted field.
		ls = ls[1:]
		if i := bytes.IndexByte(ls, q); i >= 0 && (i+1 == len(ls) || ls[i+1] != q) {
			// The common case: closed on this line, no doubled quote.
			c.rec = append(c.rec, ls[:i]...)
			ls = ls[i+1:]
		} else {
			for {
				i := bytes.IndexByte(ls, q)
				if i < 0 {
					// The field continues on the next line, which may
					// overwrite the read buffer this line lies in.
					c.rec = append(c.rec, ls...)
					c.rec = append(c.rec, '\n')
					if len(c.first) == 0 || &orig[0] != &c.first[0] {
						c.first = append(c.first[:0], orig...)
						orig = c.first
					}
					next, err := c.readLine()
					if errors.Is(err, io.EOF) {
						return 0, &FormatError{Line: start, Code: CodeUnterminatedQuote, Msg: "quoted field not closed before the end of the file"}
					}
					if err != nil {
						return 0, err
					}
					total += len(next) + 1
					if total > c.lim.MaxRecordBytes {
						return 0, &FormatError{Line: start, Code: CodeTooLarge, Msg: fmt.Sprintf("record longer than %d bytes", c.lim.MaxRecordBytes)}
					}
					ls = next
					continue
				}
				c.rec = append(c.rec, ls[:i]...)
				ls = ls[i+1:]
				if len(ls) > 0 && ls[0] == q {
					c.rec = append(c.rec, q)
					ls = ls[1:]
					continue
				}
				break
			}
		}
		c.ends = append(c.ends, len(c.rec))
		c.rec = append(c.rec, d)
		switch {
		case len(ls) == 0:
			return start, nil
		case ls[0] == d:
			ls = ls[1:]
		default:
			return 0, rowErr(fmt.Sprintf("unexpected %q after a closing quote", ls[0]))
		}
	}
}

// splitUnquoted appends the fields of a line that holds no quote: the
// line is copied once, with the delimiter after it, and the delimiters
// are found eight bytes at a time, instead of one scan and one copy a
// field.
func (c *CSVReader) splitUnquoted(line []byte, base int, start int64) error {
	const (
		ones = 0x0101010101010101
		lows = 0x7F7F7F7F7F7F7F7F
	)
	d := c.opt.Delimiter
	dd := uint64(d) * ones
	at := len(c.rec)
	c.rec = append(c.rec, line...)
	c.rec = append(c.rec, d)
	field := func(end int) error {
		if len(c.ends)-base >= c.lim.MaxColumns {
			return &FormatError{Line: start, Code: CodeTooLarge, Msg: fmt.Sprintf("more than %d columns", c.lim.MaxColumns)}
		}
		c.ends = append(c.ends, at+end)
		return nil
	}
	i := 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ dd
		// The high bit of each byte of x that is zero, exactly (no carry
		// crosses a byte: (b & 0x7F) + 0x7F <= 0xFE).
		m := ^((x&lows + lows) | x | lows)
		for ; m != 0; m &= m - 1 {
			if err := field(i + bits.TrailingZeros64(m)/8); err != nil {
				return err
			}
		}
	}
	for ; i < len(line); i++ {
		if line[i] == d {
			if err := field(i); err != nil {
				return err
			}
		}
	}
	return field(len(line))
}

func excerpt(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
