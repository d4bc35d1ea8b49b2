package local

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/internal/jsonenc"
)

// lineWriter turns items as the embedded table store holds them (DynamoDB
// JSON: {"name":{"S":"x"},...}) straight into the lines sluice table scan
// prints, byte for byte what WriteJSONLine writes of the items scanItems
// gives (see scanTable): member names sorted at every level, strings
// escaped as json.Marshal escapes them, and either plain values (typed
// false: numbers as JSON numbers, binary as base64, sets as arrays, NULL
// as null) or DynamoDB's typed form. It reads the stored JSON in place,
// without building a map per item; its buffers are reused from item to
// item. Anything unusual in a string (escapes, HTML characters, invalid
// UTF-8) is decoded and re-encoded the way encoding/json does.
type lineWriter struct {
	typed bool
	// prefix is the dataset's: an item whose _source_key (a string) lies
	// elsewhere is skipped.
	prefix string
	// members holds the member lists of the objects being written, one
	// per nesting depth, reused.
	members [][]member
	bin     []byte // scratch for decoded binary values
}

// member is one member of a stored object: its decoded name, the name as
// json.Marshal writes it, and its attribute value.
type member struct {
	name, quoted []byte
	attrValue
}

// attrValue is a stored attribute value, {"T": v}, in parts: its type
// (nil for a value stored without one, {}) and the raw JSON of v; simple
// when v is a string token that json.Marshal writes as it is.
type attrValue struct {
	typ, val []byte
	simple   bool
}

// errStoredItem is what a stored item that is not DynamoDB JSON gives.
var errStoredItem = errors.New("malformed stored item")

// appendLine appends to dst the output line (with its newline) of one
// stored item, and reports false, leaving dst as it was, for an item the
// prefix filter skips.
func (w *lineWriter) appendLine(dst, raw []byte) ([]byte, bool, error) {
	n := len(dst)
	dst, end, skip, err := w.object(dst, raw, 0, true)
	if err != nil {
		return dst[:n], false, err
	}
	if jsonenc.SkipSpace(raw, end) != len(raw) {
		return dst[:n], false, errStoredItem
	}
	if skip {
		return dst[:n], false, nil
	}
	return append(dst, '\n'), true, nil
}

// object writes the object of attribute values that starts raw (an item
// when top, else an M's value) with its members sorted by name, and
// returns the index past it; for the item, whether the prefix filter
// skips it.
func (w *lineWriter) object(dst, raw []byte, depth int, top bool) ([]byte, int, bool, error) {
	i := 0
	for depth >= len(w.members) { // lists nest without a member list
		w.members = append(w.members, nil)
	}
	ms := w.members[depth][:0]
	i = jsonenc.SkipSpace(raw, i)
	if i >= len(raw) || raw[i] != '{' {
		return dst, 0, false, errStoredItem
	}
	i = jsonenc.SkipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		i++
	} else {
		for {
			var m member
			var err error
			if m.name, m.quoted, i, err = memberName(raw, i); err != nil {
				return dst, 0, false, err
			}
			i = jsonenc.SkipSpace(raw, i)
			if i >= len(raw) || raw[i] != ':' {
				return dst, 0, false, errStoredItem
			}
			if m.attrValue, i = parseAttr(raw, jsonenc.SkipSpace(raw, i+1)); i < 0 {
				return dst, 0, false, errStoredItem
			}
			ms = append(ms, m)
			i = jsonenc.SkipSpace(raw, i)
			if i < len(raw) && raw[i] == ',' {
				i = jsonenc.SkipSpace(raw, i+1)
				continue
			}
			if i < len(raw) && raw[i] == '}' {
				i++
				break
			}
			return dst, 0, false, errStoredItem
		}
	}
	// Sorted as json.Marshal sorts a map's keys; of a name given twice the
	// last counts, as when decoding into a map.
	slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(a.name, b.name) })
	out := ms[:0]
	for k, m := range ms {
		if k+1 < len(ms) && bytes.Equal(ms[k+1].name, m.name) {
			continue
		}
		out = append(out, m)
	}
	ms = out
	w.members[depth] = ms
	skip := false
	dst = append(dst, '{')
	for k, m := range ms {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(dst, m.quoted...), ':')
		var err error
		if dst, err = w.attr(dst, m.attrValue, depth+1); err != nil {
			return dst, 0, false, err
		}
		if top && string(m.name) == dataset.AttrSourceKey {
			skip = w.elsewhere(m.attrValue)
		}
	}
	return append(dst, '}'), i, skip, nil
}

