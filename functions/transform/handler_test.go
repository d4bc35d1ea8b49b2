package transform

import (
	"bytes"
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
	"github.com/sluicehq/sluice/internal/golden"
)

const bucket = "incoming"

func example(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t *testing.T, set *dataset.Set, ds, key string, body []byte, cfg Config) (*awsapitest.S3, contract.TransformOutput, error) {
	t.Helper()
	s := awsapitest.New()
	v := s.Put(bucket, key, body)
	h := &Handler{S3: s, Datasets: set, Config: cfg}
	out, err := h.Handle(t.Context(), contract.TransformInput{Dataset: ds, Source: contract.Object{Bucket: bucket, Key: key, VersionID: v, Size: int64(len(body))}})
	return s, out, err
}

// staged reads the manifest and concatenates its chunks.
func staged(t *testing.T, s *awsapitest.S3, out contract.TransformOutput) ([]contract.Chunk, []byte) {
	t.Helper()
	m, ok := s.Get(bucket, out.Manifest)
	if !ok {
		t.Fatalf("no manifest at %s", out.Manifest)
	}
	var chunks []contract.Chunk
	if err := json.Unmarshal(m, &chunks); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, c := range chunks {
		b, ok := s.Get(c.Bucket, c.Key)
		if !ok {
			t.Fatalf("no chunk %s", c.Key)
		}
		if n := int64(bytes.Count(b, []byte("\n"))); n != c.Records {
			t.Errorf("chunk %d holds %d lines, manifest says %d", c.Index, n, c.Records)
		}
		all = append(all, b...)
	}
	return chunks, all
}

func TestExamplesGolden(t *testing.T) {
	tests := []struct {
		ds, key, file string
		records       int64
		enrich        bool
	}{
		{"orders", "incoming/orders/orders.csv", "orders/orders.csv", 20, true},
		{"customers", "incoming/customers/customers.csv", "customers/customers.csv", 8, false},
		{"readings", "incoming/readings/readings.jsonl", "readings/readings.jsonl", 6, false},
		{"catalog", "incoming/catalog/catalog.xml", "catalog/catalog.xml", 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.ds, func(t *testing.T) {
			t.Parallel()
			s, out, err := run(t, dataset.Builtin(), tt.ds, tt.key, example(t, tt.file), Config{})
			if err != nil {
				t.Fatal(err)
			}
			if out.Records != tt.records || out.ChunkCount != 1 || out.Enrich != tt.enrich || out.First.Records != tt.records {
				t.Errorf("output %+v", out)
			}
			chunks, all := staged(t, s, out)
			if diff := cmp.Diff([]contract.Chunk{out.First}, chunks); diff != "" {
				t.Errorf("manifest (-first +manifest):\n%s", diff)
			}
			golden.Check(t, "testdata/"+tt.ds+".jsonl", all)
		})
	}
}

func TestChunking(t *testing.T) {
	body := example(t, "orders/orders.csv")
	s, out, err := run(t, dataset.Builtin(), "orders", "incoming/orders/o.csv", body, Config{ChunkRecords: 7})
	if err != nil {
		t.Fatal(err)
	}
	chunks, all := staged(t, s, out)
	var counts []int64
	for i, c := range chunks {
		counts = append(counts, c.Records)
		if c.Index != i || c.Key != contract.ChunkKey("orders", out.Source, Stage, i) || c.Source != out.Source {
			t.Errorf("chunk %d = %+v", i, c)
		}
	}
	if diff := cmp.Diff([]int64{7, 7, 6}, counts); diff != "" || out.ChunkCount != 3 {
		t.Errorf("chunk sizes (-want +got):\n%s", diff)
	}
	_, whole, _ := func() (*awsapitest.S3, []byte, error) {
		s2, out2, err := run(t, dataset.Builtin(), "orders", "incoming/orders/o.csv", body, Config{})
		_, b := staged(t, s2, out2)
		return s2, b, err
	}()
	if !bytes.Equal(all, whole) {
		t.Error("chunked output differs from the single-chunk output")
	}
}

