package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/benchcpu"
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

// BenchmarkDecodeBatch is the decoding of the loader's BatchWriteItem
// alone (done outside the store's lock, by each request's goroutine): the
// body read and each item made ready in the store's form, the decoded
// request then released as the store releases it. It reports the cost
// per item.
func BenchmarkDecodeBatch(b *testing.B) {
	body := ordersBatch(b, "items", 1, false)
	b.ReportAllocs()
	for b.Loop() {
		d := decodeBatch(body)
		if d.fast == nil {
			b.Fatal("the loader's body left the fast path")
		}
		d.fast.release() // as batchWriteDecoded does
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*25), "ns/item")
}

// versionsRead is the body of the loader's read of the stored versions of
// the items first to first+n-1 of ordersBatch (one consistent
// BatchGetItem, projected to the key and the source order).
func versionsRead(tb testing.TB, table string, first, n int) []byte {
	tb.Helper()
	keys := make([]any, n)
	for i := range keys {
		keys[i] = map[string]any{
			"pk": map[string]string{"S": fmt.Sprintf("ORDER#ORD-%08d", first+i)},
			"sk": map[string]string{"S": "ORDER"},
		}
	}
	b, err := json.Marshal(map[string]any{"RequestItems": map[string]any{table: map[string]any{
		"ConsistentRead":           true,
		"ExpressionAttributeNames": map[string]string{"#pk": "pk", "#sk": "sk", "#o": "_source_order"},
		"Keys":                     keys,
		"ProjectionExpression":     "#pk, #sk, #o",
	}}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// appendOrdersBatch appends a BatchWriteItem of the items numbered nums,
// shaped as ordersBatch makes them (byte for byte for nums first to
// first+24: TestAppendOrdersBatch), at a fraction of its cost:
// BenchmarkLoad makes hundreds of thousands of them and should measure the
// store, not encoding/json.
func appendOrdersBatch(b []byte, table string, nums []int) []byte {
	num := func(b []byte, n, width int) []byte {
		start := len(b)
		b = strconv.AppendInt(b, int64(n), 10)
		for len(b)-start < width {
			b = slices.Insert(b, start, '0')
		}
		return b
	}
	b = append(append(append(b, `{"RequestItems":{"`...), table...), `":[`...)
	for i, n := range nums {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"PutRequest":{"Item":{"_execution":{"S":"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:x"},"_ingested_at":{"S":"2026-12-06T00:00:01Z"},"_line":{"N":"`...)
		b = append(num(b, n+2, 0), `"},"_schema_version":{"N":"1"},"_source_key":{"S":"incoming/orders/orders.csv"},"_source_order":{"S":"2026-12-06T00:00:00.000000000Z#`...)
		b = append(num(b, n, 12), `"},"currency":{"S":"EUR"},"customer_id":{"S":"C`...)
		b = append(num(b, 1+n%8, 3), `"},"order_date":{"S":"2026-03-14"},"order_id":{"S":"ORD-`...)
		b = append(num(b, n, 8), `"},"pk":{"S":"ORDER#ORD-`...)
		b = append(num(b, n, 8), `"},"quantity":{"N":"`...)
		b = append(num(b, 1+n%20, 0), `"},"sk":{"S":"ORDER"},"sku":{"S":"SKU-`...)
		b = append(num(b, n%1000, 4), `"},"status":{"S":"SHIPPED"},"total":{"N":"59.97"},"unit_price":{"N":"`...)
		b = append(num(append(num(b, n%200, 0), '.'), n%100, 2), `"}}}}`...)
	}
	return append(b, "]}}"...)
}

// appendVersionsRead appends the read of the versions of the items
// numbered nums, as versionsRead makes it (byte for byte for nums first to
// first+n-1: TestAppendOrdersBatch).
func appendVersionsRead(b []byte, table string, nums []int) []byte {
	b = append(append(append(b, `{"RequestItems":{"`...), table...), `":{"ConsistentRead":true,"ExpressionAttributeNames":{"#o":"_source_order","#pk":"pk","#sk":"sk"},"Keys":[`...)
	for i, n := range nums {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"pk":{"S":"ORDER#ORD-`...)
		start := len(b)
		b = strconv.AppendInt(b, int64(n), 10)
		for len(b)-start < 8 {
			b = slices.Insert(b, start, '0')
		}
		b = append(b, `"},"sk":{"S":"ORDER"}}`...)
	}
	return append(b, `],"ProjectionExpression":"#pk, #sk, #o"}}}`...)
}

// TestAppendOrdersBatch checks that the benchmark's fast body builders
// make what encoding/json makes.
func TestAppendOrdersBatch(t *testing.T) {
	for _, first := range []int{0, 7, 199, 12345, 99999900} {
		nums := make([]int, 100)
		for i := range nums {
			nums[i] = first + i
		}
		if diff := cmp.Diff(string(ordersBatch(t, "items", first, false)), string(appendOrdersBatch(nil, "items", nums[:25]))); diff != "" {
			t.Errorf("orders batch at %d (-json +fast):\n%s", first, diff)
		}
		if diff := cmp.Diff(string(versionsRead(t, "items", first, 100)), string(appendVersionsRead(nil, "items", nums))); diff != "" {
			t.Errorf("versions read at %d (-json +fast):\n%s", first, diff)
		}
	}
}

// serve runs one request through Store.ServeHTTP, as the server does, and
// returns the answer's status and body.
func serve(s *Store, op string, body []byte) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// loadWindow is the number of items BenchmarkLoad interleaves: a run
// loads a file's chunks (5,000 rows) several at a time, each spread over
// the loader's workers by a hash of the key, so the keys arriving at the
// table are unordered within a few chunks' range.
const loadWindow = 20000

// loadOrder returns the numbers first to first+n-1 in a fixed scrambled
// order (a multiplicative permutation), as they reach the table in a run.
func loadOrder(first, n int) []int {
	const step = 7919 // prime, so coprime with any n it does not divide
	order := make([]int, n)
	for i := range order {
		j := i
		if n%step != 0 {
			j = i * step % n
		}
		order[i] = first + j
	}
	return order
}

// BenchmarkLoad is the loader's traffic into the embedded table through
// Store.ServeHTTP (without the network): for every 100 items, one
// BatchGetItem of their stored versions, then four BatchWriteItems of 25
// flat items, in the order of loadOrder, as `sluice run` loads a file. "first" loads an
// empty table (every version read misses); "again" loads the same items a
// second time (every read finds its item). b.N counts items; the database's
// background compactions only show with volume, so run it with
// -benchtime=200000x or more. Besides wall time it reports the whole
// process's CPU per item (proc-cpu-ns/op), compactions and garbage
// collection included: that is the figure to compare.
func BenchmarkLoad(b *testing.B) {
	for _, again := range []bool{false, true} {
		b.Run(map[bool]string{false: "first", true: "again"}[again], func(b *testing.B) {
			s, err := Open(b.TempDir(), Faults{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			create := `{"TableName":"items","BillingMode":"PAY_PER_REQUEST",
				"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],
				"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`
			if code, out := serve(s, "CreateTable", []byte(create)); code != http.StatusOK {
				b.Fatalf("create table: %s", out)
			}
			n := (b.N + 99) / 100 * 100
			var body []byte
			load := func() {
				for w := 0; w < n; w += loadWindow {
					order := loadOrder(w, min(loadWindow, n-w))
					for g := 0; g < len(order); g += 100 {
						group := order[g:min(g+100, len(order))]
						body = appendVersionsRead(body[:0], "items", group)
						if code, out := serve(s, "BatchGetItem", body); code != http.StatusOK {
							b.Fatalf("read versions of %d: %s", group[0], out)
						}
						for i := 0; i < len(group); i += 25 {
							body = appendOrdersBatch(body[:0], "items", group[i:min(i+25, len(group))])
							if code, out := serve(s, "BatchWriteItem", body); code != http.StatusOK {
								b.Fatalf("write of %d: %s", group[i], out)
							}
						}
					}
				}
			}
			if again {
				load()
			}
			b.ReportAllocs()
			b.ResetTimer()
			benchcpu.ReportProcess(b)
			load()
		})
	}
}

// BenchmarkVersionsRead is the loader's read of stored versions (one
// BatchGetItem of 100 keys, through Store.ServeHTTP) against a table of
// 50,000 items: "fresh" reads keys not stored from a table that was empty
// when first read (the first load of a file: the store's filter answers
// them, see absence); "miss" reads keys not stored from a table that was
// not empty when first read (LevelDB answers them); "hit" reads stored
// keys. It reports the cost per key.
func BenchmarkVersionsRead(b *testing.B) {
	const stored = 50_000
	for _, kind := range []string{"fresh", "miss", "hit"} {
		b.Run(kind, func(b *testing.B) {
			s, err := Open(b.TempDir(), Faults{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if code, out := serve(s, "CreateTable", []byte(itemsTable)); code != http.StatusOK {
				b.Fatalf("create table: %s", out)
			}
			var body []byte
			if kind != "fresh" {
				body = appendOrdersBatch(body[:0], "items", loadOrder(0, 25))
				if code, out := serve(s, "BatchWriteItem", body); code != http.StatusOK {
					b.Fatalf("write: %s", out)
				}
			}
			// The first read decides whether the table is fresh.
			if code, out := serve(s, "BatchGetItem", appendVersionsRead(nil, "items", loadOrder(stored, 100))); code != http.StatusOK {
				b.Fatalf("read: %s", out)
			}
			order := loadOrder(0, stored)
			for i := 0; i < stored; i += 25 {
				body = appendOrdersBatch(body[:0], "items", order[i:i+25])
				if code, out := serve(s, "BatchWriteItem", body); code != http.StatusOK {
					b.Fatalf("write: %s", out)
				}
			}
			first := stored // keys not stored
			if kind == "hit" {
				first = 0
			}
			reads := make([][]byte, stored/100)
			for i := range reads {
				reads[i] = appendVersionsRead(nil, "items", loadOrder(first, stored)[i*100:i*100+100])
			}
			want := map[bool]int{false: 0, true: 100}[kind == "hit"]
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				code, out := serve(s, "BatchGetItem", reads[i%len(reads)])
				if code != http.StatusOK {
					b.Fatalf("read: %s", out)
				}
				if got := bytes.Count(out, []byte(`"pk"`)); got != want {
					b.Fatalf("read found %d items, want %d", got, want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/key")
		})
	}
}
