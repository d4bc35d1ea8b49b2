package records

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// JSONReader streams a JSON array of objects element by element: memory
// holds one element, never the array.
type JSONReader struct {
	dec     *json.Decoder
	win     *window
	lim     Limits
	row     int64
	started bool
	done    bool
	err     error
}

// NewJSON returns a reader of a JSON array of objects.
func NewJSON(r io.Reader, lim Limits) *JSONReader {
	lim = lim.withDefaults()
	w := &window{r: newUTF8Reader(r), limit: int64(lim.MaxRecordBytes) + 64<<10}
	dec := json.NewDecoder(w)
	dec.UseNumber()
	return &JSONReader{dec: dec, win: w, lim: lim}
}

func (j *JSONReader) fail(err error) error {
	var fe *FormatError
	if j.win.readErr != nil && !errors.As(err, &fe) {
		// The stream failed (S3, the network): not the file's fault.
		j.err = err
		return err
	}
	if !errors.As(err, &fe) {
		off := j.dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > off {
			off = se.Offset - 1
		}
		fe = &FormatError{Line: j.win.lineAt(off), Code: CodeJSONSyntax, Msg: "invalid JSON: " + err.Error()}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			fe.Msg = "invalid JSON: unexpected end of input"
		}
	}
	j.err = fe
	return fe
}

// Next returns the next element of the array. An element that is not an
// object, or is nested deeper than Limits.MaxDepth, is a *RowError; a
// syntax error is a *FormatError.
func (j *JSONReader) Next() (Record, error) {
	if j.err != nil {
		return Record{}, j.err
	}
	if j.done {
		return Record{}, io.EOF
	}
	if !j.started {
		j.started = true
		tok, err := j.dec.Token()
		if errors.Is(err, io.EOF) {
			j.done = true
			return Record{}, io.EOF
		}
		if err != nil {
			return Record{}, j.fail(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return Record{}, j.fail(&FormatError{Line: 1, Code: CodeJSONSyntax, Msg: "a JSON dataset file must be an array of objects"})
		}
	}
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return Record{}, j.fail(err)
		}
		if _, err := j.dec.Token(); !errors.Is(err, io.EOF) {
			var fe *FormatError
			if errors.As(err, &fe) || j.win.readErr != nil {
				// Reading on failed (a corrupt gzip trailer, invalid
				// UTF-8, the stream): that is the problem, not data.
				return Record{}, j.fail(err)
			}
			return Record{}, j.fail(&FormatError{Line: j.win.lineAt(j.dec.InputOffset()), Code: CodeJSONSyntax, Msg: "data after the end of the array"})
		}
		j.done = true
		return Record{}, io.EOF
	}
	start := j.dec.InputOffset()
	j.win.setMark(start)
	elem := j.elementStart(start)
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		var fe *FormatError
		if errors.As(err, &fe) && fe.Code == CodeTooLarge && elem >= 0 {
			// Name the line where the element starts, not where the
			// previous one ended.
			fe.Line = j.win.lineAt(elem)
		}
		return Record{}, j.fail(err)
	}
	j.row++
	// The element starts after any whitespace and the comma.
	lead := bytes.IndexFunc(raw, func(r rune) bool { return r != ' ' && r != '\t' && r != '\n' && r != '\r' })
	line := j.win.lineAt(j.dec.InputOffset() - int64(len(raw)) + int64(max(lead, 0)))
	rec, rerr := decodeObject(raw, j.lim.MaxDepth)
	if rerr != nil {
		rerr.Line, rerr.Row = line, j.row
		return Record{}, rerr
	}
	return Record{Line: line, Row: j.row, Values: rec}, nil
}

// elementStart returns the offset of the next element's first byte after
// the separator (white space and a comma) that follows offset start, when
// the decoder has it buffered; -1 otherwise.
func (j *JSONReader) elementStart(start int64) int64 {
	r := j.dec.Buffered()
	var buf [256]byte
	off := start
	for {
		n, _ := r.Read(buf[:])
		if n == 0 {
			return -1
		}
		for _, c := range buf[:n] {
			switch c {
			case ' ', '\t', '\r', '\n', ',':
				off++
			default:
				return off
			}
		}
	}
}

// decodeObject decodes one record object, checking its depth first so that
// a hostile nesting never reaches the decoder, and refusing a property
// given twice (encoding/json would keep the last value silently).
func decodeObject(raw []byte, maxDepth int) (map[string]any, *RowError) {
	if m, ok := decodeFlat(raw); ok {
		return m, nil
	}
	return decodeGeneral(raw, maxDepth)
}

// decodeGeneral is decodeObject for any object, with encoding/json.
func decodeGeneral(raw []byte, maxDepth int) (map[string]any, *RowError) {
	d, members := scan(raw)
	if d > maxDepth {
		return nil, &RowError{Code: CodeJSONDepth, Msg: fmt.Sprintf("nested deeper than %d levels", maxDepth), Excerpt: excerpt(string(raw))}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &RowError{Code: CodeNotObject, Msg: "record is not a JSON object", Excerpt: excerpt(string(raw))}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, &RowError{Code: CodeJSONSyntax, Msg: "invalid JSON: " + err.Error(), Excerpt: excerpt(string(raw))}
	}
	if dec.More() {
		return nil, &RowError{Code: CodeJSONSyntax, Msg: "invalid JSON: data after the object", Excerpt: excerpt(string(raw))}
	}
	if members != len(m) {
		name := duplicateName(raw)
		return nil, &RowError{Code: CodeDuplicateName, Column: name, Msg: fmt.Sprintf("property %q appears more than once: which value is meant cannot be told", name), Excerpt: excerpt(string(raw))}
	}
	return m, nil
}

