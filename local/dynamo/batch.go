package dynamo

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/syndtr/goleveldb/leveldb"
)

// writeRequest is one entry of a BatchWriteItem, its values left raw.
type writeRequest struct {
	PutRequest *struct {
		Item map[string]json.RawMessage
	} `json:",omitempty"`
	DeleteRequest *struct {
		Key map[string]json.RawMessage
	} `json:",omitempty"`
}

// batchWriteInput is a BatchWriteItem request with its attribute values
// decoded (nested list and map members stay raw).
type batchWriteInput struct {
	RequestItems map[string][]struct {
		PutRequest *struct {
			Item map[string]*attrValue
		}
		DeleteRequest *struct {
			Key map[string]*attrValue
		}
	}
}

// maxBatchWrite is DynamoDB's limit of write requests in one BatchWriteItem.
const maxBatchWrite = 25

// batchWriteOK is the answer to a BatchWriteItem applied whole, byte for
// byte as minidyn gives it (no UnprocessedItems).
var batchWriteOK = []byte("{}\n")

// errDuplicateKeys is DynamoDB's answer to a BatchWriteItem that writes one
// key twice.
const errDuplicateKeys = "Provided list of item keys contains duplicates"

// batchOp is one write of a BatchWriteItem with its storage key.
type batchOp struct {
	key  []byte
	item map[string]*attrValue // nil for a delete
	// encoded is a put's item already in the store's form (fastOps).
	encoded []byte
}

// batchWrite applies a BatchWriteItem to the store in one LevelDB batch, so
// that a request is applied whole or not at all, even if the process dies
// in the middle of it. DynamoDB's item limits and its refusal of two
// requests for one key are checked first. A request that is plain (see
// checkBatch), as every request of the loader is, is then written straight
// to the store: it has no expressions, so minidyn has nothing to add, and
// loading its items into the scratch table cost most of the write. The
// body is decoded once: the loader's shape by a byte scanner that encodes
// the items as it reads them (decodeFastBatch), any other into typed
// values, from which the items are encoded. Any other request is validated
// by minidyn on the scratch table first (batchWriteScratch), which words
// its errors.
func (s *levelStore) batchWrite(body []byte) (int, []byte) {
	return s.batchWriteDecoded(body, decodeBatch(body))
}

// decodedBatch is a BatchWriteItem's body decoded outside the store's
// lock: fast by decodeFastBatch, else typed by decodeBatchWrite (nil if it
// does not decode so).
type decodedBatch struct {
	fast  *fastBatch
	typed *batchWriteInput
}

// decodeBatch decodes a BatchWriteItem's body; it needs no table.
func decodeBatch(body []byte) decodedBatch {
	if fb := decodeFastBatch(body); fb != nil {
		return decodedBatch{fast: fb}
	}
	return decodedBatch{typed: decodeBatchWrite(body)}
}

// decodeBatchWrite decodes a BatchWriteItem's body into typed values, or
// returns nil if it does not decode so (minidyn then words the error).
func decodeBatchWrite(body []byte) *batchWriteInput {
	in := new(batchWriteInput)
	if json.Unmarshal(body, in) != nil {
		return nil
	}
	return in
}

// batchWriteDecoded is batchWrite with the body decoded; it releases
// d.fast.
func (s *levelStore) batchWriteDecoded(body []byte, d decodedBatch) (int, []byte) {
	defer d.fast.release() // LevelDB has copied what it keeps
	if d.fast != nil {
		if ops, ok := s.fastOps(d.fast); ok {
			return s.writeBatch(ops)
		}
		d.typed = decodeBatchWrite(body)
	}
	if in := d.typed; in != nil {
		ops, plain, msg := s.checkBatch(*in)
		if msg != "" {
			return awsError("ValidationException", msg)
		}
		if plain {
			return s.writeBatch(ops)
		}
	}
	return s.batchWriteScratch(body)
}

