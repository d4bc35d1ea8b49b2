package dynamo

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/syndtr/goleveldb/leveldb/iterator"
)

// Store is an in-process DynamoDB: it answers the DynamoDB JSON
// protocol from a levelStore (items on disk in LevelDB, semantics from
// minidyn; see levelStore), with fault injection in front. The tables live
// under the state directory and survive between runs, and memory stays
// bounded however many items are loaded.
//
// Known limits inherited from minidyn: no TTL expiry and no streams;
// transactions and index queries are refused (use an external endpoint).
// Where minidyn departs from DynamoDB in ways a pipeline meets, the store
// corrects it: Query order, DynamoDB's number and item-size limits, and
// REMOVE of a top-level attribute (see remove.go).
type Store struct {
	dyn      *levelStore
	snapshot string // the private copy a snapshot store reads, removed on Close
	mu       sync.Mutex
	faults   Faults
	rng      *rand.Rand
	// afterWrite, when set, sees every successful write request (the
	// crash hook counts items with it).
	afterWrite func(op string, body []byte)
	// scans holds the iterators of the ScanTable calls under way, which
	// Close releases.
	scans map[iterator.Iterator]bool
}

// Faults injects DynamoDB faults, for tests and demos.
type Faults struct {
	// UnprocessedRate is the probability that each item of a BatchWriteItem
	// comes back in UnprocessedItems (as under throttling).
	UnprocessedRate float64
	// ThrottleRate is the probability that a write request fails with
	// ProvisionedThroughputExceededException.
	ThrottleRate float64
	// Seed makes the injected faults repeatable.
	Seed uint64
}

var writeOps = map[string]bool{
	"CreateTable": true, "UpdateTable": true, "DeleteTable": true, "PutItem": true,
	"DeleteItem": true, "UpdateItem": true, "BatchWriteItem": true, "TransactWriteItems": true,
}

// legacyJournal is where state directories written before the LevelDB
// store kept their tables: a JSON Lines journal of applied write requests.
// Open imports it once and renames it with importedSuffix.
const (
	legacyJournal  = "journal.jsonl"
	importedSuffix = ".imported"
)

// Open opens (or creates) a table store under dir. An empty dir
// keeps everything in memory.
func Open(dir string, faults Faults) (*Store, error) {
	t := &Store{faults: faults, rng: rand.New(rand.NewPCG(faults.Seed, faults.Seed^0x5eed))}
	dbDir := ""
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("local dynamodb: %w", err)
		}
		dbDir = filepath.Join(dir, "leveldb")
	}
	var err error
	if t.dyn, err = openLevelStore(dbDir, false); err != nil {
		return nil, fmt.Errorf("local dynamodb: %s: %w", dbDir, err)
	}
	if dir != "" {
		if err := t.importJournal(filepath.Join(dir, legacyJournal), true); err != nil {
			t.dyn.Close()
			return nil, err
		}
	}
	return t, nil
}

// importJournal replays a legacy journal into the store, then (if rename)
// renames it so it is never replayed twice.
func (t *Store) importJournal(path string, rename bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local dynamodb: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		var e struct {
			Op   string          `json:"op"`
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("local dynamodb: %s line %d: %w", path, line, err)
		}
		if code, body := t.dyn.dispatch(e.Op, e.Body); code != http.StatusOK {
			return fmt.Errorf("local dynamodb: %s line %d: replaying %s: %s", path, line, e.Op, body)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("local dynamodb: %s: %w", path, err)
	}
	if !rename {
		return nil
	}
	if err := t.dyn.note("imported "+legacyJournal, fmt.Sprintf("%d requests", line)); err != nil {
		return fmt.Errorf("local dynamodb: %w", err)
	}
	return os.Rename(path, path+importedSuffix)
}

// snapshotPrefix names the private copies OpenSnapshot makes.
const snapshotPrefix = ".snapshot-"

// OpenSnapshot opens a private copy of the tables under dir for
// reading, so that it works beside a process that has them open (the
// database's own lock admits one process): the immutable table files are
// hard-linked, the manifest and write-ahead log copied, and the copy is
// removed on Close. Writes to the copy are allowed and lost. A directory
// with no tables yet gives an empty store.
func OpenSnapshot(dir string) (*Store, error) {
	t := &Store{rng: rand.New(rand.NewPCG(0, 0x5eed))}
	src := filepath.Join(dir, "leveldb")
	if _, err := os.Stat(filepath.Join(src, "CURRENT")); errors.Is(err, os.ErrNotExist) {
		var err error
		if t.dyn, err = openLevelStore("", false); err != nil {
			return nil, fmt.Errorf("local dynamodb: %w", err)
		}
		return t, t.importJournal(filepath.Join(dir, legacyJournal), false)
	}
	var lastErr error
	for attempt := 0; attempt < 10; attempt++ {
		snap, err := os.MkdirTemp(dir, snapshotPrefix)
		if err != nil {
			return nil, fmt.Errorf("local dynamodb: %w", err)
		}
		if lastErr = copyLevelDB(src, snap); lastErr == nil {
			if t.dyn, lastErr = openLevelStore(snap, true); lastErr == nil {
				t.snapshot = snap
				return t, nil
			}
		}
		os.RemoveAll(snap)
		// A file vanished under the copy (the writer compacted): again.
	}
	return nil, fmt.Errorf("local dynamodb: snapshot of %s: %w", src, lastErr)
}

