package load

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/fnerr"
)

// scriptedDynamo is an aws.HTTPClient standing for DynamoDB: the first
// fail requests of operation op fail as scripted (an error answer, or a
// transport error when netErr is set); every other request succeeds. The
// version read finds the item of every key with source order "o0" when
// older is set (the records then go out as conditional PutItems), none
// otherwise. It counts the requests of each operation.
type scriptedDynamo struct {
	op     string
	fail   int
	status int
	code   string
	// date is the failing answer's Date header (none when zero).
	date   time.Time
	netErr error
	older  bool

	mu       sync.Mutex
	requests map[string]int
}

func (s *scriptedDynamo) Do(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	s.mu.Lock()
	s.requests[op]++
	n := s.requests[op]
	s.mu.Unlock()
	h := http.Header{"Content-Type": {"application/x-amz-json-1.0"}}
	answer := func(status int, body string) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)), Request: r}, nil
	}
	if op == s.op && n <= s.fail {
		if s.netErr != nil {
			return nil, s.netErr
		}
		if !s.date.IsZero() {
			h.Set("Date", s.date.UTC().Format(http.TimeFormat))
		}
		return answer(s.status, fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"scripted"}`, s.code))
	}
	switch op {
	case "BatchGetItem":
		var items []string
		if s.older {
			// The keys of the request, each found with order o0.
			for _, k := range strings.Split(string(body), `{"pk":`)[1:] {
				key := k[:strings.Index(k, "}}")+2]
				items = append(items, `{"pk":`+key[:len(key)-1]+`,"_source_order":{"S":"o0"}}`)
			}
		}
		return answer(200, fmt.Sprintf(`{"Responses":{%q:[%s]},"UnprocessedKeys":{}}`, testTable, strings.Join(items, ",")))
	case "BatchWriteItem":
		return answer(200, `{"UnprocessedItems":{}}`)
	case "PutItem":
		return answer(200, `{}`)
	}
	return answer(400, `{"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException"}`)
}

// TestLoaderOwnsRetries sends the loader's requests through the SDK's
// client as deployed (dynamodb.New with its default retryer) to a DynamoDB
// that fails some of them: every transient failure is retried by the
// loader alone (one request per loader attempt, each retry after one of
// the loader's backoffs, none by the SDK; a write retried reads the
// version again), and every other failure stops the load after a single
// request.
func TestLoaderOwnsRetries(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name     string
		db       *scriptedDynamo
		wantReqs map[string]int
		// wantNaps is the number of the loader's backoffs.
		wantNaps int
		// wantErr is the surfaced error's type, "" for a load that
		// wrote the record.
		wantErr string
	}{
		{
			name:     "throttled writes",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 3, status: 400, code: "ThrottlingException"},
			wantReqs: map[string]int{"BatchGetItem": 4, "BatchWriteItem": 4},
			wantNaps: 3,
		},
		{
			name:     "throughput exceeded on the version read",
			db:       &scriptedDynamo{op: "BatchGetItem", fail: 2, status: 400, code: "ProvisionedThroughputExceededException"},
			wantReqs: map[string]int{"BatchGetItem": 3, "BatchWriteItem": 1},
			wantNaps: 2,
		},
		{
			name:     "internal server error on a conditional put",
			db:       &scriptedDynamo{op: "PutItem", fail: 2, status: 500, code: "InternalServerError", older: true},
			wantReqs: map[string]int{"BatchGetItem": 1, "PutItem": 3},
			wantNaps: 2,
		},
		{
			name:     "service unavailable",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 1, status: 503, code: "ServiceUnavailable"},
			wantReqs: map[string]int{"BatchGetItem": 2, "BatchWriteItem": 2},
			wantNaps: 1,
		},
		{
			name:     "connection reset",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 2, netErr: reset},
			wantReqs: map[string]int{"BatchGetItem": 3, "BatchWriteItem": 3},
			wantNaps: 2,
		},
		{
			// The SDK classifies it as clock skew (the answer's Date
			// is an hour ahead) and corrects its offset: retried.
			name:     "access denied from a skewed clock",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 1, status: 400, code: "AccessDeniedException", date: time.Now().Add(time.Hour)},
			wantReqs: map[string]int{"BatchGetItem": 2, "BatchWriteItem": 2},
			wantNaps: 1,
		},
		{
			name:     "access denied",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 1, status: 400, code: "AccessDeniedException", date: time.Now()},
			wantReqs: map[string]int{"BatchGetItem": 1, "BatchWriteItem": 1},
			wantErr:  "ConfigError",
		},
		{
			name:     "missing table",
			db:       &scriptedDynamo{op: "BatchGetItem", fail: 1, status: 400, code: "ResourceNotFoundException"},
			wantReqs: map[string]int{"BatchGetItem": 1},
			wantErr:  "ConfigError",
		},
		{
			name:     "invalid request",
			db:       &scriptedDynamo{op: "BatchWriteItem", fail: 1, status: 400, code: "ValidationException"},
			wantReqs: map[string]int{"BatchGetItem": 1, "BatchWriteItem": 1},
			wantErr:  "Internal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := tt.db
			fake.requests = map[string]int{}
			db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""), HTTPClient: fake})
			clock := newFakeClock()
			w := newWriter(db, clock, "o1")
			got, err := w.write(t.Context(), source(manyRecords(1, "o1")))
			if name := fnerr.NameOf(fnerr.Surface(err)); err != nil && name != tt.wantErr || err == nil && tt.wantErr != "" {
				t.Errorf("error %v surfaced as %q, want %q", err, name, tt.wantErr)
			}
			if tt.wantErr == "" && got != (counts{written: 1}) {
				t.Errorf("counts %+v, want the record written", got)
			}
			if diff := cmp.Diff(tt.wantReqs, fake.requests); diff != "" {
				t.Errorf("requests per operation (-want +got):\n%s", diff)
			}
			if clock.naps != tt.wantNaps {
				t.Errorf("the loader backed off %d times, want %d", clock.naps, tt.wantNaps)
			}
		})
	}
}