// writeBatch stores ops in one LevelDB batch (the store's, reused).
func (s *levelStore) writeBatch(ops []batchOp) (int, []byte) {
	b := &s.batch
	b.Reset()
	defer func() {
		if cap(b.Dump()) > maxKeptBatch {
			*b = leveldb.Batch{} // an outsized batch is not kept
		}
	}()
	var buf []byte
	for _, op := range ops {
		switch {
		case op.encoded != nil:
			b.Put(op.key, op.encoded)
		case op.item == nil:
			b.Delete(op.key)
		default:
			buf = appendItem(buf[:0], op.item)
			b.Put(op.key, buf) // Put copies
		}
	}
	if err := s.write(b, nil); err != nil {
		return internalError(err)
	}
	return http.StatusOK, batchWriteOK
}

// maxKeptBatch bounds the LevelDB batch the store keeps for reuse: a
// loader's request of 25 items fits many times over, a request of 25
// items of 400 KB is not kept.
const maxKeptBatch = 1 << 20

// checkBatch checks a BatchWriteItem's items against DynamoDB's limits
// and for duplicate keys, and returns the ValidationException message of
// the first it breaks, or the writes with their storage keys and whether
// the request is plain: 1 to 25 requests, each exactly one PutRequest or
// DeleteRequest on an existing table, whose attribute values are plain
// (see sizer) and whose key attributes are present, of the declared type
// and not empty (a delete's key holding those alone). A request that is
// not plain goes through minidyn, so anything it would refuse is still
// refused in its words.
func (s *levelStore) checkBatch(in batchWriteInput) (ops []batchOp, plain bool, msg string) {
	plain = len(in.RequestItems) > 0
	n := 0
	for table, reqs := range in.RequestItems {
		t := s.tables[table]
		plain = plain && t != nil
		seen := make(map[string]bool, len(reqs))
		for _, r := range reqs {
			n++
			var attrs map[string]*attrValue
			switch {
			case r.PutRequest != nil && r.DeleteRequest != nil:
				plain = false
				continue
			case r.PutRequest != nil:
				attrs = r.PutRequest.Item
			case r.DeleteRequest != nil:
				attrs = r.DeleteRequest.Key
				plain = plain && t != nil && len(attrs) == t.keyCount()
			default:
				plain = false
				continue
			}
			m, p := checkValues(attrs)
			if m != "" && r.PutRequest != nil {
				return nil, false, m
			}
			plain = plain && p && m == ""
			if t == nil {
				continue
			}
			k, ok := t.plainKeyOf(attrs)
			if !ok {
				plain = false
				continue
			}
			if seen[string(k)] {
				return nil, false, errDuplicateKeys
			}
			seen[string(k)] = true
			op := batchOp{key: k}
			if r.PutRequest != nil {
				op.item = attrs
			}
			ops = append(ops, op)
		}
	}
	return ops, plain && n <= maxBatchWrite, ""
}

// batchWriteScratch lets minidyn validate the whole batch (and apply it to
// the scratch table), then applies it to the store in one LevelDB batch and
// empties the scratch table again.
func (s *levelStore) batchWriteScratch(body []byte) (int, []byte) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return awsError("SerializationException", err.Error())
	}
	var items map[string][]writeRequest
	if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
		return s.call("BatchWriteItem", body) // minidyn words the shape error
	}
	for _, reqs := range items {
		for _, r := range reqs {
			if r.PutRequest == nil {
				continue
			}
			if msg := checkItem(r.PutRequest.Item); msg != "" {
				return awsError("ValidationException", msg)
			}
		}
	}
	code, out := s.call("BatchWriteItem", body)
	if code != http.StatusOK {
		return code, out
	}
	var b leveldb.Batch
	for table, reqs := range items {
		t := s.tables[table]
		if t == nil {
			return internalError(fmt.Errorf("table %s vanished", table))
		}
		var put []map[string]json.RawMessage
		for _, r := range reqs {
			switch {
			case r.PutRequest != nil:
				k, attrs, err := t.keyOf(r.PutRequest.Item)
				if err != nil {
					return internalError(err)
				}
				item, err := json.Marshal(r.PutRequest.Item) // compact, keys sorted
				if err != nil {
					return internalError(err)
				}
				b.Put(k, item)
				put = append(put, attrs)
			case r.DeleteRequest != nil:
				k, _, err := t.keyOf(r.DeleteRequest.Key)
				if err != nil {
					return internalError(err)
				}
				b.Delete(k)
			}
		}
		if err := s.unload(table, put); err != nil {
			return internalError(err)
		}
	}
	if err := s.write(&b, nil); err != nil {
		return internalError(err)
	}
	return code, out
}

