package packager_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	minidyn "github.com/truora/minidyn/server"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/platform/packager"
)

// serve serves h on a free 127.0.0.1 port until the test ends and returns
// its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// services are the AWS stand-ins the functions under the emulator talk to:
// gofakes3 and minidyn's DynamoDB server, both in this process on 127.0.0.1.
type services struct {
	s3URL, dynamoURL string
	s3               *s3.Client
	db               *dynamodb.Client
	// rules are the builtin datasets' rule patterns for the reconciler.
	rules string
}

func startServices(t testing.TB) *services {
	t.Helper()
	s := &services{
		s3URL:     serve(t, gofakes3.New(s3mem.New(), gofakes3.WithTimeSkewLimit(0)).Server()),
		dynamoURL: serve(t, minidyn.NewServer()),
	}
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	s.s3 = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.s3URL), UsePathStyle: true, Credentials: creds})
	s.db = dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.dynamoURL), Credentials: creds})
	rules := reconcile.Rules{}
	for _, d := range dataset.Builtin().All() {
		b, err := json.Marshal(routing.ForDataset("pipeline", d))
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		rules[d.Name] = p
	}
	enc, err := rules.Encode()
	if err != nil {
		t.Fatal(err)
	}
	s.rules = enc
	if _, err := s.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("pipeline")}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"items", "reference"} {
		_, err := s.db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
			TableName: aws.String(table),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			},
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			BillingMode: types.BillingModePayPerRequest,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String("ledger"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *services) put(t testing.TB, key, body string) {
	t.Helper()
	if _, err := s.s3.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("pipeline"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func (s *services) env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_S3=" + s.s3URL,
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.dynamoURL,
		"SLUICE_S3_PATH_STYLE=true",
		"SLUICE_TABLE_ITEMS=items",
		"SLUICE_TABLE_REFERENCE=reference",
		"SLUICE_DATASETS=orders,customers,readings,catalog",
		"SLUICE_REFERENCE_DATASETS=customers",
		"SLUICE_BUCKET=pipeline",
		"SLUICE_TABLE_LEDGER=ledger",
		"SLUICE_RECONCILE_RULES=" + s.rules,
		"SLUICE_RECONCILE_GRACE=0s",
	}
}

// emulator is one aws-lambda-rie process running one bootstrap.
type emulator struct {
	cmd *exec.Cmd
	url string
	log bytes.Buffer
}

