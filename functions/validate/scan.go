package validate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"runtime"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/records"
)

// Config tunes validation. The zero value means the defaults. Read from the
// environment only in functions/cmd.
type Config struct {
	// Limits bound each record (size, nesting depth, CSV columns).
	Limits records.Limits
	// Gzip bounds decompression (ratio, total size).
	Gzip records.GzipGuard
	// MaxReportErrors caps the problems listed in a report. Default: 100.
	MaxReportErrors int
	// MaxKeys caps the keys remembered for duplicate detection. Default:
	// 1,048,576 (16 MiB).
	MaxKeys int
	// ReportBucket is where reports are written. Default: the source
	// object's bucket.
	ReportBucket string
}

// Defaults of Config.
const (
	DefaultMaxReportErrors = 100
	DefaultMaxKeys         = 1 << 20
)

func (c Config) withDefaults() Config {
	if c.MaxReportErrors <= 0 {
		c.MaxReportErrors = DefaultMaxReportErrors
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	return c
}

// Codes of problems found by the scanner itself (others come from
// records.Code* and dataset.Code*).
const (
	CodeEmpty          = "empty_file"
	CodeSuffix         = "suffix_mismatch"
	CodeSize           = "size_out_of_bounds"
	CodeFormatMismatch = "format_mismatch"
	CodeMissingColumn  = "missing_column"
	CodeDuplicateKey   = "duplicate_key"
	CodeNoRows         = "no_rows"
	CodeTooManyBad     = "too_many_bad_rows"
	CodeRead           = "read_error"
	// CodeItemTooLarge: the row's item, with the room kept for what
	// enrichment and loading add (dataset.ItemAllowance), would exceed
	// DynamoDB's 400 KB (dataset.MaxItemBytes).
	CodeItemTooLarge = "item_too_large"
)

// Problem is one finding, located by line and row (0 when the problem
// concerns the whole file) and, when it concerns one value, by field.
type Problem struct {
	// Line is the 1-based line where the record starts (0: unknown).
	Line int64 `json:"line,omitempty"`
	// Row is the 1-based record index (0: the whole file).
	Row int64 `json:"row,omitempty"`
	// Field is the field concerned, if one is.
	Field string `json:"field,omitempty"`
	// Column is the input column of Field.
	Column string `json:"column,omitempty"`
	// Value is an excerpt of the offending value or text.
	Value string `json:"value,omitempty"`
	// Code is a stable identifier (Code* of this package, records and
	// dataset).
	Code string `json:"code"`
	// Reason explains.
	Reason string `json:"reason"`
}

// FileError rejects a whole file.
type FileError struct {
	Problem
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

// ReadError is a failure to read the underlying stream (not a problem of
// the file's content): the network, S3. Callers treat it as transient.
type ReadError struct {
	// Err is the stream's error.
	Err error
}

func (e *ReadError) Error() string { return "reading the object: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ReadError) Unwrap() error { return e.Err }

// Row is one scanned record.
type Row struct {
	// Line and Row locate the record in the file.
	Line, Row int64
	// Record is the staged record (normalised fields, pk, sk, TTL, _line)
	// when the row is good and kept.
	Record map[string]any
	// Problems lists what is wrong with a bad row (nil for a good one).
	Problems []Problem
	// Filtered reports a good row dropped by the dataset's filters.
	Filtered bool
}

// Bad reports whether the row failed validation.
func (r Row) Bad() bool { return len(r.Problems) > 0 }

// Scanner reads a file of a dataset row by row, normalising, filtering,
// keying and checking each. It is the single definition of a bad row.
type Scanner struct {
	ds      *dataset.Dataset
	rd      records.Reader
	keys    *keySet
	started bool
	err     error
	// room is the dataset's item allowance in bytes; calcs its row-only
	// calculated fields. calcsProven: the declarations prove every calc
	// a storable number (Calculated.ProvenSize), taking at most calcsRoom
	// bytes together.
	room        int
	calcs       []*dataset.Calculated
	calcsProven bool
	calcsRoom   int
	// csv and plan are the fast path of AppendNext (nil: none); noPlan
	// keeps it off (the differential tests).
	csv    *records.CSVReader
	header []string
	plan   *dataset.RowPlan
	noPlan bool
	// checkOnly: the caller wants each row's verdict, not its staged
	// line (Check): AppendGood and AppendNext append nothing, and the
	// fast path checks rows without writing them. Set before the first
	// read.
	checkOnly bool
	pipe      *pipeline
	fields    [][]byte
}

// NewScanner returns a scanner of the object named name (for the suffix
// and gzip checks) with content r. It sniffs the content and fails with a
// *FileError when it is empty or plainly not the dataset's format.
func NewScanner(r io.Reader, name string, ds *dataset.Dataset, cfg Config) (*Scanner, error) {
	return newScanner(r, name, ds, cfg, sizeOf(r))
}

// newScanner is NewScanner for content of about size bytes (0: unknown),
// which sizes the duplicate-key set.
func newScanner(r io.Reader, name string, ds *dataset.Dataset, cfg Config, size int64) (*Scanner, error) {
	cfg = cfg.withDefaults()
	if !ds.HasSuffix(name) {
		return nil, &FileError{Problem{Code: CodeSuffix, Reason: fmt.Sprintf("file name %q does not end with %s", baseName(name), strings.Join(ds.FileSuffixes(), " or "))}}
	}
	src := &readErrReader{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	head, _ := br.Peek(2) // fewer bytes at the end of a tiny file
	if len(head) == 0 {
		if src.err != nil {
			return nil, &ReadError{src.err}
		}
		return nil, &FileError{Problem{Code: CodeEmpty, Reason: "the file is empty"}}
	}
	isGzip := bytes.Equal(head, []byte{0x1f, 0x8b})
	named := ds.Format.Gzip || strings.HasSuffix(strings.ToLower(name), ".gz")
	var in io.Reader = br
	switch {
	case isGzip && !named:
		return nil, &FileError{Problem{Line: 1, Code: CodeFormatMismatch, Reason: "the file is gzip-compressed but its name does not end with .gz"}}
	case !isGzip && named:
		return nil, &FileError{Problem{Line: 1, Code: CodeFormatMismatch, Reason: "the file name ends with .gz but the content is not gzip"}}
	case isGzip:
		zr, err := records.NewGzip(br, cfg.Gzip)
		if err != nil {
			return nil, fileErr(err)
		}
		zb := bufio.NewReaderSize(zr, 64<<10)
		in = zb
		br = zb
	}
	head, _ = br.Peek(512)
	if len(head) == 0 {
		if src.err != nil {
			return nil, &ReadError{src.err}
		}
		var fe *records.FormatError
		if _, err := br.Peek(1); errors.As(err, &fe) {
			return nil, fileErr(err)
		}
		return nil, &FileError{Problem{Code: CodeEmpty, Reason: "the file is empty"}}
	}
	if msg := sniff(head, ds.Format.Kind); msg != "" {
		return nil, &FileError{Problem{Line: 1, Code: CodeFormatMismatch, Reason: msg}}
	}
	f := ds.Format
	f.Gzip = false
	rd, err := records.Open(in, f, records.Options{Limits: cfg.Limits})
	if err != nil {
		return nil, fileErr(err)
	}
	// A file of known size gets its duplicate-key set at the size its
	// rows need at once (at least 16 bytes a row), not by doubling.
	sc := &Scanner{ds: ds, rd: rd, keys: newKeySet(cfg.MaxKeys, int(min(size/16, int64(cfg.MaxKeys)))), room: ds.ItemAllowance().Bytes}
	sc.calcsProven = true
	for i := range ds.Enrichment.Calculated {
		if cf := &ds.Enrichment.Calculated[i]; cf.RowOnly() {
			sc.calcs = append(sc.calcs, cf)
			size, ok := cf.ProvenSize()
			sc.calcsProven = sc.calcsProven && ok
			sc.calcsRoom += size
		}
	}
	return sc, nil
}

// sizeOf returns the size of r when it can tell (a file, an in-memory
// reader), else 0.
func sizeOf(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Size() int64 }:
		return r.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// readErrReader remembers the error of the underlying stream, to tell a
// failing S3 read from a bad file.
type readErrReader struct {
	r   io.Reader
	err error
}

func (r *readErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

func baseName(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// sniff says what is wrong when the first bytes plainly belong to another
// format.
func sniff(head []byte, kind dataset.Kind) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\uFEFF")), " \t\r\n")
	if len(t) == 0 {
		return ""
	}
	looks := ""
	switch {
	case t[0] == '<':
		looks = "XML"
	case t[0] == '[':
		looks = "a JSON array"
	case t[0] == '{':
		looks = "JSON"
	}
	switch kind {
	case dataset.CSV:
		if looks != "" {
			return fmt.Sprintf("expected CSV, the content looks like %s", looks)
		}
	case dataset.JSON:
		if t[0] != '[' {
			return "expected a JSON array, the content does not start with '['"
		}
	case dataset.JSONL:
		if t[0] != '{' {
			return "expected JSON Lines, the content does not start with '{'"
		}
	case dataset.XML:
		if t[0] != '<' {
			return "expected XML, the content does not start with '<'"
		}
	}
	return ""
}

func fileErr(err error) error {
	var fe *records.FormatError
	if errors.As(err, &fe) {
		return &FileError{Problem{Line: fe.Line, Code: fe.Code, Reason: fe.Msg}}
	}
	return &ReadError{err}
}

// KeysLimited reports whether the duplicate-key check reached its cap.
func (s *Scanner) KeysLimited() bool { return s.keys.full }

// Next returns the next row, io.EOF at the end, a *FileError when the file
// must be rejected, or a *ReadError when the stream failed.
func (s *Scanner) Next() (Row, error) {
	if s.err != nil {
		return Row{}, s.err
	}
	if err := s.begin(); err != nil {
		return Row{}, err
	}
	return s.row(s.rd.Next())
}

// begin checks the header (once) and sets up the fast path.
func (s *Scanner) begin() error {
	if s.started {
		return nil
	}
	s.started = true
	h, ok := s.rd.(interface{ Header() ([]string, error) })
	if !ok {
		return nil
	}
	if err := s.checkHeader(h); err != nil {
		s.err = err
		return err
	}
	if c, ok := s.rd.(*records.CSVReader); ok && !s.noPlan {
		s.header, _ = c.Header()
		if s.plan = s.ds.RowPlan(s.header); s.plan != nil {
			s.csv = c
		}
	}
	return nil
}

// AppendNext reads the next row like Next, but a good, kept row's staged
// record is appended to dst as one JSON line (the bytes records.Writer
// writes) instead of being returned: Row.Record is always nil. Rows of a
// CSV file are staged by dataset.RowPlan without building maps when it can
// tell, on every core (see pipeline.go: call Close when done); the others
// go through the same code as Next.
func (s *Scanner) AppendNext(dst []byte) ([]byte, Row, error) {
	if s.err != nil {
		return dst, Row{}, s.err
	}
	if err := s.begin(); err != nil {
		return dst, Row{}, err
	}
	if s.plan != nil {
		if s.pipe == nil {
			s.startPipeline()
		}
		return s.appendPiped(dst)
	}
	row, err := s.row(s.rd.Next())
	if err != nil || row.Record == nil || s.checkOnly {
		row.Record = nil
		return dst, row, err
	}
	dst, err = records.AppendRecord(dst, row.Record)
	row.Record = nil
	return dst, row, err
}

// row completes a record read (or the reader's error) into a Row.
func (s *Scanner) row(rec records.Record, err error) (Row, error) {
	var re *records.RowError
	switch {
	case errors.Is(err, io.EOF):
		s.err = io.EOF
		return Row{}, io.EOF
	case errors.As(err, &re):
		return Row{Line: re.Line, Row: re.Row, Problems: []Problem{{Line: re.Line, Row: re.Row, Column: re.Column, Value: re.Excerpt, Code: re.Code, Reason: re.Msg}}}, nil
	case err != nil:
		s.err = s.classify(err)
		return Row{}, s.err
	}
	row := Row{Line: rec.Line, Row: rec.Row}
	norm, ferrs := s.ds.Normalize(rec.Values)
	for _, fe := range ferrs {
		row.Problems = append(row.Problems, Problem{Line: rec.Line, Row: rec.Row, Field: fe.Field, Column: fe.Column, Value: fe.Value, Code: fe.Code, Reason: fe.Reason})
	}
	if row.Bad() {
		return row, nil
	}
	keep, err := s.ds.Keep(norm)
	if err != nil {
		row.Problems = append(row.Problems, s.problem(rec, err))
		return row, nil
	}
	if !keep {
		row.Filtered = true
		return row, nil
	}
	staged, err := s.ds.Stage(norm, rec.Line)
	if err != nil {
		row.Problems = append(row.Problems, s.problem(rec, err))
		return row, nil
	}
	if ps := s.checkItem(rec, staged); len(ps) > 0 {
		// Before the duplicate check: a row that is not loaded does
		// not make a later row with its key a duplicate.
		row.Problems = append(row.Problems, ps...)
		return row, nil
	}
	pk, sk := dataset.Text(staged[dataset.AttrPK]), dataset.Text(staged[dataset.AttrSK])
	if s.keys.seen(pk, sk) {
		row.Problems = append(row.Problems, s.duplicate(rec.Line, rec.Row, pk, sk))
		return row, nil
	}
	row.Record = staged
	return row, nil
}

func (s *Scanner) duplicate(line, row int64, pk, sk string) Problem {
	return Problem{Line: line, Row: row, Field: dataset.AttrPK, Value: dataset.Excerpt(pk+" / "+sk, 64), Code: CodeDuplicateKey, Reason: "an earlier row of the file has the same key"}
}

// checkItem finds what DynamoDB would refuse in the item a staged record
// becomes, which no field check sees: a row-only calculated number beyond
// DynamoDB's limits (the enricher could not write it), and an item over
// dataset.MaxItemBytes once the attributes added after validation take
// their room. The calculated values count towards the item's size; they
// are removed again, the enricher computes them.
//
// When the declarations prove every row-only calculated field a number
// DynamoDB stores, the fields are computed only if their largest sizes
// could make the item too large: the verdict is the same, without the
// computation.
func (s *Scanner) checkItem(rec records.Record, staged map[string]any) []Problem {
	var ps []Problem
	if len(s.calcs) > 0 && s.calcsProven {
		if size, _ := dataset.ItemSize(staged); size+s.calcsRoom+s.room <= dataset.MaxItemBytes {
			return nil
		}
	}
	if len(s.calcs) > 0 {
		for _, err := range s.ds.CalculateRow(staged) {
			var fe dataset.FieldError
			if errors.As(err, &fe) && fe.Code == dataset.CodeNumberLimit {
				ps = append(ps, Problem{Line: rec.Line, Row: rec.Row, Field: fe.Field, Value: fe.Value, Code: fe.Code,
					Reason: fmt.Sprintf("calculated as %s: %s", s.calcExpr(fe.Field), fe.Reason)})
			}
		}
		defer func() {
			for _, cf := range s.calcs {
				delete(staged, cf.Name)
			}
		}()
	}
	size, largest := dataset.ItemSize(staged)
	if size+s.room <= dataset.MaxItemBytes {
		return ps
	}
	v := staged[largest]
	p := Problem{Line: rec.Line, Row: rec.Row, Field: largest, Value: dataset.Excerpt(dataset.Text(v), 64), Code: CodeItemTooLarge,
		Reason: fmt.Sprintf("the item would take %d bytes (%d of the row, %d kept for the attributes enrichment and loading add), more than DynamoDB's %d; the largest field, %s, takes %d",
			size+s.room, size, s.room, dataset.MaxItemBytes, largest, len(largest)+dataset.AttrSize(v))}
	if f, ok := s.ds.Field(largest); ok {
		p.Column = f.Column
	}
	return append(ps, p)
}

func (s *Scanner) calcExpr(name string) string {
	for _, cf := range s.calcs {
		if cf.Name == name {
			return cf.Expr
		}
	}
	return "an expression"
}

func (s *Scanner) problem(rec records.Record, err error) Problem {
	var fe dataset.FieldError
	if errors.As(err, &fe) {
		return Problem{Line: rec.Line, Row: rec.Row, Field: fe.Field, Value: fe.Value, Code: fe.Code, Reason: fe.Reason}
	}
	return Problem{Line: rec.Line, Row: rec.Row, Code: dataset.CodeKey, Reason: err.Error()}
}

func (s *Scanner) classify(err error) error {
	var fe *records.FormatError
	if errors.As(err, &fe) {
		return &FileError{Problem{Line: fe.Line, Code: fe.Code, Reason: fe.Msg}}
	}
	return &ReadError{err}
}

func (s *Scanner) checkHeader(h interface{ Header() ([]string, error) }) error {
	cols, err := h.Header()
	if errors.Is(err, io.EOF) {
		return &FileError{Problem{Code: CodeEmpty, Reason: "the file is empty"}}
	}
	if err != nil {
		return s.classify(err)
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	var missing []string
	for _, c := range s.ds.RequiredColumns() {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return &FileError{Problem{Line: 1, Field: missing[0], Code: CodeMissingColumn, Reason: fmt.Sprintf("the header lacks required column(s) %s", strings.Join(missing, ", "))}}
	}
	return nil
}

// keySet is a bounded open-addressing set of 64-bit key hashes, in one
// array of slots (0: empty; a hash of 0 is kept as 1). A new key costs one
// cache line, which warm loads for a whole batch of keys at once.
type keySet struct {
	seed  maphash.Seed
	slots []uint64
	n     int
	max   int
	full  bool
	// warmed keeps the loads of warm from being optimised away.
	warmed uint64
	buf    []byte // seen's key, pk then sk
	// mapped is the mapping slots lie in (mapSlots; nil: a Go slice),
	// freed by free or, should the set be dropped without it, by cleanup.
	mapped  []byte
	cleanup runtime.Cleanup
}

func newKeySet(max, expect int) *keySet {
	n := 16
	for n < 1024 && n < 2*max || n < 2*expect {
		n *= 2
	}
	k := &keySet{seed: maphash.MakeSeed(), max: max}
	k.alloc(n)
	return k
}

// alloc gives the set n empty slots; a mapping it held is the caller's
// to free.
func (k *keySet) alloc(n int) {
	k.slots, k.mapped = mapSlots(n)
	if k.mapped != nil {
		k.cleanup = runtime.AddCleanup(k, unmap, k.mapped)
	}
}

// free releases the slots' mapping, if any, now rather than at the
// set's cleanup; the set holds no slots after it.
func (k *keySet) free() {
	if k.mapped != nil {
		k.cleanup.Stop()
		unmap(k.mapped)
	}
	k.slots, k.mapped = nil, nil
}

// seen records (pk, sk) and reports whether it was recorded before. Once
// the set holds max keys, new keys are no longer recorded.
func (k *keySet) seen(pk, sk string) bool {
	k.buf = append(append(k.buf[:0], pk...), sk...)
	return k.add(keyHash(k.seed, k.buf, len(pk)))
}

// keyHash is the hash of the key whose pk is key[:split] and whose sk is
// key[split:]: one call of maphash over the bytes (not a maphash.Hash
// written three times), with the split mixed in so that ("ab", "c") and
// ("a", "bc") differ.
func keyHash(seed maphash.Seed, key []byte, split int) uint64 {
	return maphash.Bytes(seed, key) + uint64(split)*0x9E3779B97F4A7C15
}

func (k *keySet) add(v uint64) bool {
	if v == 0 {
		v = 1
	}
	mask := uint64(len(k.slots) - 1)
	for i := v & mask; ; i = (i + 1) & mask {
		switch k.slots[i] {
		case v:
			return true
		case 0:
			if k.n >= k.max {
				k.full = true
				return false
			}
			k.slots[i] = v
			k.n++
			if k.n*2 > len(k.slots) {
				k.grow()
			}
			return false
		}
	}
}

func (k *keySet) grow() {
	old, oldMapped, oldCleanup := k.slots, k.mapped, k.cleanup
	k.alloc(len(old) * 2)
	defer func() {
		if oldMapped != nil {
			oldCleanup.Stop()
			unmap(oldMapped)
		}
	}()
	mask := uint64(len(k.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := v & mask
		for k.slots[i] != 0 {
			i = (i + 1) & mask
		}
		k.slots[i] = v
	}
}
