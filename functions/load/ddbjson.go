package load

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sluicehq/sluice/internal/jsonenc"
)

// Records as DynamoDB JSON.
//
// The loader turns each JSON Lines record into the DynamoDB JSON of its
// item ({"name":{"S":"..."},...}) once, and writes that text into its
// BatchWriteItem bodies (see rawBatchWrite): no map of AttributeValues per
// record and no SDK serialization of them, which were most of the
// loader's CPU. transcode does it for the records the pipeline stages (an
// object of strings, numbers, booleans and nulls) with a byte scanner;
// anything else (arrays, objects, names with escapes, a name given twice,
// a malformed line) goes through parseItem, the general path, so that
// every record becomes exactly the item it did before
// (FuzzTranscodeMatchesParseItem).

// field is one top-level attribute of an item.
type field struct {
	// name is the attribute name, decoded.
	name []byte
	// enc is the value as DynamoDB JSON, such as {"S":"x"}.
	enc []byte
	// str is a string value's JSON token (quotes included); nil for
	// other types.
	str []byte
	// size is the value's size as itemSize counts it.
	size int
}

// stringValue returns the decoded value of a string field.
func (f *field) stringValue() (string, bool) {
	if f.str == nil {
		return "", false
	}
	if end, plain := jsonenc.ScanString(f.str, 0); plain && end == len(f.str) {
		return string(f.str[1 : len(f.str)-1]), true
	}
	return jsonenc.Unquote(f.str)
}

// appendValue appends the decoded value of a string field to b.
func (f *field) appendValue(b []byte) ([]byte, bool) {
	if f.str == nil {
		return b, false
	}
	if end, plain := jsonenc.ScanString(f.str, 0); plain && end == len(f.str) {
		return append(b, f.str[1:len(f.str)-1]...), true
	}
	v, ok := jsonenc.Unquote(f.str)
	return append(b, v...), ok
}

// transcode reads a record of top-level strings, numbers, booleans and
// nulls into its fields, the values encoded into buf (returned grown). It
// reports false for any other record, or one it cannot vouch for, which
// parseItem then reads.
func transcode(line, buf []byte, fields []field) ([]byte, []field, bool) {
	i := jsonenc.SkipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return buf, fields, false
	}
	i = jsonenc.SkipSpace(line, i+1)
	if i < len(line) && line[i] == '}' {
		return buf, fields, jsonenc.SkipSpace(line, i+1) == len(line)
	}
	sorted := true
	for {
		if i >= len(line) || line[i] != '"' {
			return buf, fields, false
		}
		end, plain := jsonenc.ScanString(line, i)
		if end < 0 || !plain {
			return buf, fields, false
		}
		name := line[i+1 : end-1]
		if n := len(fields); n > 0 && bytes.Compare(fields[n-1].name, name) >= 0 {
			sorted = false
		}
		i = jsonenc.SkipSpace(line, end)
		if i >= len(line) || line[i] != ':' {
			return buf, fields, false
		}
		i = jsonenc.SkipSpace(line, i+1)
		if i >= len(line) {
			return buf, fields, false
		}
		f := field{name: name}
		start := len(buf)
		switch c := line[i]; {
		case c == '"':
			end, plain := jsonenc.ScanString(line, i)
			if end < 0 {
				return buf, fields, false
			}
			if plain {
				f.str, f.size = line[i:end], end-i-2
				buf = append(append(append(buf, `{"S":`...), f.str...), '}')
			} else {
				// Escapes, control characters or invalid UTF-8:
				// decoded as encoding/json decodes them, written
				// again.
				v, ok := jsonenc.Unquote(line[i:end])
				if !ok {
					return buf, fields, false
				}
				buf = append(buf, `{"S":`...)
				tok := len(buf)
				buf = jsonenc.AppendString(buf, v)
				f.str, f.size = buf[tok:len(buf):len(buf)], len(v)
				buf = append(buf, '}')
			}
			i = end
		case c == '-' || (c >= '0' && c <= '9'):
			end := jsonenc.ScanNumber(line, i)
			if end < 0 {
				return buf, fields, false
			}
			f.size = end - i + 1
			buf = append(append(append(buf, `{"N":"`...), line[i:end]...), `"}`...)
			i = end
		case bytes.HasPrefix(line[i:], []byte("true")):
			f.size = 1
			buf = append(buf, `{"BOOL":true}`...)
			i += 4
		case bytes.HasPrefix(line[i:], []byte("false")):
			f.size = 1
			buf = append(buf, `{"BOOL":false}`...)
			i += 5
		case bytes.HasPrefix(line[i:], []byte("null")):
			f.size = 1
			buf = append(buf, `{"NULL":true}`...)
			i += 4
		default:
			return buf, fields, false // an array, an object or an error
		}
		f.enc = buf[start:len(buf):len(buf)]
		fields = append(fields, f)
		i = jsonenc.SkipSpace(line, i)
		if i < len(line) && line[i] == ',' {
			i = jsonenc.SkipSpace(line, i+1)
			continue
		}
		if i >= len(line) || line[i] != '}' || jsonenc.SkipSpace(line, i+1) != len(line) {
			return buf, fields, false
		}
		break
	}
	if !sorted {
		// A name given twice: encoding/json keeps the last value.
		names := make([][]byte, len(fields))
		for j := range fields {
			names[j] = fields[j].name
		}
		slices.SortFunc(names, bytes.Compare)
		for j := 1; j < len(names); j++ {
			if bytes.Equal(names[j-1], names[j]) {
				return buf, fields, false
			}
		}
	}
	return buf, fields, true
}

