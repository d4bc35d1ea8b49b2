package validate

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"unsafe"
)

// TestKeySetMapped: a set large enough for huge pages works as a small
// one — zeroed slots, duplicates found, across a grow — and on Linux lies
// in a mapping that starts on a huge page boundary and that free gives
// back.
func TestKeySetMapped(t *testing.T) {
	const n = 1 << 20 // 8 MiB of slots: 4 huge pages
	k := newKeySet(4*n, n/2)
	if len(k.slots) != n {
		t.Fatalf("%d slots, want %d", len(k.slots), n)
	}
	if runtime.GOOS == "linux" {
		if k.mapped == nil {
			t.Fatal("an 8 MiB table is not mapped")
		}
		if a := uintptr(unsafe.Pointer(&k.slots[0])); a%hugePage != 0 {
			t.Errorf("the table starts at %#x, not on a huge page boundary", a)
		}
	}
	for i, v := range k.slots {
		if v != 0 {
			t.Fatalf("slot %d = %d, want 0", i, v)
		}
	}
	// Past half full the set grows into a new table (and mapping),
	// keeping every key.
	keys := n/2 + 10
	for i := range keys {
		if k.seen(fmt.Sprint("K", i), "S") {
			t.Fatalf("fresh key %d reported as seen", i)
		}
	}
	if len(k.slots) != 2*n {
		t.Errorf("%d slots after %d keys, want %d", len(k.slots), keys, 2*n)
	}
	for _, i := range []int{0, 1, n / 4, keys - 1} {
		if !k.seen(fmt.Sprint("K", i), "S") {
			t.Errorf("key %d lost in the grow", i)
		}
	}
	k.free()
	if k.slots != nil || k.mapped != nil {
		t.Error("free kept the table")
	}
	k.free() // a second free is harmless
}

// TestScannerClosed: Close frees the scanner's key set, and a read after
// it fails rather than touch it.
func TestScannerClosed(t *testing.T) {
	body := []byte("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n" +
		"A1,C1,2026-01-02,S,1,1.50,USD,NEW\nA2,C1,2026-01-02,S,1,1.50,USD,NEW\n")
	sc, err := NewScanner(bytes.NewReader(body), "incoming/orders/o.csv", mustDataset(t, "orders"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, row, err := sc.AppendNext(nil); err != nil || row.Bad() {
		t.Fatalf("first row: %+v, %v", row, err)
	}
	sc.Close()
	if sc.keys.slots != nil {
		t.Error("Close kept the key set")
	}
	if _, _, err := sc.AppendNext(nil); !errors.Is(err, errClosed) {
		t.Errorf("AppendNext after Close: %v, want %v", err, errClosed)
	}
	if _, n := sc.AppendGood(nil, 10, 1<<20); n != 0 {
		t.Errorf("AppendGood after Close appended %d rows", n)
	}
	sc.Close() // a second Close is harmless
}
