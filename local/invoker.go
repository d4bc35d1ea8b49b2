package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
)

// Invoker runs the Task states of the pipeline locally: Lambda functions
// in-process (through the lambda:invoke envelope or a plain function ARN),
// the DynamoDB integration against the local (or an external) DynamoDB
// endpoint over its JSON protocol, S3 SDK integrations through the real S3
// client, and SNS and EventBridge publications into an outbox file.
//
// It is safe for concurrent use.
type Invoker struct {
	lambda  *engine.Lambda
	s3      *s3.Client
	ddbURL  string
	http    *http.Client
	outbox  *Outbox
	faults  *Faults
	observe func(TaskEvent)
	calls   *awsapi.CallLog
	status  func(arn string) (string, bool)
}

// TaskEvent reports one task attempt to an observer (the timeline).
type TaskEvent struct {
	State    string
	Resource string
	Attempt  int
	Start    time.Time
	Duration time.Duration
	Err      error
	Output   any
}

// InvokerConfig configures NewInvoker.
type InvokerConfig struct {
	// Functions are the in-process Lambda functions.
	Functions []*FunctionSpec
	// S3 is the client S3 SDK integrations use.
	S3 *s3.Client
	// DynamoDBEndpoint is the base URL of the DynamoDB endpoint.
	DynamoDBEndpoint string
	// Outbox records SNS and EventBridge publications.
	Outbox *Outbox
	// Faults injects task failures. Default: none.
	Faults *Faults
	// Observe, when set, is called after every task attempt.
	Observe func(TaskEvent)
	// Calls, when set, records the calls the state machine's role makes
	// for the tasks that are not SDK calls here (Lambda invokes, the
	// DynamoDB, SNS and EventBridge integrations) as awsapi.StateMachine;
	// give S3 a client recording as awsapi.StateMachine too.
	Calls *awsapi.CallLog
	// ExecutionStatus answers the sfn DescribeExecution SDK integration:
	// the status of the execution with that ARN, false for one the
	// runtime does not know. Default: every execution unknown.
	ExecutionStatus func(arn string) (status string, ok bool)
}

// NewInvoker returns an Invoker.
func NewInvoker(c InvokerConfig) *Invoker {
	inv := &Invoker{lambda: &engine.Lambda{Functions: map[string]engine.Function{}, Region: Region, Account: Account}, s3: c.S3, ddbURL: strings.TrimRight(c.DynamoDBEndpoint, "/"),
		http: &http.Client{Timeout: 60 * time.Second}, outbox: c.Outbox, faults: c.Faults, observe: c.Observe, calls: c.Calls, status: c.ExecutionStatus}
	for _, f := range c.Functions {
		inv.lambda.Functions[engine.FunctionName(f.Name)] = f.invoke
	}
	return inv
}

// Invoke runs one task attempt.
func (inv *Invoker) Invoke(ctx context.Context, req engine.TaskRequest) (out any, err error) {
	start := time.Now()
	defer func() {
		if inv.observe != nil {
			inv.observe(TaskEvent{State: req.State, Resource: req.Resource, Attempt: req.Attempt, Start: start, Duration: time.Since(start), Err: err, Output: out})
		}
	}()
	inv.record(req)
	if f := inv.faults.take(req.State, req.Attempt); f != nil {
		return nil, f
	}
	res := req.Resource
	switch {
	case res == engine.LambdaInvoke || strings.Contains(res, ":lambda:") && strings.Contains(res, ":function:"):
		return inv.lambda.Invoke(ctx, req)
	case strings.HasPrefix(res, "arn:aws:states:::dynamodb:"):
		return inv.dynamodb(ctx, strings.TrimPrefix(res, "arn:aws:states:::dynamodb:"), req.Input)
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:s3:"):
		return inv.s3Call(ctx, strings.TrimPrefix(res, "arn:aws:states:::aws-sdk:s3:"), req.Input)
	case res == "arn:aws:states:::aws-sdk:sfn:describeExecution":
		return inv.describeExecution(req.Input)
	case res == "arn:aws:states:::sns:publish":
		id := newID()
		if err := inv.outbox.add("sns:publish", req.State, req.Input); err != nil {
			return nil, err
		}
		return map[string]any{"MessageId": id, "SdkResponseMetadata": map[string]any{"RequestId": newID()}}, nil
	case res == "arn:aws:states:::events:putEvents":
		if err := inv.outbox.add("events:putEvents", req.State, req.Input); err != nil {
			return nil, err
		}
		return map[string]any{"Entries": []any{map[string]any{"EventId": newID()}}, "FailedEntryCount": json.Number("0")}, nil
	}
	return nil, &engine.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf("the local runtime does not implement the resource %q", res)}
}

