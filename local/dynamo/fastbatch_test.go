package dynamo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/jsonenc"
)

// openOrdersStore opens a store with the table "items" (pk S, sk S), the
// shape of the pipeline's tables.
func openOrdersStore(tb testing.TB) *levelStore {
	tb.Helper()
	s, err := openLevelStore(tb.TempDir(), false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	create := `{"TableName":"items","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`
	if code, out := s.dispatch("CreateTable", []byte(create)); code != http.StatusOK {
		tb.Fatalf("create table: %s", out)
	}
	return s
}

// generalOps is what the general path makes of a body: the writes with
// each put's item in the store's form, or false if it does not take the
// body plainly.
func generalOps(s *levelStore, body []byte) ([][2]string, bool) {
	in := decodeBatchWrite(body)
	if in == nil {
		return nil, false
	}
	ops, plain, msg := s.checkBatch(*in)
	if !plain || msg != "" {
		return nil, false
	}
	out := make([][2]string, len(ops))
	for i, op := range ops {
		out[i][0] = string(op.key)
		if op.item != nil {
			out[i][1] = string(appendItem(nil, op.item))
		}
	}
	return out, true
}

// fastOpsOf is generalOps through decodeFastBatch and fastOps.
func fastOpsOf(s *levelStore, body []byte) ([][2]string, bool) {
	fb := decodeFastBatch(body)
	if fb == nil {
		return nil, false
	}
	ops, ok := s.fastOps(fb)
	if !ok {
		return nil, false
	}
	out := make([][2]string, len(ops))
	for i, op := range ops {
		out[i] = [2]string{string(op.key), string(op.encoded)}
	}
	return out, true
}

// checkFastMatchesGeneral fails if the fast path takes body and the
// general path does not, or makes other writes of it.
func checkFastMatchesGeneral(t *testing.T, s *levelStore, body []byte) (fast bool) {
	t.Helper()
	got, ok := fastOpsOf(s, body)
	if !ok {
		return false
	}
	want, plain := generalOps(s, body)
	if !plain {
		t.Fatalf("the fast path takes a body the general path does not write plainly: %s", body)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("fast path writes differ for %s (-general +fast):\n%s", body, diff)
	}
	return true
}

// TestFastBatchMatchesGeneral sends the loader's bodies and near misses
// through both decoders: where the fast one takes a body it writes what
// the general one writes, byte for byte; where it should leave a body to
// the general path, it does.
func TestFastBatchMatchesGeneral(t *testing.T) {
	s := openOrdersStore(t)
	put := func(attrs string) string { return `{"PutRequest":{"Item":{` + attrs + `}}}` }
	body := func(reqs ...string) string { return `{"RequestItems":{"items":[` + strings.Join(reqs, ",") + `]}}` }
	key := `"pk":{"S":"ORDER#1"},"sk":{"S":"ORDER"}`
	tests := []struct {
		name     string
		body     string
		wantFast bool
	}{
		{"loader item", body(put(key + `,"qty":{"N":"3"},"price":{"N":"1.50"},"ok":{"BOOL":true},"gone":{"NULL":true},"name":{"S":"Ada"}`)), true},
		{"unsorted names, white space", " { \"RequestItems\" : {\"items\":[ " + put(`"z":{"S":"1"}, "a" : {"N":"-2e5"},`+key) + " ] } } ", true},
		{"escapes and non-ASCII", body(put(key + `,"s":{"S":"a\"b\\c\u00e9<&>\u2028"},"t":{"S":"Ölçü"}`)), true},
		{"delete", body(`{"DeleteRequest":{"Key":{` + key + `}}}`), true},
		{"bad UTF-8 in a value", body(put(key + ",\"s\":{\"S\":\"\xff\"}")), true},
		{"lone surrogate", body(put(key + `,"s":{"S":"\ud800"}`)), true},
		{"two requests", body(put(key), put(`"pk":{"S":"ORDER#2"},"sk":{"S":"ORDER"}`)), true},
		// Where the item's text is not its stored form as it stands.
		{"compact, sorted (stored as sent)", body(put(`"a":{"BOOL":false},"b":{"NULL":true},"n":{"N":"-1.50e3"},` + key)), true},
		{"a space in a value", body(put(key + `,"x":{"S": "a"}`)), true},
		{"a space in a BOOL", body(put(key + `,"x":{"BOOL": true}`)), true},
		{"a space in a number", body(put(key + `,"x":{ "N":"1"}`)), true},
		{"a space between members", body(put(key + `, "x":{"S":"a"}`)), true},
		{"a space before the closing brace", `{"RequestItems":{"items":[{"PutRequest":{"Item":{` + key + ` }}}]}}`, true},
		{"a value to escape", body(put(key + `,"x":{"S":"<a>"}`)), true},
		{"a name to escape", body(put(key + `,"a&b":{"S":"a"}`)), true},
		{"an escape of a plain character", body(put(key + `,"x":{"S":"\u0061"}`)), true},
		{"a long escape of a short value in spaces", body(put(key + ",\"x\":{\"S\":  \"\xff\"}")), true},
		{"unsorted, compact", body(put(`"z":{"S":"1"},` + key)), true},
		{"list", body(put(key + `,"l":{"L":[{"S":"a"}]}`)), false},
		{"map", body(put(key + `,"m":{"M":{"a":{"S":"a"}}}`)), false},
		{"string set", body(put(key + `,"ss":{"SS":["a"]}`)), false},
		{"binary", body(put(key + `,"b":{"B":"AA=="}`)), false},
		{"NULL false", body(put(key + `,"n":{"NULL":false}`)), false},
		{"two types", body(put(key + `,"x":{"S":"a","N":"1"}`)), false},
		{"no type", body(put(key + `,"x":{}`)), false},
		{"lower-case type", body(put(key + `,"x":{"s":"a"}`)), false},
		{"number with a plus", body(put(key + `,"n":{"N":"+1"}`)), false},
		{"number too precise", body(put(key + `,"n":{"N":"1234567890123456789012345678901234567890"}`)), false},
		{"number as JSON number", body(put(key + `,"n":{"N":1}`)), false},
		{"name given twice", body(put(key + `,"a":{"S":"1"},"a":{"S":"2"}`)), false},
		{"escaped name", body(put(key + `,"a\"b":{"S":"1"}`)), false},
		{"empty name", body(put(key + `,"":{"S":"1"}`)), false},
		{"key given twice", body(put(key), put(key)), false},
		{"key missing", body(put(`"pk":{"S":"ORDER#1"}`)), false},
		{"empty key", body(put(`"pk":{"S":""},"sk":{"S":"x"}`)), false},
		{"key of another type", body(put(`"pk":{"N":"1"},"sk":{"S":"x"}`)), false},
		{"delete with more than the key", body(`{"DeleteRequest":{"Key":{` + key + `,"a":{"S":"1"}}}}`), false},
		{"put and delete in one request", body(`{"PutRequest":{"Item":{` + key + `}},"DeleteRequest":{"Key":{` + key + `}}}`), false},
		{"unknown table", `{"RequestItems":{"other":[` + put(key) + `]}}`, false},
		{"no requests", body(), false},
		{"other member", `{"RequestItems":{"items":[` + put(key) + `]},"ReturnConsumedCapacity":"TOTAL"}`, false},
		{"trailing data", body(put(key)) + "x", false},
		{"truncated", body(put(key))[:40], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkFastMatchesGeneral(t, s, []byte(tt.body)); got != tt.wantFast {
				t.Errorf("fast path took it: %v, want %v", got, tt.wantFast)
			}
		})
	}
	var reqs []string
	for i := range 26 {
		reqs = append(reqs, put(fmt.Sprintf(`"pk":{"S":"ORDER#%d"},"sk":{"S":"ORDER"}`, i)))
	}
	if checkFastMatchesGeneral(t, s, []byte(body(reqs...))) {
		t.Errorf("the fast path took 26 requests")
	}
	if !checkFastMatchesGeneral(t, s, []byte(body(reqs[:25]...))) {
		t.Errorf("the fast path refused 25 requests")
	}
	if !checkFastMatchesGeneral(t, s, ordersBatch(t, "items", 1, false)) {
		t.Errorf("the fast path refused the loader's batch")
	}
}

