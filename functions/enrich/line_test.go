package enrich

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/records"
	"github.com/sluicehq/sluice/functions/transform"
	"github.com/sluicehq/sluice/internal/golden"
)

// canonical returns line as records.Writer writes its record.
func canonical(t testing.TB, line string) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(line)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	b, err := records.AppendRecord(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bothPaths enriches staged chunks with the line path (e.h) and with every
// record sent the map way (a second Handler on the same S3 and table).
type bothPaths struct {
	*env
	maps *Handler
}

func newBothPaths(t testing.TB, set *dataset.Set) *bothPaths {
	e := newEnv(t, set)
	m := &Handler{S3: e.s3, DB: e.db, Datasets: set, Now: e.h.Now, Config: e.h.Config, Sleep: e.h.Sleep, mapOnly: true}
	return &bothPaths{env: e, maps: m}
}

// run enriches chunk c both ways and fails t unless both give the same
// bytes, or the same error. It returns the output (nil on error) and the
// error.
func (b *bothPaths) run(t testing.TB, c contract.Chunk) ([]byte, error) {
	t.Helper()
	var outs [2][]byte
	var errs [2]error
	for i, h := range []*Handler{b.h, b.maps} {
		got, err := h.Handle(t.Context(), c)
		errs[i] = err
		if err == nil {
			outs[i], _ = b.s3.Get(got.Bucket, got.Key)
			outs[i] = bytes.Clone(outs[i])
			b.s3.Put(got.Bucket, got.Key, nil)
		}
	}
	if (errs[0] == nil) != (errs[1] == nil) || errs[0] != nil && errs[0].Error() != errs[1].Error() {
		t.Fatalf("line path error %v, map path error %v", errs[0], errs[1])
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatalf("line path and map path differ:\nline: %s\nmap:  %s", outs[0], outs[1])
	}
	return outs[0], errs[0]
}

// putCustomers loads the example customers into the reference table, as
// a run of the customers file does.
func putCustomers(t testing.TB, e *env, set *dataset.Set) {
	t.Helper()
	ds, err := set.Lookup("customers")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range transformExample(t, ds, "customers/customers.csv") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		item := map[string]types.AttributeValue{}
		for k, v := range rec {
			if s, ok := v.(string); ok {
				item[k] = &types.AttributeValueMemberS{Value: s}
			}
		}
		if _, err := e.mdb.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("reference"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
}

// transformExample returns the staged lines of an example file, as the
// transformer writes them.
func transformExample(t testing.TB, ds *dataset.Dataset, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	_, err = transform.Run(f, name, ds, transform.Config{}, func(_ int, data []byte, _ int64) error {
		lines = append(lines, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestExamplesEnrichAsBefore enriches the transformed example files of
// every built-in dataset (orders joined with the example customers; the
// others get the metadata) both ways and compares the output with golden
// files written by the map path before the line path existed.
func TestExamplesEnrichAsBefore(t *testing.T) {
	t.Parallel()
	set := dataset.Builtin()
	for _, ex := range []struct{ ds, file string }{
		{"orders", "orders/orders.csv"},
		{"customers", "customers/customers.csv"},
		{"readings", "readings/readings.jsonl"},
		{"catalog", "catalog/catalog.xml"},
	} {
		t.Run(ex.file, func(t *testing.T) {
			b := newBothPaths(t, set)
			putCustomers(t, b.env, set)
			ds, err := set.Lookup(ex.ds)
			if err != nil {
				t.Fatal(err)
			}
			lines := transformExample(t, ds, ex.file)
			c := b.stage(t, ex.ds, 0, lines...)
			out, err := b.run(t, c)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "examples", strings.ReplaceAll(ex.file, "/", "_")+".jsonl"), out)
		})
	}
}

// lineCases are lines of every form the line path must enrich exactly as
// the map path does, or leave to it.
var lineCases = []string{
	`{"_line":2,"currency":"EUR","customer_id":"C1","order_id":"1","pk":"ORDER#1","quantity":3,"sk":"ORDER","status":"NEW","unit_price":19.99}`,
	`{"currency":"EUR","customer_id":"C2","order_id":"2","pk":"ORDER#2","quantity":1,"sk":"ORDER","status":"NEW","unit_price":0.10}`,
	`{"customer_id":"C3","quantity":-7,"unit_price":1.005}`,
	`{"customer_id":null,"quantity":2,"unit_price":2.5}`,
	`{"customer_id":"","quantity":2}`,
	`{"customer_id":1,"quantity":2,"unit_price":"3.25"}`,
	`{"customer_id":true,"total":"x"}`,
	`{"customer_id":"C1","customer_name":"old","segment":null,"total":1}`,
	`{"customer_id":"C9","customer_missing":"keep?","total":12.5}`,
	`{"customer_id":"C1","name":"Zoë \"quoted\"\n\ttab \u001f","quantity":1,"unit_price":1}`,
	`{"customer_id":"C1","name":"caf\u00e9","quantity":1,"unit_price":1}`,
	`{"customer_id":"C1","name":"line\u2028sep","quantity":1,"unit_price":1}`,
	"{\"customer_id\":\"C1\",\"name\":\"line\u2028sep\",\"quantity\":1,\"unit_price\":1}",
	`{"customer_id":"C1","name":"<&>","unit_price":1e2,"quantity":2}`,
	`{"alerts":["a","<b>"],"customer_id":"C1","quantity":2,"unit_price":1}`,
	`{"customer_id":"C1","nested":{"b":1,"a":[1,2.50]},"quantity":2,"unit_price":1}`,
	`{"quantity":2,"customer_id":"C1","unit_price":1}`,
	`{ "customer_id": "C1", "quantity": 2 }`,
	`{"customer_id":"C1","customer_id":"C3"}`,
	`{"a":1,"a":2}`,
	`{}`,
	`{"_execution":"mine","_ingested_at":1,"_source_key":"k","_source_version":"v","customer_id":"C3"}`,
	`{"quantity":99999999999999999999999,"unit_price":9999999999999999.99,"customer_id":"C1"}`,
	`{"quantity":9223372036854775807,"unit_price":999999999999999999999999999999.99}`,
	`{"quantity":3.5,"unit_price":2}`,
	`{"quantity":"3","unit_price":"2.5"}`,
	`{"quantity":-0,"unit_price":-0.0}`,
	`{"\u0061":1}`,
	`{"a\"b":1,"customer_id":"C1"}`,
	`{"total":{"x":1}}`,
	`[1,2]`,
	`{"a":tru}`,
	`not json`,
}

// TestLineCasesEnrichAsBefore compares the enrichment of each line case
// (or its error) with a golden file written by the map path before the
// line path existed.
func TestLineCasesEnrichAsBefore(t *testing.T) {
	t.Parallel()
	b := newBothPaths(t, dataset.Builtin())
	var got bytes.Buffer
	for i, line := range lineCases {
		out, err := b.run(t, b.stageFixed(t, "orders", i, line))
		fmt.Fprintf(&got, "%s\n=> ", line)
		if err != nil {
			fmt.Fprintf(&got, "error: %v\n\n", err)
			continue
		}
		fmt.Fprintf(&got, "%s\n", out)
	}
	golden.Check(t, filepath.Join("testdata", "lines.golden"), got.Bytes())
}

// TestLinePathMatchesMapPath enriches each case both ways, on its own and
// all together in one chunk.
func TestLinePathMatchesMapPath(t *testing.T) {
	t.Parallel()
	b := newBothPaths(t, dataset.Builtin())
	for i, line := range lineCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b.run(t, b.stage(t, "orders", i, line))
		})
	}
	var good []string
	for i, line := range lineCases {
		if _, err := b.run(t, b.stage(t, "orders", 100+i, line)); err == nil {
			good = append(good, line)
		}
	}
	out, err := b.run(t, b.stage(t, "orders", 99, good...))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out, []byte("\n")); n != len(good) {
		t.Errorf("%d lines out, want %d", n, len(good))
	}
}

