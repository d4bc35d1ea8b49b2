package validate

import (
	"bytes"
	"errors"
	"hash/maphash"
	"io"
	"math"
	"runtime"
	"slices"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/records"
)

// The fast path of AppendNext runs on every core: one goroutine reads the
// file into batches, workers parse and stage the batches (each with its own
// dataset.RowPlan), and AppendNext (or AppendGood, a run of good rows at a
// time) hands the rows out in file order, checking duplicate keys and
// running the general path on the rows the plan could not tell about.
//
// The reader only cuts the file into blocks of whole records (at a line
// end outside quoted fields: cutBlock) and each worker parses its own
// block with a records.CSVReader of its own (made by records.NewCSVAt, so
// lines, errors and limits are those of the one reader of the whole
// file): a block's bytes are parsed, staged and written out on one core,
// instead of crossing from a reading core to a staging one row by row.
// From the first quote out of place (where a record's end could be read
// two ways), an input failure or an overlong line to the end, the reader
// parses the rows itself, as one records.CSVReader of the rest of the
// file.
//
// Memory stays bounded: at most pipeBatches batches exist, each a block of
// about blockBytes (more only for a longer line) or, once parsed by the
// reader, at most batchRows rows (or about batchBytes of values).
const (
	batchRows   = 256
	batchBytes  = 32 << 10
	pipeBatches = 6
)

// blockBytes is the size of a block of lines (a variable so that tests
// can cut small files into many blocks).
var blockBytes = 32 << 10

// batch is a run of consecutive rows of the file: parsed by the reader
// (raw nil), or a block of whole lines that the worker parses.
type batch struct {
	block   bool   // raw holds a block of lines for the worker to parse
	raw     []byte // the block's lines
	rawLine int64  // the lines of the file before the block
	final   bool   // the block ends the file
	rows    []batchRow
	rec     []byte // field values, each followed by one byte (records.CSVReader.AppendRow)
	ends    []int  // end of each field in rec
	out     []byte // staged JSON lines of the rows the plan took
	keys    []byte // their pk and sk
	done    chan struct{}
}

// batchRow is a row of a batch, or the reader's final error. The i-th
// entry of the batches in file order is row i+1 of the rows read through
// the pipeline (each entry but the final error is one row).
type batchRow struct {
	line     int64
	field    int   // index in ends of the row's first field
	n        int   // its number of fields
	err      error // a *records.RowError, or the reader's final error
	ok       bool  // staged by the plan: out[outStart:outEnd]
	outStart int
	outEnd   int
	pk, sk   [2]int // the key in keys
	hash     uint64
	dup      bool // AppendGood found its key seen before
}

// start is the offset in rec of the row's first value.
func (b *batch) start(r *batchRow) int {
	if r.field > 0 {
		return b.ends[r.field-1] + 1
	}
	return 0
}

// fields returns the row's values, slices of rec to be read only: their
// capacity runs on over the values after them, which RowPlan's writer
// copies 16 bytes at a time.
func (b *batch) fields(r *batchRow, dst [][]byte) [][]byte {
	ends := b.ends[r.field : r.field+r.n]
	if cap(dst) < len(ends) {
		dst = make([][]byte, len(ends))
	}
	dst = dst[:len(ends)]
	rec, from := b.rec, b.start(r)
	for k, end := range ends {
		dst[k] = rec[from:end]
		from = end + 1
	}
	return dst
}

// pipeline is the running fast path of a Scanner.
type pipeline struct {
	ordered chan *batch // batches in file order, to AppendNext
	free    chan *batch
	work    chan *batch
	quit    chan struct{}
	cur     *batch
	next    int   // next row of cur
	rowBase int64 // the rows before cur
	block   int   // blockBytes when it started
}

