package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/syndtr/goleveldb/leveldb/util"
)

// keyEquality finds "name = :value" terms of a key condition.
var keyEquality = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\(?\s*(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)\s*\)?$`)
})

// andSplit splits a key condition into its AND-ed terms (a BETWEEN term
// splits too, harmlessly: its halves are not equalities).
var andSplit = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\s+AND\s+`) })

// query answers a Query on a base table. The partition the key condition
// names is loaded into the scratch table and minidyn selects the items the
// key condition matches; the store orders them by sort key itself (minidyn
// compares numbers as strings, so 11 would sort before 3), then pages them
// (ExclusiveStartKey, Limit) and lets minidyn apply any filter and
// projection one item at a time, so Limit counts items read before the
// filter, as in DynamoDB. Index queries need the whole table and are left
// to an external endpoint.
func (s *levelStore) query(table string, body []byte, req map[string]json.RawMessage) (int, []byte) {
	t := s.tables[table]
	if t == nil {
		return s.call("Query", body)
	}
	if _, ok := req["IndexName"]; ok {
		return awsError("ValidationException", "the embedded local table queries base tables only; use --dynamodb-endpoint for index queries")
	}
	var in queryInput
	if err := json.Unmarshal(body, &in); err != nil {
		return awsError("ValidationException", err.Error())
	}
	hash, err := in.hashValue(t)
	if err != nil {
		return awsError("ValidationException", err.Error())
	}
	limit := -1
	if in.Limit != nil {
		if limit = *in.Limit; limit < 1 {
			return awsError("ValidationException", "Limit must be a positive integer")
		}
	}
	matched, code, out := s.keyMatches(t, hash, &in)
	if code != http.StatusOK {
		return code, out
	}
	if err := sortByRange(t, matched, in.ScanIndexForward == nil || *in.ScanIndexForward); err != nil {
		return internalError(err)
	}
	if in.ExclusiveStartKey != nil {
		start, _, err := t.key(in.ExclusiveStartKey)
		if err != nil {
			return awsError("ValidationException", "ExclusiveStartKey: "+err.Error())
		}
		for i, it := range matched {
			if k, _, _ := t.key(it); bytes.Equal(k, start) {
				matched = matched[i+1:]
				break
			}
		}
	}
	page, more := matched, false
	if limit > 0 && len(page) > limit {
		page, more = page[:limit], true
	}
	var last map[string]json.RawMessage
	if more {
		if _, last, err = t.key(page[len(page)-1]); err != nil {
			return internalError(err)
		}
	}
	items, count := page, len(page)
	if in.FilterExpression != "" || in.ProjectionExpression != "" || len(in.QueryFilter) > 0 || len(in.AttributesToGet) > 0 {
		if items, err = s.filterItems(t, page, req, in.FilterExpression+" "+in.ProjectionExpression); err != nil {
			return internalError(err)
		}
		count = len(items)
	}
	if in.Select == "COUNT" {
		items = nil
	}
	return pageResult(items, count, len(page), last, req)
}

// queryInput is the part of a Query request the store reads itself.
type queryInput struct {
	KeyConditionExpression    string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]json.RawMessage
	KeyConditions             map[string]json.RawMessage
	QueryFilter               map[string]json.RawMessage
	AttributesToGet           []string
	Limit                     *int
	ScanIndexForward          *bool
	ExclusiveStartKey         json.RawMessage
	Select                    string
}

