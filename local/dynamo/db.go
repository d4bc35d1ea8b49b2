package dynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/storage"
	"github.com/syndtr/goleveldb/leveldb/util"
	"github.com/truora/minidyn/server"
)

// levelStore is the embedded DynamoDB behind Store. Items live on disk
// in a LevelDB database (an LSM tree, so memory stays bounded by its cache
// and write buffer however large a table grows: a million-row load must not
// hold a million items in memory), while DynamoDB's semantics come from
// minidyn: every request runs against a scratch minidyn server that holds
// the table definitions and, for the length of one request, only the items
// that request touches. A conditional PutItem loads the one stored item,
// lets minidyn evaluate the condition and apply the write, then stores
// what minidyn holds afterwards; a filtered Scan loads one page and lets
// minidyn filter and project it. The expression languages (conditions,
// updates, projections, filters) are therefore minidyn's, unchanged, and
// the storage is LevelDB's. A request that has no expression and only plain
// values (a loader's BatchWriteItem, see batchWrite) skips the scratch
// server: the store checks it itself and writes it in one LevelDB batch.
//
// Why these two: minidyn is the in-process DynamoDB the local runtime
// already trusts for semantics, but it keeps every item in memory and
// re-sorts its keys on each insert (a table of n items costs O(n²) to
// fill). github.com/syndtr/goleveldb is the pure-Go LevelDB (no cgo, one
// small dependency), stable for years and widely used, and holds a fixed
// memory budget. CockroachDB's Pebble was tried first and works as well,
// but it and its dependencies cost about 70 s of CPU to compile, which
// more than doubled the first `go run ./cmd/sluice` on a fresh clone;
// go.etcd.io/bbolt reads through mmap, so its resident memory grows with
// the file.
//
// The store is not safe for concurrent use; Store serialises calls.
type levelStore struct {
	db      *leveldb.DB
	stor    storage.Storage // db's, closed after it
	scratch *server.Server
	tables  map[string]*tableDef
	batch   leveldb.Batch // writeBatch's, reused (LevelDB copies it)
	// absent proves keys of tables loaded from empty not stored (see
	// absence); every write goes through put or write, which keep it.
	absent absence
}

// put stores one key; every single put of the store goes through it.
func (s *levelStore) put(k, v []byte, wo *opt.WriteOptions) error {
	s.absent.add(k)
	return s.db.Put(k, v, wo)
}

// write applies a batch; every batch of the store goes through it.
func (s *levelStore) write(b *leveldb.Batch, wo *opt.WriteOptions) error {
	if err := b.Replay(&s.absent); err != nil {
		return err
	}
	return s.db.Write(b, wo)
}

// tableDef is what the store keeps of a table: its key schema, and the
// requests that defined it, replayed into the scratch server on open.
type tableDef struct {
	Name    string            `json:"name"`
	Hash    string            `json:"hash"`
	Range   string            `json:"range,omitempty"`
	Create  json.RawMessage   `json:"create"`
	Updates []json.RawMessage `json:"updates,omitempty"`
	// attrTypes caches the attribute types Create declares (keyType).
	attrTypes map[string]string
}

// Key space: metaPrefix+table holds a tableDef; itemPrefix+esc(table)+
// term+enc(hash)[+enc(range)] holds an item as compact DynamoDB JSON;
// notePrefix+name holds the store's own notes (such as when a legacy
// journal was imported).
const (
	metaPrefix = 'm'
	itemPrefix = 'i'
	notePrefix = 'n'
)

// note records a fact about the store durably: the write is synced, and
// with it every write before it.
func (s *levelStore) note(name, value string) error {
	return s.put(append([]byte{notePrefix}, name...), []byte(value), syncWrite)
}

// syncWrite makes table definitions durable at once; items are written
// without fsync (the journal still reaches the OS at once, so a crash of
// sluice loses nothing; only a crash of the machine could).
var syncWrite = &opt.WriteOptions{Sync: true}

