//go:build !linux

package validate

// mapSlots returns n zeroed slots, a Go slice (m nil): huge pages are
// asked for on Linux only (slots_linux.go).
func mapSlots(n int) (slots []uint64, m []byte) { return make([]uint64, n), nil }

// unmap frees a mapping of mapSlots; there are none here.
func unmap([]byte) {}
