package dynamo

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"

	"github.com/syndtr/goleveldb/leveldb"
)

// writeRequest is one entry of a BatchWriteItem.
type writeRequest struct {
	PutRequest *struct {
		Item map[string]json.RawMessage
	} `json:",omitempty"`
	DeleteRequest *struct {
		Key map[string]json.RawMessage
	} `json:",omitempty"`
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
	item map[string]json.RawMessage // nil for a delete
}

// batchWrite applies a BatchWriteItem to the store in one LevelDB batch, so
// that a request is applied whole or not at all, even if the process dies
// in the middle of it. DynamoDB's item limits and its refusal of two
// requests for one key are checked first. A request that is plain (see
// checkBatch), as every request of the loader is, is then written straight
// to the store: it has no expressions, so minidyn has nothing to add, and
// loading its items into the scratch table would cost more than the write
// (about three quarters of it). Any other request is validated by minidyn
// on the scratch table first (batchWriteScratch), which words its errors.
func (s *levelStore) batchWrite(body []byte, req map[string]json.RawMessage) (int, []byte) {
	var items map[string][]writeRequest
	if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
		return s.call("BatchWriteItem", body) // minidyn words the shape error
	}
	ops, plain, msg := s.checkBatch(items)
	if msg != "" {
		return awsError("ValidationException", msg)
	}
	if !plain {
		return s.batchWriteScratch(body, items)
	}
	var b leveldb.Batch
	for _, op := range ops {
		if op.item == nil {
			b.Delete(op.key)
			continue
		}
		v, err := json.Marshal(op.item) // compact, keys sorted
		if err != nil {
			return internalError(err)
		}
		b.Put(op.key, v)
	}
	if err := s.db.Write(&b, nil); err != nil {
		return internalError(err)
	}
	return http.StatusOK, batchWriteOK
}

// checkBatch checks a BatchWriteItem's items against DynamoDB's limits
// and for duplicate keys, and returns the ValidationException message of
// the first it breaks, or the writes with their storage keys and whether
// the request is plain: 1 to 25 requests, each exactly one PutRequest or
// DeleteRequest on an existing table, whose attribute values are plain
// (plainValue) and whose key attributes are present, of the declared type
// and not empty (a delete's key holding those alone). A request that is
// not plain goes through minidyn, so anything it would refuse is still
// refused in its words.
func (s *levelStore) checkBatch(items map[string][]writeRequest) (ops []batchOp, plain bool, msg string) {
	plain = len(items) > 0
	n := 0
	for table, reqs := range items {
		t := s.tables[table]
		plain = plain && t != nil
		seen := make(map[string]bool, len(reqs))
		for _, r := range reqs {
			n++
			var attrs map[string]json.RawMessage
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
			m, p := checkPut(attrs)
			if m != "" && r.PutRequest != nil {
				return nil, false, m
			}
			plain = plain && p && m == ""
			if t == nil {
				continue
			}
			k, ok := t.plainKey(attrs)
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
func (s *levelStore) batchWriteScratch(body []byte, items map[string][]writeRequest) (int, []byte) {
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
	if err := s.db.Write(&b, nil); err != nil {
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

// plainKey returns the storage key of an item (or key) whose key
// attributes are plain: present, of the declared type, S (not empty) or N
// (a plain number); false otherwise.
func (t *tableDef) plainKey(item map[string]json.RawMessage) ([]byte, bool) {
	k, _ := tableBounds(t.Name)
	for _, name := range [2]string{t.Hash, t.Range} {
		if name == "" {
			continue
		}
		raw, ok := item[name]
		if !ok {
			return nil, false
		}
		var v keyAttr
		if json.Unmarshal(raw, &v) != nil || v.B != nil {
			return nil, false
		}
		switch typ := t.keyType(name); {
		case typ == "S" && v.S != nil && *v.S != "" && v.N == nil:
			k = appendEscaped(append(k, 'S'), []byte(*v.S))
		case typ == "N" && v.N != nil && v.S == nil && plainNumber(*v.N):
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