// record adds the IAM call a task makes as the state machine's role, for
// the integrations that are not SDK calls here; Step Functions makes it
// whatever the outcome, so it is recorded before a fault is injected.
func (inv *Invoker) record(req engine.TaskRequest) {
	if inv.calls == nil {
		return
	}
	in, _ := req.Input.(map[string]any)
	str := func(k string) string { s, _ := in[k].(string); return s }
	res := req.Resource
	add := func(op, action, resource string) {
		inv.calls.Add(awsapi.Call{Principal: awsapi.StateMachine, Operation: op, Action: action, Resource: resource})
	}
	switch {
	case res == engine.LambdaInvoke:
		add("Lambda.Invoke", "lambda:InvokeFunction", inv.functionARN(str("FunctionName")))
	case strings.Contains(res, ":lambda:") && strings.Contains(res, ":function:"):
		add("Lambda.Invoke", "lambda:InvokeFunction", res)
	case strings.HasPrefix(res, "arn:aws:states:::dynamodb:"):
		action := strings.TrimPrefix(res, "arn:aws:states:::dynamodb:")
		action = strings.ToUpper(action[:1]) + action[1:]
		add("DynamoDB."+action, "dynamodb:"+action, inv.calls.TableARN(str("TableName")))
	case res == "arn:aws:states:::aws-sdk:sfn:describeExecution":
		add("SFN.DescribeExecution", "states:DescribeExecution", str("ExecutionArn"))
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:s3:"):
		// Made through the S3 client, which records as the state machine.
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:"):
		// A new SDK integration must be mapped here before it can pass.
		inv.calls.Add(awsapi.Call{Principal: awsapi.StateMachine, Operation: res,
			Unmapped: "no IAM mapping for the SDK integration " + res + " in local/invoker.go (Invoker.record)"})
	case res == "arn:aws:states:::sns:publish":
		add("SNS.Publish", "sns:Publish", str("TopicArn"))
	case res == "arn:aws:states:::events:putEvents":
		entries, _ := in["Entries"].([]any)
		for _, e := range entries {
			m, _ := e.(map[string]any)
			bus, _ := m["EventBusName"].(string)
			if bus == "" {
				bus = "default"
			}
			if !strings.HasPrefix(bus, "arn:") {
				bus = fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", inv.calls.Region, inv.calls.Account, bus)
			}
			add("EventBridge.PutEvents", "events:PutEvents", bus)
		}
	}
}

// functionARN returns the ARN of a function named by name or ARN.
func (inv *Invoker) functionARN(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		// A qualified ARN (alias or version) is authorised on itself.
		return ref
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", inv.calls.Region, inv.calls.Account, ref)
}

// describeExecution answers the sfn DescribeExecution SDK integration
// with the status the runtime knows, in the API's PascalCase shape; an
// execution it does not know fails the task as Step Functions does.
func (inv *Invoker) describeExecution(input any) (any, error) {
	in, _ := input.(map[string]any)
	arn, _ := in["ExecutionArn"].(string)
	if arn == "" {
		return nil, &engine.TaskError{Name: "Sfn.InvalidArnException", Cause: "DescribeExecution needs an ExecutionArn"}
	}
	status, ok := "", false
	if inv.status != nil {
		status, ok = inv.status(arn)
	}
	if !ok {
		return nil, &engine.TaskError{Name: "Sfn.ExecutionDoesNotExistException", Cause: "Execution Does Not Exist: '" + arn + "'"}
	}
	name := arn[strings.LastIndexByte(arn, ':')+1:]
	machine := strings.Replace(arn[:strings.LastIndexByte(arn, ':')], ":execution:", ":stateMachine:", 1)
	return map[string]any{"ExecutionArn": arn, "Name": name, "StateMachineArn": machine, "Status": status}, nil
}

