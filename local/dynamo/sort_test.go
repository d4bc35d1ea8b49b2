package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSortByKey checks the on-disk sort behind the runtime's ScanItems on
// an external endpoint: items emitted in any order come back ordered by
// pk, then sk, as byte strings (the embedded store's order), including
// keys that are prefixes of each other or hold NUL bytes, with numbers
// kept exact.
func TestSortByKey(t *testing.T) {
	pks := []string{"", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "é", "ORD-1", "ORD-10", "ORD-2"}
	var items []map[string]any
	for i, pk := range pks {
		for _, sk := range []string{"", "x", "x\x00", "y", "10", "9"} {
			items = append(items, map[string]any{"pk": pk, "sk": sk, "n": json.Number(fmt.Sprintf("1.%d0", i))})
		}
	}
	want := append([]map[string]any(nil), items...)
	sort.Slice(want, func(i, j int) bool {
		if a, b := want[i]["pk"].(string), want[j]["pk"].(string); a != b {
			return a < b
		}
		return want[i]["sk"].(string) < want[j]["sk"].(string)
	})
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })

	var got []map[string]any
	err := SortByKey("pk", "sk", func(emit func(map[string]any) error) error {
		for _, it := range items {
			if err := emit(it); err != nil {
				return err
			}
		}
		return nil
	}, func(it map[string]any) error {
		got = append(got, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestSortByKeyStops checks that an error from the callback ends the
// scan and comes back.
func TestSortByKeyStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := SortByKey("pk", "sk", func(emit func(map[string]any) error) error {
		for i := range 5 {
			if err := emit(map[string]any{"pk": fmt.Sprint(i), "sk": ""}); err != nil {
				return err
			}
		}
		return nil
	}, func(map[string]any) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("got %v after %d calls, want the callback's error after 1", err, calls)
	}
}
