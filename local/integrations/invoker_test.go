package integrations

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/local/dynamo"
	"github.com/sluicehq/sluice/local/s3emu"
)

type echoIn struct {
	Name string `json:"name"`
}

type echoOut struct {
	Greeting string `json:"greeting"`
}

// testInvoker returns an Invoker over an embedded S3 (with a bucket
// "data") and DynamoDB (with a table "items"), with a fault injected on the
// first two attempts of the state Flaky.
func testInvoker(t *testing.T) (*Invoker, *Outbox) {
	t.Helper()
	store, err := s3emu.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(s3emu.Handler(store))
	tables, err := dynamo.Open("", dynamo.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	ddb := httptest.NewServer(tables)
	t.Cleanup(func() { s3srv.Close(); ddb.Close(); store.Close(); tables.Close() })
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s3srv.URL), UsePathStyle: true, Credentials: creds,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		APIOptions: []func(*middleware.Stack) error{v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware}})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("data")}); err != nil {
		t.Fatal(err)
	}
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(ddb.URL), Credentials: creds})
	if _, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("items"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	flaky := func(state string, attempt int) error {
		if state == "Flaky" && attempt <= 1 {
			return &engine.LambdaError{ErrorType: "Lambda.ServiceException", ErrorMessage: "injected"}
		}
		return nil
	}
	out := NewOutbox("")
	inv := NewInvoker(InvokerConfig{
		Region: "us-east-1", Account: "000000000000",
		S3: c, DynamoDBEndpoint: ddb.URL, Outbox: out, Fault: flaky,
		Functions: []*FunctionSpec{
			{Name: "greet", ARN: "arn:aws:lambda:us-east-1:000000000000:function:greet", Fn: Handler(func(ctx context.Context, in echoIn) (echoOut, error) {
				if in.Name == "" {
					return echoOut{}, &fnerr.ValidationFailed{Reason: "no name"}
				}
				return echoOut{Greeting: "hello " + in.Name}, nil
			})},
			{Name: "slow", Timeout: 20 * time.Millisecond, Fn: Handler(func(ctx context.Context, in echoIn) (echoOut, error) {
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
