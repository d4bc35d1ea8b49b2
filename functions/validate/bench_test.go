package validate

import (
	"math/rand/v2"
	"testing"

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
