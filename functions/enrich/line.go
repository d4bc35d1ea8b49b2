package enrich

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/records"
	"github.com/sluicehq/sluice/internal/jsonenc"
)

// The line path. A staged line is, nearly always, exactly what
// records.Writer writes for its record: one compact object, keys sorted,
// every value in the writer's form. The enricher then need not decode the
// line into a map and encode the map again: it splices the attributes it
// adds (metadata, looked-up fields, calculated fields) into the line's
// bytes at their sorted places, decoding only the values its lookups and
// expressions read. The result is byte for byte what the map path gives
// (TestLinePathMatchesMapPath, FuzzLinePath; the golden files of
// TestExamplesEnrichAsBefore and TestLineCasesEnrichAsBefore were written
// by the enricher before the line path existed), because a line takes the line
// path only when scanLine proves it canonical; any other line (nesting,
// white space, unsorted or odd keys, escapes the writer would write
// differently) is decoded into a map and enriched as before.

// plan is what the enricher writes for one dataset, worked out once and
// kept by the Handler: the attributes it may set (its slots), sorted as
// the writer sorts keys. It is safe for concurrent use.
type plan struct {
	// lines: records may take the line path. False when an HTTP
	// enrichment (which reads whole records) or a calculated field that
	// reads every name ($env) is declared.
	lines bool
	// names are the attributes the enricher may set, sorted and unique;
	// raw the same as bytes, keys as `"name":`.
	names []string
	raw   [][]byte
	keys  [][]byte
	slot  map[string]int
	// Slots of the metadata.
	sourceKey, sourceVersion, ingestedAt, execution, line int
	lookups                                               []lookupPlan
	// calcSlots is the slot of each calculated field; calcNames the
	// names Calculate reads or writes (inputs and results), which the
	// line path hands it as a small record.
	calcSlots []int
	calcNames []string
	// arith holds every calculated field as a dataset.Arith, which the
	// line path computes from the operands' text; nil when one has
	// another form.
	arith []*dataset.Arith
	// blocks keeps blocks for the next chunks.
	blocks sync.Pool
}

// lookupPlan is a lookup's slots: its copied fields in the order of
// names, then its flag.
type lookupPlan struct {
	copies []copyField
	flag   int // -1: none
}

type copyField struct {
	slot int
	from string
}

func newPlan(ds *dataset.Dataset) *plan {
	p := &plan{lines: len(ds.Enrichment.HTTP) == 0, slot: map[string]int{}}
	names := []string{AttrSourceKey, AttrSourceVersion, AttrIngestedAt, AttrExecution, AttrLine}
	for _, l := range ds.Enrichment.Lookups {
		for field := range l.Copy {
			names = append(names, field)
		}
		if l.MissingFlag != "" {
			names = append(names, l.MissingFlag)
		}
	}
	for _, cf := range ds.Enrichment.Calculated {
		names = append(names, cf.Name)
	}
	slices.Sort(names)
	p.names = slices.Compact(names)
	for i, n := range p.names {
		p.slot[n] = i
		p.raw = append(p.raw, []byte(n))
		p.keys = append(p.keys, append(jsonenc.AppendString(nil, n), ':'))
	}
	p.sourceKey, p.sourceVersion, p.ingestedAt = p.slot[AttrSourceKey], p.slot[AttrSourceVersion], p.slot[AttrIngestedAt]
	p.execution, p.line = p.slot[AttrExecution], p.slot[AttrLine]
	for _, l := range ds.Enrichment.Lookups {
		lp := lookupPlan{flag: -1}
		for field, from := range l.Copy {
			lp.copies = append(lp.copies, copyField{p.slot[field], from})
		}
		slices.SortFunc(lp.copies, func(a, b copyField) int { return a.slot - b.slot })
		if l.MissingFlag != "" {
			lp.flag = p.slot[l.MissingFlag]
		}
		p.lookups = append(p.lookups, lp)
	}
	var calcNames []string
	for i, cf := range ds.Enrichment.Calculated {
		p.calcSlots = append(p.calcSlots, p.slot[cf.Name])
		in, all := ds.CalculatedInputs(i)
		if all {
			p.lines = false
		}
		calcNames = append(calcNames, in...)
		calcNames = append(calcNames, cf.Name)
	}
	slices.Sort(calcNames)
	p.calcNames = slices.Compact(calcNames)
	for i := range ds.Enrichment.Calculated {
		a := ds.Arith(i)
		if a == nil {
			p.arith = nil
			break
		}
		p.arith = append(p.arith, a)
	}
	return p
}

