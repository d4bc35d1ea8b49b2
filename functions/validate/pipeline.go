package validate

import (
	"errors"
	"hash/maphash"
	"runtime"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/records"
)

// The fast path of AppendNext runs on every core: one goroutine reads the
// CSV rows into batches, workers stage the batches (each with its own
// dataset.RowPlan), and AppendNext (or AppendGood, a run of good rows at a
// time) hands the rows out in file order, checking duplicate keys and
// running the general path on the rows the plan could not tell about. Memory stays bounded: at most pipeBatches
// batches of at most batchRows rows (or about batchBytes of values) exist.
const (
	batchRows   = 256
	batchBytes  = 32 << 10
	pipeBatches = 6
)

// batch is a run of consecutive rows of the file.
type batch struct {
	rows []batchRow
	rec  []byte // field values, each followed by one byte (records.CSVReader.AppendRow)
	ends []int  // end of each field in rec
	out  []byte // staged JSON lines of the rows the plan took
	keys []byte // their pk and sk
	done chan struct{}
}

type batchRow struct {
	line, row int64
	field     int   // index in ends of the row's first field
	n         int   // its number of fields
	err       error // a *records.RowError, or the reader's final error
	ok        bool  // staged by the plan: out[outStart:outEnd]
	outStart  int
	outEnd    int
	pk, sk    [2]int // the key in keys
	hash      uint64
	dup       bool // AppendGood found its key seen before
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
	dst = dst[:0]
	from := b.start(r)
	for _, end := range b.ends[r.field : r.field+r.n] {
		dst = append(dst, b.rec[from:end])
		from = end + 1
	}
	return dst
}

// pipeline is the running fast path of a Scanner.
type pipeline struct {
	ordered chan *batch // batches in file order, to AppendNext
	free    chan *batch
	quit    chan struct{}
	cur     *batch
	next    int // next row of cur
}

// startPipeline starts the reader and the workers.
func (s *Scanner) startPipeline() {
	p := &pipeline{ordered: make(chan *batch, pipeBatches), free: make(chan *batch, pipeBatches), quit: make(chan struct{})}
	for range pipeBatches {
		p.free <- &batch{}
	}
	work := make(chan *batch, pipeBatches)
	workers := max(1, min(runtime.GOMAXPROCS(0), 4))
	// A row's values lie in rec with the delimiter after each: when
	// the delimiter is plain text too (not a tab), one PlainText over the
	// row checks them all.
	sepPlain := dataset.PlainText([]byte{s.csv.Delimiter()})
	for range workers {
		plan := s.ds.RowPlan(s.header)
		go stageBatches(plan, s.keys.seed, work, s.checkOnly, sepPlain)
	}
	go readBatches(s.csv, p, work)
	s.pipe = p
}

// readBatches reads the rows into batches until the end or an error.
func readBatches(c *records.CSVReader, p *pipeline, work chan<- *batch) {
	defer close(work)
	defer close(p.ordered)
	for {
		var b *batch
		select {
		case b = <-p.free:
		case <-p.quit:
			return
		}
		b.rows, b.rec, b.ends, b.out, b.keys = b.rows[:0], b.rec[:0], b.ends[:0], b.out[:0], b.keys[:0]
		b.done = make(chan struct{})
		last := false
		for len(b.rows) < batchRows && len(b.rec) < batchBytes {
			first := len(b.ends)
			line, row, rec, ends, err := c.AppendRow(b.rec, b.ends)
			b.rec, b.ends = rec, ends
			if err != nil {
				b.rows = append(b.rows, batchRow{err: err})
				if _, ok := err.(*records.RowError); ok {
					continue
				}
				last = true
				break
			}
			b.rows = append(b.rows, batchRow{line: line, row: row, field: first, n: len(b.ends) - first})
		}
		select {
		case work <- b:
		case <-p.quit:
			return
		}
		select {
		case p.ordered <- b:
		case <-p.quit:
			return
		}
		if last {
			return
		}
	}
}

// stageBatches stages the rows of each batch it receives; checkOnly:
// checks them without writing their lines (dataset.RowPlan.CheckPlain).
// sepPlain says the delimiter after each value is PlainText.
func stageBatches(plan *dataset.RowPlan, seed maphash.Seed, work <-chan *batch, checkOnly, sepPlain bool) {
	var fields [][]byte
	for b := range work {
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
	if r.err != nil {
		row, err := s.row(records.Record{}, r.err)
		return dst, row, err
	}
	if r.ok {
		if !r.dup && !s.keys.add(r.hash) {
			return append(dst, b.out[r.outStart:r.outEnd]...), Row{Line: r.line, Row: r.row}, nil
		}
		pk, sk := string(b.keys[r.pk[0]:r.pk[1]]), string(b.keys[r.sk[0]:r.sk[1]])
		return dst, Row{Line: r.line, Row: r.row, Problems: []Problem{s.duplicate(r.line, r.row, pk, sk)}}, nil
	}
	// The general path decides.
	s.fields = b.fields(r, s.fields)
	vals := make(map[string]any, len(s.fields))
	for i, f := range s.fields {
		vals[s.header[i]] = string(f)
	}
	row, err := s.row(records.Record{Line: r.line, Row: r.row, Values: vals}, nil)
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