// dynamodb sends the task input as a DynamoDB API request: the Step
// Functions integration's parameters are the API's own request shape.
func (inv *Invoker) dynamodb(ctx context.Context, action string, input any) (any, error) {
	op := map[string]string{"putItem": "PutItem", "getItem": "GetItem", "updateItem": "UpdateItem", "deleteItem": "DeleteItem"}[action]
	if op == "" {
		return nil, &engine.TaskError{Name: "States.Runtime", Cause: "unsupported DynamoDB integration " + action}
	}
	body, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inv.ddbURL+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z")) // dynalite requires it (its signature is not checked)
	resp, err := inv.http.Do(req)
	if err != nil {
		return nil, &engine.TaskError{Name: "DynamoDB.AmazonDynamoDBException", Cause: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg2    string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &e)
		typ := e.Type[strings.LastIndexByte(e.Type, '#')+1:]
		if typ == "" {
			typ = "AmazonDynamoDBException"
		}
		msg := e.Message
		if msg == "" {
			msg = e.Msg2
		}
		return nil, &engine.TaskError{Name: "DynamoDB." + typ, Cause: fmt.Sprintf("%s (Service: AmazonDynamoDBv2; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", msg, resp.StatusCode, typ, newID())}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// s3Call runs an S3 SDK integration (arn:aws:states:::aws-sdk:s3:<action>)
// with the real client. Parameters and results use the API's PascalCase
// names, as the SDK integrations do.
func (inv *Invoker) s3Call(ctx context.Context, action string, input any) (any, error) {
	in, _ := input.(map[string]any)
	str := func(k string) *string {
		if s, ok := in[k].(string); ok {
			return aws.String(s)
		}
		return nil
	}
	var err error
	switch action {
	case "copyObject":
		if src, _ := in["CopySource"].(string); strings.Contains(src, "?versionId=") {
			return inv.copyVersion(ctx, src, aws.ToString(str("Bucket")), aws.ToString(str("Key")))
		}
		var out *s3.CopyObjectOutput
		out, err = inv.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: str("Bucket"), Key: str("Key"), CopySource: str("CopySource")})
		if err == nil {
			res := map[string]any{"CopyObjectResult": map[string]any{"ETag": aws.ToString(out.CopyObjectResult.ETag)}}
			if out.VersionId != nil {
				res["VersionId"] = *out.VersionId
			}
			return res, nil
		}
	case "headObject":
		var out *s3.HeadObjectOutput
		out, err = inv.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: str("Bucket"), Key: str("Key"), VersionId: str("VersionId")})
		if err == nil {
			return map[string]any{"ContentLength": json.Number(fmt.Sprint(aws.ToInt64(out.ContentLength))), "ETag": aws.ToString(out.ETag), "VersionId": aws.ToString(out.VersionId)}, nil
		}
	case "getObject":
		var out *s3.GetObjectOutput
		out, err = inv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: str("Bucket"), Key: str("Key"), VersionId: str("VersionId")})
		if err == nil {
			defer out.Body.Close()
			b, rerr := io.ReadAll(io.LimitReader(out.Body, 256*1024+1))
			if rerr != nil {
				return nil, rerr
			}
			return map[string]any{"Body": string(b), "ContentLength": json.Number(fmt.Sprint(len(b))), "ETag": aws.ToString(out.ETag)}, nil
		}
	case "putObject":
		body, _ := in["Body"].(string)
		if body == "" && in["Body"] != nil {
			b, _ := json.Marshal(in["Body"])
			body = string(b)
		}
		var out *s3.PutObjectOutput
		out, err = inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: str("Bucket"), Key: str("Key"), Body: strings.NewReader(body)})
		if err == nil {
			return map[string]any{"ETag": aws.ToString(out.ETag), "VersionId": aws.ToString(out.VersionId)}, nil
		}
	case "deleteObject":
		_, err = inv.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: str("Bucket"), Key: str("Key")})
		if err == nil {
			return map[string]any{}, nil
		}
	default:
		return nil, &engine.TaskError{Name: "States.Runtime", Cause: "unsupported S3 SDK integration " + action}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return nil, &engine.TaskError{Name: "S3." + ae.ErrorCode() + "Exception", Cause: ae.ErrorMessage()}
	}
	return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
}

// copyVersion copies one object version ("bucket/key?versionId=v"); the
// embedded S3 server's CopyObject has no version, so it is a streamed get
// and put.
func (inv *Invoker) copyVersion(ctx context.Context, src, bucket, key string) (any, error) {
	path, version, _ := strings.Cut(src, "?versionId=")
	// CopySource is URL-encoded, as S3 requires.
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if v, err := url.QueryUnescape(version); err == nil {
		version = v
	}
	srcBucket, srcKey, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return nil, &engine.TaskError{Name: "S3.InvalidArgumentException", Cause: "CopySource must be bucket/key: " + src}
	}
	get, err := inv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(srcBucket), Key: aws.String(srcKey), VersionId: aws.String(version)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, &engine.TaskError{Name: "S3." + ae.ErrorCode() + "Exception", Cause: ae.ErrorMessage()}
		}
		return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
	}
	defer get.Body.Close()
	put, err := inv.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: get.Body, ContentLength: get.ContentLength})
	if err != nil {
		return nil, &engine.TaskError{Name: "S3.SdkClientException", Cause: err.Error()}
	}
	res := map[string]any{"CopyObjectResult": map[string]any{"ETag": aws.ToString(put.ETag)}, "CopySourceVersionId": version}
	if put.VersionId != nil {
		res["VersionId"] = *put.VersionId
	}
	return res, nil
}

// Outbox records what the pipeline published (SNS notifications,
// EventBridge events) as JSON Lines, and keeps them for inspection.
type Outbox struct {
	mu      sync.Mutex
	path    string
	entries []OutboxEntry
}

// OutboxEntry is one publication.
type OutboxEntry struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	State   string    `json:"state"`
	Message any       `json:"message"`
}

// NewOutbox returns an outbox appending to path ("" keeps entries in memory).
func NewOutbox(path string) *Outbox { return &Outbox{path: path} }

func (o *Outbox) add(kind, state string, msg any) error {
	if o == nil {
		return nil
	}
	e := OutboxEntry{Time: time.Now().UTC(), Kind: kind, State: state, Message: msg}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = append(o.entries, e)
	if o.path == "" {
		return nil
	}
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(e)
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Entries returns the publications recorded since the outbox was created.
func (o *Outbox) Entries() []OutboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OutboxEntry(nil), o.entries...)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
