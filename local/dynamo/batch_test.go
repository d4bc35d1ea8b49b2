package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// openBatchStores opens two stores, each with the table "events" (device
// S, seq N), for comparing the direct batch path with minidyn's.
func openBatchStores(t *testing.T) (direct, scratch *levelStore) {
	t.Helper()
	create := `{"TableName":"events","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"device","AttributeType":"S"},{"AttributeName":"seq","AttributeType":"N"}],
		"KeySchema":[{"AttributeName":"device","KeyType":"HASH"},{"AttributeName":"seq","KeyType":"RANGE"}]}`
	var out [2]*levelStore
	for i := range out {
		s, err := openLevelStore(t.TempDir(), false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if code, body := s.dispatch("CreateTable", []byte(create)); code != http.StatusOK {
			t.Fatalf("create table: %s", body)
		}
		out[i] = s
	}
	return out[0], out[1]
}

// contents is every stored item of table, by storage key.
func contents(t *testing.T, s *levelStore, table string) map[string]string {
	t.Helper()
	lo, hi := tableBounds(table)
	it := s.db.NewIterator(&util.Range{Start: lo, Limit: hi}, nil)
	defer it.Release()
	m := map[string]string{}
	for it.Next() {
		m[string(it.Key())] = string(it.Value())
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return m
}

// randomValue is a plain attribute value (nested lists and maps included).
func randomValue(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(7); {
	case k == 0:
		return map[string]any{"S": fmt.Sprintf("s%d<&>\u00e9\"%d", rng.IntN(100), rng.IntN(10))}
	case k == 1:
		return map[string]any{"N": strconv.Itoa(rng.IntN(2000) - 1000)}
	case k == 2 && depth == 0:
		// A projection answers top-level numbers in canonical form and
		// nested ones as written (minidyn's way; DynamoDB canonicalizes
		// all), so only top-level numbers take other forms here.
		return map[string]any{"N": fmt.Sprintf("%d.%02de%d", rng.IntN(100), rng.IntN(100), rng.IntN(10)-5)}
	case k == 3:
		return map[string]any{"BOOL": rng.IntN(2) == 0}
	case k == 4:
		return map[string]any{"NULL": true}
	case k == 5 && depth < 2:
		return map[string]any{"L": []any{randomValue(rng, depth+1), randomValue(rng, depth+1)}}
	case k == 6 && depth < 2:
		return map[string]any{"M": map[string]any{"a": randomValue(rng, depth+1), "b c": randomValue(rng, depth+1)}}
	}
	return map[string]any{"S": ""}
}

// TestBatchWriteDirectMatchesMinidyn writes random plain batches (puts
// and deletes, keys written again across batches, numbers in equal forms
// such as 1 and 1.0) through the direct path and through minidyn's: the
// answers and the stored tables are the same, byte for byte.
func TestBatchWriteDirectMatchesMinidyn(t *testing.T) {
	direct, scratch := openBatchStores(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for batch := range 200 {
		var reqs []any
		used := map[string]bool{}
		for range 1 + rng.IntN(25) {
			dev, seq := fmt.Sprintf("d%d", rng.IntN(5)), rng.IntN(40)
			if used[fmt.Sprint(dev, seq)] {
				continue
			}
			used[fmt.Sprint(dev, seq)] = true
			seqN := strconv.Itoa(seq)
			if rng.IntN(4) == 0 {
				seqN += ".0"
			}
			key := map[string]any{"device": map[string]any{"S": dev}, "seq": map[string]any{"N": seqN}}
			if rng.IntN(5) == 0 {
				reqs = append(reqs, map[string]any{"DeleteRequest": map[string]any{"Key": key}})
				continue
			}
			item := map[string]any{"device": key["device"], "seq": key["seq"]}
			for a := range rng.IntN(6) {
				item[fmt.Sprintf("attr%d", a)] = randomValue(rng, 0)
			}
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": item}})
		}
		body, err := json.Marshal(map[string]any{"RequestItems": map[string]any{"events": reqs}})
		if err != nil {
			t.Fatal(err)
		}
		var in batchWriteInput
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatal(err)
		}
		if _, plain, msg := direct.checkBatch(in); !plain || msg != "" {
			t.Fatalf("batch %d is not plain (%q): %s", batch, msg, body)
		}
		code1, out1 := direct.dispatch("BatchWriteItem", body)
		code2, out2 := scratch.batchWriteScratch(body)
		if code1 != code2 || string(out1) != string(out2) {
			t.Fatalf("batch %d: direct %d %q, minidyn %d %q", batch, code1, out1, code2, out2)
		}
	}
	if diff := cmp.Diff(contents(t, scratch, "events"), contents(t, direct, "events")); diff != "" {
		t.Errorf("stored tables differ (-minidyn +direct):\n%s", diff)
	}
	if n := len(contents(t, direct, "events")); n < 50 {
		t.Errorf("only %d items stored: the test exercises too little", n)
	}
}

// TestBatchWriteChecks sends batches DynamoDB refuses, or that need
// minidyn, through the HTTP API: two writes of one key (also as 1 and
// 1.0) are a ValidationException and write nothing; an item over the
// limit fails the whole batch; a batch with a set or a binary attribute
// is not plain but is still written; a key of the wrong type is refused
// in minidyn's words.
func TestBatchWriteChecks(t *testing.T) {
	ctx := context.Background()
	c, closeFn := openTable(t, "", Faults{})
	defer closeFn()
	createEvents(t, c)
	put := func(dev string, seq string, extra map[string]types.AttributeValue) types.WriteRequest {
		item := map[string]types.AttributeValue{"device": str(dev), "seq": num(seq)}
		for k, v := range extra {
			item[k] = v
		}
		return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
	}
	del := func(dev, seq string) types.WriteRequest {
		return types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"device": str(dev), "seq": num(seq)}}}
	}
	tests := []struct {
		name     string
		reqs     []types.WriteRequest
		wantCode string // "" for success
		wantMsg  string
		stored   int // items in the table afterwards
	}{
		{"duplicate puts", []types.WriteRequest{put("a", "1", nil), put("b", "1", nil), put("a", "1", nil)}, "ValidationException", errDuplicateKeys, 0},
		{"duplicate number forms", []types.WriteRequest{put("a", "1", nil), put("a", "1.0", nil)}, "ValidationException", errDuplicateKeys, 0},
		{"put and delete of one key", []types.WriteRequest{put("a", "1", nil), del("a", "1")}, "ValidationException", errDuplicateKeys, 0},
		{"item too large", []types.WriteRequest{put("a", "1", nil), put("a", "2", map[string]types.AttributeValue{"pad": str(strings.Repeat("x", maxItemBytes))})}, "ValidationException", "Item size has exceeded", 0},
		{"set and binary attributes", []types.WriteRequest{put("a", "1", map[string]types.AttributeValue{
			"tags": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}, "raw": &types.AttributeValueMemberB{Value: []byte{0, 1}}})}, "", "", 1},
		{"plain batch", []types.WriteRequest{put("a", "2", nil), put("b", "2", map[string]types.AttributeValue{"n": num("1e3")})}, "", "", 3},
		{"key of the wrong type", []types.WriteRequest{{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"device": str("a"), "seq": str("x")}}}}, "ValidationException", "", 3},
		{"delete", []types.WriteRequest{del("a", "1"), del("zz", "9")}, "", "", 2},
	}
	for _, tt := range tests {
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"events": tt.reqs}})
		var ae smithy.APIError
		switch {
		case tt.wantCode == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantCode != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode || !strings.Contains(ae.ErrorMessage(), tt.wantMsg)):
			t.Errorf("%s: got %v, want %s %q", tt.name, err, tt.wantCode, tt.wantMsg)
		}
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("events"), Select: types.SelectCount})
		if err != nil || int(out.Count) != tt.stored {
			t.Errorf("%s: %d items stored (%v), want %d", tt.name, out.Count, err, tt.stored)
		}
	}
}

