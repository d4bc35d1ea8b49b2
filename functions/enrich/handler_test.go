package enrich

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	minidyn "github.com/truora/minidyn/aws-v2/client"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi/awsapitest"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
)

const bucket = "pipeline"

var ingest = time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)

// countingDB counts BatchGetItem calls and keys.
type countingDB struct {
	ItemBatchGetter
	calls, keys atomic.Int64
}

func (c *countingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.calls.Add(1)
	for _, ka := range in.RequestItems {
		c.keys.Add(int64(len(ka.Keys)))
	}
	return c.ItemBatchGetter.BatchGetItem(ctx, in, opts...)
}

type env struct {
	s3  *awsapitest.S3
	mdb *minidyn.Client
	db  *countingDB
	h   *Handler
}

func newEnv(t testing.TB, set *dataset.Set) *env {
	t.Helper()
	mdb := minidyn.NewClient()
	if err := minidyn.AddTable(t.Context(), mdb, "reference", "pk", "sk"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ id, name, segment string }{{"C1", "Ada", "VIP"}, {"C3", "Grace", "RETAIL"}} {
		_, err := mdb.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("reference"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CUSTOMER#" + c.id}, "sk": &types.AttributeValueMemberS{Value: "CUSTOMER"},
			"customer_id": &types.AttributeValueMemberS{Value: c.id}, "name": &types.AttributeValueMemberS{Value: c.name},
			"segment": &types.AttributeValueMemberS{Value: c.segment},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	e := &env{s3: awsapitest.New(), mdb: mdb, db: &countingDB{ItemBatchGetter: mdb}}
	e.h = &Handler{
		S3: e.s3, DB: e.db, Datasets: set,
		Now:    func() time.Time { return ingest },
		Config: Config{ItemsTable: "items", ReferenceTable: "reference"},
		Sleep:  func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
	return e
}

func (e *env) stage(t testing.TB, ds string, index int, lines ...string) contract.Chunk {
	t.Helper()
	src := contract.Object{Bucket: bucket, Key: "incoming/" + ds + "/f.csv"}
	src.VersionID = e.s3.Put(bucket, src.Key, []byte("raw"))
	key := contract.ChunkKey(ds, src, "transformed", index)
	e.s3.Put(bucket, key, []byte(strings.Join(lines, "\n")+"\n"))
	return contract.Chunk{Dataset: ds, Bucket: bucket, Key: key, Index: index, Records: int64(len(lines)), Source: src}
}

func (e *env) output(t *testing.T, c contract.Chunk) []map[string]any {
	t.Helper()
	data, ok := e.s3.Get(c.Bucket, c.Key)
	if !ok {
		t.Fatalf("no object %s", c.Key)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		d := json.NewDecoder(strings.NewReader(sc.Text()))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func order(id, customer, qty, price string, line int) string {
	return fmt.Sprintf(`{"pk":"ORDER#%s","sk":"ORDER","order_id":%q,"customer_id":%q,"quantity":%s,"unit_price":%s,"currency":"EUR","status":"NEW","_line":%d}`,
		id, id, customer, qty, price, line)
}

func TestHandleOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dataset.Builtin())
	in := e.stage(t, "orders", 3,
		order("1", "C1", "3", "19.99", 2),
		order("2", "C2", "1", "0.10", 3), // unknown customer: kept, flagged
		order("3", "C1", "7", "1.5", 4),
	)
	// The execution comes with the chunk (staged by transform); the context's
	// id is only a fallback and must not win.
	in.ExecutionID = "arn:aws:states:us-east-1:1:execution:sluice:run-1"
	ctx := WithExecutionID(t.Context(), "fallback-not-used")
	got, err := e.h.Handle(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Key = contract.ChunkKey("orders", in.Source, "enriched", 3)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("chunk (-want +got):\n%s", diff)
	}
	meta := func(line int) map[string]any {
		return map[string]any{
			"_source_key": in.Source.Key, "_source_version": in.Source.VersionID, "_line": json.Number(fmt.Sprint(line)),
			"_ingested_at": "2026-11-26T12:30:00.000Z", "_execution": "arn:aws:states:us-east-1:1:execution:sluice:run-1",
			"currency": "EUR", "status": "NEW", "sk": "ORDER",
		}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	wantRecs := []map[string]any{
		with(meta(2), "pk", "ORDER#1", "order_id", "1", "customer_id", "C1", "quantity", json.Number("3"), "unit_price", json.Number("19.99"),
			"customer_name", "Ada", "segment", "VIP", "customer_missing", false, "total", json.Number("59.97")),
		with(meta(3), "pk", "ORDER#2", "order_id", "2", "customer_id", "C2", "quantity", json.Number("1"), "unit_price", json.Number("0.10"),
			"customer_missing", true, "total", json.Number("0.10")),
		with(meta(4), "pk", "ORDER#3", "order_id", "3", "customer_id", "C1", "quantity", json.Number("7"), "unit_price", json.Number("1.5"),
			"customer_name", "Ada", "segment", "VIP", "customer_missing", false, "total", json.Number("10.50")),
	}
	if diff := cmp.Diff(wantRecs, e.output(t, got)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// C1 and C2 were read once, in one request.
	if c, k := e.db.calls.Load(), e.db.keys.Load(); c != 1 || k != 2 {
		t.Errorf("BatchGetItem: %d calls for %d keys, want 1 call for 2 keys", c, k)
	}
	// A second chunk with the same customers is served from the cache,
	// unknown C2 included; C3 is new.
	in2 := e.stage(t, "orders", 4, order("4", "C2", "1", "1", 2), order("5", "C1", "1", "1", 3), order("6", "C3", "1", "1", 4))
	got2, err := e.h.Handle(ctx, in2)
	if err != nil {
		t.Fatal(err)
	}
	if c, k := e.db.calls.Load(), e.db.keys.Load(); c != 2 || k != 3 {
		t.Errorf("after the second chunk: %d calls for %d keys, want 2 calls for 3 keys", c, k)
	}
	var names []any
	for _, r := range e.output(t, got2) {
		names = append(names, r["customer_name"])
	}
	if diff := cmp.Diff([]any{nil, "Ada", "Grace"}, names); diff != "" {
		t.Errorf("customer names (-want +got):\n%s", diff)
	}
}

func TestHandleManyRecordsInBlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dataset.Builtin())
	var lines []string
	for i := range 250 {
		lines = append(lines, order(fmt.Sprint(i), fmt.Sprintf("C%d", i%5), "2", "0.25", i+2))
	}
	got, err := e.h.Handle(t.Context(), e.stage(t, "orders", 0, lines...))
	if err != nil {
		t.Fatal(err)
	}
	if got.Records != 250 {
		t.Errorf("Records = %d, want 250", got.Records)
	}
	recs := e.output(t, got)
	missing := 0
	for i, r := range recs {
		if r["total"] != json.Number("0.50") {
			t.Fatalf("record %d total = %v", i, r["total"])
		}
		if r["customer_missing"] == true {
			missing++
		}
	}
	if missing != 150 { // C0, C2, C4 are unknown
		t.Errorf("%d records flagged missing, want 150", missing)
	}
}

func TestHandleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(e *env, c *contract.Chunk)
		wantType string
	}{
		{"unknown dataset", func(_ *env, c *contract.Chunk) { c.Dataset = "nope" }, "ConfigError"},
		{"chunk missing", func(_ *env, c *contract.Chunk) { c.Key += ".gone" }, "Internal"},
		{"reference table not configured", func(e *env, _ *contract.Chunk) { e.h.Config.ReferenceTable = "" }, "ConfigError"},
		{"reference table missing", func(e *env, _ *contract.Chunk) { e.h.Config.ReferenceTable = "gone" }, "ConfigError"},
		{"reference reads keep failing", func(e *env, _ *contract.Chunk) {
			minidyn.EmulateFailure(e.mdb, minidyn.FailureConditionInternalServerError)
		}, "Retryable"},
		{"unprocessed keys forever", func(e *env, _ *contract.Chunk) {
			minidyn.EmulateUnprocessedItems(e.mdb, "reference", func(int, map[string]types.AttributeValue) bool { return true })
		}, "Retryable"},
		{"S3 throttles the write", func(e *env, _ *contract.Chunk) {
			e.s3.Fail("PutObject", "", errors.New("slow down"), -1)
		}, "Retryable"},
		{"not JSON", func(e *env, c *contract.Chunk) { e.s3.Put(bucket, c.Key, []byte("{oops\n")) }, "Internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, dataset.Builtin())
			c := e.stage(t, "orders", 0, order("1", "C1", "1", "1", 2))
			tt.setup(e, &c)
			_, err := e.h.Handle(t.Context(), c)
			if got := fnerr.NameOf(err); got != tt.wantType {
				t.Errorf("error %v has type %q, want %q", err, got, tt.wantType)
			}
		})
	}
}

func TestUnprocessedKeysAreRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dataset.Builtin())
	var mu sync.Mutex
	refused := 0
	minidyn.EmulateUnprocessedItems(e.mdb, "reference", func(int, map[string]types.AttributeValue) bool {
		mu.Lock()
		defer mu.Unlock()
		refused++
		return refused <= 3
	})
	got, err := e.h.Handle(t.Context(), e.stage(t, "orders", 0, order("1", "C1", "1", "1", 2)))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.output(t, got)[0]; r["customer_name"] != "Ada" {
		t.Errorf("record %v lacks the customer", r)
	}
}

func TestExecutionID(t *testing.T) {
	t.Parallel()
	if id := ExecutionID(t.Context()); id != "" {
		t.Errorf("ExecutionID = %q, want empty", id)
	}
	if id := ExecutionID(WithExecutionID(t.Context(), "x")); id != "x" {
		t.Errorf("ExecutionID = %q, want x", id)
	}
}

// geoSet is a dataset set whose "shops" dataset calls an HTTP service.
// Timeout is long except where a timeout is the point, so that a slow,
// loaded machine does not make a call time out.
func geoSet(t *testing.T, url string, required bool, retries, concurrency int, timeout time.Duration) *dataset.Set {
	t.Helper()
	d := &dataset.Dataset{
		Name: "shops", Prefix: "incoming/shops/", Format: dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{{Name: "shop_id", Type: dataset.String, Required: true}, {Name: "postcode", Type: dataset.String}},
		Key:    dataset.Key{Partition: "SHOP#{shop_id}"},
		Enrichment: dataset.Enrichment{HTTP: []dataset.HTTPEnrichment{{
			Name: "geo", URL: url + "/geo/{postcode}", Timeout: timeout, Retries: retries,
			Concurrency: concurrency, Copy: map[string]string{"lat": "lat", "region": "region"},
			Required: required, MissingFlag: "geo_missing",
		}}},
	}
	set, err := dataset.NewSet(d)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func shop(id, postcode string) string {
	return fmt.Sprintf(`{"pk":"SHOP#%s","sk":"#","shop_id":%q,"postcode":%q}`, id, id, postcode)
}

func TestHTTPEnrichment(t *testing.T) {
	t.Parallel()
	// The service: /geo/OK answers, /geo/FLAKY fails twice then answers,
	// /geo/SLOW never answers in time, /geo/GONE is 404, /geo/BAD is 400.
	var mu sync.Mutex
	flaky := map[string]int{}
	var inFlight, maxInFlight atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		code := strings.TrimPrefix(r.URL.Path, "/geo/")
		switch {
		case strings.HasPrefix(code, "FLAKY"):
			mu.Lock()
			flaky[code]++
			k := flaky[code]
			mu.Unlock()
			if k <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		case code == "SLOW":
			<-r.Context().Done()
			return
		case code == "GONE":
			http.NotFound(w, r)
			return
		case code == "BAD":
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		time.Sleep(2 * time.Millisecond) // lets calls overlap
		fmt.Fprintf(w, `{"lat": 51.5, "region": "R-%s", "other": 1}`, code)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		required bool
		retries  int
		postcode string
		want     map[string]any // fields lat, region, geo_missing
		wantType string
	}{
		{name: "answer", postcode: "OK", want: map[string]any{"lat": json.Number("51.5"), "region": "R-OK", "geo_missing": false}},
		{name: "retried 5xx", postcode: "FLAKY1", retries: 2, want: map[string]any{"lat": json.Number("51.5"), "region": "R-FLAKY1", "geo_missing": false}},
		{name: "5xx without enough retries", postcode: "FLAKY2", retries: 1, want: map[string]any{"geo_missing": true}},
		{name: "timeout", postcode: "SLOW", retries: 1, want: map[string]any{"geo_missing": true}},
		{name: "not found", postcode: "GONE", want: map[string]any{"geo_missing": true}},
		{name: "required and failing", postcode: "BAD", required: true, wantType: "EnrichmentFailed"},
		{name: "required and answering", postcode: "OK", required: true, want: map[string]any{"lat": json.Number("51.5"), "region": "R-OK", "geo_missing": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := time.Minute
			if tt.postcode == "SLOW" {
				timeout = 50 * time.Millisecond
			}
			e := newEnv(t, geoSet(t, srv.URL, tt.required, tt.retries, 4, timeout))
			e.h.HTTP = srv.Client()
			got, err := e.h.Handle(t.Context(), e.stage(t, "shops", 0, shop("1", tt.postcode)))
			if name := fnerr.NameOf(err); name != tt.wantType {
				t.Fatalf("error %v has type %q, want %q", err, name, tt.wantType)
			}
			if err != nil {
				return
			}
			r := e.output(t, got)[0]
			gotFields := map[string]any{}
			for _, k := range []string{"lat", "region", "geo_missing", "other"} {
				if v, ok := r[k]; ok {
					gotFields[k] = v
				}
			}
			if diff := cmp.Diff(tt.want, gotFields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("concurrency limit", func(t *testing.T) {
		// Not parallel: the in-flight gauge must see only these calls.
		e := newEnv(t, geoSet(t, srv.URL, false, 0, 3, time.Minute))
		e.h.HTTP = srv.Client()
		var lines []string
		for i := range 60 {
			lines = append(lines, shop(fmt.Sprint(i), "OK"))
		}
		maxInFlight.Store(0)
		got, err := e.h.Handle(t.Context(), e.stage(t, "shops", 0, lines...))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.output(t, got)); n != 60 {
			t.Errorf("%d records, want 60", n)
		}
		if m := maxInFlight.Load(); m > 3 {
			t.Errorf("%d calls in flight, limit 3", m)
		}
	})
}

// TestCalculatedBeyondNumberLimit: a calculated value no DynamoDB number
// holds fails the chunk with an error naming the file, line and field.
func TestCalculatedBeyondNumberLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dataset.Builtin())
	c := e.stage(t, "orders", 0, order("1", "C1", "2", "1.50", 2), order("2", "C1", "9223372036854775807", "999999999999999999999999999999.99", 3))
	_, err := e.h.Handle(t.Context(), c)
	var in *fnerr.Internal
	if !errors.As(err, &in) {
		t.Fatalf("err = %v, want Internal", err)
	}
	for _, want := range []string{"incoming/orders/f.csv line 3", "calculated field total", "significant digits"} {
		if !strings.Contains(in.Msg, want) {
			t.Errorf("message %q lacks %q", in.Msg, want)
		}
	}
}
