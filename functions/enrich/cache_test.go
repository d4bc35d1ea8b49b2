package enrich

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCacheEvictsLeastRecentlyUsedAndExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCache(2, time.Minute)
	a, b, d := refKey{"t", "a", "#"}, refKey{"t", "b", "#"}, refKey{"t", "d", "#"}
	c.put(a, map[string]any{"v": "a"}, now)
	c.put(b, nil, now) // a known-missing key
	c.get(a, now)      // a is now the most recent
	c.put(d, map[string]any{"v": "d"}, now)
	type res struct {
		Item map[string]any
		OK   bool
	}
	get := func(k refKey, at time.Time) res { v, ok := c.get(k, at); return res{v, ok} }
	got := []res{get(a, now), get(b, now), get(d, now), get(a, now.Add(2*time.Minute))}
	want := []res{{map[string]any{"v": "a"}, true}, {nil, false}, {map[string]any{"v": "d"}, true}, {nil, false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := c.len(); n != 1 {
		t.Errorf("len = %d, want 1 (a expired, b evicted)", n)
	}
	off := newCache(0, time.Minute)
	off.put(a, nil, now)
	if _, ok := off.get(a, now); ok {
		t.Error("a zero-size cache kept an entry")
	}
}
