package load

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func BenchmarkParseItem(b *testing.B) {
	line := []byte(`{"pk":"ORDER#123456","sk":"ORDER","order_id":"123456","customer_id":"C42","order_date":"2026-11-01",` +
		`"sku":"SKU-1","quantity":3,"unit_price":19.99,"total":59.97,"currency":"EUR","status":"NEW","_line":17,` +
		`"customer_name":"Ada","segment":"VIP","customer_missing":false}`)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := parseItem(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriter measures the loader's own overhead per item (batching,
// version read, bookkeeping) against the in-memory minidyn.
func BenchmarkWriter(b *testing.B) {
	recs := make([]*record, 5000)
	for i := range recs {
		recs[i] = rec(fmt.Sprintf("P#%06d", i), "#", "o1", map[string]types.AttributeValue{"v": &types.AttributeValueMemberN{Value: "1"}})
	}
	for b.Loop() {
		b.StopTimer()
		db := newBenchDB(b)
		clock := newFakeClock()
		w := &writer{db: db, table: testTable, order: "o1", clock: clock, deadline: clock.Now().Add(time.Hour), concurrency: 4}
		b.StartTimer()
		if _, err := w.write(b.Context(), source(recs)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/item")
}

// BenchmarkTranscode is the reader's work on a staged order line: the
// byte scanner and the item's DynamoDB JSON (compare BenchmarkParseItem,
// the general path).
func BenchmarkTranscode(b *testing.B) {
	line := []byte(`{"_line":17,"currency":"EUR","customer_id":"C42","customer_missing":false,"customer_name":"Ada","order_date":"2026-11-01",` +
		`"order_id":"123456","pk":"ORDER#123456","quantity":3,"segment":"VIP","sk":"ORDER","sku":"SKU-1","status":"NEW","total":59.97,"unit_price":19.99}`)
	b.SetBytes(int64(len(line)))
	var buf []byte
	var fields []field
	for b.Loop() {
		var ok bool
		if buf, fields, ok = transcode(line, buf[:0], fields[:0]); !ok {
			b.Fatal("not transcoded")
		}
		_ = appendItemJSON(make([]byte, 0, 512), fields)
	}
}