func startEmulator(t testing.TB, rie, bootstrap string, env []string) *emulator {
	t.Helper()
	api, rieAddr := freePort(t), freePort(t)
	e := &emulator{url: "http://" + rieAddr + "/2015-03-31/functions/function/invocations"}
	e.cmd = exec.Command(rie, "--runtime-interface-emulator-address", rieAddr, "--runtime-api-address", api, bootstrap)
	e.cmd.Env = env
	e.cmd.Stdout, e.cmd.Stderr = &e.log, &e.log
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { e.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		e.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("emulator output:\n%s", e.log.String())
		}
	})
	// Ready when its port accepts connections while it still runs (an
	// emulator that could not bind exits; the port may then belong to
	// someone else).
	for i := 0; ; i++ {
		select {
		case <-exited:
			t.Fatalf("emulator exited: %s", e.log.String())
		default:
		}
		c, err := net.Dial("tcp", rieAddr)
		if err == nil {
			c.Close()
			return e
		}
		if i == 400 {
			t.Fatalf("emulator did not listen on %s: %v", rieAddr, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// invoke posts one event and returns the decoded response body. Invokes
// must not overlap: the emulator serves one at a time.
func (e *emulator) invoke(t testing.TB, event any) map[string]any {
	t.Helper()
	body, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke: HTTP %d: %s", resp.StatusCode, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("invoke: response %s: %v", data, err)
	}
	return out
}

// typedErrors are the fnerr type names a handler may report.
var typedErrors = map[string]bool{
	"ValidationFailed": true, "Retryable": true, "LoadIncomplete": true,
	"EnrichmentFailed": true, "ConfigError": true, "Internal": true,
}

// invocation is one event and what its response must show.
type invocation struct {
	name  string
	event any
	// wantErrorType is the errorType expected; "*" accepts any fnerr type
	// name; "" expects success.
	wantErrorType string
	check         func(t *testing.T, out map[string]any)
}

// TestFunctionsUnderEmulator builds each function for the host
// architecture, runs it under the Lambda Runtime Interface Emulator and
// invokes it with real events, proving the binaries start, reach S3 and
// DynamoDB through the standard endpoint variables, and report typed errors
// (errorType is the fnerr type name) end to end.
func TestFunctionsUnderEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds every function")
	}
	rie := os.Getenv("SLUICE_RIE")
	if rie == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLUICE_RIE is not set (scripts/setup.d/20-rie.sh installs the emulator)")
		}
		t.Skip("SLUICE_RIE is not set; run scripts/test.sh or scripts/setup.d/20-rie.sh")
	}
	root := moduleRoot(t)
	svc := startServices(t)
	cases := invocations(t, svc)
	out := t.TempDir()
	for _, fn := range functions(t, root) {
		t.Run(fn, func(t *testing.T) {
			built := time.Now()
			bin, err := packager.Binary(t.Context(), root, fn, out, packager.Options{GOARCH: runtime.GOARCH})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("built in %v", time.Since(built))
			// The real binary records its AWS calls (main attaches
			// awsapi.RecordFromEnv): checked below.
			record := filepath.Join(out, fn+".calls.jsonl")
			em := startEmulator(t, rie, bin, append(svc.env(), awsapi.EnvRecordCalls+"="+record))
			calls, ok := cases[fn]
			if !ok {
				// Another engineer's function: an event for a dataset that
				// does not exist must come back as a typed error.
				calls = []invocation{{name: "unknown dataset", wantErrorType: "*",
					event: contract.FileEvent{Dataset: "no-such-dataset", Bucket: "pipeline", Key: "incoming/x.csv", Size: 1}}}
			}
			for _, c := range calls {
				start := time.Now()
				got := em.invoke(t, c.event)
				t.Logf("%s: %v", c.name, time.Since(start))
				errType, _ := got["errorType"].(string)
				switch {
				case c.wantErrorType == "" && errType != "":
					t.Errorf("%s: error %s: %v", c.name, errType, got["errorMessage"])
				case c.wantErrorType == "*" && !typedErrors[errType]:
					t.Errorf("%s: errorType %q is not an fnerr type (response %v)", c.name, errType, got)
				case c.wantErrorType != "" && c.wantErrorType != "*" && errType != c.wantErrorType:
					t.Errorf("%s: errorType %q, want %q (response %v)", c.name, errType, c.wantErrorType, got)
				case c.check != nil:
					c.check(t, got)
				}
			}
			if ok {
				checkRecorded(t, fn, record)
			}
			if fn == "load" {
				// S3 unreachable: the SDK's retries fail, the handler
				// reports Retryable so the workflow retries the state.
				env := append(svc.env(), "AWS_ENDPOINT_URL_S3=http://"+freePort(t), "AWS_MAX_ATTEMPTS=2")
				down := startEmulator(t, rie, bin, env)
				got := down.invoke(t, cases["load"][0].event)
				if got["errorType"] != "Retryable" {
					t.Errorf("S3 unreachable: errorType %v, want Retryable (response %v)", got["errorType"], got)
				}
			}
		})
	}
}

