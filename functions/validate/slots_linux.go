package validate

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// madvHugepage is MADV_HUGEPAGE (Linux), which package syscall does not
// define on every architecture.
const madvHugepage = 14

// mapSlots returns n zeroed slots. A table of two huge pages or more is
// mapped outside the Go heap (m, freed by unmap) and advised into
// transparent huge pages: a key set's first lookups touch its pages at
// random, a page fault each when they are 4 KiB — 4,096 faults for the
// default 16 MiB table, taken one by one in file order while the workers
// wait — and 8 when they are 2 MiB. Where the mapping fails it is a Go
// slice (m nil); where the advice fails, 4 KiB pages as before.
func mapSlots(n int) (slots []uint64, m []byte) {
	size := n * 8
	if size < 2*hugePage {
		return make([]uint64, n), nil
	}
	// A huge page more than the table, so that the table can start on a
	// huge page boundary: mmap aligns to 4 KiB.
	m, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]uint64, n), nil
	}
	off := 0
	if r := uintptr(unsafe.Pointer(&m[0])) % hugePage; r != 0 {
		off = int(hugePage - r)
	}
	table := m[off : off+size]
	_ = syscall.Madvise(table, madvHugepage)
	return unsafe.Slice((*uint64)(unsafe.Pointer(&table[0])), n), m
}

// unmap frees a mapping of mapSlots.
func unmap(m []byte) { _ = syscall.Munmap(m) }
