package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
)

// itemOf is what the reader makes of a line before completion: the
// transcoded item (fast says the byte scanner took it), or the error of
// the general path.
func itemOf(line []byte) (item []byte, size int, fast bool, err error) {
	_, fields, ok := transcode(line, nil, nil)
	if !ok {
		parsed, err := parseItem(line)
		if err != nil {
			return nil, 0, false, err
		}
		fields = fieldsOf(parsed)
	}
	for _, f := range fields {
		size += len(f.name) + f.size
	}
	return appendItemJSON(nil, fields, nil), size, ok, nil
}

var exportAll = cmp.Exporter(func(reflect.Type) bool { return true })

// checkTranscode fails unless line becomes exactly the item parseItem
// reads, of the size itemSize gives, and is refused where parseItem
// refuses it.
func checkTranscode(t *testing.T, line []byte) (fast bool) {
	t.Helper()
	want, wantErr := parseItem(line)
	got, size, fast, err := itemOf(line)
	if wantErr != nil {
		if fast || err == nil {
			t.Fatalf("%q: parseItem refuses it (%v), the loader took it", line, wantErr)
		}
		return false
	}
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	decoded, err := decodeItem(got)
	if err != nil {
		t.Fatalf("%q: the item %s does not decode: %v", line, got, err)
	}
	if diff := cmp.Diff(want, decoded, exportAll); diff != "" {
		t.Fatalf("%q (fast %v): item (-parseItem +transcoded):\n%s", line, fast, diff)
	}
	if s := itemSize(want); s != size {
		t.Fatalf("%q (fast %v): size %d, itemSize %d", line, fast, size, s)
	}
	return fast
}