// member is one property of a canonical line: the key's opening quote at
// key, the value from val to end.
type member struct{ key, val, end int32 }

// scanLine appends the members of line to mem and reports whether line is
// canonical: exactly the bytes records.Writer writes for the record it
// decodes to. That is a compact object of plain keys in strictly
// increasing order whose values are numbers, true, false, null or strings
// written as jsonenc.AppendString writes them. Anything else is left to
// the map path, which handles (or refuses) every line as before.
func scanLine(line []byte, mem []member, scratch []byte) ([]member, []byte, bool) {
	n := len(line)
	// U+2028 and U+2029 (which the writer escapes) can only be in
	// strings: one look at the line clears every string of them.
	if n < 2 || n > 1<<30 || line[0] != '{' || line[n-1] != '}' || !canonicalPlain(line) {
		return mem, scratch, false
	}
	if n == 2 {
		return mem, scratch, true
	}
	var prev []byte
	first := true
	for i := 1; ; {
		if line[i] != '"' {
			return mem, scratch, false
		}
		end, plain := jsonenc.ScanString(line, i)
		if end < 0 || !plain || end >= n || line[end] != ':' {
			return mem, scratch, false
		}
		key := line[i+1 : end-1]
		if !first && bytes.Compare(prev, key) >= 0 {
			return mem, scratch, false
		}
		j := end + 1
		switch c := line[j]; {
		case c == '"':
			e, plain := jsonenc.ScanString(line, j)
			if e < 0 {
				return mem, scratch, false
			}
			if !plain {
				// Escapes: canonical when the writer would write the
				// same escapes (\n, \", \u001f; not \u00e9 or \/).
				s, ok := jsonenc.Unquote(line[j:e])
				if !ok {
					return mem, scratch, false
				}
				scratch = jsonenc.AppendString(scratch[:0], s)
				if !bytes.Equal(scratch, line[j:e]) {
					return mem, scratch, false
				}
			}
			j = e
		case c == '-' || (c >= '0' && c <= '9'):
			if j = jsonenc.ScanNumber(line, j); j < 0 {
				return mem, scratch, false
			}
		case bytes.HasPrefix(line[j:], []byte("true")):
			j += 4
		case bytes.HasPrefix(line[j:], []byte("false")):
			j += 5
		case bytes.HasPrefix(line[j:], []byte("null")):
			j += 4
		default:
			return mem, scratch, false
		}
		mem = append(mem, member{int32(i), int32(end + 1), int32(j)})
		prev, first = key, false
		switch {
		case j == n-1:
			return mem, scratch, true
		case line[j] == ',':
			i = j + 1
		default:
			return mem, scratch, false
		}
	}
}

// canonicalPlain reports whether b holds neither U+2028 nor U+2029:
// jsonenc.AppendString writes a plain string (no escapes, no control
// characters, valid UTF-8) as it is unless it holds one of them.
func canonicalPlain(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("\xe2\x80"))
		if i < 0 || i+2 >= len(b) {
			return true
		}
		if c := b[i+2]; c == 0xa8 || c == 0xa9 {
			return false
		}
		b = b[i+2:]
	}
}

// slot states.
const (
	unset uint8 = iota // the line's own value, if any, stays
	set                // replaced (or added) by val, written as enc
	del                // removed
)

// slot is one attribute the enricher sets on a line-path record.
type slot struct {
	state uint8
	// num: the value is the json.Number enc (made when read: most
	// calculated values are only written).
	num bool
	val any
	enc []byte
}

// entry is one record of a block: a canonical line with its slots (the
// line path) or a decoded record (the map path, m non-nil).
type entry struct {
	line       int64 // line number in the chunk
	start, end int   // the line in the block's arena
	mem        []member
	slots      []slot
	m          map[string]any
}

// block holds up to blockSize records and their buffers, reused from
// block to block.
type block struct {
	p        *plan
	entries  []entry
	arena    []byte   // the lines, back to back
	mem      []member // the members of every line
	slots    []slot
	enc      []byte // encodings of per-record values (slots' enc point here)
	scratch  []byte
	scratch2 []byte
	saved    []slot
	calc     map[string]any // the record Calculate gets on the line path
}

// block returns an empty block, a kept one when there is one.
func (p *plan) block() *block {
	if b, ok := p.blocks.Get().(*block); ok {
		return b
	}
	return &block{p: p, entries: make([]entry, 0, blockSize), slots: make([]slot, blockSize*len(p.names))}
}

