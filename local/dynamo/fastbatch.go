package dynamo

import (
	"bytes"
	"slices"
	"sync"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// The loader's BatchWriteItem, decoded without reflection.
//
// Nearly every request the embedded table answers in a `sluice run` is the
// loader's BatchWriteItem: 25 puts of flat items of strings, numbers and
// booleans. Decoding such a body with encoding/json into typed values (and
// encoding the items again) was about half the table's CPU, so
// decodeFastBatch reads that shape with a byte scanner and encodes each
// item in the store's form on the way. It accepts only a strict subset of
// the requests the general path (decodeBatchWrite, checkBatch) takes
// plainly: one table; 1 to 25 requests, each exactly one PutRequest or
// DeleteRequest; every attribute name a plain string (jsonenc.ScanString)
// given once; every value exactly one of S, N (a plain number within
// DynamoDB's limits), BOOL or NULL (true); the item within 400 KB; members
// named exactly as DynamoDB names them. Anything else (lists, maps,
// binaries, sets, an odd spelling, any error) returns nil, and the general
// path answers it as before, wording its errors. What it accepts it stores
// byte for byte as the general path would (FuzzFastBatchMatchesGeneral).

// fastAttr is one attribute of a fast item: its name as it stands between
// its quotes, and its value as stored ({"S":"..."} and so on).
type fastAttr struct {
	name  []byte
	typ   byte   // 'S', 'N', 'T' (BOOL) or '0' (NULL)
	value []byte // S: the decoded string; N: the number's text
	enc   []byte // the stored form of the value
	size  int    // the value's size as DynamoDB counts it (sizer)
}

// fastItem is one request of a fast batch.
type fastItem struct {
	put   bool
	attrs []fastAttr // sorted by name, names distinct
	item  []byte     // a put's item in the store's form
}

// fastBatch is a BatchWriteItem decoded by decodeFastBatch.
type fastBatch struct {
	table string
	items []fastItem
	slab  *[]fastAttr // the items' attributes, from attrSlabs (see release)
}

// attrSlabs recycles the attribute slabs of decoded write requests: a
// loader's request of 25 items has some 400 attributes, 35 KB of slices
// the garbage collector would otherwise scan and free, thousands of times
// a second.
var attrSlabs = sync.Pool{New: func() any { return new([]fastAttr) }}

// maxKeptAttrs bounds the slabs kept for reuse: a loader's request fits
// many times over.
const maxKeptAttrs = 4096

// release gives fb's attribute slab back for reuse, cleared so that it
// holds on to no request body; fb must not be used after it. A nil fb is
// left alone.
func (fb *fastBatch) release() {
	if fb == nil || fb.slab == nil {
		return
	}
	if cap(*fb.slab) <= maxKeptAttrs {
		clear(*fb.slab) // the rest was never used, or cleared before
		*fb.slab = (*fb.slab)[:0]
		attrSlabs.Put(fb.slab)
	}
	fb.slab, fb.items = nil, nil
}

// fastScanner reads one request body; any surprise sets failed.
type fastScanner struct {
	b      []byte
	i      int
	failed bool
	buf    []byte // the values' stored forms, sliced by fastAttr.enc
	// attrs holds the attributes of every item read, sliced by item: one
	// allocation (or a few) per request instead of one per item.
	attrs []fastAttr
	text  []byte // the last item's text, if its stored form (see item)
	ascii bool   // the last string read was plain ASCII (see scanString)
}

func (s *fastScanner) fail() { s.failed = true }

// expect consumes c after white space.
func (s *fastScanner) expect(c byte) {
	s.i = jsonenc.SkipSpace(s.b, s.i)
	if s.failed || s.i >= len(s.b) || s.b[s.i] != c {
		s.fail()
		return
	}
	s.i++
}

// peek returns the next byte after white space (0 at the end).
func (s *fastScanner) peek() byte {
	s.i = jsonenc.SkipSpace(s.b, s.i)
	if s.failed || s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// scanString is jsonenc.ScanString, reporting besides whether the string
// is plain ASCII (jsonenc.PlainASCII of its value, so also plain) in the
// same pass: the loader's names and values are, and are read once.
func scanString(b []byte, i int) (end int, plain, ascii bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true, true
		case c < 0x20 || c >= 0x7f || c == '\\' || c == '<' || c == '>' || c == '&':
			end, plain = jsonenc.ScanString(b, i)
			return end, plain, false
		}
	}
	return -1, false, false
}

