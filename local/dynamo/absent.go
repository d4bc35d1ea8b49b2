package dynamo

import (
	"hash/maphash"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// absence proves, without reading the database, that keys of a table
// loaded from empty are not stored.
//
// The loader reads the stored version of every item before it writes it
// (its ordering guard), so a first load of a file reads as many keys as it
// writes, and finds none of them. LevelDB answers such a miss by looking
// through both write buffers and every level-0 table whose key range
// covers the key (an index block search, then the table's bloom filter):
// 0.5 s of the 8.6 s of CPU a `sluice run` of 300,000 orders takes.
// absence answers nearly all of them from one Bloom filter instead.
//
// Why it is exact: the filter holds every key the store has put since the
// filter was made (put and write add the keys of every Put before LevelDB
// sees it; keys are never removed, so deletes only leave keys that prove
// nothing). A table is marked fresh only at a moment, after the filter was
// made, when it holds no item. Every item of a fresh table was therefore
// put after the filter was made, so is in the filter: a key of a fresh
// table the filter does not hold is not stored. A bloom filter can say
// "maybe" for a key it does not hold, never "no" for one it holds; a
// "maybe" is read from the database as before. The filter lives in memory
// only: after a crash or a restart a table that holds items is not fresh,
// and every read of it goes to the database. The store serialises calls
// (Store's lock), so no write falls between a check and a read.
//
// Memory is bounded: the filter has absenceBits bits (2 MB) whatever the
// tables hold. It is a blocked Bloom filter (see blockFilter): about 0.5%
// false positives at a million keys, some 3% at two; past absenceKeys
// keys they would cost more than they save, and the filter is dropped
// with every proof for the rest of the process.
type absence struct {
	filter *blockFilter // nil until a table is found fresh, or once dropped
	keys   int          // added to filter
	limit  int          // keys past which the filter is dropped (absenceKeys)
	off    bool         // dropped: no proofs for the rest of the process
	// fresh tells, for each table looked at, whether it is fresh (see
	// above). A table not in it has not been looked at.
	fresh map[string]bool
}

// The filter's size, and the keys past which it is dropped.
const (
	absenceBits = 1 << 24
	absenceKeys = 4_000_000
)

// newAbsence returns an absence that is dropped past limit keys.
func newAbsence(limit int) absence {
	return absence{limit: limit, fresh: map[string]bool{}}
}

// add records that key is being put.
func (a *absence) add(key []byte) {
	if a.filter == nil {
		return
	}
	if a.keys++; a.keys > a.limit {
		*a = absence{off: true}
		return
	}
	a.filter.add(key)
}

// Put implements leveldb.BatchReplay: it adds a batch's keys.
func (a *absence) Put(key, _ []byte) { a.add(key) }

// Delete implements leveldb.BatchReplay: a delete adds nothing.
func (a *absence) Delete([]byte) {}

// forget is called when a table is deleted: whether a table of that name
// is fresh is looked at again when it is next read.
func (a *absence) forget(table string) {
	delete(a.fresh, table)
}

// isFresh tells whether table is fresh, looking at whether it holds any
// item the first time it is asked. The filter is made when a table is
// first found empty (nothing is put between the look and that: calls are
// serialised), so every later put is in it.
func (a *absence) isFresh(db *leveldb.DB, table string) (bool, error) {
	if a.off {
		return false, nil
	}
	if fresh, ok := a.fresh[table]; ok {
		return fresh, nil
	}
	lo, hi := tableBounds(table)
	it := db.NewIterator(&util.Range{Start: lo, Limit: hi}, nil)
	empty := !it.First()
	it.Release()
	if err := it.Error(); err != nil {
		return false, err
	}
	if empty && a.filter == nil {
		a.filter = newBlockFilter(absenceBits)
	}
	a.fresh[table] = empty
	return empty, nil
}

// proves tells whether key, of a table isFresh reported fresh, is
// certainly not stored.
func (a *absence) proves(key []byte) bool {
	return a.filter != nil && !a.filter.has(key)
}

// blockFilter is a blocked Bloom filter (Putze, Sanders and Singler,
// "Cache-, hash- and space-efficient Bloom filters", 2007): a key's hash
// picks one 64-byte block, and sets or tests blockProbes bits of it. A
// classic filter's probes each land on a cache line of their own; in the
// store's 2 MB filter each was a cache miss, and a test or an add cost
// about 0.35 us, 0.2 s of a 300k orders run. Here each costs one miss,
// for about as many false positives at the same size (0.48% measured at
// a million keys, 16 bits each, by TestBlockFilter; 0.5% for the classic
// filter).
//
// It is written here, not taken from a library: the Bloom filter packages
// the module proxy offers (github.com/bits-and-blooms/bloom was tried)
// are classic filters, and this one is a hash and three bit operations.
type blockFilter struct {
	seed   maphash.Seed
	blocks [][8]uint64 // 512 bits each, a cache line
}

// blockProbes is the bits a key sets in its block.
const blockProbes = 3

// newBlockFilter returns an empty filter of bits bits (a multiple of 512).
func newBlockFilter(bits int) *blockFilter {
	return &blockFilter{seed: maphash.MakeSeed(), blocks: make([][8]uint64, bits/512)}
}

// locate returns key's block and the hash whose low bits choose its bits:
// the high 32 bits of the hash choose the block (by multiplication, not
// modulo), the low 27 the three bits, 9 each.
func (f *blockFilter) locate(key []byte) (*[8]uint64, uint64) {
	h := maphash.Bytes(f.seed, key)
	return &f.blocks[(h>>32)*uint64(len(f.blocks))>>32], h
}

// add adds key.
func (f *blockFilter) add(key []byte) {
	b, h := f.locate(key)
	for range blockProbes {
		b[h>>6&7] |= 1 << (h & 63)
		h >>= 9
	}
}

// has reports whether key may have been added: false only if it was not.
func (f *blockFilter) has(key []byte) bool {
	b, h := f.locate(key)
	for range blockProbes {
		if b[h>>6&7]&(1<<(h&63)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}
