package dynamo

import (
	"bytes"
	"errors"
	"slices"

	"github.com/sluicehq/sluice/internal/jsonenc"
	"github.com/syndtr/goleveldb/leveldb"
)

// The loader's and the enricher's BatchGetItem, decoded without
// reflection.
//
// After the loader's writes, the requests the embedded table answers most
// are BatchGetItems of one table: the loader reads the stored versions of
// every 100 items it is about to write (keys projected to #pk, #sk, #o),
// the enricher looks up its reference items (whole items). Decoding such a
// body with encoding/json (once into a map, once into typed values) cost as
// much as the reads themselves. decodeFastGet reads that shape with the
// batch writer's byte scanner and accepts only a strict subset of what
// batchGetDirect answers: one table; its members exactly Keys (1 to 100
// keys, each an item of plain values as decodeFastBatch reads them),
// ConsistentRead (true or false), ProjectionExpression (a string) and
// ExpressionAttributeNames (strings), each at most once. Anything else
// returns nil and the general path answers it, as before. What it accepts
// is answered byte for byte as the general path answers it
// (FuzzFastGetMatchesGeneral).

// fastGet is a BatchGetItem decoded by decodeFastGet.
type fastGet struct {
	table      string
	keys       [][]fastAttr
	projection *string
	names      map[string]string
}

// decodeFastGet decodes a BatchGetItem of the shape above, or returns nil.
func decodeFastGet(body []byte) *fastGet {
	s := &fastScanner{b: body, attrs: make([]fastAttr, 0, len(body)/20+2)}
	var fg fastGet
	s.requestItems(func(table []byte) {
		fg.table = string(table)
		var seen [4]bool
		once := func(i int) {
			if seen[i] {
				s.fail() // encoding/json keeps the last: left to it
			}
			seen[i] = true
		}
		s.object(func(member []byte) {
			switch string(member) {
			case "Keys":
				once(0)
				s.keys(&fg)
			case "ConsistentRead":
				once(1)
				if !s.literal("true") && !s.literal("false") {
					s.fail()
				}
			case "ProjectionExpression":
				once(2)
				p := string(s.str())
				fg.projection = &p
			case "ExpressionAttributeNames":
				once(3)
				fg.names = map[string]string{}
				s.object(func(alias []byte) {
					if _, dup := fg.names[string(alias)]; dup {
						s.fail()
					}
					fg.names[string(alias)] = string(s.str())
				})
			default:
				s.fail()
			}
		})
	})
	if len(fg.keys) == 0 {
		s.fail()
	}
	if s.failed {
		return nil
	}
	return &fg
}

// keys reads the array of a BatchGetItem's keys into fg.
func (s *fastScanner) keys(fg *fastGet) {
	s.array(maxBatchGet, func() { fg.keys = append(fg.keys, s.item()) })
}