// Memory budget of the store: the block cache and the write buffer bound
// its resident memory, whatever the size of the tables. A snapshot (see
// OpenSnapshot) is read through once by a scan, so a large cache
// would only hold blocks it never reads again.
const (
	cacheBytes         = 16 << 20
	snapshotCacheBytes = 2 << 20
	writeBufferBytes   = 16 << 20
)

// Compaction settings for bulk loads (see openLevelStore).
const (
	l0Trigger   = 8  // level-0 tables that start a compaction (LevelDB: 4)
	l0Slowdown  = 16 // that slow writes down (LevelDB: 8)
	l0PauseMark = 24 // that pause writes (LevelDB: 12)
)

// noCompaction is a level-0 table count a snapshot never reaches: it
// starts no compaction and never holds writes back.
const noCompaction = 1 << 30

// openLevelStore opens the store in dir; an empty dir keeps it in memory.
// A snapshot store drops a torn last journal record instead of failing
// (a snapshot copied while another process was writing may end in one)
// and keeps a smaller block cache.
//
// The options suit the store's load, a bulk load (a `sluice run` writes
// every row of a file, each key once, and first reads whether it exists):
//   - No seek-triggered compactions. LevelDB compacts a table after a
//     number of reads had to look past it, to save later reads; every
//     version read of a key not yet written looks past the newest table,
//     so a load compacted after every flush of the write buffer (25
//     compactions for 300,000 rows, 11% of a run's CPU). The bloom filters
//     make such reads cheap anyway.
//   - A 16 MB write buffer (LevelDB holds up to two) and compactions
//     started at 8 level-0 tables instead of 4: half the flushes, and each
//     compaction merges more at once. A run of 300,000 rows compacts once
//     instead of 25 times and spends 1.1 s of CPU on it instead of 2.9 s;
//     its peak memory grows by about 25 MB. The write thresholds move with
//     the compaction threshold so that writes are not held back earlier.
//
// Durability is unchanged: every write still reaches the journal first
// (see syncWrite), and compactions only ever rewrite what is already in
// table files.
func openLevelStore(dir string, snapshot bool) (*levelStore, error) {
	cache := cacheBytes
	if snapshot {
		cache = snapshotCacheBytes
	}
	o := &opt.Options{
		BlockCacheCapacity:     cache,
		WriteBuffer:            writeBufferBytes,
		OpenFilesCacheCapacity: 64,
		// Bloom filters make the loader's reads of keys not yet written
		// (the older-version guard of every batch) cheap.
		Filter:                 filter.NewBloomFilter(10),
		DisableSeeksCompaction: true,
		CompactionL0Trigger:    l0Trigger,
		WriteL0SlowdownTrigger: l0Slowdown,
		WriteL0PauseTrigger:    l0PauseMark,
	}
	if snapshot {
		o.Strict = opt.NoStrict
		// A snapshot is read through once and thrown away: compacting it
		// only rewrites the copy. Opening one would otherwise often start
		// a compaction (its journal, flushed on open, adds a level-0
		// table to those the writer had not yet compacted): for 200,000
		// orders a third of sluice table scan's CPU went into rewriting
		// 44 MB of tables nobody reads again.
		o.CompactionL0Trigger = noCompaction
		o.WriteL0SlowdownTrigger = noCompaction
		o.WriteL0PauseTrigger = noCompaction
	}
	var stor storage.Storage
	if dir == "" {
		stor = storage.NewMemStorage()
	} else {
		fs, err := storage.OpenFile(dir, false)
		if err != nil {
			return nil, err
		}
		stor = bufferedTables{fs}
	}
	db, err := leveldb.Open(stor, o)
	if err != nil {
		stor.Close()
		return nil, err
	}
	s := &levelStore{db: db, stor: stor, scratch: server.NewServer(), tables: map[string]*tableDef{}, absent: newAbsence(absenceKeys)}
	if err := s.loadTables(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *levelStore) loadTables() error {
	it := s.db.NewIterator(&util.Range{Start: []byte{metaPrefix}, Limit: []byte{metaPrefix + 1}}, nil)
	defer it.Release()
	for it.Next() {
		var t tableDef
		if err := json.Unmarshal(it.Value(), &t); err != nil {
			return fmt.Errorf("table %q: %w", it.Key()[1:], err)
		}
		for i, body := range append([]json.RawMessage{t.Create}, t.Updates...) {
			op := "CreateTable"
			if i > 0 {
				op = "UpdateTable"
			}
			if code, out := s.call(op, body); code != http.StatusOK {
				return fmt.Errorf("table %s: replaying %s: %s", t.Name, op, out)
			}
		}
		s.tables[t.Name] = &t
	}
	return it.Error()
}

// Close closes the database, then its storage.
func (s *levelStore) Close() error {
	err := s.db.Close()
	if serr := s.stor.Close(); err == nil {
		err = serr
	}
	return err
}

// call runs one request on the scratch server.
func (s *levelStore) call(op string, body []byte) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := httptest.NewRecorder()
	s.scratch.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// callJSON marshals v and runs it on the scratch server.
func (s *levelStore) callJSON(op string, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return awsError("InternalServerError", err.Error())
	}
	return s.call(op, b)
}

