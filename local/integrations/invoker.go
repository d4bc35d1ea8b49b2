package integrations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
)

// Invoker runs the Task states of the pipeline locally: Lambda functions
// in-process (through the lambda:invoke envelope or a plain function ARN),
// the DynamoDB integration against the local (or an external) DynamoDB
// endpoint over its JSON protocol, S3 SDK integrations through the real S3
// client, the sfn DescribeExecution SDK integration from the runtime's
// records, and SNS and EventBridge publications into an outbox file. It is
// the engine's one way out: a task reaches its function or service through
// one call to Invoke.
//
// It is safe for concurrent use.
type Invoker struct {
	lambda  *lambda
	s3      *s3.Client
	ddbURL  string
	http    *http.Client
	outbox  *Outbox
	fault   func(state string, attempt int) error
	observe func(TaskEvent)
	calls   *awsapi.CallLog
	// principal is InvokerConfig.Principal.
	principal string
	status    func(arn string) (string, bool)
	start     func(ctx context.Context, machineARN string, input any) (string, error)
}

// TaskEvent reports one task attempt to an observer (the timeline).
type TaskEvent struct {
	// State is the Task state's name; Resource its Resource ARN.
	State    string
	Resource string
	// Attempt is 0 for the first attempt and counts retries.
	Attempt int
	// Start and Duration time the attempt.
	Start    time.Time
	Duration time.Duration
	// Err is how the attempt failed, nil if it succeeded with Output.
	Err    error
	Output any
}

// InvokerConfig configures NewInvoker.
type InvokerConfig struct {
	// Region and Account are those of the local ARNs (in a missing
	// function's error message).
	Region, Account string
	// Functions are the in-process Lambda functions.
	Functions []*FunctionSpec
	// S3 is the client S3 SDK integrations use.
	S3 *s3.Client
	// DynamoDBEndpoint is the base URL of the DynamoDB endpoint.
	DynamoDBEndpoint string
	// DynamoDBTransport carries the DynamoDB integration's calls to
	// DynamoDBEndpoint (an embedded server's in-process transport, for
	// one). Default: http.DefaultTransport.
	DynamoDBTransport http.RoundTripper
	// Outbox records SNS and EventBridge publications. Default: none
	// (publications succeed and are dropped).
	Outbox *Outbox
	// Fault, when set, is asked before every task attempt for an error to
	// fail it with instead of running it (fault injection); nil runs it.
	Fault func(state string, attempt int) error
	// Observe, when set, is called after every task attempt.
	Observe func(TaskEvent)
	// Calls, when set, records the calls the state machine's role makes
	// for the tasks that are not SDK calls here (Lambda invokes, the
	// DynamoDB, SNS and EventBridge integrations) as awsapi.StateMachine;
	// give S3 a client recording as awsapi.StateMachine too.
	Calls *awsapi.CallLog
	// Principal is the principal Calls records the integrations' calls as.
	// Default: awsapi.StateMachine.
	Principal string
	// ExecutionStatus answers the sfn DescribeExecution SDK integration:
	// the status of the execution with that ARN, false for one the
	// runtime does not know. Default: every execution unknown.
	ExecutionStatus func(arn string) (status string, ok bool)
	// StartExecution answers the request-response states:startExecution
	// integration: it starts an execution of the machine with that ARN on
	// input (the Input object) and returns the execution's ARN without
	// waiting for it to end. Default: the integration fails the task with
	// StepFunctions.StateMachineDoesNotExistException.
	StartExecution func(ctx context.Context, machineARN string, input any) (executionARN string, err error)
}

// NewInvoker returns an Invoker. A function is known by the name its ARN
// ends with (FunctionSpec.ARN, else FunctionSpec.Name).
func NewInvoker(c InvokerConfig) *Invoker {
	inv := &Invoker{
		lambda: &lambda{functions: map[string]Function{}, region: c.Region, account: c.Account},
		s3:     c.S3, ddbURL: strings.TrimRight(c.DynamoDBEndpoint, "/"), http: &http.Client{Timeout: 60 * time.Second, Transport: c.DynamoDBTransport},
		outbox: c.Outbox, fault: c.Fault, observe: c.Observe, calls: c.Calls, status: c.ExecutionStatus, start: c.StartExecution,
		principal: c.Principal,
	}
	if inv.principal == "" {
		inv.principal = awsapi.StateMachine
	}
	for _, f := range c.Functions {
		ref := f.ARN
		if ref == "" {
			ref = f.Name
		}
		inv.lambda.functions[functionName(ref)] = f.invoke
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
	if inv.fault != nil {
		if err := inv.fault(req.State, req.Attempt); err != nil {
			return nil, err
		}
	}
	res := req.Resource
	switch {
	case res == lambdaInvoke || isFunctionARN(res):
		return inv.lambda.invoke(ctx, req)
	case strings.HasPrefix(res, "arn:aws:states:::dynamodb:"):
		return inv.dynamodb(ctx, strings.TrimPrefix(res, "arn:aws:states:::dynamodb:"), req.Input)
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:s3:"):
		return inv.s3Call(ctx, strings.TrimPrefix(res, "arn:aws:states:::aws-sdk:s3:"), req.Input)
	case res == "arn:aws:states:::aws-sdk:sfn:describeExecution":
		return inv.describeExecution(req.Input)
	case res == "arn:aws:states:::states:startExecution":
		return inv.startExecution(ctx, req.Input)
	case res == "arn:aws:states:::sns:publish":
		id := newID()
		if err := inv.outbox.add("sns:publish", req.State, req.Input); err != nil {
			return nil, err
		}
		return map[string]any{"MessageId": id, "SdkResponseMetadata": map[string]any{"RequestId": newID()}}, nil
	case res == "arn:aws:states:::events:putEvents":
		return inv.putEvents(req)
	}
	return nil, &engine.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf("the local runtime does not implement the resource %q", res)}
}

// isFunctionARN tells a plain Lambda function ARN (a Task that invokes the
// function directly, without the lambda:invoke envelope).
func isFunctionARN(res string) bool {
	return strings.Contains(res, ":lambda:") && strings.Contains(res, ":function:")
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
		inv.calls.Add(awsapi.Call{Principal: inv.principal, Operation: op, Action: action, Resource: resource})
	}
	switch {
	case res == lambdaInvoke:
		add("Lambda.Invoke", "lambda:InvokeFunction", inv.functionARN(str("FunctionName")))
	case isFunctionARN(res):
		add("Lambda.Invoke", "lambda:InvokeFunction", res)
	case strings.HasPrefix(res, "arn:aws:states:::dynamodb:"):
		action := strings.TrimPrefix(res, "arn:aws:states:::dynamodb:")
		action = strings.ToUpper(action[:1]) + action[1:]
		add("DynamoDB."+action, "dynamodb:"+action, inv.calls.TableARN(str("TableName")))
	case res == "arn:aws:states:::aws-sdk:sfn:describeExecution":
		add("SFN.DescribeExecution", "states:DescribeExecution", str("ExecutionArn"))
	case res == "arn:aws:states:::states:startExecution":
		add("SFN.StartExecution", "states:StartExecution", str("StateMachineArn"))
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:s3:"):
		// Made through the S3 client, which records as the state machine.
	case strings.HasPrefix(res, "arn:aws:states:::aws-sdk:"):
		// A new SDK integration must be mapped here before it can pass.
		inv.calls.Add(awsapi.Call{Principal: inv.principal, Operation: res,
			Unmapped: "no IAM mapping for the SDK integration " + res + " in local/integrations/invoker.go (Invoker.record)"})
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

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
