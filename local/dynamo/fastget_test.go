package dynamo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openGetStore is openOrdersStore with items to read: loader-shaped
// orders 1 to 25, and items of every kind of value under the keys
// ("ORDER#x", "ORDER") and ("ORDER#y", "ORDER").
func openGetStore(tb testing.TB) *levelStore {
	tb.Helper()
	s := openOrdersStore(tb)
	if code, out := s.dispatch("BatchWriteItem", ordersBatch(tb, "items", 1, false)); code != http.StatusOK {
		tb.Fatalf("load orders: %s", out)
	}
	for _, item := range []string{
		`{"pk":{"S":"ORDER#x"},"sk":{"S":"ORDER"},"n":{"N":"1.50E3"},"s":{"S":"a b <&> \u2028 é \"q\""},"l":{"L":[{"N":"1"}]},"m":{"M":{"a":{"S":"b"}}},"ns":{"NS":["1.0","2e1"]},"ok":{"BOOL":true},"z":{"NULL":true}}`,
		`{"pk":{"S":"ORDER#y"},"sk":{"S":"ORDER"},"a\"b":{"S":"q"},"n":{"N":"-0.000"}}`,
	} {
		if code, out := s.dispatch("PutItem", []byte(`{"TableName":"items","Item":`+item+`}`)); code != http.StatusOK {
			tb.Fatalf("put %s: %s", item, out)
		}
	}
	return s
}

// generalGet answers a BatchGetItem the general way (typed decoding).
func generalGet(s *levelStore, body []byte) (int, []byte) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return awsError("SerializationException", err.Error())
	}
	return s.batchGet(body, req)
}

// checkFastGetMatchesGeneral fails if the fast path answers body and the
// general path answers it otherwise; it reports whether the fast path
// answered.
func checkFastGetMatchesGeneral(t *testing.T, s *levelStore, body []byte) (fast bool) {
	t.Helper()
	fg := decodeFastGet(body)
	if fg == nil {
		return false
	}
	got, ok, err := s.batchGetFast(fg)
	if err != nil {
		t.Fatalf("fast path: %v", err)
	}
	if !ok {
		return false
	}
	code, want := generalGet(s, body)
	if code != http.StatusOK {
		t.Fatalf("the fast path answers a body the general path refuses (%s): %s", want, body)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("answers differ for %s (-general +fast):\n%s", body, diff)
	}
	return true
}