// elsewhere tells whether a _source_key value is a non-empty string
// outside the dataset's prefix.
func (w *lineWriter) elsewhere(a attrValue) bool {
	if string(a.typ) != "S" {
		return false
	}
	s, ok := jsonenc.Unquote(a.val)
	return ok && s != "" && !strings.HasPrefix(s, w.prefix)
}

// attr writes one attribute value.
func (w *lineWriter) attr(dst []byte, a attrValue, depth int) ([]byte, error) {
	if a.typ == nil {
		// A value whose type the store lost (its PutItem path keeps an
		// empty B, L or M as {}): no value, as the Scan path would print it
		// but that the SDK's decoder then repeats the attribute before it.
		if w.typed {
			return append(dst, "{}"...), nil
		}
		return append(dst, "null"...), nil
	}
	if w.typed {
		dst = append(append(append(dst, `{"`...), a.typ...), `":`...)
	}
	val := a.val
	var err error
	switch string(a.typ) {
	case "S":
		if a.simple {
			dst = append(dst, val...)
		} else {
			dst, err = appendString(dst, val)
		}
	case "N":
		switch {
		case !w.typed:
			dst, err = appendNumber(dst, val)
		case a.simple:
			dst = append(dst, val...)
		default:
			dst, err = appendString(dst, val)
		}
	case "B":
		dst, err = w.appendBinary(dst, val)
	case "BOOL":
		dst, err = appendBool(dst, val)
	case "NULL":
		if w.typed {
			dst, err = appendBool(dst, val)
		} else if _, err = appendBool(nil, val); err == nil {
			dst = append(dst, "null"...)
		}
	case "M":
		var end int
		if dst, end, _, err = w.object(dst, val, depth, false); err == nil && end != len(val) {
			err = errStoredItem
		}
	case "L":
		dst, err = w.list(dst, val, depth+1)
	case "SS":
		dst, err = w.array(dst, val, appendString)
	case "NS":
		if w.typed {
			dst, err = w.array(dst, val, appendString)
		} else {
			dst, err = w.array(dst, val, appendNumber)
		}
	case "BS":
		dst, err = w.array(dst, val, w.appendBinary)
	default:
		return dst, errStoredItem
	}
	if err != nil {
		return dst, err
	}
	if w.typed {
		dst = append(dst, '}')
	}
	return dst, nil
}

// list writes the value of an L, a JSON array of attribute values, each
// written by attr.
func (w *lineWriter) list(dst, tok []byte, depth int) ([]byte, error) {
	return w.array(dst, tok, func(dst, e []byte) ([]byte, error) {
		a, end := parseAttr(e, 0)
		if end != len(e) {
			return dst, errStoredItem
		}
		return w.attr(dst, a, depth)
	})
}

// parseAttr reads the attribute value that starts at b[i], {"T": v} or
// {}, and returns it and the index past it (-1 if there is none).
func parseAttr(b []byte, i int) (attrValue, int) {
	var a attrValue
	if i >= len(b) || b[i] != '{' {
		return a, -1
	}
	i = jsonenc.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return a, i + 1 // no type
	}
	if i >= len(b) || b[i] != '"' {
		return a, -1
	}
	end, plain := jsonenc.ScanString(b, i)
	if end < 0 || !plain || end-i < 3 {
		return a, -1
	}
	a.typ = b[i+1 : end-1]
	i = jsonenc.SkipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return a, -1
	}
	start := jsonenc.SkipSpace(b, i+1)
	if start < len(b) && b[start] == '"' {
		i, a.simple = scanSimple(b, start)
	} else {
		i = skipValue(b, start)
	}
	if i < 0 {
		return a, -1
	}
	a.val = b[start:i]
	if i = jsonenc.SkipSpace(b, i); i >= len(b) || b[i] != '}' {
		return a, -1
	}
	return a, i + 1
}

// scanSimple returns the index past the string token at b[i] (-1 if it
// does not end) and whether json.Marshal writes its value as it is:
// printable ASCII without '"', '\\', '<', '>' or '&' (jsonenc.PlainASCII),
// in one pass.
func scanSimple(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20 || c >= 0x7f || c == '\\' || c == '<' || c == '>' || c == '&':
			end, _ := jsonenc.ScanString(b, i)
			return end, false
		}
	}
	return -1, false
}

// memberName reads the member name at raw[i], a string token: its
// decoded bytes and its quoted form as json.Marshal writes it; and the
// index past it.
func memberName(raw []byte, i int) (name, quoted []byte, end int, err error) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, nil, 0, errStoredItem
	}
	end, plain := jsonenc.ScanString(raw, i)
	if end < 0 {
		return nil, nil, 0, errStoredItem
	}
	tok := raw[i:end]
	if plain && jsonenc.PlainASCII(tok[1:len(tok)-1]) {
		return tok[1 : len(tok)-1], tok, end, nil
	}
	s, ok := jsonenc.Unquote(tok)
	if !ok {
		return nil, nil, 0, errStoredItem
	}
	return []byte(s), jsonenc.AppendStringHTML(nil, s), end, nil
}

