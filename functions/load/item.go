package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB limits that shape the batches.
const (
	// MaxBatchItems is the most put requests one BatchWriteItem may carry.
	MaxBatchItems = 25
	// MaxBatchBytes is the largest BatchWriteItem request body.
	MaxBatchBytes = 16 << 20
	// MaxItemBytes is the largest item DynamoDB stores.
	MaxItemBytes = 400 << 10
	// maxDepth bounds the nesting of a record (DynamoDB allows 32 levels).
	maxDepth = 32
)

// Attribute names the loader reads or writes on every item.
const (
	// AttrPK and AttrSK are the table's key attributes.
	AttrPK = "pk"
	AttrSK = "sk"
	// AttrSourceOrder is the version attribute of the conditional write:
	// an item is replaced only by a record whose source order is the same
	// or later (see docs/functions.md).
	AttrSourceOrder = "_source_order"
	// AttrSourceKey and AttrSourceVersion name the source object of the
	// record; the loader adds them when the enricher did not.
	AttrSourceKey     = "_source_key"
	AttrSourceVersion = "_source_version"
	// AttrIngestedAt and AttrExecution say when and by which execution the
	// record was loaded; the loader adds them when the enricher did not.
	AttrIngestedAt = "_ingested_at"
	AttrExecution  = "_execution"
)

// TimestampLayout is how _ingested_at is written (dataset.TimestampLayout,
// the loader does not import package dataset, see docs/functions.md).
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// errNotObject reports a JSON Lines value that is not an object.
var errNotObject = errors.New("record is not a JSON object")

// record is one item ready to write, with its key and estimated size.
type record struct {
	line int64
	pk   string
	sk   string
	// item is the item's DynamoDB JSON (see transcode).
	item []byte
	size int
	// replaced counts the earlier records of the chunk with the same key
	// this one replaced in its worker's batch (the last one wins): they
	// share its fate and are counted with it.
	replaced int64
	// tried says a request already carried this record.
	tried bool
}

// weight is the number of records r stands for: itself and those it
// replaced.
func (r *record) weight() int64 { return 1 + r.replaced }

func weightOf(recs []*record) int64 {
	var n int64
	for _, r := range recs {
		n += r.weight()
	}
	return n
}

// attributes returns the record's item as AttributeValues.
func (r *record) attributes() (map[string]types.AttributeValue, error) {
	item, err := decodeItem(r.item)
	if err != nil {
		return nil, fmt.Errorf("load: record %d (%s/%s): %w", r.line, r.pk, r.sk, err)
	}
	return item, nil
}

// recordKey identifies an item in the table.
type recordKey struct{ pk, sk string }

func (r *record) key() recordKey { return recordKey{r.pk, r.sk} }

// parseItem converts one JSON object to a DynamoDB item: strings to S,
// numbers to N (exact: the JSON text is kept), booleans to BOOL, null to
// NULL, arrays to L and objects to M.
func parseItem(raw []byte) (map[string]types.AttributeValue, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("trailing data after record")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	item := make(map[string]types.AttributeValue, len(obj))
	for k, v := range obj {
		av, err := toAttr(v, 1)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		item[k] = av
	}
	return item, nil
}

func toAttr(v any, depth int) (types.AttributeValue, error) {
	if depth > maxDepth {
		return nil, errors.New("nested deeper than 32 levels")
	}
	switch v := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}, nil
	case string:
		return &types.AttributeValueMemberS{Value: v}, nil
	case json.Number:
		return &types.AttributeValueMemberN{Value: v.String()}, nil
	case []any:
		l := make([]types.AttributeValue, len(v))
		for i, e := range v {
			av, err := toAttr(e, depth+1)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(v))
		for k, e := range v {
			av, err := toAttr(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// SetType is a DynamoDB set type an attribute is written as (Target.Sets).
type SetType string

// The set types.
const (
	// StringSet is a String Set (SS): an array of strings.
	StringSet SetType = "SS"
	// NumberSet is a Number Set (NS): an array of numbers.
	NumberSet SetType = "NS"
)

// applySets rewrites the List attributes of item named in sets as String
// or Number Sets. An empty list is removed, since DynamoDB stores no empty
// set; an element repeated is kept once (a set holds each value once; the
// validator has already refused a file whose values differ only in
// spelling, such as 1.5 and 1.50). A value that is not a list of the set's
// element type is an error naming the attribute: the staged record does
// not match the dataset.
func applySets(item map[string]types.AttributeValue, sets map[string]SetType) error {
	for name, typ := range sets {
		v, ok := item[name]
		if !ok {
			continue
		}
		l, ok := v.(*types.AttributeValueMemberL)
		if !ok {
			return fmt.Errorf("field %q: a %s set is staged as a JSON array, found %s", name, typ, attrKind(v))
		}
		if len(l.Value) == 0 {
			delete(item, name)
			continue
		}
		vals := make([]string, 0, len(l.Value))
		seen := make(map[string]bool, len(l.Value))
		for i, e := range l.Value {
			var s string
			good := false
			switch e := e.(type) {
			case *types.AttributeValueMemberS:
				s, good = e.Value, typ == StringSet
			case *types.AttributeValueMemberN:
				s, good = e.Value, typ == NumberSet
			}
			if !good {
				return fmt.Errorf("field %q: element %d is %s, not an element of a %s set", name, i, attrKind(e), typ)
			}
			if !seen[s] {
				seen[s] = true
				vals = append(vals, s)
			}
		}
		if typ == StringSet {
			item[name] = &types.AttributeValueMemberSS{Value: vals}
		} else {
			item[name] = &types.AttributeValueMemberNS{Value: vals}
		}
	}
	return nil
}

// attrKind names the type of an attribute value in errors.
func attrKind(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "a string"
	case *types.AttributeValueMemberN:
		return "a number"
	case *types.AttributeValueMemberBOOL:
		return "a boolean"
	case *types.AttributeValueMemberNULL:
		return "null"
	case *types.AttributeValueMemberL:
		return "a list"
	case *types.AttributeValueMemberM:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// itemSize estimates the stored size of an item the way DynamoDB counts it
// (attribute names plus values; numbers counted by their text, which is an
// over-estimate), so that batches stay under MaxBatchBytes and oversized
// items are caught before a whole batch is rejected.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + attrSize(v)
	}
	return n
}

func attrSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value) + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + attrSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + attrSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += len(s) + 1
		}
		return n
	}
	return 0
}

// stringAttr returns the string value of attribute name, if it is a
// non-empty S.
func stringAttr(item map[string]types.AttributeValue, name string) (string, bool) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok || s.Value == "" {
		return "", false
	}
	return s.Value, true
}
