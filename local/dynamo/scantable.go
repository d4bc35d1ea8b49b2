package dynamo

import (
	"errors"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb/iterator"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// ErrNoTable is what ScanTable returns for a table the store does not hold.
var ErrNoTable = errors.New("local dynamodb: no such table")

// Read-ahead of ScanTable: items copied out under the store's lock at a
// time, at most (a bounded buffer, reused, so memory does not grow with
// the table).
const (
	rawScanItems = 1000
	rawScanBytes = 1 << 20
)

// ScanTable calls fn with every item of table in key order (hash key, then
// range key, as the store orders them: what Scan answers, page after
// page), each as the store holds it: one item as compact DynamoDB JSON,
// {"name":{"S":"x"},...}. The slice is valid only until fn returns. It is
// the read path of sluice table scan, which would otherwise spend most of
// its time encoding Scan responses and decoding them again in the SDK.
//
// One LevelDB iterator reads the table, so the items are those of one
// moment, the scan's start. It is advanced a bounded batch at a time under
// the store's lock, and the batch handed to fn outside it (a buffer
// reused, so memory does not grow with the table): fn may take its time,
// and other calls go on meanwhile. Close releases the iterator of a scan
// still running, which then fails. An error from fn stops the scan and is
// returned; a table the store does not hold gives ErrNoTable.
func (t *Store) ScanTable(table string, fn func(item []byte) error) error {
	it, err := t.openScan(table)
	if err != nil {
		return err
	}
	defer t.closeScan(it)
	var (
		buf  []byte // the batch's items, end to end
		ends []int  // where each ends in buf
	)
	for more := true; more; {
		buf, ends, more, err = t.readBatch(it, buf[:0], ends[:0])
		if err != nil {
			return err
		}
		start := 0
		for _, end := range ends {
			if err := fn(buf[start:end]); err != nil {
				return err
			}
			start = end
		}
	}
	return nil
}

var errClosed = errors.New("local dynamodb: the table store is closed")

// openScan opens an iterator over the items of table and registers it
// with the store, for Close.
func (t *Store) openScan(table string) (iterator.Iterator, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dyn == nil {
		return nil, errClosed
	}
	if t.dyn.tables[table] == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, table)
	}
	lo, hi := tableBounds(table)
	it := t.dyn.db.NewIterator(&util.Range{Start: lo, Limit: hi}, nil)
	if t.scans == nil {
		t.scans = map[iterator.Iterator]bool{}
	}
	t.scans[it] = true
	return it, nil
}

// closeScan releases a scan's iterator, unless Close did.
func (t *Store) closeScan(it iterator.Iterator) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.scans[it] {
		delete(t.scans, it)
		it.Release()
	}
}

// readBatch appends to buf the next items of it, up to rawScanItems or
// rawScanBytes, and the end of each to ends; more is false once it has
// none left.
func (t *Store) readBatch(it iterator.Iterator, buf []byte, ends []int) (_ []byte, _ []int, more bool, _ error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dyn == nil || !t.scans[it] {
		return buf, ends, false, errClosed
	}
	for n := 0; n < rawScanItems && len(buf) < rawScanBytes; n++ {
		if !it.Next() {
			return buf, ends, false, it.Error()
		}
		buf = append(buf, it.Value()...)
		ends = append(ends, len(buf))
	}
	return buf, ends, true, nil
}