// FuzzFastBatchMatchesGeneral mutates loader-shaped bodies: whatever the
// fast path takes, the general path writes the same way.
func FuzzFastBatchMatchesGeneral(f *testing.F) {
	f.Add(ordersBatch(f, "items", 1, false))
	f.Add([]byte(`{"RequestItems":{"items":[{"DeleteRequest":{"Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}},{"PutRequest":{"Item":{"pk":{"S":"c"},"sk":{"S":"d"},"n":{"N":"1e3"},"b":{"BOOL":false},"z":{"NULL":true},"s":{"S":"\u00e9\""}}}}]}}`))
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		item := map[string]any{"pk": map[string]any{"S": fmt.Sprint("p", rng.IntN(9))}, "sk": map[string]any{"S": "x"}}
		for a := range rng.IntN(6) {
			item[fmt.Sprintf("a%d", a)] = randomValue(rng, 1)
		}
		b, _ := json.Marshal(map[string]any{"RequestItems": map[string]any{"items": []any{map[string]any{"PutRequest": map[string]any{"Item": item}}}}})
		f.Add(b)
	}
	s := openOrdersStore(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 64<<10 {
			return
		}
		checkFastMatchesGeneral(t, s, body)
	})
}

// FuzzShortNumberSize checks shortNumberSize against numberSize wherever
// it answers.
func FuzzShortNumberSize(f *testing.F) {
	for _, n := range []string{"0", "-0", "0.000", "1", "-12.50", "100", "0.001020", "59.97", "12345678901234567890123456789012345678", "1e5", "-0.5"} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n string) {
		if !jsonenc.ValidNumber(n) {
			return
		}
		got, ok := shortNumberSize([]byte(n))
		if !ok {
			return
		}
		want, err := numberSize(n)
		if err != nil || got != want {
			t.Fatalf("shortNumberSize(%q) = %d; numberSize: %d, %v", n, got, want, err)
		}
	})
}