// FuzzLinePath checks that any line is enriched by the line path exactly
// as by the map path (or refused with the same error).
func FuzzLinePath(f *testing.F) {
	for _, l := range lineCases {
		f.Add(l)
	}
	b := newBothPaths(f, dataset.Builtin())
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > 4096 {
			return
		}
		b.run(t, b.stage(t, "orders", 0, line, line))
	})
}

// stageFixed stages lines as chunk index of an unversioned source, so
// that the output does not depend on how many objects a test wrote.
func (e *env) stageFixed(t testing.TB, ds string, index int, lines ...string) contract.Chunk {
	t.Helper()
	src := contract.Object{Bucket: bucket, Key: "incoming/" + ds + "/fixed.csv"}
	key := contract.ChunkKey(ds, src, "transformed", index)
	e.s3.Put(bucket, key, []byte(strings.Join(lines, "\n")+"\n"))
	return contract.Chunk{Dataset: ds, Bucket: bucket, Key: key, Index: index, Records: int64(len(lines)), Source: src}
}

// TestLinePathAllocations: enriching orders the line path allocates per
// block and per chunk, not per record (the map path made about 67
// allocations a record).
func TestLinePathAllocations(t *testing.T) {
	e := newEnv(t, dataset.Builtin())
	var lines []string
	for i := range 1000 {
		l := order(fmt.Sprint(i), fmt.Sprintf("C%d", i%50), fmt.Sprint(1+i%7), fmt.Sprintf("%d.%02d", i%90, i%100), i+2)
		lines = append(lines, strings.TrimSuffix(string(canonical(t, l)), "\n"))
	}
	c := e.stage(t, "orders", 0, lines...)
	if _, err := e.h.Handle(t.Context(), c); err != nil { // fills the cache
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := e.h.Handle(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations for %d records", allocs, len(lines))
	if allocs >= float64(len(lines)) {
		t.Errorf("%.0f allocations for %d records, want fewer than one a record", allocs, len(lines))
	}
}
