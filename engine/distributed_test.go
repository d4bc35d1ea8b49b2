package engine_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/engine"
)

// memStore is an in-memory engine.ObjectStore.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
}

func newMemStore(objs map[string]string) *memStore {
	s := &memStore{objects: map[string][]byte{}}
	for k, v := range objs {
		s.objects[k] = []byte(v)
	}
	return s
}

func (s *memStore) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: %s/%s", bucket, key)
	}
	return b, nil
}

func (s *memStore) ListObjects(_ context.Context, bucket, prefix string) ([]engine.ObjectInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []engine.ObjectInfo
	for k, v := range s.objects {
		if key, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(key, prefix) {
			out = append(out, engine.ObjectInfo{Key: key, Size: int64(len(v)), ETag: `"e"`, LastModified: epoch})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *memStore) PutObject(_ context.Context, bucket, key string, body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[bucket+"/"+key] = body
	return nil
}

func distributed(reader, extra string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":` + reader + extra + `,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
}

func TestDistributedMap(t *testing.T) {
	t.Parallel()
	store := newMemStore(map[string]string{
		"b/in/data.csv":   "id,name\n1,a\n2,b\n",
		"b/in/data.json":  `[{"id":1},{"id":2},{"id":3}]`,
		"b/in/data.jsonl": "{\"id\":1}\n{\"id\":2}\n",
		"b/raw/x.csv":     "1;a\n",
	})
	tests := []struct {
		name, def string
		want      string
	}{
		{"csv first row", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"b","Key":"in/data.csv"}}`, ""),
			`[{"id":"1","name":"a"},{"id":"2","name":"b"}]`},
		{"csv given headers", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["n","s"],"CSVDelimiter":"SEMICOLON"},"Parameters":{"Bucket":"b","Key":"raw/x.csv"}}`, ""),
			`[{"n":"1","s":"a"}]`},
		{"json max items", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItems":2},"Parameters":{"Bucket":"b","Key":"in/data.json"}}`, ""),
			`[{"id":1},{"id":2}]`},
		{"jsonl batched", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"Bucket":"b","Key":"in/data.jsonl"}}`, `,"ItemBatcher":{"MaxItemsPerBatch":5,"BatchInput":{"k":1}}`),
			`[{"BatchInput":{"k":1},"Items":[{"id":1},{"id":2}]}]`},
		{"selector then batches of one", distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Parameters":{"Bucket":"b","Key":"in/data.jsonl"}}`,
			`,"ItemSelector":{"i.$":"$$.Map.Item.Index"},"ItemBatcher":{"MaxItemsPerBatch":1}`),
			`[{"Items":[{"i":0}]},{"Items":[{"i":1}]}]`},
		{"listing", distributed(`{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b","Prefix":"raw/"}}`, `,"ItemSelector":{"key.$":"$$.Map.Item.Value.Key"}`),
			`[{"key":"raw/x.csv"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, tt.def, `{}`, engine.WithObjectStore(store))
			if res.Status != engine.StatusSucceeded {
				t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
			}
			if diff := cmp.Diff(mustJSON(t, tt.want), res.Output); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDistributedMapResultWriter(t *testing.T) {
	t.Parallel()
	store := newMemStore(map[string]string{"b/in.json": `[1,2]`})
	def := distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"in.json"}}`,
		`,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"out"}}`)
	res := run(t, def, `{}`, engine.WithObjectStore(store))
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	details := res.Output.(map[string]any)["ResultWriterDetails"].(map[string]any)
	key := details["Key"].(string)
	man, err := store.GetObject(context.Background(), "b", key)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	var m struct {
		ResultFiles struct {
			SUCCEEDED []struct{ Key string }
		}
	}
	if err := json.Unmarshal(man, &m); err != nil || len(m.ResultFiles.SUCCEEDED) != 1 {
		t.Fatalf("manifest %s: %v", man, err)
	}
	body, err := store.GetObject(context.Background(), "b", m.ResultFiles.SUCCEEDED[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	var results []struct{ Output, Status string }
	if err := json.Unmarshal(body, &results); err != nil {
		t.Fatal(err)
	}
	want := []struct{ Output, Status string }{{"1", "SUCCEEDED"}, {"2", "SUCCEEDED"}}
	if diff := cmp.Diff(want, results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestDistributedMapReaderFailure(t *testing.T) {
	t.Parallel()
	def := distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"missing.json"}}`, "")
	res := runWith(t, def, `{}`, []engine.Option{engine.WithObjectStore(newMemStore(nil))}, engine.WithClock(engine.NewVirtualClock(time.Unix(0, 0))))
	if res.Status != engine.StatusFailed || res.Error != "States.ItemReaderFailed" {
		t.Errorf("got %s %s %s, want FAILED States.ItemReaderFailed", res.Status, res.Error, res.Cause)
	}
}

func TestDistributedMapManifest(t *testing.T) {
	t.Parallel()
	var gz strings.Builder
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("\"inv\",\"a.csv\",\"10\"\n\"inv\",\"b.csv\",\"20\"\n"))
	_ = zw.Close()
	store := newMemStore(map[string]string{
		"inv/manifest.json": `{"destinationBucket":"arn:aws:s3:::inv","fileSchema":"Bucket, Key, Size","files":[{"key":"data/1.csv.gz"}]}`,
		"inv/data/1.csv.gz": gz.String(),
	})
	def := distributed(`{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"MANIFEST","ManifestType":"S3_INVENTORY"},"Parameters":{"Bucket":"inv","Key":"manifest.json"}}`, "")
	res := run(t, def, `{}`, engine.WithObjectStore(store))
	want := mustJSON(t, `[{"Bucket":"inv","Key":"a.csv","Size":"10"},{"Bucket":"inv","Key":"b.csv","Size":"20"}]`)
	if diff := cmp.Diff(want, res.Output); diff != "" {
		t.Errorf("output (-want +got):\n%s (%s %s)", diff, res.Error, res.Cause)
	}
}

func TestDistributedMapChildContext(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"outer":1},"Next":"M"},
		"M":{"Type":"Map","Label":"Rows","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{
			"P":{"Type":"Pass","Parameters":{"input.$":"$$.Execution.Input","id.$":"$$.Execution.Id","execution.$":"$$.Execution"},"End":true}}},"End":true}}}`
	res := run(t, def, `[{"n":1}]`)
	if res.Status != engine.StatusSucceeded {
		t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
	}
	got := res.Output.([]any)[0].(map[string]any)
	if diff := cmp.Diff(mustJSON(t, `{"n":1}`), got["input"]); diff != "" {
		t.Errorf("child $$.Execution.Input (-want +got):\n%s", diff)
	}
	// An Express child's ARN names the express resource type, which is
	// how the pipeline tells an Express claim owner (not describable)
	// from a Standard one.
	if id, _ := got["id"].(string); !strings.HasPrefix(id, "arn:aws:states:us-east-1:123456789012:express:StateMachine/Rows:") {
		t.Errorf("Express child $$.Execution.Id = %q, want arn:aws:states:...:express:StateMachine/Rows:...", id)
	}
	if _, ok := got["execution"].(map[string]any)["RedriveCount"]; ok {
		t.Errorf("Express child $$.Execution has RedriveCount (Express executions cannot be redriven): %v", got["execution"])
	}
}

