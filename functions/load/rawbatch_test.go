package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
)

// versionServer is a DynamoDB endpoint answering BatchGetItem from a fixed
// table of source orders by pk; a key in throttle comes back in
// UnprocessedKeys the first time it is asked for. It records the bodies.
type versionServer struct {
	orders   map[string]string
	mu       sync.Mutex
	throttle map[string]bool
	bodies   [][]byte
}

func (s *versionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var in struct {
		RequestItems map[string]struct {
			Keys []map[string]struct{ S string }
		}
	}
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".BatchGetItem") || json.Unmarshal(b, &in) != nil {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, b)
	var items, unprocessed []string
	for _, k := range in.RequestItems[testTable].Keys {
		pk, sk := k[AttrPK].S, k[AttrSK].S
		key := fmt.Sprintf(`{"pk":{"S":%q},"sk":{"S":%q}`, pk, sk)
		switch o, ok := s.orders[pk]; {
		case s.throttle[pk]:
			delete(s.throttle, pk)
			unprocessed = append(unprocessed, key+"}")
		case ok:
			items = append(items, key+fmt.Sprintf(`,"_source_order":{"S":%q}}`, o))
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	fmt.Fprintf(w, `{"Responses":{%q:[%s]},"UnprocessedKeys":{`, testTable, strings.Join(items, ","))
	if len(unprocessed) > 0 {
		fmt.Fprintf(w, `%q:{"Keys":[%s]}`, testTable, strings.Join(unprocessed, ","))
	}
	fmt.Fprint(w, "}}")
}

// sdkOnly hides the SDK client's type from the writer, which then lets the
// SDK serialize its requests.
type sdkOnly struct{ *dynamodb.Client }

// TestRawBatchGetMatchesSDK reads the same keys' versions through the SDK's
// client twice, once with the SDK serializing the BatchGetItem and once
// with the loader's own body (rawBatchGet): the server receives the same
// requests (JSON-equal bodies, the retry of UnprocessedKeys included), and
// both reads find the same orders.
func TestRawBatchGetMatchesSDK(t *testing.T) {
	t.Parallel()
	recs := []*record{
		{pk: `P#1 "é<&>` + "\u2028", sk: "#"},
		{pk: "P#2", sk: "#"},
		{pk: "P#3", sk: "x\ty"},
	}
	read := func(raw bool) (*versionServer, map[recordKey]string, map[recordKey]bool) {
		s := &versionServer{orders: map[string]string{recs[0].pk: "o0", "P#3": "o9"}, throttle: map[string]bool{"P#3": true}}
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
			Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
		var db DB = sdkOnly{c}
		if raw {
			db = c
		}
		clock := newFakeClock()
		w := &writer{db: db, table: testTable, order: "o5", clock: clock, deadline: clock.Now().Add(time.Minute), rnd: maxRand}
		orders, unread, err := w.readOrders(t.Context(), recs)
		if err != nil {
			t.Fatal(err)
		}
		return s, orders, unread
	}
	sdk, sdkOrders, sdkUnread := read(false)
	raw, rawOrders, rawUnread := read(true)

	want := map[recordKey]string{recs[0].key(): "o0", recs[2].key(): "o9"}
	for name, got := range map[string]map[recordKey]string{"sdk": sdkOrders, "raw": rawOrders} {
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(recordKey{})); diff != "" {
			t.Errorf("%s orders (-want +got):\n%s", name, diff)
		}
	}
	if len(sdkUnread)+len(rawUnread) > 0 {
		t.Errorf("unread: sdk %v, raw %v", sdkUnread, rawUnread)
	}
	if len(sdk.bodies) != 2 || len(raw.bodies) != 2 {
		t.Fatalf("requests: sdk %d, raw %d; want 2 each (the second for UnprocessedKeys)", len(sdk.bodies), len(raw.bodies))
	}
	for i := range sdk.bodies {
		var s, r any
		if err := json.Unmarshal(sdk.bodies[i], &s); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw.bodies[i], &r); err != nil {
			t.Fatalf("raw body %d: %v: %s", i, err, raw.bodies[i])
		}
		if diff := cmp.Diff(s, r); diff != "" {
			t.Errorf("request %d body (-SDK +raw):\n%s", i, diff)
		}
	}
	// The body is the loader's own text, not the SDK's: its names sorted,
	// where the SDK writes them in map order (so this also fails, most
	// runs, if the raw path silently falls back to the SDK serializer).
	wantRaw := `{"RequestItems":{"items":{"ConsistentRead":true,"ExpressionAttributeNames":{"#o":"_source_order","#pk":"pk","#sk":"sk"},` +
		`"Keys":[{"pk":{"S":"P#1 \"é<&>\u2028"},"sk":{"S":"#"}},{"pk":{"S":"P#2"},"sk":{"S":"#"}},{"pk":{"S":"P#3"},"sk":{"S":"x\ty"}}],` +
		`"ProjectionExpression":"#pk, #sk, #o"}}}`
	if string(raw.bodies[0]) != wantRaw {
		t.Errorf("raw body =\n%s\nwant\n%s", raw.bodies[0], wantRaw)
	}
	if !bytes.Contains(raw.bodies[1], []byte(`"P#3"`)) || bytes.Contains(raw.bodies[1], []byte(`"P#2"`)) {
		t.Errorf("retry body = %s, want only P#3's key", raw.bodies[1])
	}
}