// decodeFlat decodes an object of strings, numbers, booleans and nulls
// (what the pipeline stages) without encoding/json's general decoder,
// to the values it would give (json.Number for numbers). It reports false
// for anything else (nesting, a name given twice, a malformed object),
// which decodeObject then decodes, or refuses, as before
// (FuzzDecodeFlat).
func decodeFlat(raw []byte) (map[string]any, bool) {
	i := jsonenc.SkipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	m := make(map[string]any, 24)
	i = jsonenc.SkipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return m, jsonenc.SkipSpace(raw, i+1) == len(raw)
	}
	n := 0
	for {
		if i >= len(raw) || raw[i] != '"' {
			return nil, false
		}
		name, end, ok := stringAt(raw, i)
		if !ok {
			return nil, false
		}
		i = jsonenc.SkipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		i = jsonenc.SkipSpace(raw, i+1)
		if i >= len(raw) {
			return nil, false
		}
		var v any
		switch c := raw[i]; {
		case c == '"':
			if v, i, ok = stringAt(raw, i); !ok {
				return nil, false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			end := jsonenc.ScanNumber(raw, i)
			if end < 0 {
				return nil, false
			}
			v, i = json.Number(raw[i:end]), end
		case bytes.HasPrefix(raw[i:], []byte("true")):
			v, i = true, i+4
		case bytes.HasPrefix(raw[i:], []byte("false")):
			v, i = false, i+5
		case bytes.HasPrefix(raw[i:], []byte("null")):
			v, i = nil, i+4
		default:
			return nil, false
		}
		m[name] = v
		n++
		i = jsonenc.SkipSpace(raw, i)
		if i < len(raw) && raw[i] == ',' {
			i = jsonenc.SkipSpace(raw, i+1)
			continue
		}
		if i >= len(raw) || raw[i] != '}' || jsonenc.SkipSpace(raw, i+1) != len(raw) || n != len(m) {
			return nil, false
		}
		return m, true
	}
}

// stringAt decodes the JSON string at raw[i] as encoding/json does and
// returns the index after it.
func stringAt(raw []byte, i int) (string, int, bool) {
	end, plain := jsonenc.ScanString(raw, i)
	if end < 0 {
		return "", 0, false
	}
	if plain {
		return string(raw[i+1 : end-1]), end, true
	}
	s, ok := jsonenc.Unquote(raw[i:end])
	return s, end, ok
}

// duplicateName returns the first property name of a valid JSON object
// that appears twice.
func duplicateName(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		name, _ := tok.(string)
		if seen[name] {
			return name
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// scan returns the deepest nesting of arrays and objects in a JSON text and
// the number of members of the outermost object (colons at depth 1),
// ignoring brackets and colons inside strings.
func scan(b []byte) (maxDepth, members int) {
	d, maxD := 0, 0
	in, esc := false, false
	for _, c := range b {
		switch {
		case in:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
		case c == '"':
			in = true
		case c == '{' || c == '[':
			d++
			maxD = max(maxD, d)
		case c == '}' || c == ']':
			d--
		case c == ':' && d == 1:
			members++
		}
	}
	return maxD, members
}

// JSONLReader reads JSON Lines: one object per line; blank lines are
// skipped. A bad line is a *RowError and reading goes on.
type JSONLReader struct {
	br   *bufio.Reader
	lim  Limits
	line int64
	row  int64
	buf  []byte
	err  error
}

// NewJSONL returns a reader of JSON Lines.
func NewJSONL(r io.Reader, lim Limits) *JSONLReader {
	return &JSONLReader{br: bufio.NewReaderSize(newUTF8Reader(r), 64<<10), lim: lim.withDefaults()}
}

// Next returns the next line's object.
func (j *JSONLReader) Next() (Record, error) {
	text, err := j.NextLine()
	if err != nil {
		return Record{}, err
	}
	return j.Decode(text)
}

// NextLine returns the next non-blank line, white space trimmed, without
// decoding it; Decode then decodes it as Next would. The bytes are valid
// until the next call. It lets a caller that recognises a line's form
// (the enricher splicing attributes into lines it can prove canonical)
// skip the decoding, and decode the others.
func (j *JSONLReader) NextLine() ([]byte, error) {
	for {
		if j.err != nil {
			return nil, j.err
		}
		j.buf = j.buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = j.br.ReadSlice('\n')
			if len(j.buf)+len(chunk) > j.lim.MaxRecordBytes {
				j.err = &FormatError{Line: j.line + 1, Code: CodeTooLarge, Msg: fmt.Sprintf("line longer than %d bytes", j.lim.MaxRecordBytes)}
				return nil, j.err
			}
			j.buf = append(j.buf, chunk...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			j.err = err
			return nil, err
		}
		if errors.Is(err, io.EOF) && len(j.buf) == 0 {
			j.err = io.EOF
			return nil, io.EOF
		}
		j.line++
		if errors.Is(err, io.EOF) {
			j.err = io.EOF // after this line
		}
		text := bytes.TrimSpace(j.buf)
		if len(text) == 0 {
			continue
		}
		j.row++
		return text, nil
	}
}

// Line returns the line number of the line NextLine (or Next) returned
// last.
func (j *JSONLReader) Line() int64 { return j.line }

// Decode decodes text, the line NextLine returned last, into the record
// Next would have returned (a *RowError for a bad line).
func (j *JSONLReader) Decode(text []byte) (Record, error) {
	m, rerr := decodeObject(text, j.lim.MaxDepth)
	if rerr != nil {
		rerr.Line, rerr.Row = j.line, j.row
		return Record{}, rerr
	}
	return Record{Line: j.line, Row: j.row, Values: m}, nil
}