func TestTranscode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		line     string
		wantFast bool
	}{
		{"staged order", `{"_line":2,"customer_missing":false,"pk":"ORDER#1","price":1.50,"sk":"ORDER","z":null}`, true},
		{"white space, unsorted", ` { "b" : "x" , "a" : -1e-3 } `, true},
		{"empty", `{}`, true},
		{"non-ASCII", `{"name":"Grace Hopper é ü 日本"}`, true},
		{"escaped value", `{"s":"a\"b\\c\u00e9\n"}`, true},
		{"escaped name", `{"a\"b":"x"}`, false},
		{"lone surrogate", `{"s":"\ud800"}`, true},
		{"bad UTF-8", "{\"s\":\"\xff\"}", true},
		{"bad escape", `{"s":"\x"}`, false},
		{"control character", "{\"s\":\"a\tb\"}", false},
		{"array", `{"l":[1,"x"]}`, false},
		{"object", `{"m":{"k":false}}`, false},
		{"name twice", `{"a":1,"b":2,"a":3}`, false},
		{"not an object", `[1]`, false},
		{"trailing data", `{} {}`, false},
		{"broken", `{"a":`, false},
		{"bad number", `{"a":01}`, false},
		{"bad literal", `{"a":tru}`, false},
		{"literal run on", `{"a":truex}`, false},
		{"missing comma", `{"a":1 "b":2}`, false},
		{"trailing comma", `{"a":1,}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := checkTranscode(t, []byte(tt.line)); got != tt.wantFast {
				t.Errorf("fast path took it: %v, want %v", got, tt.wantFast)
			}
		})
	}
}

// FuzzTranscodeMatchesParseItem: every line becomes the item parseItem
// reads (or is refused as it refuses it), through the byte scanner or the
// general path.
func FuzzTranscodeMatchesParseItem(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"a":"x","b":1.5e3,"c":true,"d":null,"e":false,"f":""}`))
	f.Add([]byte(`{"s":"\u00e9\"","t":"日本"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if len(line) > 1<<16 {
			return
		}
		checkTranscode(t, line)
	})
}

// TestRawBatchWriteMatchesSDK sends the same records through the SDK's
// client twice, once as AttributeValues serialized by the SDK and once with
// the loader's own body (rawBatchWrite): the server receives the same
// request (operation, JSON body), and the SDK decodes the answer's
// UnprocessedItems on the raw path too.
func TestRawBatchWriteMatchesSDK(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies [][]byte
	var targets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, targets = append(bodies, b), append(targets, r.Header.Get("X-Amz-Target"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fmt.Fprint(w, `{"UnprocessedItems":{"items":[{"PutRequest":{"Item":{"pk":{"S":"P#2"},"sk":{"S":"#"}}}}]}}`)
	}))
	defer srv.Close()
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})

	lines := []string{
		`{"pk":"P#1","sk":"#","n":1.50,"b":true,"z":null,"s":"a\"b <é>"}`,
		`{"pk":"P#2","sk":"#","l":[1,{"x":"y"}],"m":{"k":false}}`,
	}
	var recs []*record
	var reqs []types.WriteRequest
	for i, l := range lines {
		item, size, _, err := itemOf([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		r := &record{line: int64(i + 1), pk: fmt.Sprint("P#", i+1), sk: "#", item: item, size: size}
		recs = append(recs, r)
		attrs, err := r.attributes()
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: attrs}})
	}
	if _, err := c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"items": reqs}}); err != nil {
		t.Fatal(err)
	}
	out, err := rawBatchWrite(t.Context(), c, "items", recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || targets[0] != targets[1] || !strings.HasSuffix(targets[1], ".BatchWriteItem") {
		t.Fatalf("requests: %d, targets %q", len(bodies), targets)
	}
	var sdk, raw any
	for i, v := range []*any{&sdk, &raw} {
		dec := json.NewDecoder(bytes.NewReader(bodies[i]))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("body %d: %v: %s", i, err, bodies[i])
		}
	}
	if diff := cmp.Diff(sdk, raw); diff != "" {
		t.Errorf("request body (-SDK +raw):\n%s", diff)
	}
	left := out.UnprocessedItems["items"]
	if len(left) != 1 {
		t.Fatalf("UnprocessedItems = %v", out.UnprocessedItems)
	}
	if pk, _ := stringAttr(left[0].PutRequest.Item, AttrPK); pk != "P#2" {
		t.Errorf("unprocessed pk = %q, want P#2", pk)
	}
}

// TestReaderCompletesInOrder: the attributes the loader adds land in name
// order among a staged record's sorted names (the table then need not
// sort them), an existing _source_order is replaced, and a record whose
// names are not sorted still gets them all.
func TestReaderCompletesInOrder(t *testing.T) {
	t.Parallel()
	chunk := contract.Chunk{Dataset: "orders", Bucket: "b", Key: "k", ExecutionID: "exec-1",
		Source: contract.Object{Bucket: "b", Key: "incoming/orders/x.csv", VersionID: "v1"}}
	body := `{"_line":2,"_source_order":"old","pk":"P#1","sk":"#","z":1}` + "\n\n" + `{"sk":"#","pk":"P#2"}` + "\n"
	r := newReader(t.Context(), strings.NewReader(body), nil, nil, chunk, "o2", "2026-12-07T00:00:00.000Z")
	names := func(item []byte) []string {
		dec := json.NewDecoder(bytes.NewReader(item))
		var out []string
		dec.Token() // {
		for dec.More() {
			tok, _ := dec.Token()
			out = append(out, tok.(string))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		return out
	}
	first, err := r.next()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_execution", "_ingested_at", "_line", "_source_key", "_source_order", "_source_version", "pk", "sk", "z"}
	if diff := cmp.Diff(want, names(first.item)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	attrs, err := first.attributes()
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := stringAttr(attrs, AttrSourceOrder); o != "o2" {
		t.Errorf("_source_order = %q, want o2", o)
	}
	second, err := r.next()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(names(second.item)); got != 7 {
		t.Errorf("unsorted record: %d attributes, want 7: %s", got, second.item)
	}
	if _, err := r.next(); err != io.EOF || !r.eof || r.n != 2 {
		t.Errorf("end: err %v, eof %v, records %d", err, r.eof, r.n)
	}

	// A computed TTL attribute lands in name order among the others.
	ttl := &TTL{Attribute: "expires_at", From: "ts", After: 24 * time.Hour}
	r = newReader(t.Context(), strings.NewReader(`{"_source_key":"k","pk":"P#3","sk":"#","ts":"2026-01-01"}`), ttl, nil, chunk, "o2", "")
	third, err := r.next()
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"_execution", "_source_key", "_source_order", "_source_version", "expires_at", "pk", "sk", "ts"}
	if diff := cmp.Diff(want, names(third.item)); diff != "" {
		t.Errorf("names with TTL (-want +got):\n%s", diff)
	}
	if !bytes.Contains(third.item, []byte(`"expires_at":{"N":"1767312000"}`)) || !bytes.Contains(third.item, []byte(`"_source_key":{"S":"k"}`)) {
		t.Errorf("item = %s, want expires_at 2026-01-02 and the record's own _source_key", third.item)
	}
}

// TestReaderSets: a record holding a set attribute takes the general path,
// which converts the staged array (or refuses a value that is not one),
// even when the record is otherwise flat.
func TestReaderSets(t *testing.T) {
	t.Parallel()
	chunk := contract.Chunk{Dataset: "catalog", Bucket: "b", Key: "k", Source: contract.Object{Bucket: "b", Key: "incoming/catalog/x.json"}}
	sets := map[string]SetType{"tags": StringSet}
	read := func(line string) (*record, error) {
		r := newReader(t.Context(), strings.NewReader(line+"\n"), nil, sets, chunk, "o1", "")
		return r.next()
	}
	rec, err := read(`{"pk":"P#1","sk":"#","tags":["a","b","a"]}`)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := rec.attributes()
	if err != nil {
		t.Fatal(err)
	}
	if ss, ok := attrs["tags"].(*types.AttributeValueMemberSS); !ok || !cmp.Equal(ss.Value, []string{"a", "b"}) {
		t.Errorf("tags = %#v, want the string set [a b]", attrs["tags"])
	}
	if _, err := read(`{"pk":"P#1","sk":"#","tags":"a"}`); err == nil || !strings.Contains(err.Error(), "tags") {
		t.Errorf("a scalar where a set is staged: err = %v, want one naming tags", err)
	}
	if rec, err := read(`{"pk":"P#1","sk":"#","other":"a"}`); err != nil || !bytes.Contains(rec.item, []byte(`"other":{"S":"a"}`)) {
		t.Errorf("a record without the set attribute: %s, %v", rec.item, err)
	}
}