// name reads a member name that is a plain string and its colon;
// s.ascii tells whether it is plain ASCII.
func (s *fastScanner) name() []byte {
	if s.peek() != '"' {
		s.fail()
		return nil
	}
	end, plain, ascii := scanString(s.b, s.i)
	s.ascii = ascii
	if end < 0 || !plain {
		s.fail()
		return nil
	}
	n := s.b[s.i+1 : end-1]
	s.i = end
	s.expect(':')
	return n
}

// open consumes an object's opening brace and reports whether members
// follow (an empty object's closing brace is consumed too).
func (s *fastScanner) open() bool {
	s.expect('{')
	if s.peek() == '}' {
		s.i++
		return false
	}
	return !s.failed
}

// next consumes what follows a member's value and reports whether another
// member follows (false at the closing brace, or on failure).
func (s *fastScanner) next() bool {
	switch s.peek() {
	case ',':
		s.i++
		return !s.failed
	case '}':
		s.i++
		return false
	}
	s.fail()
	return false
}

// object reads the members of an object, calling member after each name
// (positioned at its value), until the closing brace. The hot paths (an
// item's attributes) use open and next instead: a closure per value would
// be an allocation per value.
func (s *fastScanner) object(member func(name []byte)) {
	if !s.open() {
		return
	}
	for !s.failed {
		member(s.name())
		if !s.next() {
			return
		}
	}
}

// str reads a string value and returns its decoded bytes; s.ascii tells
// whether the token was a plain ASCII string (so its bytes are the value).
func (s *fastScanner) str() []byte {
	if s.peek() != '"' {
		s.fail()
		return nil
	}
	end, plain, ascii := scanString(s.b, s.i)
	s.ascii = ascii
	if end < 0 {
		s.fail()
		return nil
	}
	tok := s.b[s.i:end]
	s.i = end
	if plain {
		return tok[1 : len(tok)-1]
	}
	v, ok := jsonenc.Unquote(tok)
	if !ok {
		s.fail()
		return nil
	}
	return []byte(v)
}