// placeholders finds the #name and :value placeholders an expression uses.
var placeholders = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[#:][A-Za-z0-9_]+`) })

// used keeps the names and values that exprs refer to: DynamoDB (and
// minidyn) refuse a request that defines placeholders it does not use.
func (in *queryInput) used(exprs string) (map[string]string, map[string]json.RawMessage) {
	names, values := map[string]string{}, map[string]json.RawMessage{}
	for _, p := range placeholders().FindAllString(exprs, -1) {
		if v, ok := in.ExpressionAttributeNames[p]; ok {
			names[p] = v
		}
		if v, ok := in.ExpressionAttributeValues[p]; ok {
			values[p] = v
		}
	}
	return names, values
}

// keyMatches returns the items of hash's partition that the key condition
// matches, in no particular order.
func (s *levelStore) keyMatches(t *tableDef, hash json.RawMessage, in *queryInput) ([]json.RawMessage, int, []byte) {
	lo, err := t.partition(hash)
	if err != nil {
		c, b := awsError("ValidationException", "Query key condition: "+err.Error())
		return nil, c, b
	}
	it := s.db.NewIterator(util.BytesPrefix(lo), nil)
	var part []json.RawMessage
	for it.Next() {
		part = append(part, append(json.RawMessage(nil), it.Value()...))
	}
	err = it.Error()
	it.Release()
	if err != nil {
		c, b := internalError(err)
		return nil, c, b
	}
	keys, err := s.load(t, part)
	defer s.unload(t.Name, keys)
	if err != nil {
		c, b := internalError(err)
		return nil, c, b
	}
	sub := map[string]any{"TableName": t.Name}
	if in.KeyConditionExpression != "" {
		names, values := in.used(in.KeyConditionExpression)
		sub["KeyConditionExpression"] = in.KeyConditionExpression
		if len(names) > 0 {
			sub["ExpressionAttributeNames"] = names
		}
		if len(values) > 0 {
			sub["ExpressionAttributeValues"] = values
		}
	} else {
		sub["KeyConditions"] = in.KeyConditions
	}
	code, out := s.callJSON("Query", sub)
	if code != http.StatusOK {
		return nil, code, out
	}
	var resp struct{ Items []json.RawMessage }
	if err := json.Unmarshal(out, &resp); err != nil {
		c, b := internalError(err)
		return nil, c, b
	}
	return resp.Items, http.StatusOK, nil
}

// sortByRange orders items by their sort key as DynamoDB does: numbers by
// value, strings and binaries by their bytes.
func sortByRange(t *tableDef, items []json.RawMessage, ascending bool) error {
	if t.Range == "" {
		return nil
	}
	type keyed struct {
		item json.RawMessage
		v    keyAttr
		num  *big.Rat
	}
	ks := make([]keyed, len(items))
	for i, it := range items {
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(it, &attrs); err != nil {
			return err
		}
		ks[i].item = it
		if err := json.Unmarshal(attrs[t.Range], &ks[i].v); err != nil {
			return err
		}
		if ks[i].v.N != nil {
			ks[i].num, _ = new(big.Rat).SetString(*ks[i].v.N)
		}
	}
	compare := func(a, b keyed) int {
		switch {
		case a.num != nil && b.num != nil:
			return a.num.Cmp(b.num)
		case a.v.S != nil && b.v.S != nil:
			return strings.Compare(*a.v.S, *b.v.S)
		}
		return bytes.Compare(a.v.B, b.v.B)
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ascending {
			return compare(ks[i], ks[j]) < 0
		}
		return compare(ks[i], ks[j]) > 0
	})
	for i := range ks {
		items[i] = ks[i].item
	}
	return nil
}

// filterItems applies a request's filter and projection to items, one at a
// time in the scratch table, keeping their order.
func (s *levelStore) filterItems(t *tableDef, items []json.RawMessage, req map[string]json.RawMessage, exprs string) ([]json.RawMessage, error) {
	var in queryInput
	b, _ := json.Marshal(req)
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	names, values := in.used(exprs)
	sub := map[string]any{"TableName": t.Name}
	for _, f := range []string{"FilterExpression", "ProjectionExpression", "QueryFilter", "AttributesToGet", "ConditionalOperator"} {
		if v, ok := req[f]; ok {
			field := f
			if f == "QueryFilter" {
				field = "ScanFilter"
			}
			sub[field] = v
		}
	}
	if len(names) > 0 {
		sub["ExpressionAttributeNames"] = names
	}
	if len(values) > 0 {
		sub["ExpressionAttributeValues"] = values
	}
	out := []json.RawMessage{}
	for _, it := range items {
		keys, err := s.load(t, []json.RawMessage{it})
		if err != nil {
			return nil, err
		}
		code, resp := s.callJSON("Scan", sub)
		if err := s.unload(t.Name, keys); err != nil {
			return nil, err
		}
		if code != http.StatusOK {
			return nil, fmt.Errorf("%s", resp)
		}
		var page struct{ Items []json.RawMessage }
		if err := json.Unmarshal(resp, &page); err != nil {
			return nil, err
		}
		for _, got := range page.Items {
			// minidyn answers empty lists and maps untyped (retypeAnswer).
			out = append(out, retypeAnswer(got, it))
		}
	}
	return out, nil
}

// hashValue finds the partition key value a Query names, in a
// KeyConditionExpression or the legacy KeyConditions.
func (in *queryInput) hashValue(t *tableDef) (json.RawMessage, error) {
	if raw, ok := in.KeyConditions[t.Hash]; ok {
		var c struct {
			ComparisonOperator string
			AttributeValueList []json.RawMessage
		}
		if json.Unmarshal(raw, &c) == nil && c.ComparisonOperator == "EQ" && len(c.AttributeValueList) == 1 {
			return c.AttributeValueList[0], nil
		}
	}
	for _, term := range andSplit().Split(strings.TrimSpace(in.KeyConditionExpression), -1) {
		m := keyEquality().FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			continue
		}
		name := m[1]
		if strings.HasPrefix(name, "#") {
			name = in.ExpressionAttributeNames[name]
		}
		if v, ok := in.ExpressionAttributeValues[m[2]]; ok && name == t.Hash {
			return v, nil
		}
	}
	return nil, fmt.Errorf("Query condition missed key schema element: %s", t.Hash)
}
