package dynamo

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// SortByKey calls fn with the items scan emits, in the order the embedded
// store keeps a table's items: by the hash key attribute, then the range
// key attribute, each compared as the bytes of its value's text. It sorts
// on disk, through a scratch LevelDB database in a temporary directory,
// with the store's fixed memory budget (it needs disk space about the size
// of the items), so an external endpoint's Scan, which answers in hash
// order, can be read back in key order whatever its size. An error from
// scan or fn stops the sort and is returned.
func SortByKey(hashKey, rangeKey string, scan func(emit func(item map[string]any) error) error, fn func(item map[string]any) error) (err error) {
	dir, err := os.MkdirTemp("", "sluice-scan-")
	if err != nil {
		return fmt.Errorf("sort items: %w", err)
	}
	defer func() {
		if rerr := os.RemoveAll(dir); err == nil && rerr != nil {
			err = fmt.Errorf("sort items: %w", rerr)
		}
	}()
	db, err := leveldb.OpenFile(dir, &opt.Options{
		BlockCacheCapacity: snapshotCacheBytes, // read through once
		WriteBuffer:        writeBufferBytes,
		NoSync:             true,
	})
	if err != nil {
		return fmt.Errorf("sort items: %w", err)
	}
	defer db.Close()
	err = scan(func(item map[string]any) error {
		v, err := json.Marshal(item)
		if err != nil {
			return err
		}
		if err := db.Put(itemSortKey(item, hashKey, rangeKey), v, nil); err != nil {
			return fmt.Errorf("sort items: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	it := db.NewIterator(nil, nil)
	defer it.Release()
	for it.Next() {
		dec := json.NewDecoder(strings.NewReader(string(it.Value())))
		dec.UseNumber()
		var item map[string]any
		if err := dec.Decode(&item); err != nil {
			return fmt.Errorf("sort items: %w", err)
		}
		if err := fn(item); err != nil {
			return err
		}
	}
	return it.Error()
}

// itemSortKey orders items by their hash key, then their range key, each
// compared as bytes (the order of the embedded store's keys): the
// components are escaped and terminated as in the store's own key
// encoding.
func itemSortKey(item map[string]any, hashKey, rangeKey string) []byte {
	k := appendEscaped(nil, []byte(fmt.Sprint(item[hashKey])))
	return appendEscaped(k, []byte(fmt.Sprint(item[rangeKey])))
}
