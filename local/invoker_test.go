package local

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/fnerr"
)

type echoIn struct {
	Name string `json:"name"`
}

type echoOut struct {
	Greeting string `json:"greeting"`
}

func testInvoker(t *testing.T) (*Invoker, *Outbox) {
	t.Helper()
	store, err := OpenObjectStore(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s3srv, err := ServeS3(store)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := OpenTableStore("", TableFaults{})
	if err != nil {
		t.Fatal(err)
	}
	ddb, err := ServeDynamoDB(tables)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s3srv.Close(); ddb.Close(); store.Close() })
	c := NewS3Client(s3srv.URL)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	createItems(t, NewDynamoDBClient(ddb.URL))
	faults, err := ParseFaults([]string{"task:Flaky@0-1=Lambda.ServiceException"})
	if err != nil {
		t.Fatal(err)
	}
	out := NewOutbox("")
	inv := NewInvoker(InvokerConfig{
		S3: c, DynamoDBEndpoint: ddb.URL, Outbox: out, Faults: faults,
		Functions: []*FunctionSpec{
			{Name: "greet", ARN: "arn:aws:lambda:us-east-1:000000000000:function:greet", Fn: engine.Handler(func(ctx context.Context, in echoIn) (echoOut, error) {
				if in.Name == "" {
					return echoOut{}, &fnerr.ValidationFailed{Reason: "no name"}
				}
				return echoOut{Greeting: "hello " + in.Name}, nil
			})},
			{Name: "slow", Timeout: 20 * time.Millisecond, Fn: engine.Handler(func(ctx context.Context, in echoIn) (echoOut, error) {
				<-ctx.Done()
				return echoOut{}, ctx.Err()
			})},
		},
	})
	return inv, out
}

func TestInvokerLambda(t *testing.T) {
	inv, _ := testInvoker(t)
	ctx := context.Background()
	env, err := inv.Invoke(ctx, engine.TaskRequest{State: "Greet", Resource: "arn:aws:states:::lambda:invoke",
		Input: map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:greet:$LATEST", "Payload": map[string]any{"name": "ada"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := env.(map[string]any)
	if got := m["Payload"].(map[string]any)["greeting"]; got != "hello ada" || m["StatusCode"] == nil || m["ExecutedVersion"] != "$LATEST" {
		t.Errorf("envelope = %v", m)
	}
	bare, err := inv.Invoke(ctx, engine.TaskRequest{State: "Greet", Resource: "arn:aws:lambda:us-east-1:000000000000:function:greet", Input: map[string]any{"name": "bo"}})
	if err != nil || bare.(map[string]any)["greeting"] != "hello bo" {
		t.Errorf("bare = %v, %v", bare, err)
	}
	_, err = inv.Invoke(ctx, engine.TaskRequest{State: "Greet", Resource: "arn:aws:lambda:us-east-1:000000000000:function:greet", Input: map[string]any{}})
	var le *engine.LambdaError
	if !errors.As(err, &le) || le.ErrorType != "ValidationFailed" {
		t.Errorf("typed error: got %v, want errorType ValidationFailed", err)
	}
	_, err = inv.Invoke(ctx, engine.TaskRequest{State: "Slow", Resource: "arn:aws:lambda:us-east-1:000000000000:function:slow", Input: map[string]any{}})
	if !errors.As(err, &le) || le.ErrorType != "Sandbox.Timedout" {
		t.Errorf("timeout: got %v", err)
	}
	_, err = inv.Invoke(ctx, engine.TaskRequest{State: "Nope", Resource: "arn:aws:lambda:us-east-1:000000000000:function:nope", Input: map[string]any{}})
	var te *engine.TaskError
	if !errors.As(err, &te) || te.Name != "Lambda.ResourceNotFoundException" {
		t.Errorf("missing function: got %v", err)
	}
}

func TestInvokerFaults(t *testing.T) {
	inv, _ := testInvoker(t)
	for attempt, wantErr := range []bool{true, true, false} {
		_, err := inv.Invoke(context.Background(), engine.TaskRequest{State: "Flaky", Attempt: attempt,
			Resource: "arn:aws:lambda:us-east-1:000000000000:function:greet", Input: map[string]any{"name": "x"}})
		var le *engine.LambdaError
		if got := errors.As(err, &le) && le.ErrorType == "Lambda.ServiceException"; got != wantErr {
			t.Errorf("attempt %d: injected=%v, want %v (err %v)", attempt, got, wantErr, err)
		}
	}
	for _, bad := range []string{"task:=X", "task:A@x=Y", "ddb:throttle=2", "what=1", "novalue"} {
		if _, err := ParseFaults([]string{bad}); err == nil {
			t.Errorf("ParseFaults(%q): want an error", bad)
		}
	}
}

func TestInvokerIntegrations(t *testing.T) {
	inv, out := testInvoker(t)
	ctx := context.Background()
	claim := map[string]any{"TableName": "items", "Item": map[string]any{"pk": map[string]any{"S": "FILE#a"}}, "ConditionExpression": "attribute_not_exists(pk)"}
	if _, err := inv.Invoke(ctx, engine.TaskRequest{State: "Claim", Resource: "arn:aws:states:::dynamodb:putItem", Input: claim}); err != nil {
		t.Fatal(err)
	}
	_, err := inv.Invoke(ctx, engine.TaskRequest{State: "Claim", Resource: "arn:aws:states:::dynamodb:putItem", Input: claim})
	var te *engine.TaskError
	if !errors.As(err, &te) || te.Name != "DynamoDB.ConditionalCheckFailedException" {
		t.Fatalf("second claim: got %v, want DynamoDB.ConditionalCheckFailedException", err)
	}
	got, err := inv.Invoke(ctx, engine.TaskRequest{State: "Get", Resource: "arn:aws:states:::dynamodb:getItem",
		Input: map[string]any{"TableName": "items", "Key": map[string]any{"pk": map[string]any{"S": "FILE#a"}}}})
	if err != nil || !strings.Contains(compact(got), `"FILE#a"`) {
		t.Errorf("getItem = %v, %v", compact(got), err)
	}
	if _, err := inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("incoming/a.csv"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(ctx, engine.TaskRequest{State: "Quarantine", Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
		Input: map[string]any{"Bucket": "data", "Key": "quarantine/a.csv", "CopySource": "data/incoming/a.csv"}}); err != nil {
		t.Fatal(err)
	}
	spaced, err := inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("incoming/a b+c.csv"), Body: strings.NewReader("y")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Invoke(ctx, engine.TaskRequest{State: "Quarantine", Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
		Input: map[string]any{"Bucket": "data", "Key": "quarantine/a b+c.csv", "CopySource": "data/incoming/a%20b%2Bc.csv?versionId=" + aws.ToString(spaced.VersionId)}}); err != nil {
		t.Fatalf("URL-encoded versioned CopySource: %v", err)
	}
	_, err = inv.Invoke(ctx, engine.TaskRequest{State: "Quarantine", Resource: "arn:aws:states:::aws-sdk:s3:copyObject",
		Input: map[string]any{"Bucket": "data", "Key": "q/b", "CopySource": "data/nope"}})
	if !errors.As(err, &te) || !strings.HasPrefix(te.Name, "S3.") {
		t.Errorf("copy of a missing object: got %v", err)
	}
	if _, err := inv.Invoke(ctx, engine.TaskRequest{State: "Notify", Resource: "arn:aws:states:::sns:publish", Input: map[string]any{"Message": "hi"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(out.Entries()); n != 1 {
		t.Errorf("outbox has %d entries, want 1", n)
	}
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