// keep keeps b for another chunk.
func (p *plan) keep(b *block) {
	b.reset()
	p.blocks.Put(b)
}

func (b *block) reset() {
	clear(b.entries) // drop the maps of the map path
	b.entries = b.entries[:0]
	b.arena = b.arena[:0]
	b.mem = b.mem[:0]
	b.enc = b.enc[:0]
	clear(b.slots)
}

// addLine adds the line as a line-path record if it is canonical and
// reports whether it did.
func (b *block) addLine(line []byte, lineNo int64) bool {
	from := len(b.mem)
	var ok bool
	b.mem, b.scratch, ok = scanLine(line, b.mem, b.scratch)
	if !ok {
		b.mem = b.mem[:from]
		return false
	}
	n := len(b.entries)
	start := len(b.arena)
	b.arena = append(b.arena, line...)
	b.entries = append(b.entries, entry{
		line: lineNo, start: start, end: len(b.arena),
		mem:   b.mem[from:len(b.mem):len(b.mem)],
		slots: b.slots[n*len(b.p.names) : (n+1)*len(b.p.names)],
	})
	return true
}

// addRecord adds a decoded record (the map path).
func (b *block) addRecord(m map[string]any, lineNo int64) {
	b.entries = append(b.entries, entry{line: lineNo, m: m})
}

func (b *block) raw(e *entry) []byte { return b.arena[e.start:e.end] }

// member returns the index of the member named name of a line-path
// record, or -1.
func (b *block) member(e *entry, name string) int {
	raw := b.raw(e)
	for i, m := range e.mem {
		if string(raw[m.key+1:m.val-2]) == name {
			return i
		}
	}
	return -1
}

// get returns the record's value of name as the map path holds it.
func (b *block) get(e *entry, name string) (any, bool) {
	if e.m != nil {
		v, ok := e.m[name]
		return v, ok
	}
	if i, ok := b.p.slot[name]; ok {
		switch s := &e.slots[i]; s.state {
		case set:
			if s.num {
				return jsonNumber(string(s.enc)), true
			}
			return s.val, true
		case del:
			return nil, false
		}
	}
	i := b.member(e, name)
	if i < 0 {
		return nil, false
	}
	m := e.mem[i]
	return decodeValue(b.raw(e)[m.val:m.end]), true
}

// decodeValue decodes a value scanLine accepted, as records decodes it.
func decodeValue(v []byte) any {
	switch v[0] {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1])
		}
		s, _ := jsonenc.Unquote(v)
		return s
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	}
	return jsonNumber(string(v))
}

// text returns the text dataset.Text gives the record's value of name,
// without allocating for a line-path string or number, and whether the
// value is present, not null and not "" (what a lookup needs to form a
// key). The bytes may alias the arena or scratch.
func (b *block) text(e *entry, name string) ([]byte, bool) {
	if e.m == nil {
		s, isSlot := b.p.slot[name]
		if !isSlot || e.slots[s].state == unset {
			i := b.member(e, name)
			if i < 0 {
				return nil, false
			}
			m := e.mem[i]
			v := b.raw(e)[m.val:m.end]
			switch {
			case v[0] == 'n':
				return nil, false
			case v[0] != '"':
				return v, true // a number, true or false: its text
			case bytes.IndexByte(v, '\\') < 0:
				return v[1 : len(v)-1], len(v) > 2
			}
		}
	}
	v, ok := b.get(e, name)
	if !ok || v == nil || v == "" {
		return nil, false
	}
	b.scratch = append(b.scratch[:0], dataset.Text(v)...)
	return b.scratch, true
}

// arith computes the calculated fields of a line-path record with
// dataset.Arith and reports whether it could; false leaves them to
// dataset.Calculate (an operand absent, not a number, beyond 64 bits).
func (b *block) arith(e *entry) bool {
	p := b.p
	if p.arith == nil {
		return false
	}
	// The slots as they were, for Calculate if Arith cannot finish.
	b.saved = b.saved[:0]
	for _, s := range p.calcSlots {
		b.saved = append(b.saved, e.slots[s])
	}
	for ci, a := range p.arith {
		x, ok := b.numText(e, a.X, &b.scratch)
		if ok {
			var y []byte
			if y, ok = b.numText(e, a.Y, &b.scratch2); ok {
				from := len(b.enc)
				if b.enc, ok = a.AppendValue(b.enc, x, y); ok {
					e.slots[p.calcSlots[ci]] = slot{state: set, num: true, enc: b.enc[from:len(b.enc):len(b.enc)]}
					continue
				}
			}
		}
		for i := len(p.calcSlots) - 1; i >= 0; i-- {
			e.slots[p.calcSlots[i]] = b.saved[i]
		}
		return false
	}
	return true
}

