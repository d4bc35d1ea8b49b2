package transform

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/validate"
)

// TestRunObserveAndRecycle: however Run is observed and whoever owns the
// chunk buffers, it stages the same chunks, and the observers see every
// row once: with Observe alone each row goes to it; with ObserveGood the
// good rows are counted in runs and Observe sees the others. A Recycle
// that keeps every chunk's buffer gets one call a chunk.
func TestRunObserveAndRecycle(t *testing.T) {
	orders, err := dataset.Builtin().Lookup("orders")
	if err != nil {
		t.Fatal(err)
	}
	// 40 rows: good ones (the fast path's runs), a bad one, a duplicate
	// and one the general path stages (Unicode white space to trim).
	var csv bytes.Buffer
	csv.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := 1; i <= 40; i++ {
		id := fmt.Sprint("A", i)
		switch i {
		case 7:
			id = "A 7" // bad: the pattern
		case 20:
			id = "A3" // a duplicate
		case 30:
			id = "\u00a0A30"
		}
		fmt.Fprintf(&csv, "%s,C1,2026-01-02,S,%d,1.50,usd,new\n", id, i)
	}
	body := csv.Bytes()
	type result struct {
		Chunks          []string
		Stats           Stats
		Observed, Good  int64
		Bad, Filtered   int64
		Recycled        int
		RecycledBuffers int
	}
	do := func(cfg Config, observe, good, recycle bool) result {
		var r result
		kept := map[*byte]bool{}
		if observe {
			cfg.Observe = func(row validate.Row) {
				r.Observed++
				if row.Bad() {
					r.Bad++
				}
				if row.Filtered {
					r.Filtered++
				}
			}
		}
		if good {
			cfg.ObserveGood = func(n int64) { r.Good += n }
		}
		var held [][]byte // buffers the sink keeps until the end
		if recycle {
			cfg.Recycle = func(data []byte) []byte {
				r.Recycled++
				if cap(data) > 0 {
					kept[&data[:1][0]] = true
				}
				held = append(held, data)
				return nil
			}
		}
		st, err := Run(bytes.NewReader(body), "incoming/orders/o.csv", orders, cfg, func(_ int, data []byte, _ int64) error {
			r.Chunks = append(r.Chunks, string(data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r.Stats, r.RecycledBuffers = st, len(kept)
		for _, h := range held {
			if len(h) == 0 {
				t.Errorf("a recycled chunk buffer is empty")
			}
		}
		return r
	}
	for _, cfg := range []Config{{}, {ChunkRecords: 3}, {ChunkBytes: 300}} {
		want := do(cfg, true, false, false)
		if want.Observed != want.Stats.Rows || want.Bad != want.Stats.Rejected || want.Bad == 0 || want.Stats.Records == 0 {
			t.Fatalf("%+v: Observe alone saw %d rows (%d bad), stats %+v", cfg, want.Observed, want.Bad, want.Stats)
		}
		got := do(cfg, true, true, true)
		if diff := cmp.Diff(want.Chunks, got.Chunks); diff != "" {
			t.Errorf("%+v: chunks (-Observe alone +ObserveGood and Recycle):\n%s", cfg, diff)
		}
		if diff := cmp.Diff(want.Stats, got.Stats); diff != "" {
			t.Errorf("%+v: stats (-Observe alone +ObserveGood and Recycle):\n%s", cfg, diff)
		}
		if got.Good == 0 || got.Good+got.Observed != want.Observed || got.Bad != want.Bad || got.Filtered != want.Filtered {
			t.Errorf("%+v: ObserveGood counted %d, Observe saw %d (%d bad, %d filtered); want %d rows (%d bad, %d filtered)",
				cfg, got.Good, got.Observed, got.Bad, got.Filtered, want.Observed, want.Bad, want.Filtered)
		}
		if got.Recycled != got.Stats.Chunks || got.RecycledBuffers != got.Stats.Chunks {
			t.Errorf("%+v: Recycle called %d times with %d distinct buffers for %d chunks", cfg, got.Recycled, got.RecycledBuffers, got.Stats.Chunks)
		}
	}
}