// keyCount is the number of the table's key attributes.
func (t *tableDef) keyCount() int {
	if t.Range == "" {
		return 1
	}
	return 2
}

// keyType is the declared type ("S", "N" or "B") of a key attribute.
func (t *tableDef) keyType(name string) string {
	if t.attrTypes == nil {
		var in struct {
			AttributeDefinitions []struct{ AttributeName, AttributeType string }
		}
		_ = json.Unmarshal(t.Create, &in)
		t.attrTypes = map[string]string{}
		for _, d := range in.AttributeDefinitions {
			t.attrTypes[d.AttributeName] = d.AttributeType
		}
	}
	return t.attrTypes[name]
}

// plainKeyOf returns the storage key of an item (or key) whose key
// attributes are plain: present, of the declared type, S (not empty) or N
// (a plain number), and of that type alone; false otherwise.
func (t *tableDef) plainKeyOf(item map[string]*attrValue) ([]byte, bool) {
	k, _ := tableBounds(t.Name)
	for _, name := range [2]string{t.Hash, t.Range} {
		if name == "" {
			continue
		}
		v := item[name]
		if v == nil || v.types() != 1 {
			return nil, false
		}
		switch typ := t.keyType(name); {
		case typ == "S" && v.S != nil && *v.S != "":
			k = appendEscaped(append(k, 'S'), []byte(*v.S))
		case typ == "N" && v.N != nil && plainNumber(*v.N):
			r, ok := new(big.Rat).SetString(*v.N)
			if !ok {
				return nil, false
			}
			k = appendEscaped(append(k, 'N'), []byte(r.RatString()))
		default:
			return nil, false
		}
	}
	return k, true
}

// appendItem appends an item of plain values as compact JSON with its
// attribute names sorted and strings escaped as encoding/json escapes them
// (the form the store keeps items in).
func appendItem(b []byte, item map[string]*attrValue) []byte {
	names := make([]string, 0, len(item))
	for name := range item {
		names = append(names, name)
	}
	slices.Sort(names)
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendPlainValue(b, item[name])
	}
	return append(b, '}')
}

// appendPlainValue appends a plain attribute value (see sizer) as compact
// JSON.
func appendPlainValue(b []byte, v *attrValue) []byte {
	switch {
	case v.S != nil:
		return append(appendJSONString(append(b, `{"S":`...), *v.S), '}')
	case v.N != nil:
		return append(appendJSONString(append(b, `{"N":`...), *v.N), '}')
	case v.BOOL != nil:
		return append(strconv.AppendBool(append(b, `{"BOOL":`...), *v.BOOL), '}')
	case v.NULL != nil:
		return append(b, `{"NULL":true}`...)
	case v.L != nil:
		l, _ := json.Marshal(v.L) // compact, as encoding/json keeps raw values
		return append(append(append(b, `{"L":`...), l...), '}')
	case v.M != nil:
		m, _ := json.Marshal(v.M) // compact, keys sorted
		return append(append(append(b, `{"M":`...), m...), '}')
	}
	return append(b, "null"...)
}

// appendJSONString appends s as a JSON string the way encoding/json writes
// it (HTML characters escaped).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// maxBatchGet is DynamoDB's limit of keys in one BatchGetItem.
const maxBatchGet = 100

// keysAndAttributes is one table's part of a BatchGetItem.
type keysAndAttributes struct {
	Keys                     []map[string]*attrValue
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string
	AttributesToGet          json.RawMessage
	ConsistentRead           *bool
}

