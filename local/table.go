package local

import (
	"bufio"
	"bytes"
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
)

// TableStore is an in-process DynamoDB: minidyn's servers answer the
// DynamoDB JSON protocol, each table spread over shards by partition key
// (see shards: minidyn alone slows quadratically with a table's size), and
// every write that succeeded is appended to a journal that is replayed when
// the store is opened again, so loaded items survive between runs. Only the
// part of a BatchWriteItem that was applied is journalled (never the
// UnprocessedItems).
//
// Known limits inherited from minidyn: no TTL expiry, no streams, and
// UpdateExpression REMOVE is ignored; transactions are refused (use an
// external endpoint). The whole table is held in memory.
type TableStore struct {
	dyn     *shards
	mu      sync.Mutex
	journal *os.File
	w       *bufio.Writer
	faults  TableFaults
	rng     *rand.Rand
}

// TableFaults injects DynamoDB faults, for tests and demos.
type TableFaults struct {
	// UnprocessedRate is the probability that each item of a BatchWriteItem
	// comes back in UnprocessedItems (as under throttling).
	UnprocessedRate float64
	// ThrottleRate is the probability that a write request fails with
	// ProvisionedThroughputExceededException.
	ThrottleRate float64
	// Seed makes the injected faults repeatable.
	Seed uint64
}

type tableEntry struct {
	Op   string          `json:"op"`
	Body json.RawMessage `json:"body"`
}

var writeOps = map[string]bool{
	"CreateTable": true, "UpdateTable": true, "DeleteTable": true, "PutItem": true,
	"DeleteItem": true, "UpdateItem": true, "BatchWriteItem": true, "TransactWriteItems": true,
}

// OpenTableStore opens (or creates) a table store journalled under dir.
// An empty dir keeps everything in memory.
func OpenTableStore(dir string, faults TableFaults) (*TableStore, error) {
	t := &TableStore{dyn: newShards(defaultShards), faults: faults, rng: rand.New(rand.NewPCG(faults.Seed, faults.Seed^0x5eed))}
	if dir == "" {
		return t, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("local dynamodb: %w", err)
	}
	jpath := filepath.Join(dir, "journal.jsonl")
	if f, err := os.Open(jpath); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
		line := 0
		for sc.Scan() {
			line++
			var e tableEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return nil, fmt.Errorf("local dynamodb: %s line %d: %w", jpath, line, err)
			}
			if code, body := t.call(e.Op, e.Body); code != http.StatusOK {
				f.Close()
				return nil, fmt.Errorf("local dynamodb: %s line %d: replaying %s: %s", jpath, line, e.Op, body)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("local dynamodb: %s: %w", jpath, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("local dynamodb: %w", err)
	}
	f, err := os.OpenFile(jpath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("local dynamodb: %w", err)
	}
	t.journal, t.w = f, bufio.NewWriterSize(f, 1<<20)
	return t, nil
}

// call runs one operation against the sharded minidyn servers.
func (t *TableStore) call(op string, body []byte) (int, []byte) {
	return t.dyn.dispatch(op, body)
}

// ServeHTTP answers the DynamoDB JSON protocol.
func (t *TableStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	t.mu.Lock()
	defer t.mu.Unlock()
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
	code, out := t.call(op, body)
	if code == http.StatusOK && writeOps[op] {
		if err := t.record(op, body); err != nil {
			writeAWSError(w, "InternalServerError", err.Error())
			return
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(code)
	_, _ = w.Write(out)
}

// batchWithUnprocessed applies a random part of a BatchWriteItem and
// returns the rest as UnprocessedItems, as DynamoDB does under throttling.
func (t *TableStore) batchWithUnprocessed(w http.ResponseWriter, body []byte) {
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
		if err := t.record("BatchWriteItem", sub); err != nil {
			writeAWSError(w, "InternalServerError", err.Error())
			return
		}
	}
	resp, _ := json.Marshal(map[string]any{"UnprocessedItems": unprocessed})
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(resp)
}

func (t *TableStore) record(op string, body []byte) error {
	if t.journal == nil {
		return nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return err
	}
	line, err := json.Marshal(tableEntry{Op: op, Body: compact.Bytes()})
	if err != nil {
		return err
	}
	_, err = t.w.Write(append(line, '\n'))
	return err
}

// Flush writes buffered journal entries to disk.
func (t *TableStore) Flush() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.w == nil {
		return nil
	}
	return t.w.Flush()
}

// Close flushes and closes the journal.
func (t *TableStore) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.journal == nil {
		return nil
	}
	err := t.w.Flush()
	if cerr := t.journal.Close(); err == nil {
		err = cerr
	}
	t.journal = nil
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

// ServeDynamoDB serves t on a free 127.0.0.1 port.
func ServeDynamoDB(t *TableStore) (*Server, error) {
	srv, err := serve(t)
	if err != nil {
		return nil, fmt.Errorf("local dynamodb: %w", err)
	}
	return srv, nil
}