func awsError(typ, msg string) (int, []byte) {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
	return http.StatusBadRequest, b
}

func internalError(err error) (int, []byte) {
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "local dynamodb: " + err.Error()})
	return http.StatusInternalServerError, b
}

// dispatch answers one DynamoDB request.
func (s *levelStore) dispatch(op string, body []byte) (int, []byte) {
	switch op {
	case "BatchWriteItem":
		return s.batchWrite(body) // decodes the body once, typed
	case "BatchGetItem":
		return s.batchGetDecoded(body, decodeFastGet(body))
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return awsError("SerializationException", err.Error())
	}
	var table string
	_ = json.Unmarshal(req["TableName"], &table)
	switch op {
	case "CreateTable":
		return s.createTable(table, body)
	case "UpdateTable":
		return s.updateTable(table, body)
	case "DeleteTable":
		return s.deleteTable(table, body)
	case "DescribeTable", "ListTables":
		return s.call(op, body)
	case "PutItem":
		return s.single(op, body, table, req["Item"])
	case "GetItem", "UpdateItem", "DeleteItem":
		return s.single(op, body, table, req["Key"])
	case "BatchGetItem":
		return s.batchGet(body, req)
	case "Scan":
		return s.scan(table, req)
	case "Query":
		return s.query(table, body, req)
	case "TransactWriteItems", "TransactGetItems":
		return awsError("ValidationException", "the embedded local table does not support transactions; use --dynamodb-endpoint")
	}
	return awsError("UnknownOperationException", "unsupported operation "+op)
}

func (s *levelStore) createTable(name string, body []byte) (int, []byte) {
	code, out := s.call("CreateTable", body)
	if code != http.StatusOK {
		return code, out
	}
	var in struct {
		KeySchema []struct{ AttributeName, KeyType string }
	}
	_ = json.Unmarshal(body, &in)
	t := &tableDef{Name: name, Create: append(json.RawMessage(nil), body...)}
	for _, k := range in.KeySchema {
		if k.KeyType == "HASH" {
			t.Hash = k.AttributeName
		} else {
			t.Range = k.AttributeName
		}
	}
	if err := s.saveTable(t); err != nil {
		return internalError(err)
	}
	s.tables[name] = t
	return code, out
}

func (s *levelStore) updateTable(name string, body []byte) (int, []byte) {
	code, out := s.call("UpdateTable", body)
	if code != http.StatusOK {
		return code, out
	}
	if t := s.tables[name]; t != nil {
		t.Updates = append(t.Updates, append(json.RawMessage(nil), body...))
		if err := s.saveTable(t); err != nil {
			return internalError(err)
		}
	}
	return code, out
}

func (s *levelStore) deleteTable(name string, body []byte) (int, []byte) {
	code, out := s.call("DeleteTable", body)
	if code != http.StatusOK {
		return code, out
	}
	var b leveldb.Batch
	lo, hi := tableBounds(name)
	it := s.db.NewIterator(&util.Range{Start: lo, Limit: hi}, nil)
	for it.Next() {
		b.Delete(append([]byte(nil), it.Key()...))
	}
	it.Release()
	if err := it.Error(); err != nil {
		return internalError(err)
	}
	b.Delete(metaKey(name))
	if err := s.write(&b, syncWrite); err != nil {
		return internalError(err)
	}
	s.absent.forget(name)
	delete(s.tables, name)
	return code, out
}