// literal consumes the literal word.
func (s *fastScanner) literal(word string) bool {
	s.i = jsonenc.SkipSpace(s.b, s.i)
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// attr reads one attribute value, {"S":...} and so on, into a. Its stored
// form (a.enc) is its text in the body where that is already the form the
// store writes (compact, a string of plain ASCII: what the loader sends),
// else is written to s.buf. It reports whether a.enc is the body's text.
func (s *fastScanner) attr(a *fastAttr) bool {
	from := jsonenc.SkipSpace(s.b, s.i)
	if !s.open() {
		s.fail() // no type
		return false
	}
	name := s.name()
	var stored string // the stored form of a BOOL or NULL
	ascii := false    // an S value is plain ASCII
	switch string(name) {
	case "S":
		a.typ, a.value = 'S', s.str()
		a.size = len(a.value)
		ascii = s.ascii
	case "N":
		a.typ, a.value = 'N', s.str()
		var err error
		var short bool
		if s.failed || jsonenc.ScanNumber(a.value, 0) != len(a.value) { // jsonenc.ValidNumber, without a copy
			s.fail()
		} else if a.size, short = shortNumberSize(a.value); short {
			// within DynamoDB's limits
		} else if a.size, err = numberSize(string(a.value)); err != nil {
			s.fail() // the general path words the error
		}
	case "BOOL":
		a.typ, a.size = 'T', 1
		switch {
		case s.literal("true"):
			stored = `{"BOOL":true}`
		case s.literal("false"):
			stored = `{"BOOL":false}`
		default:
			s.fail()
		}
	case "NULL":
		a.typ, a.size = '0', 1
		if !s.literal("true") {
			s.fail() // NULL false is not plain
		}
		stored = `{"NULL":true}`
	default:
		s.fail()
	}
	if s.next() {
		s.fail() // a second type
	}
	if s.failed {
		return false
	}
	// The text read is {"S":"...."} at the least, 8 bytes around the
	// value: exactly that long, it holds no space and no escape, and is
	// the stored form if appendJSONBytes copies the value as it is.
	text := s.b[from:s.i:s.i]
	switch a.typ {
	case 'S':
		if len(text) == len(a.value)+8 && ascii {
			a.enc = text
			return true
		}
		start := len(s.buf)
		s.buf = append(appendJSONBytes(append(s.buf, `{"S":`...), a.value), '}')
		a.enc = s.buf[start:len(s.buf):len(s.buf)]
	case 'N': // a valid number's text holds no escape
		if len(text) == len(a.value)+8 {
			a.enc = text
			return true
		}
		start := len(s.buf)
		s.buf = append(append(append(s.buf, `{"N":"`...), a.value...), `"}`...)
		a.enc = s.buf[start:len(s.buf):len(s.buf)]
	default:
		if string(text) == stored {
			a.enc = text
			return true
		}
		start := len(s.buf)
		s.buf = append(s.buf, stored...)
		a.enc = s.buf[start:len(s.buf):len(s.buf)]
	}
	return false
}

// byName orders attributes by name.
func byName(a, b fastAttr) int { return bytes.Compare(a.name, b.name) }

// requestItems reads a whole body of the form {"RequestItems": {TABLE: ...}}
// naming exactly one table, calling table to read what the table maps to.
// Anything else (another member, a second table, trailing text) fails the
// scan: the general path answers it.
func (s *fastScanner) requestItems(table func(name []byte)) {
	tables := 0
	s.object(func(name []byte) {
		if string(name) != "RequestItems" || tables > 0 {
			s.fail()
			return
		}
		s.object(func(name []byte) {
			if tables++; tables > 1 {
				s.fail()
				return
			}
			table(name)
		})
	})
	if tables != 1 || jsonenc.SkipSpace(s.b, s.i) != len(s.b) {
		s.fail()
	}
}

// array reads a JSON array of at most max elements, each read by elem. An
// empty or longer array fails the scan: the general path answers it (and
// refuses it with DynamoDB's error).
func (s *fastScanner) array(max int, elem func()) {
	s.expect('[')
	if s.peek() == ']' {
		s.fail()
		return
	}
	for n := 1; !s.failed; n++ {
		elem()
		if n > max {
			s.fail()
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.fail()
		}
	}
}

// item reads an item (or a key) and returns its attributes sorted by name,
// a slice of s.attrs. s.text is then the item's text in the body if that
// is already the item's stored form (appendFastItem's: attributes in name
// order, compact, names of plain ASCII, every value's text its stored
// form), else nil.
func (s *fastScanner) item() []fastAttr {
	start := len(s.attrs)
	from := jsonenc.SkipSpace(s.b, s.i)
	size := 1 // of the stored form: braces, commas, and per attribute "name":enc
	verbatim := true
	if s.open() {
		for !s.failed {
			name := s.name()
			if len(name) == 0 {
				s.fail()
				break
			}
			ascii := s.ascii
			s.attrs = append(s.attrs, fastAttr{name: name})
			a := &s.attrs[len(s.attrs)-1]
			inBody := s.attr(a)
			size += len(name) + 4 + len(a.enc)
			verbatim = verbatim && inBody && ascii
			if !s.next() {
				break
			}
		}
	}
	attrs := s.attrs[start:len(s.attrs):len(s.attrs)]
	if !slices.IsSortedFunc(attrs, byName) {
		slices.SortFunc(attrs, byName)
		verbatim = false
	}
	for i := 1; i < len(attrs); i++ {
		if bytes.Equal(attrs[i-1].name, attrs[i].name) {
			s.fail() // encoding/json keeps the last: left to it
		}
	}
	s.text = nil
	if text := s.b[from:s.i:s.i]; verbatim && !s.failed && len(attrs) > 0 && len(text) == size {
		s.text = text
	}
	return attrs
}

// request reads one WriteRequest.
func (s *fastScanner) request() fastItem {
	var it fastItem
	n := 0
	s.object(func(name []byte) {
		if n++; n > 1 {
			s.fail()
			return
		}
		var member string
		switch string(name) {
		case "PutRequest":
			it.put, member = true, "Item"
		case "DeleteRequest":
			member = "Key"
		default:
			s.fail()
			return
		}
		m := 0
		s.object(func(name []byte) {
			if m++; m > 1 || string(name) != member {
				s.fail()
				return
			}
			if it.attrs = s.item(); it.put {
				it.item = s.text
			}
		})
		if m != 1 {
			s.fail()
		}
	})
	if n != 1 {
		s.fail()
	}
	return it
}

// decodeFastBatch decodes a BatchWriteItem of the loader's shape (see
// above), or returns nil.
func decodeFastBatch(body []byte) *fastBatch {
	// About one attribute per 30 bytes of the loader's bodies (35 for
	// its orders): the slab rarely grows.
	slab := attrSlabs.Get().(*[]fastAttr)
	if want := len(body)/30 + 2; cap(*slab) < want {
		*slab = make([]fastAttr, 0, want)
	}
	s := &fastScanner{b: body, attrs: (*slab)[:0]}
	fb := &fastBatch{slab: slab}
	s.requestItems(func(table []byte) {
		fb.table = string(table)
		s.array(maxBatchWrite, func() { fb.items = append(fb.items, s.request()) })
	})
	*slab = s.attrs // grown, maybe
	if s.failed {
		fb.release()
		return nil
	}
	total := 0 // the length of the stored forms to write, for one buffer
	for i := range fb.items {
		it := &fb.items[i]
		if !it.put {
			continue
		}
		size := 0
		for _, a := range it.attrs {
			size += len(a.name) + a.size
			if it.item == nil {
				total += len(a.name) + 4 + len(a.enc) // quotes, colon, comma
			}
		}
		if size > maxItemBytes {
			fb.release()
			return nil // the general path words the error
		}
		if it.item == nil {
			total += 2
		}
	}
	if total == 0 {
		return fb // every item's text is its stored form (the loader's)
	}
	items := make([]byte, 0, total)
	for i := range fb.items {
		if it := &fb.items[i]; it.put && it.item == nil {
			start := len(items)
			items = appendFastItem(items, it.attrs)
			it.item = items[start:len(items):len(items)]
		}
	}
	return fb
}

// appendFastItem appends an item in the store's form, as appendItem does.
func appendFastItem(b []byte, attrs []fastAttr) []byte {
	b = append(b, '{')
	for i, a := range attrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONBytes(b, a.name)
		b = append(b, ':')
		b = append(b, a.enc...)
	}
	return append(b, '}')
}