// invocations stages what the functions read and returns the events each
// function of this package's owner is invoked with.
func invocations(t testing.TB, svc *services) map[string][]invocation {
	src := contract.Object{Bucket: "pipeline", Key: "incoming/orders/o.csv"}
	svc.put(t, src.Key, "order_id,...\n")
	chunk := contract.Chunk{Dataset: "orders", Bucket: "pipeline", Key: contract.ChunkKey("orders", src, "enriched", 0), Records: 2, Source: src}
	svc.put(t, chunk.Key, `{"pk":"ORDER#1","sk":"ORDER","order_id":"1","total":2.50}`+"\n"+
		`{"pk":"ORDER#2","sk":"ORDER","order_id":"2","total":7.00}`+"\n")
	unknown := chunk
	unknown.Dataset = "no-such-dataset"
	missing := chunk
	missing.Key = "staging/orders/missing.jsonl"
	// enrich: a transformed chunk of two orders, one of a known customer.
	if _, err := svc.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("reference"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "CUSTOMER#C1"}, "sk": &types.AttributeValueMemberS{Value: "CUSTOMER"},
		"name": &types.AttributeValueMemberS{Value: "Ada"}, "segment": &types.AttributeValueMemberS{Value: "VIP"},
	}}); err != nil {
		t.Fatal(err)
	}
	transformed := chunk
	transformed.Key = contract.ChunkKey("orders", src, "transformed", 0)
	svc.put(t, transformed.Key,
		`{"pk":"ORDER#1","sk":"ORDER","order_id":"1","customer_id":"C1","quantity":3,"unit_price":19.99,"_line":2}`+"\n"+
			`{"pk":"ORDER#2","sk":"ORDER","order_id":"2","customer_id":"C9","quantity":2,"unit_price":0.25,"_line":3}`+"\n")
	unknownEnrich := transformed
	unknownEnrich.Dataset = "no-such-dataset"
	return map[string][]invocation{
		"reconcile": {
			// The bucket is not versioned, the grace period zero: the
			// incoming order file, which no execution claimed, is
			// unaccounted; the staged chunks are the pipeline's own.
			{name: "scheduled event", event: map[string]any{"id": "e1", "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-26T10:00:00Z"},
				check: func(t *testing.T, out map[string]any) {
					files, _ := out["unaccounted"].([]any)
					if out["complete"] != true || out["checked"] != 1.0 || len(files) != 1 {
						t.Fatalf("reconcile output %v, want one file checked and unaccounted", out)
					}
					f := files[0].(map[string]any)
					if f["key"] != src.Key || f["versionId"] != "null" || f["dataset"] != "orders" || f["reason"] != "NoExecution" {
						t.Errorf("unaccounted %v", f)
					}
				}},
		},
		"enrich": {
			{name: "chunk", event: transformed, check: func(t *testing.T, out map[string]any) {
				want := contract.ChunkKey("orders", src, "enriched", 0)
				if out["key"] != want || out["records"] != 2.0 {
					t.Errorf("enrich output %v, want key %s and 2 records", out, want)
				}
				obj, err := svc.s3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("pipeline"), Key: aws.String(want)})
				if err != nil {
					t.Fatal(err)
				}
				defer obj.Body.Close()
				data, _ := io.ReadAll(obj.Body)
				for _, frag := range []string{`"customer_name":"Ada"`, `"total":59.97`, `"customer_missing":true`, `"total":0.50`, `"_source_key":"incoming/orders/o.csv"`} {
					if !strings.Contains(string(data), frag) {
						t.Errorf("enriched chunk lacks %s:\n%s", frag, data)
					}
				}
			}},
			{name: "unknown dataset", event: unknownEnrich, wantErrorType: "ConfigError"},
		},
		"load": {
			{name: "chunk", event: chunk, check: func(t *testing.T, out map[string]any) {
				if out["written"] != 2.0 || out["stale"] != 0.0 || out["key"] != chunk.Key {
					t.Errorf("load output %v, want 2 written", out)
				}
				n, err := svc.db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String("items")})
				if err != nil || n.Count != 2 {
					t.Errorf("items table: %v items, %v; want 2", n.Count, err)
				}
			}},
			{name: "unknown dataset", event: unknown, wantErrorType: "ConfigError"},
			{name: "missing chunk", event: missing, wantErrorType: "Internal"},
		},
	}
}

// checkRecorded reads the calls a function's binary recorded and checks
// that there are some, each as that function and mapped to an IAM action.
func checkRecorded(t *testing.T, fn, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s recorded no call: %v", fn, err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var c awsapi.Call
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if c.Principal != fn || c.Action == "" || c.Unmapped != "" || !strings.HasPrefix(c.Resource, "arn:aws:") {
			t.Errorf("%s recorded %+v", fn, c)
		}
		n++
	}
	if n == 0 {
		t.Errorf("%s recorded no call", fn)
	}
}