// batchGetFast answers a BatchGetItem decoded by decodeFastGet as
// batchGetDirect does, or reports false if it is not plain for the table
// after all (unknown table, keys not strings, a key of other attributes or
// empty, a key given twice, a projection that is not of #aliases alone):
// the general path then answers it.
func (s *levelStore) batchGetFast(fg *fastGet) ([]byte, bool, error) {
	t := s.tables[fg.table]
	if t == nil || t.keyType(t.Hash) != "S" || (t.Range != "" && t.keyType(t.Range) != "S") {
		return nil, false, nil
	}
	names, ok := aliasProjection(keysAndAttributes{ProjectionExpression: fg.projection, ExpressionAttributeNames: fg.names})
	if !ok {
		return nil, false, nil
	}
	keys := make([][]byte, len(fg.keys))
	lo, _ := tableBounds(t.Name)
	size := 0 // of all the keys, for one buffer for them all
	for _, attrs := range fg.keys {
		size += len(lo) + 8 // types and terminators
		for _, a := range attrs {
			size += len(a.value) // more than enough: the key's two only
		}
	}
	buf := make([]byte, 0, size)
	for i, attrs := range fg.keys {
		if len(attrs) != t.keyCount() {
			return nil, false, nil
		}
		start := len(buf)
		k := append(buf, lo...)
		for _, name := range [2]string{t.Hash, t.Range} {
			if name == "" {
				continue
			}
			j, found := slices.BinarySearchFunc(attrs, name, func(a fastAttr, name string) int { return bytes.Compare(a.name, []byte(name)) })
			if !found || attrs[j].typ != 'S' || len(attrs[j].value) == 0 {
				return nil, false, nil
			}
			k = appendEscaped(append(k, 'S'), attrs[j].value)
		}
		buf, keys[i] = k, k[start:len(k):len(k)]
	}
	// A key asked twice is left to the general path (which refuses it):
	// found by sorting, not by comparing every pair of up to 100 keys.
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, bytes.Compare)
	for i := 1; i < len(sorted); i++ {
		if bytes.Equal(sorted[i-1], sorted[i]) {
			return nil, false, nil
		}
	}
	out := appendJSONString(append(make([]byte, 0, 256), `{"Responses":{`...), fg.table)
	out = append(out, ":["...)
	fresh, err := s.absent.isFresh(s.db, t.Name)
	if err != nil {
		return nil, false, err
	}
	// One snapshot for all the reads (LevelDB takes one per Get
	// otherwise), taken at the first key absent cannot answer.
	var snap *leveldb.Snapshot
	n := 0
	for _, k := range keys {
		if fresh && s.absent.proves(k) {
			continue
		}
		if snap == nil {
			if snap, err = s.db.GetSnapshot(); err != nil {
				return nil, false, err
			}
			defer snap.Release()
		}
		item, err := snap.Get(k, nil)
		if errors.Is(err, leveldb.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if names != nil {
			if p, ok := projectPlain(item, names); ok {
				item = p
			} else if item, err = project(item, names); err != nil {
				return nil, false, err
			}
			if item == nil {
				continue
			}
		}
		if n++; n > 1 {
			out = append(out, ',')
		}
		out = append(out, item...)
	}
	return append(out, "]}}\n"...), true, nil
}

// projectPlain is project for a stored item whose attribute names are
// plain strings (jsonenc.ScanString) and whose named attributes are of
// the types the fast batch writer reads (S, N, BOOL, NULL): it copies the
// named ones, their numbers in canonical form, without decoding the rest.
// It reports false for any other item, which project then answers.
func projectPlain(item []byte, names map[string]bool) ([]byte, bool) {
	s := &fastScanner{b: item}
	out := make([]byte, 0, 128)
	out = append(out, '{')
	n := 0
	if s.open() {
		for !s.failed {
			name := s.name()
			start := jsonenc.SkipSpace(item, s.i)
			var a fastAttr
			s.attr(&a) // consumes the value's closing brace
			if !s.failed && names[string(name)] {
				if n++; n > 1 {
					out = append(out, ',')
				}
				out = append(appendJSONBytes(out, name), ':')
				if raw := item[start:s.i]; a.typ == 'N' {
					out = append(append(append(out, `{"N":"`...), canonicalNumber(string(a.value))...), `"}`...)
				} else if !compactAsIs(raw) {
					return nil, false // left to project, which compacts it
				} else {
					out = append(out, raw...)
				}
			}
			if !s.next() {
				break
			}
		}
	}
	if s.failed || jsonenc.SkipSpace(item, s.i) != len(item) {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	return append(out, '}'), true
}

// compactAsIs tells whether encoding/json writes the JSON value raw as it
// is when it marshals it as a json.RawMessage: no white space to compact,
// no HTML character to escape, no byte that may start U+2028 or U+2029.
func compactAsIs(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n', '<', '>', '&', 0xe2:
			return false
		}
	}
	return true
}