// TestDistributedMapExpressChildLimit checks the five minutes an Express
// child may run: a child that waits, or retries, past them fails with
// States.Timeout, which its own Catch does not handle (the execution has
// ended), while a Standard child doing the same succeeds.
func TestDistributedMapExpressChildLimit(t *testing.T) {
	t.Parallel()
	machine := func(typ, child string) string {
		return `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":100,"ItemsPath":"$.items","ResultPath":"$.out","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + typ + `"},` + child + `},"End":true}}}`
	}
	wait := func(seconds int) string {
		return fmt.Sprintf(`"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":%d,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}`, seconds)
	}
	// A task failing every time, retried with growing waits (1+2+4+...
	// past 300 s), caught into Caught.
	retried := `"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fail","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":6}],` +
		`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","Result":"caught","End":true}}`
	fail := engine.WithInvoker(engine.InvokerFunc(func(context.Context, engine.TaskRequest) (any, error) {
		return nil, &engine.TaskError{Name: "Boom", Cause: "always"}
	}))
	tests := []struct {
		name, def string
		want      any
	}{
		{"express child within five minutes", machine("EXPRESS", wait(299)), "done"},
		{"express child past five minutes", machine("EXPRESS", wait(301)), map[string]any{"Error": "States.Timeout", "Cause": "The Express child execution exceeded its maximum duration of 5m0s."}},
		{"standard child past five minutes", machine("STANDARD", wait(301)), "done"},
		{"express child retrying past five minutes is not caught", machine("EXPRESS", retried), map[string]any{"Error": "States.Timeout", "Cause": "The Express child execution exceeded its maximum duration of 5m0s."}},
		{"standard child retrying past five minutes is caught", machine("STANDARD", retried), "caught"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, tt.def, `{"items":[1]}`, fail)
			if res.Status != engine.StatusSucceeded {
				t.Fatalf("%s %s %s", res.Status, res.Error, res.Cause)
			}
			got := res.Output.(map[string]any)["out"].([]any)[0]
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("child result (-want +got):\n%s", d)
			}
		})
	}
}