// batchGetDirect answers a plain BatchGetItem from the store without the
// scratch table: 1 to 100 keys on existing tables, each of the key
// attributes alone (plainKey), no key twice, and either no projection or
// one of #aliases only, every alias used (the loader's read of its older
// versions; the enricher's reference lookups have none). The answer is the
// one minidyn gives: the items found, in the order of their keys, each
// projected to the named top-level attributes. It reports false for any
// other request, which then goes through minidyn. A whole item comes back
// as stored (as minidyn, and the store's Scan, give it); a projected one
// with its top-level numbers in canonical form (canonicalNumber), as
// minidyn's projection gives it (DynamoDB answers every number so).
func (s *levelStore) batchGetDirect(items map[string]keysAndAttributes) ([]byte, bool, error) {
	type lookup struct {
		table string
		names map[string]bool // nil: whole items
		keys  [][]byte
	}
	var lookups []lookup
	n := 0
	for table, spec := range items {
		t := s.tables[table]
		names, ok := aliasProjection(spec)
		if t == nil || !ok || spec.AttributesToGet != nil {
			return nil, false, nil
		}
		l := lookup{table: table, names: names}
		seen := make(map[string]bool, len(spec.Keys))
		for _, key := range spec.Keys {
			n++
			if len(key) != t.keyCount() {
				return nil, false, nil
			}
			if msg, plain := checkValues(key); msg != "" || !plain {
				return nil, false, nil
			}
			k, ok := t.plainKeyOf(key)
			if !ok || seen[string(k)] {
				return nil, false, nil
			}
			seen[string(k)] = true
			l.keys = append(l.keys, k)
		}
		lookups = append(lookups, l)
	}
	if n == 0 || n > maxBatchGet {
		return nil, false, nil
	}
	responses := make(map[string][]json.RawMessage, len(lookups))
	for _, l := range lookups {
		found := make([]json.RawMessage, 0, len(l.keys))
		for _, k := range l.keys {
			item, err := s.get(k)
			if err != nil {
				return nil, false, err
			}
			if item == nil {
				continue
			}
			if l.names != nil {
				if item, err = project(item, l.names); err != nil {
					return nil, false, err
				}
			}
			if item != nil {
				found = append(found, item)
			}
		}
		responses[l.table] = found
	}
	b, err := json.Marshal(map[string]any{"Responses": responses})
	return append(b, '\n'), err == nil, err
}

// aliasProjection returns the attribute names a ProjectionExpression made
// of #aliases alone selects (nil for no projection), and false for any
// other projection (paths, bare names, unused or missing aliases), which
// minidyn then checks and applies.
func aliasProjection(spec keysAndAttributes) (map[string]bool, bool) {
	if spec.ProjectionExpression == nil {
		return nil, len(spec.ExpressionAttributeNames) == 0
	}
	names := map[string]bool{}
	used := map[string]bool{}
	for _, tok := range strings.Split(*spec.ProjectionExpression, ",") {
		tok = strings.TrimSpace(tok)
		name, ok := spec.ExpressionAttributeNames[tok]
		if !strings.HasPrefix(tok, "#") || !ok || name == "" {
			return nil, false
		}
		names[name], used[tok] = true, true
	}
	return names, len(used) == len(spec.ExpressionAttributeNames)
}

// project keeps the named top-level attributes of a stored item, their
// numbers in canonical form; nil if it has none of them (minidyn then
// leaves the item out).
func project(item []byte, names map[string]bool) ([]byte, error) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(item, &attrs); err != nil {
		return nil, err
	}
	for name := range attrs {
		if !names[name] {
			delete(attrs, name)
		}
	}
	if len(attrs) == 0 {
		return nil, nil
	}
	for name, raw := range attrs {
		var v attrValue
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		switch {
		case v.N != nil:
			attrs[name], _ = json.Marshal(map[string]string{"N": canonicalNumber(*v.N)})
		case v.NS != nil:
			ns := make([]string, len(v.NS))
			for i, n := range v.NS {
				ns[i] = canonicalNumber(n)
			}
			attrs[name], _ = json.Marshal(map[string][]string{"NS": ns})
		}
	}
	return json.Marshal(attrs)
}

// canonicalNumber writes a number as DynamoDB answers it: plain decimal
// notation, no exponent, no leading or trailing zeros ("0.000324" for
// 3.24e-4, "1500" for 1.50E3). A string that is not a number is left as
// it is.
func canonicalNumber(s string) string {
	digits, exp, err := decimalParts(s)
	if err != nil {
		return s
	}
	if digits == "" {
		return "0"
	}
	var b strings.Builder
	if strings.HasPrefix(s, "-") {
		b.WriteByte('-')
	}
	switch point := len(digits) + exp; {
	case exp >= 0:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", exp))
	case point > 0:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	default:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	}
	return b.String()
}
