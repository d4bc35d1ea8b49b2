package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/truora/minidyn/server"
)

// shards spreads every table over several minidyn servers by a hash of the
// partition key. minidyn keeps each table's keys sorted and re-sorts them on
// every insert, so one table of n items costs O(n²) to fill (measured: 100k
// orders took a minute of CPU, 1M would take hours); with s shards the cost
// is O(n²/s). Keyed operations go to one shard, batches are split and
// merged, and Scan walks the shards in order with the shard number carried
// in LastEvaluatedKey (the SDK passes it back opaquely).
type shards struct {
	servers []*server.Server
	hashKey map[string]string // table name -> partition key attribute
}

// shardAttr is the attribute of LastEvaluatedKey that holds the shard a
// Scan resumes in.
const shardAttr = "__sluice_shard"

// defaultShards is the shard count of the embedded table.
const defaultShards = 64

func newShards(n int) *shards {
	s := &shards{hashKey: map[string]string{}}
	for i := 0; i < n; i++ {
		s.servers = append(s.servers, server.NewServer())
	}
	return s
}

// call runs op on one shard.
func (s *shards) call(i int, op string, body []byte) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := httptest.NewRecorder()
	s.servers[i].ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// shardOf picks the shard of an item or key of table.
func (s *shards) shardOf(table string, item map[string]json.RawMessage) int {
	v, ok := item[s.hashKey[table]]
	if !ok {
		return 0
	}
	var buf bytes.Buffer
	if json.Compact(&buf, v) != nil {
		return 0
	}
	h := fnv.New64a()
	h.Write(buf.Bytes())
	return int(h.Sum64() % uint64(len(s.servers)))
}

func awsError(typ, msg string) (int, []byte) {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
	return http.StatusBadRequest, b
}

// dispatch answers one DynamoDB request.
func (s *shards) dispatch(op string, body []byte) (int, []byte) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return awsError("SerializationException", err.Error())
	}
	var table string
	_ = json.Unmarshal(req["TableName"], &table)
	switch op {
	case "CreateTable":
		var in struct {
			KeySchema []struct{ AttributeName, KeyType string }
		}
		_ = json.Unmarshal(body, &in)
		code, out := s.broadcast(op, body)
		if code == http.StatusOK {
			for _, k := range in.KeySchema {
				if k.KeyType == "HASH" {
					s.hashKey[table] = k.AttributeName
				}
			}
		}
		return code, out
	case "DeleteTable", "UpdateTable":
		code, out := s.broadcast(op, body)
		if code == http.StatusOK && op == "DeleteTable" {
			delete(s.hashKey, table)
		}
		return code, out
	case "DescribeTable":
		return s.call(0, op, body)
	case "PutItem":
		return s.keyed(op, body, table, req["Item"])
	case "GetItem", "UpdateItem", "DeleteItem":
		return s.keyed(op, body, table, req["Key"])
	case "BatchWriteItem":
		return s.batchWrite(req)
	case "BatchGetItem":
		return s.batchGet(req)
	case "Scan":
		return s.scan(req)
	case "Query":
		return s.query(body)
	case "TransactWriteItems", "TransactGetItems":
		return awsError("ValidationException", "the embedded local table does not support transactions; use --dynamodb-endpoint")
	}
	return awsError("UnknownOperationException", "unsupported operation "+op)
}

func (s *shards) broadcast(op string, body []byte) (int, []byte) {
	code, out := s.call(0, op, body)
	if code != http.StatusOK {
		return code, out
	}
	for i := 1; i < len(s.servers); i++ {
		if c, o := s.call(i, op, body); c != http.StatusOK {
			return c, o
		}
	}
	return code, out
}

func (s *shards) keyed(op string, body []byte, table string, raw json.RawMessage) (int, []byte) {
	var key map[string]json.RawMessage
	_ = json.Unmarshal(raw, &key)
	return s.call(s.shardOf(table, key), op, body)
}

func (s *shards) batchWrite(req map[string]json.RawMessage) (int, []byte) {
	var items map[string][]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
		return awsError("ValidationException", err.Error())
	}
	per := map[int]map[string][]map[string]map[string]json.RawMessage{}
	for table, reqs := range items {
		for _, r := range reqs {
			var key map[string]json.RawMessage
			if p, ok := r["PutRequest"]; ok {
				_ = json.Unmarshal(p["Item"], &key)
			} else if d, ok := r["DeleteRequest"]; ok {
				_ = json.Unmarshal(d["Key"], &key)
			}
			i := s.shardOf(table, key)
			if per[i] == nil {
				per[i] = map[string][]map[string]map[string]json.RawMessage{}
			}
			per[i][table] = append(per[i][table], r)
		}
	}
	unprocessed := map[string][]json.RawMessage{}
	for i, sub := range per {
		b, _ := json.Marshal(map[string]any{"RequestItems": sub})
		code, out := s.call(i, "BatchWriteItem", b)
		if code != http.StatusOK {
			return code, out
		}
		var resp struct {
			UnprocessedItems map[string][]json.RawMessage
		}
		_ = json.Unmarshal(out, &resp)
		for t, u := range resp.UnprocessedItems {
			unprocessed[t] = append(unprocessed[t], u...)
		}
	}
	b, _ := json.Marshal(map[string]any{"UnprocessedItems": unprocessed})
	return http.StatusOK, b
}

