package load

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sluicehq/sluice/functions/contract"
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
		_ = appendItemJSON(make([]byte, 0, 512), fields, nil)
	}
}

// cannedDynamo is an aws.HTTPClient answering every BatchGetItem with no
// items and every BatchWriteItem with no UnprocessedItems, in process: it
// lets a benchmark measure the loader's own side of a request (the SDK
// client's middleware, signing, serialization) without a network or a
// table.
type cannedDynamo struct{}

func (cannedDynamo) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := `{"UnprocessedItems":{}}`
	if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".BatchGetItem") {
		body = `{"Responses":{"` + testTable + `":[]},"UnprocessedKeys":{}}`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// enrichedOrders returns a chunk of n enriched orders as the pipeline
// stages them.
func enrichedOrders(n int) []byte {
	var chunk bytes.Buffer
	for i := range n {
		fmt.Fprintf(&chunk, `{"_execution":"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:20261207T042409.482534-4b5d8789",`+
			`"_ingested_at":"2026-12-07T04:24:09.490Z","_line":%d,"_source_key":"incoming/orders/o5.csv","_source_version":"v0000000000000000004",`+
			`"currency":"EUR","customer_id":"C002","customer_missing":false,"customer_name":"Babbage, Charles","order_date":"2026-02-02",`+
			`"order_id":"ORD-%08d","pk":"ORDER#ORD-%08d","quantity":2,"segment":"RETAIL","sk":"ORDER","sku":"SKU-0001","status":"SHIPPED","total":2.02,"unit_price":1.01}`+"\n", i+2, i, i)
	}
	return chunk.Bytes()
}

// BenchmarkReadChunk is the reader alone: chunk lines to records with
// their items' DynamoDB JSON.
func BenchmarkReadChunk(b *testing.B) {
	const n = 10000
	chunk := enrichedOrders(n)
	c := contract.Chunk{Dataset: "orders", Bucket: "b", Key: "k", ExecutionID: "exec-1",
		Source: contract.Object{Bucket: "b", Key: "incoming/orders/x.csv", VersionID: "v1"}}
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		r := newReader(b.Context(), bytes.NewReader(chunk), nil, nil, c, "o1", "2026-11-26T12:00:00.000Z")
		for {
			if _, err := r.next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/record")
}

// BenchmarkLoadChunkSDK is the loader's client-side cost per staged order
// record, end to end inside the function: reading and transcoding the
// chunk, grouping, the version read and the BatchWriteItem requests through
// the SDK's client (signing included), against an in-process HTTP client
// that answers at once (cannedDynamo).
func BenchmarkLoadChunkSDK(b *testing.B) {
	const n = 10000
	chunk := bytes.NewBuffer(enrichedOrders(n))
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: cannedDynamo{}})
	c := contract.Chunk{Dataset: "orders", Bucket: "b", Key: "k", ExecutionID: "exec-1",
		Source: contract.Object{Bucket: "b", Key: "incoming/orders/x.csv", VersionID: "v1"}}
	b.SetBytes(int64(chunk.Len()))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		clock := newFakeClock()
		w := &writer{db: db, table: testTable, order: "o1", clock: clock, deadline: clock.Now().Add(time.Hour), concurrency: DefaultConcurrency}
		r := newReader(b.Context(), bytes.NewReader(chunk.Bytes()), nil, nil, c, "o1", "2026-11-26T12:00:00.000Z")
		got, err := w.write(b.Context(), r.next)
		if err != nil || got.written != n {
			b.Fatalf("written %d of %d: %v", got.written, n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	// CPU of the whole process (GC included) per record.
	b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/record")
}

// BenchmarkRawBatchWriteSDK is the SDK client's side of one BatchWriteItem
// of 25 enriched orders with the loader's body (middleware, endpoint,
// signing with the body's SHA-256), against an in-process HTTP client.
func BenchmarkRawBatchWriteSDK(b *testing.B) {
	c := contract.Chunk{Dataset: "orders", Bucket: "b", Key: "k", ExecutionID: "exec-1",
		Source: contract.Object{Bucket: "b", Key: "incoming/orders/x.csv", VersionID: "v1"}}
	r := newReader(b.Context(), bytes.NewReader(enrichedOrders(MaxBatchItems)), nil, nil, c, "o1", "")
	var recs []*record
	for {
		rec, err := r.next()
		if err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: cannedDynamo{}})
	b.SetBytes(int64(len(batchWriteBody(nil, testTable, recs))))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := rawBatchWrite(b.Context(), db, testTable, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/request")
}