// startPipeline starts the reader and the workers.
func (s *Scanner) startPipeline() {
	p := &pipeline{ordered: make(chan *batch, pipeBatches), free: make(chan *batch, pipeBatches),
		work: make(chan *batch, pipeBatches), quit: make(chan struct{}), block: blockBytes}
	for range pipeBatches {
		p.free <- &batch{}
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	opt := s.csv.Options()
	// A row's values lie in rec with the delimiter after each: when
	// the delimiter is plain text too (not a tab), one PlainText over the
	// row checks them all.
	sepPlain := dataset.PlainText([]byte{opt.Delimiter})
	rest, line, row, ok := s.csv.Rest()
	for range workers {
		w := &stager{plan: s.ds.RowPlan(s.header), seed: s.keys.seed, checkOnly: s.checkOnly, sepPlain: sepPlain,
			csv: records.NewCSVAt(nil, s.header, 0, opt)}
		go w.run(p.work)
	}
	if ok {
		p.rowBase = row
		go readBlocks(rest, line, s.header, opt, p)
	} else {
		p.rowBase = s.csv.Rows()
		go func() {
			defer close(p.work)
			defer close(p.ordered)
			readRows(s.csv, p)
		}()
	}
	s.pipe = p
}

// readBlocks cuts the rest of the file, which follows line lines, into
// blocks of whole records for the workers to parse, until a quote is out
// of place or the input fails: from there it reads the rows itself
// (readRows), so that the one reader of the rest of the file decides
// what such quotes and failures make of it.
func readBlocks(src io.Reader, line int64, header []string, opt records.CSVOptions, p *pipeline) {
	defer close(p.work)
	defer close(p.ordered)
	var (
		tail  []byte // the bytes read after the last block handed out
		ended bool   // src returned an error (io.EOF at its end)
		err   error
	)
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.quit:
			return
		}
		b.reset()
		// Read into the block, to its size or on to the first line end
		// after it. A line longer than the record limit leaves it to the
		// reader of rows, which reports it.
		buf := append(b.raw, tail...)
		cut, irregular := -1, false
		for !ended && len(buf) <= opt.Limits.MaxRecordBytes+p.block {
			if len(buf) >= p.block {
				var regular bool
				if cut, regular = cutBlock(buf, opt.Quote, opt.Delimiter); !regular || cut >= 0 {
					irregular = !regular
					break
				}
			}
			// Up to a block, or a block more while no line has ended.
			want := p.block - len(buf)
			if want <= 0 {
				want = p.block
			}
			buf = slices.Grow(buf, want)
			var n int
			n, err = src.Read(buf[len(buf) : len(buf)+want])
			buf = buf[:len(buf)+n]
			ended = err != nil
		}
		b.raw = buf
		atEOF := ended && errors.Is(err, io.EOF)
		if irregular || cut < 0 && !atEOF {
			// A quote out of place, a failed input or an overlong
			// line: one reader takes the rest, and decides what they
			// make of it.
			var in io.Reader = bytes.NewReader(append([]byte(nil), buf...))
			p.free <- b
			switch {
			case !ended:
				in = io.MultiReader(in, src)
			case !atEOF:
				in = io.MultiReader(in, errReader{err})
			}
			readRows(records.NewCSVAt(in, header, line, opt), p)
			return
		}
		// The block: whole lines, or at the end all that is left.
		if atEOF {
			cut = len(buf) - 1
		}
		tail = append(tail[:0], buf[cut+1:]...)
		b.raw = buf[:cut+1]
		b.block, b.final, b.rawLine = true, atEOF, line
		line += int64(bytes.Count(b.raw, []byte{'\n'}))
		if !hand(p, b) || atEOF {
			return
		}
	}
}

// cutBlock returns where a block of b may end: the offset of its last
// line end outside quoted fields (-1: none yet), which ends a record as
// one reader of the file reads it, given that b starts a record. That
// holds while every quote before it stands where RFC 4180 puts one (the
// reader's quoted fields): an opening quote at a field's start, a doubled
// quote inside the field, a closing quote before a delimiter or a line
// end. regular false says a quote before the last such line end does
// not; the reader then reads the rest itself. Only the quotes are
// visited, found with bytes.IndexByte, so a file without quotes costs
// one scan for the last line end.
func cutBlock(b []byte, q, d byte) (cut int, regular bool) {
	cut = -1
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], q)
		if j < 0 {
			if k := bytes.LastIndexByte(b[i:], '\n'); k >= 0 {
				cut = i + k
			}
			return cut, true
		}
		j += i
		if k := bytes.LastIndexByte(b[i:j], '\n'); k >= 0 {
			cut = i + k
		}
		// An opening quote, at a field's start.
		if j > 0 && b[j-1] != d && b[j-1] != '\n' {
			return cut, false
		}
		// Its field: doubled quotes, then the closing one (line ends
		// inside it end no record).
		for i = j + 1; ; i += 2 {
			k := bytes.IndexByte(b[i:], q)
			if k < 0 {
				return cut, true // the field goes on past b
			}
			i += k
			if i+1 == len(b) || b[i+1] != q {
				break
			}
		}
		// The closing quote at i: a delimiter or a line end after it.
		switch after := b[i+1:]; {
		case len(after) == 0, len(after) == 1 && after[0] == '\r':
			return cut, true // the record goes on past b
		case after[0] == d, after[0] == '\n', after[0] == '\r' && after[1] == '\n':
			i++
		default:
			return cut, false
		}
	}
}

