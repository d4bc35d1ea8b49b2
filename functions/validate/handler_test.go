package validate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi/awsapitest"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/records"
	"github.com/sluicehq/sluice/internal/golden"
)

const bucket = "incoming"

func example(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// run puts body at key and validates it.
func run(t *testing.T, ds, key string, body []byte, cfg Config) (*awsapitest.S3, contract.FileEvent, contract.ValidateOutput, error) {
	t.Helper()
	s := awsapitest.New()
	v := s.Put(bucket, key, body)
	h := &Handler{S3: s, Datasets: dataset.Builtin(), Config: cfg}
	ev := contract.FileEvent{Dataset: ds, Bucket: bucket, Key: key, VersionID: v, Size: int64(len(body))}
	out, err := h.Handle(t.Context(), ev)
	return s, ev, out, err
}

func TestAcceptsExamples(t *testing.T) {
	tests := []struct {
		ds, key, file string
		rows          int64
	}{
		{"orders", "incoming/orders/orders.csv", "orders/orders.csv", 20},
		{"customers", "incoming/customers/customers.csv", "customers/customers.csv", 8},
		{"readings", "incoming/readings/r.jsonl", "readings/readings.jsonl", 6},
		{"catalog", "incoming/catalog/c.xml", "catalog/catalog.xml", 4},
	}
	for _, tt := range tests {
		t.Run(tt.ds, func(t *testing.T) {
			t.Parallel()
			_, ev, out, err := run(t, tt.ds, tt.key, example(t, tt.file), Config{})
			if err != nil {
				t.Fatal(err)
			}
			want := contract.ValidateOutput{Dataset: tt.ds, Source: ev.Source(), Format: out.Format, Rows: tt.rows}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRejectsBadOrders(t *testing.T) {
	s, ev, out, err := run(t, "orders", "incoming/orders/orders_bad.csv", example(t, "orders/orders_bad.csv"), Config{})
	var vf *fnerr.ValidationFailed
	if !errors.As(err, &vf) || err != fnerr.Surface(err) {
		t.Fatalf("err = %T %v, want *fnerr.ValidationFailed itself", err, err)
	}
	wantKey := contract.ReportKey("orders", ev.Source())
	if vf.Report != wantKey || out.Report != wantKey || vf.Rows != 12 || vf.BadRows != 10 {
		t.Errorf("ValidationFailed = %+v, output %+v", vf, out)
	}
	rep, ok := s.Get(bucket, wantKey)
	if !ok {
		t.Fatalf("no report at %s", wantKey)
	}
	var r Report
	if err := json.Unmarshal(rep, &r); err != nil {
		t.Fatal(err)
	}
	type loc struct {
		Row   int64
		Field string
		Code  string
	}
	var got []loc
	for _, p := range r.Errors {
		got = append(got, loc{p.Row, p.Field, p.Code})
	}
	want := []loc{
		{2, "order_date", "type"},
		{3, "quantity", "min"},
		{4, "quantity", "type"},
		{5, "unit_price", "min"},
		{6, "currency", "enum"},
		{7, "status", "enum"},
		{8, "customer_id", "required"},
		{9, "", records.CodeRagged},
		{10, "pk", CodeDuplicateKey},
		{11, "unit_price", "scale"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report errors (-want +got):\n%s", diff)
	}
	// The report itself is a golden file (the version id is stable: the
	// fake numbers versions from 1).
	golden.Check(t, "testdata/orders_bad.report.json", rep)
}

func TestRejections(t *testing.T) {
	deep := `[{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]`
	tests := []struct {
		name     string
		ds, key  string
		body     []byte
		cfg      Config
		wantCode string
	}{
		{"empty", "orders", "incoming/orders/e.csv", nil, Config{}, CodeEmpty},
		{"header only", "orders", "incoming/orders/h.csv", []byte("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n"), Config{}, CodeNoRows},
		{"suffix", "orders", "incoming/orders/o.json", []byte("x"), Config{}, CodeSuffix},
		{"json in csv", "orders", "incoming/orders/o.csv", []byte(`[{"order_id":"x"}]`), Config{}, CodeFormatMismatch},
		{"gzip unnamed", "orders", "incoming/orders/o.csv", gz([]byte("a\n")), Config{}, CodeFormatMismatch},
		{"gz name not gzip", "orders", "incoming/orders/o.csv.gz", []byte("a\n"), Config{}, CodeFormatMismatch},
		{"missing column", "orders", "incoming/orders/o.csv", []byte("order_id,sku\nA,B\n"), Config{}, CodeMissingColumn},
		{"invalid utf8", "customers", "incoming/customers/c.csv", []byte("customer_id,name,segment\nC1,\xff\xfe,VIP\n"), Config{}, records.CodeUTF8},
		{"xml dtd", "catalog", "incoming/catalog/c.xml", []byte(`<?xml version="1.0"?><!DOCTYPE c [<!ENTITY lol "lol">]><c><product><sku>&lol;</sku></product></c>`), Config{}, records.CodeXMLDTD},
		{"gzip bomb", "orders", "incoming/orders/o.csv.gz", gz(append([]byte("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n"), make([]byte, 4<<20)...)), Config{Gzip: records.GzipGuard{MaxRatio: 50}}, records.CodeGzipRatio},
		{"no required columns", "customers", "incoming/customers/c.csv", bytes.Repeat([]byte("x"), 10), Config{}, CodeMissingColumn},
		{"json too deep", "readings", "incoming/readings/r.jsonl", []byte(deep[1:len(deep)-1] + "\n"), Config{}, records.CodeJSONDepth},
		{"json array in jsonl", "readings", "incoming/readings/r.jsonl", []byte(`[{"device_id":"d"}]`), Config{}, CodeFormatMismatch},
		{"csv ragged everywhere", "customers", "incoming/customers/c.csv", []byte("customer_id,name,segment\nC1,A\nC2,B\n"), Config{}, records.CodeRagged},
		{"unterminated quote", "customers", "incoming/customers/c.csv", []byte("customer_id,name,segment\nC1,\"A,VIP\n"), Config{}, records.CodeUnterminatedQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, ev, _, err := run(t, tt.ds, tt.key, tt.body, tt.cfg)
			var vf *fnerr.ValidationFailed
			if !errors.As(err, &vf) {
				t.Fatalf("err = %v, want ValidationFailed", err)
			}
			b, ok := s.Get(bucket, contract.ReportKey(tt.ds, ev.Source()))
			if !ok {
				t.Fatal("no report")
			}
			var r Report
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			if tt.wantCode != "" && r.CountsByCode[tt.wantCode] == 0 {
				t.Errorf("report codes %v lack %s (reason %q)", r.CountsByCode, tt.wantCode, r.Reason)
			}
			if r.Status != StatusRejected {
				t.Errorf("status %q", r.Status)
			}
		})
	}
}

func TestRejectFileStopsEarly(t *testing.T) {
	body := "customer_id,name,segment\n" + strings.Repeat("C1,Ann,NOPE\n", 1000)
	s, ev, _, err := run(t, "customers", "incoming/customers/c.csv", []byte(body), Config{MaxReportErrors: 5})
	var vf *fnerr.ValidationFailed
	if !errors.As(err, &vf) {
		t.Fatalf("err = %v", err)
	}
	b, _ := s.Get(bucket, contract.ReportKey("customers", ev.Source()))
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Partial || r.Rows != 5 || r.BadRows != 5 || len(r.Errors) != 5 || r.Reason != "5 of the first 5 rows failed validation (the dataset rejects files with any bad row)" {
		t.Errorf("report: partial %v rows %d bad %d errors %d reason %q", r.Partial, r.Rows, r.BadRows, len(r.Errors), r.Reason)
	}
}

func TestSizeBounds(t *testing.T) {
	s := awsapitest.New()
	key := "incoming/orders/o.csv"
	v := s.Put(bucket, key, example(t, "orders/orders.csv"))
	h := &Handler{S3: s, Datasets: dataset.Builtin()}
	_, err := h.Handle(t.Context(), contract.FileEvent{Dataset: "orders", Bucket: bucket, Key: key, VersionID: v, Size: 5 << 30})
	var vf *fnerr.ValidationFailed
	if !errors.As(err, &vf) || !strings.Contains(vf.Reason, "more than the maximum") {
		t.Errorf("oversized file: %v", err)
	}
	if s.Gets != 0 {
		t.Errorf("oversized file was read (%d gets)", s.Gets)
	}
}

func TestToleratedBadRowsWriteReport(t *testing.T) {
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, `{"device_id":"d","ts":"2026-01-01T00:00:`+pad2(i)+`Z","temperature":1}`)
	}
	lines = append(lines, `{"device_id":"d","ts":"yesterday","temperature":1}`)
	body := []byte(strings.Join(lines, "\n"))
	s, ev, out, err := run(t, "readings", "incoming/readings/r.jsonl", body, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Rows != 41 || out.BadRows != 1 || out.Report == "" {
		t.Errorf("output %+v", out)
	}
	if _, ok := s.Get(bucket, contract.ReportKey("readings", ev.Source())); !ok {
		t.Error("no report for tolerated bad rows")
	}
}

func pad2(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func TestS3Errors(t *testing.T) {
	tests := []struct {
		name     string
		op       string
		err      error
		wantType string
	}{
		{"throttled get", "GetObject", &smithy.GenericAPIError{Code: "SlowDown"}, "Retryable"},
		{"5xx put", "PutObject", &smithy.GenericAPIError{Code: "InternalError"}, "Retryable"},
		{"denied", "GetObject", &smithy.GenericAPIError{Code: "AccessDenied"}, "Internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := awsapitest.New()
			key := "incoming/orders/orders_bad.csv"
			v := s.Put(bucket, key, example(t, "orders/orders_bad.csv"))
			s.Fail(tt.op, "", tt.err, -1)
			h := &Handler{S3: s, Datasets: dataset.Builtin()}
			_, err := h.Handle(t.Context(), contract.FileEvent{Dataset: "orders", Bucket: bucket, Key: key, VersionID: v})
			if got := fnerr.NameOf(err); got != tt.wantType {
				t.Errorf("error %v named %s, want %s", err, got, tt.wantType)
			}
		})
	}
	h := &Handler{S3: awsapitest.New(), Datasets: dataset.Builtin()}
	_, err := h.Handle(t.Context(), contract.FileEvent{Dataset: "nope"})
	if fnerr.NameOf(err) != "ConfigError" {
		t.Errorf("unknown dataset: %T", err)
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		v    any
	}{
		{"testdata/file_event.json", &contract.FileEvent{}},
		{"testdata/validate_output.json", &contract.ValidateOutput{}},
		{"testdata/orders_bad.report.json", &Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, tt.v); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			var a, b2 any
			json.Unmarshal(b, &a)
			json.Unmarshal(again, &b2)
			if diff := cmp.Diff(a, b2); diff != "" {
				t.Errorf("round trip (-file +again):\n%s", diff)
			}
		})
	}
}

// TestKeySetSplit: keys whose pk and sk join into the same bytes are
// different keys, and the same key is found again however it is given.
func TestKeySetSplit(t *testing.T) {
	k := newKeySet(100, 0)
	for _, key := range [][2]string{{"ab", "c"}, {"a", "bc"}, {"abc", ""}, {"", "abc"}} {
		if k.seen(key[0], key[1]) {
			t.Errorf("fresh key %q reported as seen", key)
		}
	}
	if !k.seen("a", "bc") {
		t.Error("duplicate (a, bc) not found")
	}
	// The pipeline hashes the key as the plan lays it out, pk then sk.
	if !k.add(keyHash(k.seed, []byte("abc"), 2)) {
		t.Error("the pipeline's hash of (ab, c) differs from seen's")
	}
}

func TestKeySetBounded(t *testing.T) {
	k := newKeySet(100, 0)
	for i := 0; i < 100; i++ {
		if k.seen("A", string(rune('a'+i))) {
			t.Fatalf("fresh key %d reported as seen", i)
		}
	}
	if !k.seen("A", "a") {
		t.Error("duplicate not found")
	}
	if k.seen("B", "new") || !k.full {
		t.Error("cap not applied")
	}
	if len(k.slots) > 256 {
		t.Errorf("table grew to %d slots for 100 keys", len(k.slots))
	}
}

// TestDuplicatePropertyReported: a JSON record giving a property twice is
// a bad row whose problem names the property.
func TestDuplicatePropertyReported(t *testing.T) {
	body := []byte(`{"device_id":"d","ts":"2026-01-01T00:00:00Z","temperature":1}` + "\n" +
		`{"device_id":"d","ts":"2026-01-01T00:01:00Z","temperature":1,"temperature":150}` + "\n")
	rep, err := Check(bytes.NewReader(body), contract.Object{Bucket: bucket, Key: "incoming/readings/r.jsonl"}, mustDataset(t, "readings"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{{Line: 2, Row: 2, Column: "temperature", Code: records.CodeDuplicateName,
		Reason: `property "temperature" appears more than once: which value is meant cannot be told`}}
	for i := range rep.Errors {
		if !strings.HasPrefix(rep.Errors[i].Value, `{"device_id":"d","ts":"2026-01-01T00:01:00Z"`) {
			t.Errorf("problem %d: value %q is not an excerpt of the row", i, rep.Errors[i].Value)
		}
		rep.Errors[i].Value = ""
	}
	if diff := cmp.Diff(want, rep.Errors); diff != "" || !rep.Rejected() {
		t.Errorf("status %s, problems (-want +got):\n%s", rep.Status, diff)
	}
}

// TestStreamFailureIsNotARejection: a read failure in the middle of the
// object is a *ReadError (the handler's Retryable), for every format,
// never a rejection of the file.
func TestStreamFailureIsNotARejection(t *testing.T) {
	reset := errors.New("connection reset by peer")
	for ds, prefix := range map[string]string{
		"catalog":   "<catalog><product><sku>A</sku><name>n</name><price>1.00</price></product><product><sku>",
		"readings":  `{"device_id":"d","ts":"2026-01-01T00:00:00Z","temperature":1}` + "\n" + `{"device_id":"d","ts":`,
		"customers": "customer_id,name,segment\nC1,Ann,VIP\nC2,B",
	} {
		d := mustDataset(t, ds)
		key := "incoming/" + ds + "/f" + d.FileSuffixes()[0]
		_, err := Check(&failingBody{data: []byte(prefix), err: reset}, contract.Object{Bucket: bucket, Key: key}, d, Config{})
		var re *ReadError
		if !errors.As(err, &re) || !errors.Is(err, reset) {
			t.Errorf("%s: got %v, want a ReadError carrying the stream's error", ds, err)
		}
	}
}

// failingBody returns its data, then err.
type failingBody struct {
	data []byte
	err  error
}

func (f *failingBody) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func mustDataset(t *testing.T, name string) *dataset.Dataset {
	t.Helper()
	d, err := dataset.Builtin().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDamagedValuesAreBadRows: a control character in a text value and a
// decimal DynamoDB cannot store are bad rows naming line, field and code,
// not items that load with damage (or fail in the loader).
func TestDamagedValuesAreBadRows(t *testing.T) {
	body := "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n" +
		"A1,C1,2026-01-01,SKU-1,1,1.00,EUR,NEW\n" +
		"A2,C1,2026-01-01,SK\x00U,1,1.00,EUR,NEW\n" +
		"A3,C1,2026-01-01,SKU-3,1,1" + strings.Repeat("0", 300) + ".00,EUR,NEW\n"
	rep, err := Check(strings.NewReader(body), contract.Object{Bucket: bucket, Key: "incoming/orders/o.csv"}, mustDataset(t, "orders"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Errors {
		got = append(got, fmt.Sprintf("line %d row %d %s %s", p.Line, p.Row, p.Field, p.Code))
	}
	want := []string{"line 3 row 2 sku control_character", "line 4 row 3 unit_price number_limit"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
