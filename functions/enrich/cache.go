package enrich

import (
	"container/list"
	"sync"
	"time"
)

// cache is a size-bounded LRU of reference items with an age limit, safe
// for concurrent use. A nil item records that the key does not exist, so
// unknown customers are not read again on every chunk.
type cache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	ll    *list.List
	items map[refKey]*list.Element
	hits  int64
	miss  int64
}

type refKey struct{ table, pk, sk string }

type cacheEntry struct {
	key  refKey
	item map[string]any // nil: no such item
	at   time.Time
}

func newCache(max int, ttl time.Duration) *cache {
	return &cache{max: max, ttl: ttl, ll: list.New(), items: map[refKey]*list.Element{}}
}

// get returns the cached item and whether the key was cached (and fresh
// at now).
func (c *cache) get(k refKey, now time.Time) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		c.miss++
		return nil, false
	}
	ent := e.Value.(*cacheEntry)
	if c.ttl > 0 && now.Sub(ent.at) > c.ttl {
		c.ll.Remove(e)
		delete(c.items, k)
		c.miss++
		return nil, false
	}
	c.ll.MoveToFront(e)
	c.hits++
	return ent.item, true
}

func (c *cache) put(k refKey, item map[string]any, now time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value = &cacheEntry{k, item, now}
		c.ll.MoveToFront(e)
		return
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{k, item, now})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