// FuzzPlainNumber checks plainNumber against its definition: exactly the
// JSON number grammar.
func FuzzPlainNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "01", "1.", ".5", "1.50", "1e3", "1E+3", "-2.5e-10", "+1", "1e", "--1", "0x10", "", "Infinity", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return
		}
		isJSONNumber := json.Valid([]byte(s)) && strings.TrimSpace(s) == s && s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9')
		if got := plainNumber(s); got != isJSONNumber {
			t.Fatalf("plainNumber(%q) = %v, want %v (a JSON number: %v)", s, got, isJSONNumber, isJSONNumber)
		}
	})
}

// TestBatchGetDirectMatchesMinidyn reads random batches of keys (found and
// missing, whole items and #alias projections, the loader's and the
// enricher's shapes) from a table on the direct path and through minidyn:
// the answers decode to the same items in the same order.
func TestBatchGetDirectMatchesMinidyn(t *testing.T) {
	s, _ := openBatchStores(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for b := range 8 {
		var reqs []any
		for i := range 25 {
			item := map[string]any{"device": map[string]any{"S": fmt.Sprintf("d%d", i%5)}, "seq": map[string]any{"N": strconv.Itoa(b*25 + i)}}
			for a := range rng.IntN(5) {
				item[fmt.Sprintf("attr%d", a)] = randomValue(rng, 0)
			}
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": item}})
		}
		body, _ := json.Marshal(map[string]any{"RequestItems": map[string]any{"events": reqs}})
		if code, out := s.dispatch("BatchWriteItem", body); code != http.StatusOK {
			t.Fatalf("write: %s", out)
		}
	}
	projections := []map[string]any{
		nil,
		{"ProjectionExpression": "#d, #s, #a", "ExpressionAttributeNames": map[string]string{"#d": "device", "#s": "seq", "#a": "attr0"}},
		{"ProjectionExpression": "#a", "ExpressionAttributeNames": map[string]string{"#a": "attr3"}},
		{"ProjectionExpression": "#x", "ExpressionAttributeNames": map[string]string{"#x": "nope"}},
	}
	direct := 0
	for round := range 100 {
		var keys []any
		used := map[int]bool{}
		for range 1 + rng.IntN(100) {
			seq := rng.IntN(260)
			if used[seq] {
				continue
			}
			used[seq] = true
			keys = append(keys, map[string]any{"device": map[string]any{"S": fmt.Sprintf("d%d", seq%5)}, "seq": map[string]any{"N": strconv.Itoa(seq)}})
		}
		spec := map[string]any{"Keys": keys, "ConsistentRead": true}
		for k, v := range projections[round%len(projections)] {
			spec[k] = v
		}
		body, _ := json.Marshal(map[string]any{"RequestItems": map[string]any{"events": spec}})
		var req map[string]json.RawMessage
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		var items map[string]keysAndAttributes
		if err := json.Unmarshal(req["RequestItems"], &items); err != nil {
			t.Fatal(err)
		}
		out1, ok, err := s.batchGetDirect(items)
		if err != nil || !ok {
			t.Fatalf("round %d: not answered directly (%v): %s", round, err, body)
		}
		direct++
		code, out2 := s.batchGetScratch(body, req)
		if code != http.StatusOK {
			t.Fatalf("round %d: minidyn: %s", round, out2)
		}
		var got, want any
		if err := json.Unmarshal(out1, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out2, &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d (-minidyn +direct):\n%s", round, diff)
		}
	}
	// Requests the direct path leaves to minidyn.
	for _, spec := range []string{
		`{"Keys":[{"device":{"S":"d0"},"seq":{"N":"0"}},{"device":{"S":"d0"},"seq":{"N":"0"}}]}`,
		`{"Keys":[{"device":{"S":"d0"},"seq":{"N":"0"},"x":{"S":"y"}}]}`,
		`{"Keys":[{"device":{"S":"d0"},"seq":{"N":"0"}}],"ProjectionExpression":"device"}`,
		`{"Keys":[{"device":{"S":"d0"},"seq":{"N":"0"}}],"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"x","#b":"y"}}`,
		`{"Keys":[]}`,
	} {
		var items map[string]keysAndAttributes
		if err := json.Unmarshal([]byte(`{"events":`+spec+`}`), &items); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.batchGetDirect(items); ok {
			t.Errorf("answered directly: %s", spec)
		}
	}
}

func TestCanonicalNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.000": "0", "1": "1", "1.50": "1.5", "-1.50": "-1.5", "1.50E3": "1500", "3.24e-4": "0.000324",
		"49.82e1": "498.2", "007": "7", "1e2": "100", "12345678901234567890.123": "12345678901234567890.123", "-5e-1": "-0.5", "x": "x",
	} {
		if got := canonicalNumber(in); got != want {
			t.Errorf("canonicalNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