func (s *levelStore) saveTable(t *tableDef) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.put(metaKey(t.Name), b, syncWrite)
}

func metaKey(table string) []byte {
	return append([]byte{metaPrefix}, table...)
}

// get returns the stored item at k, or nil.
func (s *levelStore) get(k []byte) (json.RawMessage, error) {
	v, err := s.db.Get(k, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// load puts items into the scratch table (in batches of 25) and returns
// their keys, for unload.
func (s *levelStore) load(t *tableDef, items []json.RawMessage) ([]map[string]json.RawMessage, error) {
	var keys []map[string]json.RawMessage
	for i := 0; i < len(items); i += 25 {
		var reqs []any
		for _, it := range items[i:min(i+25, len(items))] {
			_, k, err := t.key(it)
			if err != nil {
				return keys, err
			}
			keys = append(keys, k)
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": it}})
		}
		if code, out := s.callJSON("BatchWriteItem", map[string]any{"RequestItems": map[string]any{t.Name: reqs}}); code != http.StatusOK {
			return keys, fmt.Errorf("loading %s: %s", t.Name, out)
		}
	}
	return keys, nil
}

// unload empties the scratch table of the given keys.
func (s *levelStore) unload(table string, keys []map[string]json.RawMessage) error {
	for i := 0; i < len(keys); i += 25 {
		var reqs []any
		for _, k := range keys[i:min(i+25, len(keys))] {
			reqs = append(reqs, map[string]any{"DeleteRequest": map[string]any{"Key": k}})
		}
		if code, out := s.callJSON("BatchWriteItem", map[string]any{"RequestItems": map[string]any{table: reqs}}); code != http.StatusOK {
			return fmt.Errorf("unloading %s: %s", table, out)
		}
	}
	return nil
}

// single runs a one-item request: the stored item is loaded into the
// scratch table, minidyn answers, and for writes what it holds afterwards
// is stored.
func (s *levelStore) single(op string, body []byte, table string, rawKey json.RawMessage) (int, []byte) {
	t := s.tables[table]
	if t == nil {
		return s.call(op, body) // minidyn words the missing-table error
	}
	k, attrs, err := t.key(rawKey)
	if err != nil {
		return s.call(op, body) // and the malformed-key one
	}
	old, err := s.get(k)
	if err != nil {
		return internalError(err)
	}
	var keys []map[string]json.RawMessage
	if old != nil {
		if keys, err = s.load(t, []json.RawMessage{old}); err != nil {
			return internalError(err)
		}
	}
	code, out := s.call(op, body)
	if code == http.StatusOK && op != "GetItem" {
		code2, cur := s.callJSON("GetItem", map[string]any{"TableName": table, "Key": attrs, "ConsistentRead": true})
		var got struct{ Item map[string]json.RawMessage }
		if code2 != http.StatusOK || json.Unmarshal(cur, &got) != nil {
			return internalError(fmt.Errorf("reading back %s: %s", op, cur))
		}
		if got.Item != nil && op == "UpdateItem" {
			if out, err = s.fixRemove(body, got.Item, out); err != nil {
				if uerr := s.unload(table, []map[string]json.RawMessage{attrs}); uerr != nil {
					return internalError(uerr)
				}
				return awsError("ValidationException", err.Error())
			}
		}
		if got.Item != nil {
			// minidyn reads empty lists, maps and binaries back untyped:
			// restored from the put's item, or the item before an update.
			ref := old
			if op == "PutItem" {
				ref = rawKey
			}
			if ref != nil {
				retypeItem(got.Item, ref)
			}
			keys = []map[string]json.RawMessage{attrs}
			// The item as written (a put, or an update's result) must be
			// one DynamoDB would store.
			if msg := checkItem(got.Item); msg != "" {
				if err := s.unload(table, keys); err != nil {
					return internalError(err)
				}
				return awsError("ValidationException", msg)
			}
			item, merr := json.Marshal(got.Item)
			if merr != nil {
				return internalError(merr)
			}
			err = s.put(k, item, nil)
		} else if old != nil {
			err = s.db.Delete(k, nil)
		}
		if err != nil {
			return internalError(err)
		}
	}
	if err := s.unload(table, keys); err != nil {
		return internalError(err)
	}
	return code, out
}

// fixRemove applies an UpdateItem's REMOVE clause, which minidyn ignores,
// to item (the result to store) and to the response's Attributes when they
// show new values, and returns the response.
func (s *levelStore) fixRemove(body []byte, item map[string]json.RawMessage, out []byte) ([]byte, error) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return out, nil
	}
	changed, err := applyRemove(req, item)
	if err != nil || !changed {
		return out, err
	}
	var rv string
	_ = json.Unmarshal(req["ReturnValues"], &rv)
	if rv != "ALL_NEW" && rv != "UPDATED_NEW" {
		return out, nil
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(out, &resp); err != nil {
		return out, nil
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(resp["Attributes"], &attrs); err != nil || attrs == nil {
		return out, nil
	}
	if rv == "ALL_NEW" {
		attrs = item
	} else if _, err := applyRemove(req, attrs); err != nil {
		return out, err
	}
	resp["Attributes"], _ = json.Marshal(attrs)
	return json.Marshal(resp)
}

// batchGet answers a BatchGetItem. A plain one (see batchGetDirect) is
// read straight from the store; for any other the requested items that
// exist are loaded into the scratch table and minidyn answers (projections
// included).
func (s *levelStore) batchGet(body []byte, req map[string]json.RawMessage) (int, []byte) {
	var direct map[string]keysAndAttributes
	if err := json.Unmarshal(req["RequestItems"], &direct); err == nil {
		if out, ok, err := s.batchGetDirect(direct); err != nil {
			return internalError(err)
		} else if ok {
			return http.StatusOK, out
		}
	}
	return s.batchGetScratch(body, req)
}

// batchGetDecoded answers a BatchGetItem, through batchGetFast if
// decodeFastGet took its body (fg not nil), else as batchGet does.
func (s *levelStore) batchGetDecoded(body []byte, fg *fastGet) (int, []byte) {
	if fg != nil {
		if out, ok, err := s.batchGetFast(fg); err != nil {
			return internalError(err)
		} else if ok {
			return http.StatusOK, out
		}
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return awsError("SerializationException", err.Error())
	}
	return s.batchGet(body, req)
}

// batchGetScratch loads the requested items that exist into the scratch
// table and lets minidyn answer.
func (s *levelStore) batchGetScratch(body []byte, req map[string]json.RawMessage) (int, []byte) {
	var items map[string]struct {
		Keys []json.RawMessage
	}
	if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
		return s.call("BatchGetItem", body)
	}
	loaded := map[string][]map[string]json.RawMessage{}
	defer func() {
		for table, keys := range loaded {
			_ = s.unload(table, keys)
		}
	}()
	for table, spec := range items {
		t := s.tables[table]
		if t == nil {
			continue
		}
		var found []json.RawMessage
		for _, raw := range spec.Keys {
			k, _, err := t.key(raw)
			if err != nil {
				continue // minidyn reports it
			}
			it, err := s.get(k)
			if err != nil {
				return internalError(err)
			}
			if it != nil {
				found = append(found, it)
			}
		}
		keys, err := s.load(t, found)
		loaded[table] = keys
		if err != nil {
			return internalError(err)
		}
	}
	return s.call("BatchGetItem", body)
}

// scanPage bounds a Scan page without Limit, as DynamoDB's 1 MB page does.
const (
	scanPage      = 1000
	scanPageBytes = 1 << 20
)

// scan reads one page from the store in key order. A page that needs
// minidyn (a filter, a projection) is loaded into the scratch table and
// scanned there; Limit counts items read before filtering, as in DynamoDB.
func (s *levelStore) scan(table string, req map[string]json.RawMessage) (int, []byte) {
	t := s.tables[table]
	if t == nil {
		b, _ := json.Marshal(req)
		return s.call("Scan", b)
	}
	if _, ok := req["IndexName"]; ok {
		return awsError("ValidationException", "the embedded local table scans base tables only; use --dynamodb-endpoint for index scans")
	}
	limit := scanPage
	if l, ok := req["Limit"]; ok {
		if err := json.Unmarshal(l, &limit); err != nil || limit < 1 {
			return awsError("ValidationException", "Limit must be a positive integer")
		}
	}
	var segment, total int
	if raw, ok := req["TotalSegments"]; ok {
		_ = json.Unmarshal(raw, &total)
		_ = json.Unmarshal(req["Segment"], &segment)
		if total < 1 || segment < 0 || segment >= total {
			return awsError("ValidationException", "Segment must be at least 0 and less than TotalSegments")
		}
	}
	lo, hi := tableBounds(table)
	it := s.db.NewIterator(&util.Range{Start: lo, Limit: hi}, nil)
	defer it.Release()
	valid := it.First()
	if raw, ok := req["ExclusiveStartKey"]; ok {
		k, _, err := t.key(raw)
		if err != nil {
			return awsError("ValidationException", "ExclusiveStartKey: "+err.Error())
		}
		valid = it.Seek(k)
		if valid && bytes.Equal(it.Key(), k) {
			valid = it.Next()
		}
	}
	var page []json.RawMessage
	size := 0
	for ; valid && len(page) < limit && size < scanPageBytes; valid = it.Next() {
		if total > 0 {
			h := fnv.New32a()
			h.Write(it.Key())
			if int(h.Sum32()%uint32(total)) != segment {
				continue
			}
		}
		v := append(json.RawMessage(nil), it.Value()...)
		page = append(page, v)
		size += len(v)
	}
	if err := it.Error(); err != nil {
		return internalError(err)
	}
	var last map[string]json.RawMessage
	if valid && len(page) > 0 {
		var err error
		if _, last, err = t.key(page[len(page)-1]); err != nil {
			return internalError(err)
		}
	}
	items, count := page, len(page)
	if needsScratch(req) {
		keys, err := s.load(t, page)
		defer s.unload(table, keys)
		if err != nil {
			return internalError(err)
		}
		sub := map[string]json.RawMessage{}
		for k, v := range req {
			switch k {
			case "Limit", "ExclusiveStartKey", "Segment", "TotalSegments":
			default:
				sub[k] = v
			}
		}
		code, out := s.callJSON("Scan", sub)
		if code != http.StatusOK {
			return code, out
		}
		var resp struct {
			Items []json.RawMessage
			Count int
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			return internalError(err)
		}
		// minidyn answers empty lists and maps untyped: restored from
		// the stored items, matched by key (a projection without the key
		// is left as minidyn answered it).
		stored := make(map[string]json.RawMessage, len(page))
		for _, v := range page {
			if k, _, err := t.key(v); err == nil {
				stored[string(k)] = v
			}
		}
		for i, it := range resp.Items {
			if k, _, err := t.key(it); err == nil && stored[string(k)] != nil {
				resp.Items[i] = retypeAnswer(it, stored[string(k)])
			}
		}
		items, count = resp.Items, resp.Count
	}
	return pageResult(items, count, len(page), last, req)
}

// needsScratch tells whether a Scan asks for more than whole items.
func needsScratch(req map[string]json.RawMessage) bool {
	for _, k := range []string{"FilterExpression", "ProjectionExpression", "ScanFilter", "AttributesToGet"} {
		if _, ok := req[k]; ok {
			return true
		}
	}
	var sel string
	_ = json.Unmarshal(req["Select"], &sel)
	return sel != "" && sel != "ALL_ATTRIBUTES" && sel != "COUNT"
}

func pageResult(items []json.RawMessage, count, scanned int, last map[string]json.RawMessage, req map[string]json.RawMessage) (int, []byte) {
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
		return internalError(err)
	}
	return http.StatusOK, b
}