// numText returns the text of the record's number (or string) name, as
// the expression engine reads it, using *buf when it must copy.
func (b *block) numText(e *entry, name string, buf *[]byte) ([]byte, bool) {
	if i, ok := b.p.slot[name]; ok {
		switch s := &e.slots[i]; s.state {
		case set:
			if s.num {
				return s.enc, true
			}
			switch v := s.val.(type) {
			case string:
				*buf = append((*buf)[:0], v...)
				return *buf, true
			case json.Number:
				*buf = append((*buf)[:0], v...)
				return *buf, true
			}
			return nil, false
		case del:
			return nil, false
		}
	}
	i := b.member(e, name)
	if i < 0 {
		return nil, false
	}
	m := e.mem[i]
	v := b.raw(e)[m.val:m.end]
	switch c := v[0]; {
	case c == '-' || (c >= '0' && c <= '9'):
		return v, true
	case c == '"' && bytes.IndexByte(v, '\\') < 0:
		return v[1 : len(v)-1], true
	}
	return nil, false
}

// set sets attribute slot i of the record to v, whose encoding
// (records.AppendValue) is enc.
func (b *block) set(e *entry, i int, v any, enc []byte) {
	if e.m != nil {
		e.m[b.p.names[i]] = v
		return
	}
	e.slots[i] = slot{state: set, val: v, enc: enc}
}

// setValue is set for a value not encoded yet.
func (b *block) setValue(e *entry, i int, v any) error {
	if e.m != nil {
		e.m[b.p.names[i]] = v
		return nil
	}
	from := len(b.enc)
	var err error
	if b.enc, err = records.AppendValue(b.enc, v); err != nil {
		return err
	}
	b.set(e, i, v, b.enc[from:len(b.enc):len(b.enc)])
	return nil
}

// Encodings of the flags.
var encTrue, encFalse = []byte("true"), []byte("false")

// remove removes attribute slot i from the record.
func (b *block) remove(e *entry, i int) {
	if e.m != nil {
		delete(e.m, b.p.names[i])
		return
	}
	e.slots[i] = slot{state: del}
}

// setLine sets _line to the chunk's line number unless the record has it.
func (b *block) setLine(e *entry) {
	if e.m != nil {
		if _, ok := e.m[AttrLine]; !ok {
			e.m[AttrLine] = e.line
		}
		return
	}
	if b.member(e, AttrLine) >= 0 {
		return
	}
	from := len(b.enc)
	b.enc = strconv.AppendInt(b.enc, e.line, 10)
	e.slots[b.p.line] = slot{state: set, val: e.line, enc: b.enc[from:len(b.enc):len(b.enc)]}
}

// appendEntry appends the enriched record as one JSON line: the line's
// members and the set slots merged in key order (the line path), or the
// map as records.Writer writes it.
func (b *block) appendEntry(dst []byte, e *entry) ([]byte, error) {
	if e.m != nil {
		return records.AppendRecord(dst, e.m)
	}
	raw := b.raw(e)
	dst = append(dst, '{')
	first := true
	sep := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	mi, si := 0, 0
	for mi < len(e.mem) || si < len(e.slots) {
		if si < len(e.slots) && e.slots[si].state == unset {
			si++
			continue
		}
		c := 1 // the member comes first
		if si < len(e.slots) {
			c = -1
			if mi < len(e.mem) {
				m := e.mem[mi]
				c = bytes.Compare(b.p.raw[si], raw[m.key+1:m.val-2])
			}
		}
		if c >= 0 {
			if c == 0 {
				si++ // replaced below, or removed
				s := &e.slots[si-1]
				mi++
				if s.state == set {
					sep()
					dst = append(dst, b.p.keys[si-1]...)
					dst = append(dst, s.enc...)
				}
				continue
			}
			m := e.mem[mi]
			sep()
			dst = append(dst, raw[m.key:m.end]...)
			mi++
			continue
		}
		if s := &e.slots[si]; s.state == set {
			sep()
			dst = append(dst, b.p.keys[si]...)
			dst = append(dst, s.enc...)
		}
		si++
	}
	return append(dst, '}', '\n'), nil
}