// errReader returns its error.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// reset empties b for reuse.
func (b *batch) reset() {
	b.block, b.raw, b.final = false, b.raw[:0], false
	b.rows, b.rec, b.ends, b.out, b.keys = b.rows[:0], b.rec[:0], b.ends[:0], b.out[:0], b.keys[:0]
	b.done = make(chan struct{})
}

// hand gives b to the workers and to AppendNext; false when the pipeline
// is closing.
func hand(p *pipeline, b *batch) bool {
	select {
	case p.work <- b:
	case <-p.quit:
		return false
	}
	select {
	case p.ordered <- b:
	case <-p.quit:
		return false
	}
	return true
}

// readRows reads the rows of c into batches until the end or an error.
func readRows(c *records.CSVReader, p *pipeline) {
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.quit:
			return
		}
		b.reset()
		end := appendRows(c, b, batchRows, batchBytes)
		if !hand(p, b) || end {
			return
		}
	}
}

// appendRows appends the rows c reads to b, up to maxRows rows or about
// maxBytes of values; true when c reached its end or a fatal error,
// which b then ends with.
func appendRows(c *records.CSVReader, b *batch, maxRows, maxBytes int) bool {
	for len(b.rows) < maxRows && len(b.rec) < maxBytes {
		first := len(b.ends)
		line, _, rec, ends, err := c.AppendRow(b.rec, b.ends)
		b.rec, b.ends = rec, ends
		if err != nil {
			b.rows = append(b.rows, batchRow{err: err})
			if _, ok := err.(*records.RowError); ok {
				continue
			}
			return true
		}
		b.rows = append(b.rows, batchRow{line: line, field: first, n: len(b.ends) - first})
	}
	return false
}

// stager is a worker: it parses the blocks it receives and stages the
// rows of each batch.
type stager struct {
	plan      *dataset.RowPlan
	seed      maphash.Seed
	checkOnly bool // check the rows without writing their lines (dataset.RowPlan.CheckPlain)
	sepPlain  bool // the delimiter after each value is PlainText
	csv       *records.CSVReader
	block     bytes.Reader
}

// run stages the batches of work until it is closed.
func (w *stager) run(work <-chan *batch) {
	plan, seed, checkOnly, sepPlain := w.plan, w.seed, w.checkOnly, w.sepPlain
	var fields [][]byte
	for b := range work {
		if b.block {
			if records.ASCII(b.raw) {
				w.csv.ResetASCII(b.raw, b.rawLine) // lines read in place
			} else {
				w.block.Reset(b.raw)
				w.csv.ResetAt(&w.block, b.rawLine)
			}
			if appendRows(w.csv, b, math.MaxInt, math.MaxInt) && !b.final && errors.Is(b.rows[len(b.rows)-1].err, io.EOF) {
				// The end of a block that does not end the file.
				b.rows = b.rows[:len(b.rows)-1]
			}
		}
		for i := range b.rows {
			r := &b.rows[i]
			if r.err != nil {
				continue
			}
			fields = b.fields(r, fields)
			start := len(b.out)
			// The row's values lie in rec one delimiter apart: one pass
			// over them spares Stage its checks byte by byte.
			plain := true
			switch {
			case len(fields) == 0:
			case sepPlain:
				plain = dataset.PlainText(b.rec[b.start(r):b.ends[r.field+r.n-1]])
			default:
				for _, f := range fields {
					plain = plain && dataset.PlainText(f)
				}
			}
			if checkOnly {
				if !plan.CheckPlain(fields, r.line, plain) {
					continue
				}
			} else {
				var ok bool
				if b.out, ok = plan.StagePlain(b.out, fields, r.line, plain); !ok {
					continue
				}
			}
			pk, sk := plan.Key()
			r.ok, r.outStart, r.outEnd = true, start, len(b.out)
			r.pk = [2]int{len(b.keys), len(b.keys) + len(pk)}
			b.keys = append(b.keys, pk...)
			r.sk = [2]int{len(b.keys), len(b.keys) + len(sk)}
			b.keys = append(b.keys, sk...)
			r.hash = keyHash(seed, b.keys[r.pk[0]:r.sk[1]], len(pk))
		}
		close(b.done)
	}
}