// fieldsOf returns the fields of an item parseItem read, sorted by name.
func fieldsOf(item map[string]types.AttributeValue) []field {
	fields := make([]field, 0, len(item))
	for name, v := range item {
		f := field{name: []byte(name), enc: appendAttr(nil, v), size: attrSize(v)}
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			f.str = jsonenc.AppendString(nil, s.Value)
		}
		fields = append(fields, f)
	}
	slices.SortFunc(fields, func(a, b field) int { return bytes.Compare(a.name, b.name) })
	return fields
}

// stringField returns a string field's encoding.
func stringField(name, value string) field {
	tok := jsonenc.AppendString(nil, value)
	enc := append(append(append(make([]byte, 0, len(tok)+6), `{"S":`...), tok...), '}')
	return field{name: []byte(name), enc: enc, str: tok, size: len(value)}
}

// appendItemJSON appends the DynamoDB JSON of an item made of fields and
// extra, merged by name: when both are in name order, so is the item.
func appendItemJSON(b []byte, fields, extra []field) []byte {
	b = append(b, '{')
	for i, j := 0, 0; i < len(fields) || j < len(extra); {
		var f *field
		if j == len(extra) || (i < len(fields) && bytes.Compare(fields[i].name, extra[j].name) < 0) {
			f = &fields[i]
			i++
		} else {
			f = &extra[j]
			j++
		}
		if i+j > 1 {
			b = append(b, ',')
		}
		if name := f.name; jsonenc.PlainASCII(name) {
			b = append(append(append(b, '"'), name...), '"')
		} else {
			b = jsonenc.AppendString(b, string(name))
		}
		b = append(b, ':')
		b = append(b, f.enc...)
	}
	return append(b, '}')
}

// appendAttr appends the DynamoDB JSON of an attribute value.
func appendAttr(b []byte, v types.AttributeValue) []byte {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return append(jsonenc.AppendString(append(b, `{"S":`...), v.Value), '}')
	case *types.AttributeValueMemberN:
		return append(jsonenc.AppendString(append(b, `{"N":`...), v.Value), '}')
	case *types.AttributeValueMemberBOOL:
		return append(strconv.AppendBool(append(b, `{"BOOL":`...), v.Value), '}')
	case *types.AttributeValueMemberNULL:
		return append(strconv.AppendBool(append(b, `{"NULL":`...), v.Value), '}')
	case *types.AttributeValueMemberB:
		return append(jsonenc.AppendString(append(b, `{"B":`...), base64.StdEncoding.EncodeToString(v.Value)), '}')
	case *types.AttributeValueMemberL:
		b = append(b, `{"L":[`...)
		for i, e := range v.Value {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAttr(b, e)
		}
		return append(b, "]}"...)
	case *types.AttributeValueMemberM:
		names := make([]string, 0, len(v.Value))
		for k := range v.Value {
			names = append(names, k)
		}
		slices.Sort(names)
		b = append(b, `{"M":{`...)
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(jsonenc.AppendString(b, k), ':')
			b = appendAttr(b, v.Value[k])
		}
		return append(b, "}}"...)
	case *types.AttributeValueMemberSS:
		return appendStrings(append(b, `{"SS":`...), v.Value)
	case *types.AttributeValueMemberNS:
		return appendStrings(append(b, `{"NS":`...), v.Value)
	case *types.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, e := range v.Value {
			s[i] = base64.StdEncoding.EncodeToString(e)
		}
		return appendStrings(append(b, `{"BS":`...), s)
	}
	return append(b, `{"NULL":true}`...) // unreachable: parseItem makes the types above
}

func appendStrings(b []byte, s []string) []byte {
	b = append(b, '[')
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, e)
	}
	return append(b, "]}"...)
}

// wireValue is an attribute value in DynamoDB JSON, for decodeItem.
type wireValue struct {
	S, N       *string
	B          []byte // base64 in JSON
	BOOL, NULL *bool
	SS, NS     []string
	BS         [][]byte
	L          []json.RawMessage
	M          map[string]json.RawMessage
}

// decodeItem reads the DynamoDB JSON of an item into AttributeValues, for
// the requests that take them (a conditional PutItem, a DB other than the
// SDK's client).
func decodeItem(b []byte) (map[string]types.AttributeValue, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	item := make(map[string]types.AttributeValue, len(raw))
	for k, r := range raw {
		v, err := decodeAttr(r)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		item[k] = v
	}
	return item, nil
}

func decodeAttr(raw json.RawMessage) (types.AttributeValue, error) {
	var w wireValue
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, err
	}
	switch {
	case w.S != nil:
		return &types.AttributeValueMemberS{Value: *w.S}, nil
	case w.N != nil:
		return &types.AttributeValueMemberN{Value: *w.N}, nil
	case w.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *w.BOOL}, nil
	case w.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: *w.NULL}, nil
	case w.B != nil:
		return &types.AttributeValueMemberB{Value: w.B}, nil
	case w.SS != nil:
		return &types.AttributeValueMemberSS{Value: w.SS}, nil
	case w.NS != nil:
		return &types.AttributeValueMemberNS{Value: w.NS}, nil
	case w.BS != nil:
		return &types.AttributeValueMemberBS{Value: w.BS}, nil
	case w.L != nil:
		l := make([]types.AttributeValue, len(w.L))
		for i, e := range w.L {
			v, err := decodeAttr(e)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case w.M != nil:
		m := make(map[string]types.AttributeValue, len(w.M))
		for k, e := range w.M {
			v, err := decodeAttr(e)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, errors.New("no attribute value")
}