// stringValue returns the value of a string token: its bytes in place when
// it has no escapes and is valid UTF-8 (plain), else decoded.
func stringValue(tok []byte) ([]byte, bool) {
	if len(tok) < 2 || tok[0] != '"' {
		return nil, false
	}
	if end, plain := jsonenc.ScanString(tok, 0); end == len(tok) && plain {
		return tok[1 : len(tok)-1], true
	}
	s, ok := jsonenc.Unquote(tok)
	return []byte(s), ok
}

// appendString writes a string token as json.Marshal writes its value:
// as it is when that is the same, else decoded and re-encoded.
func appendString(dst, tok []byte) ([]byte, error) {
	if len(tok) >= 2 && tok[0] == '"' {
		if end, plain := jsonenc.ScanString(tok, 0); end == len(tok) && plain && jsonenc.PlainASCII(tok[1:len(tok)-1]) {
			return append(dst, tok...), nil
		}
	}
	s, ok := jsonenc.Unquote(tok)
	if !ok {
		return dst, errStoredItem
	}
	return jsonenc.AppendStringHTML(dst, s), nil
}

// appendNumber writes a number, stored as a string token, as json.Marshal
// writes a json.Number: as it is ("0" when empty), and an error when it is
// not a JSON number literal.
func appendNumber(dst, tok []byte) ([]byte, error) {
	n, ok := stringValue(tok)
	if !ok {
		return dst, errStoredItem
	}
	if len(n) == 0 {
		return append(dst, '0'), nil
	}
	if jsonenc.ScanNumber(n, 0) != len(n) {
		return dst, fmt.Errorf("json: invalid number literal %q", n)
	}
	return append(dst, n...), nil
}

// appendBinary writes a binary value, stored as base64 in a string token,
// as json.Marshal writes the bytes: decoded as the SDK decodes it, then
// encoded in standard base64.
func (w *lineWriter) appendBinary(dst, tok []byte) ([]byte, error) {
	s, ok := stringValue(tok)
	if !ok {
		return dst, errStoredItem
	}
	w.bin = slices.Grow(w.bin[:0], base64.StdEncoding.DecodedLen(len(s)))[:base64.StdEncoding.DecodedLen(len(s))]
	n, err := base64.StdEncoding.Decode(w.bin, s)
	if err != nil {
		return dst, err
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, w.bin[:n])
	return append(dst, '"'), nil
}

// appendBool writes a true or false literal.
func appendBool(dst, tok []byte) ([]byte, error) {
	if string(tok) != "true" && string(tok) != "false" {
		return dst, errStoredItem
	}
	return append(dst, tok...), nil
}

// array writes the JSON array tok, each element through elem.
func (w *lineWriter) array(dst, tok []byte, elem func(dst, e []byte) ([]byte, error)) ([]byte, error) {
	i := jsonenc.SkipSpace(tok, 0)
	if i >= len(tok) || tok[i] != '[' {
		return dst, errStoredItem
	}
	dst = append(dst, '[')
	i = jsonenc.SkipSpace(tok, i+1)
	if i < len(tok) && tok[i] == ']' {
		return append(dst, ']'), nil
	}
	for first := true; ; first = false {
		end := skipValue(tok, i)
		if end < 0 {
			return dst, errStoredItem
		}
		if !first {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = elem(dst, tok[i:end]); err != nil {
			return dst, err
		}
		i = jsonenc.SkipSpace(tok, end)
		if i < len(tok) && tok[i] == ',' {
			i = jsonenc.SkipSpace(tok, i+1)
			continue
		}
		if i < len(tok) && tok[i] == ']' && jsonenc.SkipSpace(tok, i+1) == len(tok) {
			return append(dst, ']'), nil
		}
		return dst, errStoredItem
	}
}

// skipValue returns the index past the JSON value that starts at b[i],
// or -1 when none does. It checks only as much as it needs to find the
// end; the writer checks the parts it reads.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := jsonenc.ScanString(b, i)
		return end
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := jsonenc.ScanString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case c == 't' || c == 'f' || c == 'n':
		j := i
		for j < len(b) && b[j] >= 'a' && b[j] <= 'z' {
			j++
		}
		return j
	case c == '-' || (c >= '0' && c <= '9'):
		return jsonenc.ScanNumber(b, i)
	}
	return -1
}