func TestPolicy(t *testing.T) {
	// orders_bad breaks the 10% limit.
	_, _, err := run(t, dataset.Builtin(), "orders", "incoming/orders/b.csv", example(t, "orders/orders_bad.csv"), Config{})
	var vf *fnerr.ValidationFailed
	if !errors.As(err, &vf) || vf.BadRows != 10 {
		t.Errorf("orders_bad: %T %v", err, err)
	}
	// One bad reading in 41 is tolerated (5%) and skipped.
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, fmt.Sprintf(`{"device_id":"d","ts":"2026-01-01T00:00:%02dZ","temperature":1}`, i))
	}
	lines = append(lines, `{"device_id":"d","ts":"2026-01-01T00:00:00Z","temperature":1}`) // duplicate key
	s, out, err := run(t, dataset.Builtin(), "readings", "incoming/readings/r.jsonl", []byte(strings.Join(lines, "\n")), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Records != 40 || out.Rejected != 1 {
		t.Errorf("records %d rejected %d", out.Records, out.Rejected)
	}
	_, all := staged(t, s, out)
	if n := bytes.Count(all, []byte("\n")); n != 40 {
		t.Errorf("staged %d lines", n)
	}
}

func TestFilters(t *testing.T) {
	d := dataset.Orders()
	d.Name, d.Prefix = "big-orders", "incoming/big-orders/"
	d.Enrichment = dataset.Enrichment{}
	d.Transforms.Filters = []string{"status != 'CANCELLED'", "quantity * unit_price >= 50"}
	d.Transforms.Drop = []string{"customer_id"}
	set := dataset.MustNewSet(d)
	s, out, err := run(t, set, "big-orders", "incoming/big-orders/o.csv", example(t, "orders/orders.csv"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, all := staged(t, s, out)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(all)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["customer_id"]; ok {
			t.Error("dropped field customer_id present")
		}
		ids = append(ids, m["order_id"].(string))
	}
	want := []string{"ORD-1001", "ORD-1003", "ORD-1007", "ORD-1011", "ORD-1012", "ORD-1013", "ORD-1016", "ORD-1018", "ORD-1020"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("kept orders (-want +got):\n%s", diff)
	}
	if out.Filtered != 11 || out.Records != 9 || out.Enrich {
		t.Errorf("output %+v", out)
	}
}

func TestAllFilteredGivesOneEmptyChunk(t *testing.T) {
	d := dataset.Customers()
	d.Transforms.Filters = []string{"false"}
	s, out, err := run(t, dataset.MustNewSet(d), "customers", "incoming/customers/c.csv", example(t, "customers/customers.csv"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	chunks, all := staged(t, s, out)
	if out.ChunkCount != 1 || len(chunks) != 1 || len(all) != 0 || out.Filtered != 8 {
		t.Errorf("output %+v, %d bytes", out, len(all))
	}
}

func TestS3Errors(t *testing.T) {
	tests := []struct {
		name, op, key string
		err           error
		want          string
	}{
		{"get throttled", "GetObject", "", &smithy.GenericAPIError{Code: "SlowDown"}, "Retryable"},
		{"chunk put 5xx", "PutObject", "", &smithy.GenericAPIError{Code: "InternalError"}, "Retryable"},
		{"denied", "GetObject", "", &smithy.GenericAPIError{Code: "AccessDenied"}, "Internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := awsapitest.New()
			v := s.Put(bucket, "incoming/orders/o.csv", example(t, "orders/orders.csv"))
			s.Fail(tt.op, tt.key, tt.err, -1)
			h := &Handler{S3: s, Datasets: dataset.Builtin()}
			_, err := h.Handle(t.Context(), contract.TransformInput{Dataset: "orders", Source: contract.Object{Bucket: bucket, Key: "incoming/orders/o.csv", VersionID: v}})
			if got := fnerr.NameOf(err); got != tt.want {
				t.Errorf("%v named %s, want %s", err, got, tt.want)
			}
		})
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	s, out, err := run(t, dataset.Builtin(), "orders", "incoming/orders/orders.csv", example(t, "orders/orders.csv"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	golden.Check(t, "testdata/transform_output.json", append(b, '\n'))
	m, _ := s.Get(bucket, out.Manifest)
	golden.Check(t, "testdata/manifest.json", m)
	for _, tt := range []struct {
		file string
		v    any
	}{
		{"testdata/transform_input.json", &contract.TransformInput{}},
		{"testdata/transform_output.json", &contract.TransformOutput{}},
		{"testdata/manifest.json", &[]contract.Chunk{}},
	} {
		raw, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, tt.v); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(tt.v)
		var a, b any
		json.Unmarshal(raw, &a)
		json.Unmarshal(again, &b)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s round trip (-file +again):\n%s", tt.file, diff)
		}
	}
}