// TestFastGetMatchesGeneral sends the loader's and the enricher's reads
// and near misses through both paths: where the fast one answers a body it
// answers what the general one does, byte for byte; where it should leave
// a body to the general path, it does.
func TestFastGetMatchesGeneral(t *testing.T) {
	s := openGetStore(t)
	key := func(pk string) string { return `{"pk":{"S":"` + pk + `"},"sk":{"S":"ORDER"}}` }
	keys := func(pks ...string) string {
		var ks []string
		for _, pk := range pks {
			ks = append(ks, key(pk))
		}
		return `"Keys":[` + strings.Join(ks, ",") + `]`
	}
	body := func(members ...string) string {
		return `{"RequestItems":{"items":{` + strings.Join(members, ",") + `}}}`
	}
	const versions = `"ProjectionExpression":"#pk, #sk, #o","ExpressionAttributeNames":{"#pk":"pk","#sk":"sk","#o":"_source_order"}`
	tests := []struct {
		name     string
		body     string
		wantFast bool
	}{
		{"whole items", body(keys("ORDER#ORD-00000001", "ORDER#missing", "ORDER#ORD-00000007")), true},
		{"loader's versions", body(`"ConsistentRead":true`, keys("ORDER#ORD-00000002", "ORDER#none"), versions), true},
		{"every kind of value, whole", body(keys("ORDER#x", "ORDER#y")), true},
		{"projected numbers", body(keys("ORDER#x", "ORDER#y"), `"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"n"}`), true},
		{"projected string with spaces and HTML", body(keys("ORDER#x"), `"ProjectionExpression":"#s, #b","ExpressionAttributeNames":{"#s":"s","#b":"ok"}`), true},
		{"projected list, map, set, null", body(keys("ORDER#x"), `"ProjectionExpression":"#l,#m,#ns,#z","ExpressionAttributeNames":{"#l":"l","#m":"m","#ns":"ns","#z":"z"}`), true},
		{"projected escaped name", body(keys("ORDER#y"), `"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"a\"b"}`), true},
		{"projection matching nothing", body(keys("ORDER#x"), `"ProjectionExpression":"#q","ExpressionAttributeNames":{"#q":"nope"}`), true},
		{"consistent read false, white space", " { \"RequestItems\" : { \"items\" : { \"ConsistentRead\" : false , " + keys("ORDER#x") + " } } } ", true},
		{"nothing found", body(keys("ORDER#a", "ORDER#b")), true},
		{"projection of a path", body(keys("ORDER#x"), `"ProjectionExpression":"#m.a","ExpressionAttributeNames":{"#m":"m"}`), false},
		{"projection of a bare name", body(keys("ORDER#x"), `"ProjectionExpression":"n"`), false},
		{"unused alias", body(keys("ORDER#x"), `"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"n","#q":"q"}`), false},
		{"names without projection", body(keys("ORDER#x"), `"ExpressionAttributeNames":{"#n":"n"}`), false},
		{"alias given twice", body(keys("ORDER#x"), `"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"n","#n":"s"}`), false},
		{"attributes to get", body(keys("ORDER#x"), `"AttributesToGet":["n"]`), false},
		{"key given twice", body(keys("ORDER#x", "ORDER#x")), false},
		{"empty key value", body(keys("")), false},
		{"key of another type", body(`"Keys":[{"pk":{"N":"1"},"sk":{"S":"ORDER"}}]`), false},
		{"key with more attributes", body(`"Keys":[{"pk":{"S":"a"},"sk":{"S":"ORDER"},"x":{"S":"1"}}]`), false},
		{"key missing its range", body(`"Keys":[{"pk":{"S":"a"}}]`), false},
		{"no keys", body(`"Keys":[]`), false},
		{"keys given twice", body(keys("ORDER#x"), keys("ORDER#y")), false},
		{"lower-case member", body(`"keys":[` + key("ORDER#x") + `]`), false},
		{"unknown table", `{"RequestItems":{"other":{` + keys("ORDER#x") + `}}}`, false},
		{"two tables", `{"RequestItems":{"items":{` + keys("ORDER#x") + `},"other":{` + keys("ORDER#x") + `}}}`, false},
		{"other member", `{"RequestItems":{"items":{` + keys("ORDER#x") + `}},"ReturnConsumedCapacity":"TOTAL"}`, false},
		{"trailing data", body(keys("ORDER#x")) + "x", false},
		{"truncated", body(keys("ORDER#x"))[:40], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkFastGetMatchesGeneral(t, s, []byte(tt.body)); got != tt.wantFast {
				t.Errorf("fast path answered: %v, want %v", got, tt.wantFast)
			}
		})
	}
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf("ORDER#ORD-%08d", i))
	}
	if checkFastGetMatchesGeneral(t, s, []byte(body(keys(many...)))) {
		t.Errorf("the fast path answered 101 keys")
	}
	if !checkFastGetMatchesGeneral(t, s, []byte(body(keys(many[:100]...)))) {
		t.Errorf("the fast path refused 100 keys")
	}
	if !checkFastGetMatchesGeneral(t, s, versionsRead(t, "items", 1, 100)) {
		t.Errorf("the fast path refused the loader's read")
	}
}

// FuzzFastGetMatchesGeneral mutates loader- and enricher-shaped reads:
// whatever the fast path answers, the general path answers the same way.
func FuzzFastGetMatchesGeneral(f *testing.F) {
	f.Add(versionsRead(f, "items", 1, 30))
	f.Add([]byte(`{"RequestItems":{"items":{"Keys":[{"pk":{"S":"ORDER#x"},"sk":{"S":"ORDER"}},{"pk":{"S":"ORDER#y"},"sk":{"S":"ORDER"}}]}}}`))
	f.Add([]byte(`{"RequestItems":{"items":{"Keys":[{"pk":{"S":"ORDER#x"},"sk":{"S":"ORDER"}}],"ProjectionExpression":"#n, #s,#l","ExpressionAttributeNames":{"#n":"n","#s":"s","#l":"l"}}}}`))
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10 {
		b := appendVersionsRead(nil, "items", []int{rng.IntN(30), 30 + rng.IntN(30)})
		f.Add(b)
	}
	s := openGetStore(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 64<<10 {
			return
		}
		checkFastGetMatchesGeneral(t, s, body)
	})
}
