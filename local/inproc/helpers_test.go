package inproc_test

import (
	"io"
	"runtime"
	"sync"
)

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

type closeRecorder struct {
	io.Reader
	mu sync.Mutex
	c  bool
}

func (c *closeRecorder) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.c = true
	return nil
}

func (c *closeRecorder) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.c
}