// TestFastBatchStoresLoaderText checks that the loader's items (compact,
// names in order, plain values) are stored from the request's own text,
// not written again: each item's stored form is a slice of the body.
func TestFastBatchStoresLoaderText(t *testing.T) {
	body := ordersBatch(t, "items", 1, false)
	fb := decodeFastBatch(body)
	if fb == nil || len(fb.items) != 25 {
		t.Fatalf("the loader's batch was not decoded on the fast path: %+v", fb)
	}
	for i, it := range fb.items {
		at := bytes.Index(body, it.item)
		if at < 0 || &body[at] != &it.item[0] {
			t.Errorf("item %d was written again, not sliced from the body: %s", i, it.item)
		}
	}
}

// FuzzScanString checks scanString against jsonenc.ScanString and
// jsonenc.PlainASCII, which it does in one pass.
func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"<&>"`, "\"\xff\"", `"é"`, `"abc`, `""`, "\"a\x01\"", `"\u0061" tail`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != '"' {
			return
		}
		end, plain, ascii := scanString(b, 0)
		wantEnd, wantPlain := jsonenc.ScanString(b, 0)
		wantASCII := wantEnd >= 0 && wantPlain && jsonenc.PlainASCII(b[1:wantEnd-1])
		if end != wantEnd || plain != wantPlain || ascii != wantASCII {
			t.Fatalf("scanString(%q) = %d, %v, %v; want %d, %v, %v", b, end, plain, ascii, wantEnd, wantPlain, wantASCII)
		}
	})
}
