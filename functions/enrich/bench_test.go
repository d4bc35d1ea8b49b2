package enrich

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
)

// BenchmarkHandleOrders enriches a chunk of 1,000 orders over 50 customers
// (cached after the first chunk): metadata, lookup, calculated total and
// JSON Lines output. The lines are staged as the transformer writes them
// (sorted keys), so they take the line path; "map" stages the same records
// with unsorted keys, which the map path enriches.
func BenchmarkHandleOrders(b *testing.B) {
	for _, form := range []string{"line", "map"} {
		b.Run(form, func(b *testing.B) {
			e := newEnv(b, dataset.Builtin())
			var lines []string
			for i := range 1000 {
				l := order(fmt.Sprint(i), fmt.Sprintf("C%d", i%50), "3", "19.99", i+2)
				if form == "line" {
					l = strings.TrimSuffix(string(canonical(b, l)), "\n")
				}
				lines = append(lines, l)
			}
			c := e.stage(b, "orders", 0, lines...)
			for b.Loop() {
				if _, err := e.h.Handle(b.Context(), c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/record")
		})
	}
}