func (s *shards) batchGet(req map[string]json.RawMessage) (int, []byte) {
	var items map[string]map[string]json.RawMessage
	if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
		return awsError("ValidationException", err.Error())
	}
	per := map[int]map[string]map[string]any{}
	for table, spec := range items {
		var keys []map[string]json.RawMessage
		_ = json.Unmarshal(spec["Keys"], &keys)
		for _, k := range keys {
			i := s.shardOf(table, k)
			if per[i] == nil {
				per[i] = map[string]map[string]any{}
			}
			ts := per[i][table]
			if ts == nil {
				ts = map[string]any{}
				for f, v := range spec {
					if f != "Keys" {
						ts[f] = v
					}
				}
				ts["Keys"] = []map[string]json.RawMessage{}
				per[i][table] = ts
			}
			ts["Keys"] = append(ts["Keys"].([]map[string]json.RawMessage), k)
		}
	}
	responses := map[string][]json.RawMessage{}
	unprocessed := map[string]json.RawMessage{}
	for i, sub := range per {
		b, _ := json.Marshal(map[string]any{"RequestItems": sub})
		code, out := s.call(i, "BatchGetItem", b)
		if code != http.StatusOK {
			return code, out
		}
		var resp struct {
			Responses       map[string][]json.RawMessage
			UnprocessedKeys map[string]json.RawMessage
		}
		_ = json.Unmarshal(out, &resp)
		for t, r := range resp.Responses {
			responses[t] = append(responses[t], r...)
		}
		for t, u := range resp.UnprocessedKeys {
			unprocessed[t] = u
		}
	}
	for t := range items {
		if responses[t] == nil {
			responses[t] = []json.RawMessage{}
		}
	}
	b, _ := json.Marshal(map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed})
	return http.StatusOK, b
}

// scanPage bounds a Scan page without Limit, as DynamoDB's 1 MB page does.
const scanPage = 1000

func (s *shards) scan(req map[string]json.RawMessage) (int, []byte) {
	limit := scanPage
	if l, ok := req["Limit"]; ok {
		if err := json.Unmarshal(l, &limit); err != nil || limit < 1 {
			return awsError("ValidationException", "Limit must be a positive integer")
		}
	}
	start, startKey := 0, map[string]json.RawMessage(nil)
	if raw, ok := req["ExclusiveStartKey"]; ok {
		if err := json.Unmarshal(raw, &startKey); err != nil {
			return awsError("ValidationException", "ExclusiveStartKey: "+err.Error())
		}
		if sh, ok := startKey[shardAttr]; ok {
			var v struct{ N string }
			_ = json.Unmarshal(sh, &v)
			start, _ = strconv.Atoi(v.N)
			delete(startKey, shardAttr)
		}
		if start < 0 || start >= len(s.servers) {
			return awsError("ValidationException", "ExclusiveStartKey names no shard of this table")
		}
	}
	var items []json.RawMessage
	count, scanned := 0, 0
	remaining := limit
	for i := start; i < len(s.servers) && remaining > 0; i++ {
		sub := map[string]json.RawMessage{}
		for k, v := range req {
			sub[k] = v
		}
		delete(sub, "ExclusiveStartKey")
		if i == start && len(startKey) > 0 {
			sub["ExclusiveStartKey"], _ = json.Marshal(startKey)
		}
		sub["Limit"] = json.RawMessage(strconv.Itoa(remaining))
		b, _ := json.Marshal(sub)
		code, out := s.call(i, "Scan", b)
		if code != http.StatusOK {
			return code, out
		}
		var resp struct {
			Items            []json.RawMessage
			Count            int
			ScannedCount     int
			LastEvaluatedKey map[string]json.RawMessage
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			return awsError("InternalServerError", err.Error())
		}
		items = append(items, resp.Items...)
		count += resp.Count
		scanned += resp.ScannedCount
		remaining -= resp.ScannedCount
		if resp.LastEvaluatedKey != nil {
			resp.LastEvaluatedKey[shardAttr], _ = json.Marshal(map[string]string{"N": strconv.Itoa(i)})
			return scanResult(items, count, scanned, resp.LastEvaluatedKey, req)
		}
		if remaining <= 0 && i+1 < len(s.servers) {
			next := map[string]json.RawMessage{}
			next[shardAttr], _ = json.Marshal(map[string]string{"N": strconv.Itoa(i + 1)})
			return scanResult(items, count, scanned, next, req)
		}
	}
	return scanResult(items, count, scanned, nil, req)
}

func scanResult(items []json.RawMessage, count, scanned int, last map[string]json.RawMessage, req map[string]json.RawMessage) (int, []byte) {
	out := map[string]any{"Count": count, "ScannedCount": scanned}
	var sel string
	_ = json.Unmarshal(req["Select"], &sel)
	if sel != "COUNT" {
		if items == nil {
			items = []json.RawMessage{}
		}
		out["Items"] = items
	}
	if last != nil {
		out["LastEvaluatedKey"] = last
	}
	b, err := json.Marshal(out)
	if err != nil {
		return awsError("InternalServerError", fmt.Sprint(err))
	}
	return http.StatusOK, b
}

// query runs on every shard (only the one holding the partition answers)
// and concatenates the pages; Limit applies per shard.
func (s *shards) query(body []byte) (int, []byte) {
	var items []json.RawMessage
	count, scanned := 0, 0
	for i := range s.servers {
		code, out := s.call(i, "Query", body)
		if code != http.StatusOK {
			return code, out
		}
		var resp struct {
			Items        []json.RawMessage
			Count        int
			ScannedCount int
		}
		_ = json.Unmarshal(out, &resp)
		items = append(items, resp.Items...)
		count += resp.Count
		scanned += resp.ScannedCount
	}
	var req map[string]json.RawMessage
	_ = json.Unmarshal(body, &req)
	return scanResult(items, count, scanned, nil, req)
}