// copyLevelDB copies the database in src to dst: table files (which
// LevelDB never changes once written) are hard-linked where possible, the
// rest copied. Files the writer creates meanwhile are picked up by a second
// pass; one it deletes meanwhile fails the copy with a not-exist error, and
// the caller tries again.
func copyLevelDB(src, dst string) error {
	done := map[string]bool{}
	pass := func() error {
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			switch {
			case done[name] || name == "LOCK" || strings.HasPrefix(name, "LOG") || e.IsDir():
				continue
			case strings.HasSuffix(name, ".ldb") || strings.HasSuffix(name, ".sst"):
				if err := os.Link(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
					if errors.Is(err, os.ErrNotExist) {
						return err
					}
					if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
						return err
					}
				}
			default: // CURRENT, MANIFEST-*, *.log: still being written
				if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
					return err
				}
			}
			done[name] = true
		}
		return nil
	}
	if err := pass(); err != nil {
		return err
	}
	return pass()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// call runs one operation against the store.
func (t *Store) call(op string, body []byte) (int, []byte) {
	return t.dyn.dispatch(op, body)
}

// ServeHTTP answers the DynamoDB JSON protocol.
func (t *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	// Decoding is most of a BatchWriteItem's cost, and much of a
	// BatchGetItem's, and needs no table: concurrent clients decode in
	// parallel, outside the lock.
	var batch *decodedBatch
	var get *fastGet
	switch op {
	case "BatchWriteItem":
		d := decodeBatch(body)
		batch = &d
	case "BatchGetItem":
		get = decodeFastGet(body)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dyn == nil {
		writeAWSError(w, "InternalServerError", "local dynamodb: the table store is closed")
		return
	}
	if writeOps[op] && op != "CreateTable" && t.faults.ThrottleRate > 0 && t.rng.Float64() < t.faults.ThrottleRate {
		writeAWSError(w, "ProvisionedThroughputExceededException", "injected throttle (sluice --inject)")
		return
	}
	if op == "BatchWriteItem" && t.faults.UnprocessedRate > 0 {
		t.batchWithUnprocessed(w, body)
		return
	}
	if op == "UpdateTimeToLive" || op == "DescribeTimeToLive" {
		// Accepted and ignored: minidyn has no TTL expiry.
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"TimeToLiveSpecification":{"Enabled":true}}`))
		return
	}
	var code int
	var out []byte
	switch {
	case batch != nil:
		code, out = t.dyn.batchWriteDecoded(body, *batch)
	case get != nil:
		code, out = t.dyn.batchGetDecoded(body, get)
	default:
		code, out = t.call(op, body)
	}
	if t.afterWrite != nil && code == http.StatusOK && writeOps[op] {
		t.afterWrite(op, body)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(code)
	_, _ = w.Write(out)
}

// maxBody bounds a request body the store reads (DynamoDB's largest
// request, a BatchWriteItem of 25 items of 400 KB, is about 10 MB).
const maxBody = 64 << 20

// readBody reads a request's body: into a buffer of its Content-Length
// where it gives one (the SDK always does), so that a large body is not
// read through a growing buffer, copied at every doubling.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 && n <= maxBody {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, maxBody))
}

// batchWithUnprocessed applies a random part of a BatchWriteItem and
// returns the rest as UnprocessedItems, as DynamoDB does under throttling.
func (t *Store) batchWithUnprocessed(w http.ResponseWriter, body []byte) {
	var in struct {
		RequestItems map[string][]json.RawMessage `json:"RequestItems"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeAWSError(w, "ValidationException", err.Error())
		return
	}
	apply := map[string][]json.RawMessage{}
	unprocessed := map[string][]json.RawMessage{}
	for table, reqs := range in.RequestItems {
		for _, r := range reqs {
			if t.rng.Float64() < t.faults.UnprocessedRate {
				unprocessed[table] = append(unprocessed[table], r)
			} else {
				apply[table] = append(apply[table], r)
			}
		}
	}
	if len(apply) > 0 {
		sub, _ := json.Marshal(map[string]any{"RequestItems": apply})
		code, out := t.call("BatchWriteItem", sub)
		if code != http.StatusOK {
			w.WriteHeader(code)
			_, _ = w.Write(out)
			return
		}
	}
	resp, _ := json.Marshal(map[string]any{"UnprocessedItems": unprocessed})
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(resp)
}

// Close closes the store; later calls answer an error.
func (t *Store) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dyn == nil {
		return nil
	}
	for it := range t.scans {
		it.Release()
	}
	t.scans = nil
	err := t.dyn.Close()
	t.dyn = nil
	if t.snapshot != "" {
		if rerr := os.RemoveAll(t.snapshot); err == nil {
			err = rerr
		}
	}
	return err
}

func writeAWSError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	code := http.StatusBadRequest
	if typ == "InternalServerError" {
		code = http.StatusInternalServerError
	}
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
	_, _ = w.Write(b)
}

// OnWrite registers fn to see every write request the store applied
// successfully (the operation and its request body), before the answer
// goes back; the crash harness counts written items with it. fn runs
// under the store's lock.
func (t *Store) OnWrite(fn func(op string, body []byte)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.afterWrite = fn
}
