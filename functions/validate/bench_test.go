package validate

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/benchcpu"
)

// BenchmarkKeySet is the duplicate-key check of the transformer's
// consumer goroutine: a million distinct keys (the set's default cap),
// looked up and added in batches of batchRows after warm. An op is one
// key.
func BenchmarkKeySet(b *testing.B) {
	const keys = 1 << 20
	rows := make([]batchRow, keys)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		rows[i] = batchRow{ok: true, hash: rng.Uint64()}
	}
	benchcpu.Report(b)
	var k *keySet
	for i := 0; i < b.N; i++ {
		if i%keys == 0 {
			b.StopTimer()
			k = newKeySet(keys, keys)
			b.StartTimer()
		}
		if i%batchRows == 0 {
			k.warm(rows[i%keys : min(i%keys+batchRows, keys)])
		}
		if k.add(rows[i%keys].hash) {
			b.Fatal("a distinct key reported as seen")
		}
	}
}

// BenchmarkKeyHash is the hash of an orders key as the staging workers
// take it (pk "ORDER#ORD-00000001", sk "ORDER"); an op is one key.
func BenchmarkKeyHash(b *testing.B) {
	seed := maphash.MakeSeed()
	key := []byte("ORDER#ORD-00000001ORDER")
	benchcpu.Report(b)
	var sum uint64
	for i := 0; b.Loop(); i++ {
		key[17] = byte('0' + i%10)
		sum += keyHash(seed, key, 18)
	}
	if sum == 1 {
		b.Log(sum)
	}
}

// BenchmarkCheck is the validate function's work on an orders file of
// 20,000 rows (half a percent bad), on the fast path (Check) and on the
// general path alone, there with the total computed or proven from the
// declared bounds; an op is one row. proc-cpu-ns/op counts the CPU of
// every goroutine (the fast path reads, checks and hands out rows on
// three); run one sub-benchmark at a time for it to be the benchmark's
// own.
func BenchmarkCheck(b *testing.B) {
	orders, err := dataset.Builtin().Lookup("orders")
	if err != nil {
		b.Fatal(err)
	}
	const rows = 20000
	var buf strings.Builder
	buf.WriteString(ordersHeader)
	for i := 1; i <= rows; i++ {
		qty := strconv.Itoa(1 + i%50)
		if i%200 == 7 {
			qty = "0" // below Min: a bad row
		}
		fmt.Fprintf(&buf, "ORD-%d,C%03d,%02d/01/2026,SKU-TEA-%02d,%s,%d.%02d,eur,shipped\n", i, i%1000, 1+i%28, i%97, qty, i%500, i%100)
	}
	content := []byte(buf.String())
	src := contract.Object{Bucket: bucket, Key: "incoming/orders/b.csv", Size: int64(len(content))}
	// With a Max on unit_price the declarations prove the total
	// storable: the general path no longer computes it.
	proven := dataset.Orders()
	proven.Enrichment.Lookups = nil
	proven.Fields[5].Max = "100000"
	if err := proven.Compile(); err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name    string
		ds      *dataset.Dataset
		general bool
	}{{"fast", orders, false}, {"general", orders, true}, {"general-proven", proven, true}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(content)) / rows)
			b.ReportAllocs()
			benchcpu.ReportProcess(b)
			for i := 0; i < b.N; i += rows {
				rep, err := check(bytes.NewReader(content), src, bm.ds, Config{}, bm.general)
				if err != nil || rep.Rows != rows || rep.BadRows != rows/200 {
					b.Fatalf("report %+v, err %v", rep, err)
				}
			}
		})
	}
}
