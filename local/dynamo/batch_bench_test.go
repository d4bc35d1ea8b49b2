package dynamo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// ordersBatch is the body of a BatchWriteItem of 25 items shaped as the
// loader writes orders (key, lineage and the order's fields), numbered
// from first; nested adds a map attribute (the customer), which the fast
// path leaves to the general one.
func ordersBatch(tb testing.TB, table string, first int, nested bool) []byte {
	tb.Helper()
	reqs := make([]any, 25)
	for i := range reqs {
		n := first + i
		item := map[string]any{
			"pk":              map[string]string{"S": fmt.Sprintf("ORDER#ORD-%08d", n)},
			"sk":              map[string]string{"S": "ORDER"},
			"order_id":        map[string]string{"S": fmt.Sprintf("ORD-%08d", n)},
			"customer_id":     map[string]string{"S": fmt.Sprintf("C%03d", 1+n%8)},
			"order_date":      map[string]string{"S": "2026-03-14"},
			"sku":             map[string]string{"S": fmt.Sprintf("SKU-%04d", n%1000)},
			"quantity":        map[string]string{"N": fmt.Sprint(1 + n%20)},
			"unit_price":      map[string]string{"N": fmt.Sprintf("%d.%02d", n%200, n%100)},
			"total":           map[string]string{"N": "59.97"},
			"currency":        map[string]string{"S": "EUR"},
			"status":          map[string]string{"S": "SHIPPED"},
			"_source_key":     map[string]string{"S": "incoming/orders/orders.csv"},
			"_source_order":   map[string]string{"S": fmt.Sprintf("2026-12-06T00:00:00.000000000Z#%012d", n)},
			"_ingested_at":    map[string]string{"S": "2026-12-06T00:00:01Z"},
			"_execution":      map[string]string{"S": "arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:x"},
			"_line":           map[string]string{"N": fmt.Sprint(n + 2)},
			"_schema_version": map[string]string{"N": "1"},
		}
		if nested {
			item["customer"] = map[string]any{"M": map[string]any{"name": map[string]string{"S": "Ada"}, "tier": map[string]string{"S": "gold"}}}
		}
		reqs[i] = map[string]any{"PutRequest": map[string]any{"Item": item}}
	}
	b, err := json.Marshal(map[string]any{"RequestItems": map[string]any{table: reqs}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkBatchWrite is the embedded table's write path without HTTP:
// BatchWriteItem requests of 25 loader-shaped items into an on-disk
// table, as the loader sends them: flat items (the fast path) and items
// with a map attribute (the general path). It reports the cost per item.
func BenchmarkBatchWrite(b *testing.B) {
	for _, nested := range []bool{false, true} {
		b.Run(map[bool]string{false: "flat", true: "nested"}[nested], func(b *testing.B) {
			s := openOrdersStore(b)
			const batches = 64
			bodies := make([][]byte, batches)
			for i := range bodies {
				bodies[i] = ordersBatch(b, "items", i*25, nested)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if code, out := s.dispatch("BatchWriteItem", bodies[i%batches]); code != http.StatusOK {
					b.Fatalf("batch %d: %s", i, out)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*25), "ns/item")
		})
	}
}