// appendJSONBytes is appendJSONString for bytes, copying the common plain
// ones as they are.
func appendJSONBytes(b, s []byte) []byte {
	if jsonenc.PlainASCII(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return appendJSONString(b, string(s))
}

// fastOps returns the writes of a fast batch with their storage keys, or
// false if the batch is not plain after all for the table (unknown table,
// a key attribute missing, of another type or empty, a key of other
// attributes, a key given twice): the general path then answers it.
// Tables whose keys are strings only take this path.
func (s *levelStore) fastOps(fb *fastBatch) ([]batchOp, bool) {
	t := s.tables[fb.table]
	if t == nil || t.keyType(t.Hash) != "S" || (t.Range != "" && t.keyType(t.Range) != "S") {
		return nil, false
	}
	ops := make([]batchOp, 0, len(fb.items))
	lo, _ := tableBounds(t.Name)
	size := 0 // of all the keys, for one buffer for them all
	for _, it := range fb.items {
		size += len(lo) + 8 // types and terminators
		for _, a := range it.attrs {
			if a.typ == 'S' {
				size += len(a.value) // more than enough: the key's two only
			}
		}
	}
	keys := make([]byte, 0, size)
	for _, it := range fb.items {
		if !it.put && len(it.attrs) != t.keyCount() {
			return nil, false
		}
		start := len(keys)
		k := append(keys, lo...)
		for _, name := range [2]string{t.Hash, t.Range} {
			if name == "" {
				continue
			}
			j, found := slices.BinarySearchFunc(it.attrs, name, func(a fastAttr, name string) int { return bytes.Compare(a.name, []byte(name)) })
			if !found || it.attrs[j].typ != 'S' || len(it.attrs[j].value) == 0 {
				return nil, false
			}
			k = appendEscaped(append(k, 'S'), it.attrs[j].value)
		}
		keys, k = k, k[start:len(k):len(k)]
		for _, op := range ops { // at most 25: no map needed
			if bytes.Equal(op.key, k) {
				return nil, false
			}
		}
		ops = append(ops, batchOp{key: k, encoded: it.item})
	}
	return ops, true
}

// shortNumberSize is numberSize for a plain number (jsonenc.ValidNumber)
// of at most 38 characters and no exponent, without allocating: such a
// number is within DynamoDB's precision and range. It reports false for
// any other number, which numberSize then measures.
func shortNumberSize(v []byte) (int, bool) {
	if len(v) > maxNumberDigits {
		return 0, false
	}
	first, last, d := -1, -1, 0 // ordinals of the first and last nonzero digits
	for _, c := range v {
		switch {
		case c == 'e' || c == 'E':
			return 0, false
		case c >= '1' && c <= '9':
			if first < 0 {
				first = d
			}
			last = d
			d++
		case c == '0':
			d++
		}
	}
	if first < 0 {
		return 1, true // zero
	}
	return 1 + (last-first+2)/2, true
}