// advance makes cur a batch with rows left to hand out, waiting for the
// next one in file order; false at the end of the batches.
func (s *Scanner) advance() bool {
	p := s.pipe
	for p.cur == nil || p.next == len(p.cur.rows) {
		if p.cur != nil {
			p.rowBase += int64(len(p.cur.rows))
			p.free <- p.cur
			p.cur = nil
		}
		b, ok := <-p.ordered
		if !ok {
			return false
		}
		<-b.done
		p.cur, p.next = b, 0
		s.keys.warm(b.rows)
	}
	return true
}

// appendPiped is AppendNext on the pipeline.
func (s *Scanner) appendPiped(dst []byte) ([]byte, Row, error) {
	p := s.pipe
	if !s.advance() {
		// The reader stopped after its final error, handed out.
		return dst, Row{}, s.err
	}
	b := p.cur
	r := &b.rows[p.next]
	p.next++
	rowNum := p.rowBase + int64(p.next) // the entries before it are rows
	if r.err != nil {
		if re, ok := r.err.(*records.RowError); ok {
			re.Row = rowNum // its reader counted the rows of its part
		}
		row, err := s.row(records.Record{}, r.err)
		return dst, row, err
	}
	if r.ok {
		if !r.dup && !s.keys.add(r.hash) {
			return append(dst, b.out[r.outStart:r.outEnd]...), Row{Line: r.line, Row: rowNum}, nil
		}
		pk, sk := string(b.keys[r.pk[0]:r.pk[1]]), string(b.keys[r.sk[0]:r.sk[1]])
		return dst, Row{Line: r.line, Row: rowNum, Problems: []Problem{s.duplicate(r.line, rowNum, pk, sk)}}, nil
	}
	// The general path decides.
	s.fields = b.fields(r, s.fields)
	vals := make(map[string]any, len(s.fields))
	for i, f := range s.fields {
		vals[s.header[i]] = string(f)
	}
	row, err := s.row(records.Record{Line: r.line, Row: rowNum, Values: vals}, nil)
	if err != nil || row.Record == nil || s.checkOnly {
		row.Record = nil
		return dst, row, err
	}
	dst, err = records.AppendRecord(dst, row.Record)
	row.Record = nil
	return dst, row, err
}

// AppendGood appends to dst, in one copy, the staged JSON lines of the
// next rows the fast path staged that are good and kept (no problem, no
// earlier row with their key): the same bytes AppendNext would append for
// them one by one. It takes at most maxRows rows and stops after the row
// with which dst reaches maxBytes, or before any other row. It returns the
// number of rows appended, each good; 0 when the next row is of another
// kind (or the file is read to its end): AppendNext returns it.
func (s *Scanner) AppendGood(dst []byte, maxRows, maxBytes int) ([]byte, int) {
	if s.err != nil || maxRows <= 0 || s.begin() != nil || s.plan == nil {
		return dst, 0
	}
	if s.pipe == nil {
		s.startPipeline()
	}
	if !s.advance() {
		return dst, 0
	}
	p := s.pipe
	b := p.cur
	first, i := p.next, p.next
	start := b.rows[first].outStart
	for i < len(b.rows) && i-first < maxRows {
		r := &b.rows[i]
		if r.err != nil || !r.ok || r.dup {
			break
		}
		if s.keys.add(r.hash) {
			r.dup = true // AppendNext reports it
			break
		}
		i++
		if len(dst)+r.outEnd-start >= maxBytes {
			break
		}
	}
	if i == first {
		return dst, 0
	}
	p.next = i
	// The lines of consecutive staged rows lie back to back in out:
	// stageBatches appends nothing for the rows between them.
	return append(dst, b.out[start:b.rows[i-1].outEnd]...), i - first
}

// Close stops the goroutines AppendNext may have started and frees the
// duplicate-key set; call it when the scanner is no longer read (reads
// after it fail). It does not close the underlying reader.
func (s *Scanner) Close() {
	if s.pipe != nil {
		close(s.pipe.quit)
		s.pipe = nil
	}
	s.keys.free()
	if s.err == nil {
		s.err = errClosed
	}
}

// errClosed is what a Scanner's reads return after Close.
var errClosed = errors.New("validate: the scanner is closed")

// warm loads the slots of the batch's keys before they are looked up one
// by one: independent loads overlap their cache misses, where the lookups
// in file order would wait for each in turn.
func (k *keySet) warm(rows []batchRow) {
	mask := uint64(len(k.slots) - 1)
	var sum uint64
	for i := range rows {
		if r := &rows[i]; r.ok {
			j := r.hash & mask
			sum += k.slots[j]
		}
	}
	k.warmed += sum
}
