package transform

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/dataset"
)

// orderGen generates an orders CSV of about size bytes on the fly, so the
// input itself takes no memory.
type orderGen struct {
	size, n int64
	row     int
	pending []byte
}

func (g *orderGen) Read(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		if len(g.pending) == 0 {
			if g.n >= g.size {
				break
			}
			if g.row == 0 {
				g.pending = []byte("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
			} else {
				g.pending = fmt.Appendf(g.pending[:0], "ORD-%d,C%03d,%02d/01/2026,SKU-TEA-%02d,%d,%d.%02d,eur,shipped\n",
					g.row, g.row%1000, 1+g.row%28, g.row%97, 1+g.row%50, g.row%500, g.row%100)
			}
			g.row++
		}
		c := copy(p[written:], g.pending)
		g.pending = g.pending[c:]
		written += c
		g.n += int64(c)
	}
	if written == 0 {
		return 0, io.EOF
	}
	return written, nil
}

// heapPeak samples HeapAlloc until stopped and returns the highest seen.
type heapPeak struct {
	mu   sync.Mutex
	peak uint64
	stop chan struct{}
	done chan struct{}
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			h.sample()
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.mu.Lock()
	h.peak = max(h.peak, m.HeapAlloc)
	h.mu.Unlock()
}

func (h *heapPeak) Stop() uint64 {
	close(h.stop)
	<-h.done
	h.sample()
	return h.peak
}

// BenchmarkTransformLarge streams a generated orders CSV of
// SLUICE_BENCH_BYTES bytes (default 64 MiB) through Run, discarding the
// chunks, and reports the peak heap (HeapAlloc sampled every 20 ms and at
// every chunk) in MB. For 1 GiB:
//
//	SLUICE_BENCH_BYTES=1073741824 go test -run='^$' -bench=TransformLarge -benchtime=1x ./functions/transform
func BenchmarkTransformLarge(b *testing.B) {
	size := int64(64 << 20)
	if s := os.Getenv("SLUICE_BENCH_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("SLUICE_BENCH_BYTES: %v", err)
		}
		size = n
	}
	ds, err := dataset.Builtin().Lookup("orders")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var peak uint64
	var records int64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		hp := startHeapPeak()
		var out int64
		st, err := Run(&orderGen{size: size}, "big.csv", ds, Config{}, func(_ int, data []byte, n int64) error {
			out += int64(len(data))
			hp.sample()
			return nil
		})
		p := hp.Stop()
		if err != nil {
			b.Fatal(err)
		}
		if st.Rejected != 0 || st.Records == 0 || out == 0 {
			b.Fatalf("stats %+v", st)
		}
		peak = max(peak, p)
		records = st.Records
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(records), "records")
}
