package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/internal/jsonenc"
)

// lambdaInvoke is the optimised Lambda integration; its result is the
// invoke envelope with the function's output under Payload.
const lambdaInvoke = "arn:aws:states:::lambda:invoke"

// Function is an in-process Lambda handler: it gets the payload as the
// engine holds JSON values and returns its result (any JSON-encodable
// value). Return an *engine.LambdaError to choose errorType; any other
// error is reported with the Go type name of the error value as errorType,
// the way aws-lambda-go does.
type Function func(ctx context.Context, payload any) (any, error)

// lambda runs Functions in process, keyed by function name. It serves
// plain function ARNs (the bare payload is the result) and
// arn:aws:states:::lambda:invoke (the result is the invoke envelope:
// Payload, StatusCode 200, ExecutedVersion "$LATEST", SdkHttpMetadata,
// SdkResponseMetadata). Safe for concurrent use if the Functions are.
type lambda struct {
	// functions maps a function name (the last part of its ARN) to its handler.
	functions map[string]Function
	// region and account build the ARNs in error messages.
	region, account string
	// now dates the envelope's Date header. Default: time.Now.
	now func() time.Time
}

// functionName extracts the function name from a name, a partial ARN
// ("123456789012:function:name") or a full ARN, dropping any qualifier.
func functionName(ref string) string {
	if i := strings.Index(ref, ":function:"); i >= 0 {
		ref = ref[i+len(":function:"):]
	}
	if i := strings.Index(ref, ":"); i >= 0 {
		ref = ref[:i]
	}
	return ref
}

// invoke runs the function named by the task.
func (l *lambda) invoke(ctx context.Context, req engine.TaskRequest) (any, error) {
	resource := strings.TrimSuffix(strings.TrimSuffix(req.Resource, ".waitForTaskToken"), ".sync")
	envelope := resource == lambdaInvoke
	var ref string
	payload := req.Input
	if envelope {
		in, ok := req.Input.(map[string]any)
		if !ok {
			return nil, &engine.TaskError{Name: "States.Runtime", Cause: "lambda:invoke needs an object input with FunctionName and Payload"}
		}
		ref, _ = in["FunctionName"].(string)
		if p, ok := in["Payload"]; ok {
			payload = p
		} else {
			payload = map[string]any{}
		}
	} else {
		ref = req.Resource
	}
	name := functionName(ref)
	fn, ok := l.functions[name]
	if !ok {
		return nil, &engine.TaskError{Name: "Lambda.ResourceNotFoundException", Cause: fmt.Sprintf(
			"Function not found: arn:aws:lambda:%s:%s:function:%s:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s; Proxy: null)",
			l.region, l.account, name, newID())}
	}
	out, err := fn(ctx, payload)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		var le *engine.LambdaError
		if !errors.As(err, &le) {
			le = &engine.LambdaError{ErrorMessage: err.Error(), ErrorType: errorTypeName(err)}
		}
		return nil, le
	}
	out, err = engine.Normalize(out)
	if err != nil {
		return nil, &engine.LambdaError{ErrorMessage: err.Error(), ErrorType: "Runtime.MarshalError"}
	}
	if !envelope {
		return out, nil
	}
	now := time.Now
	if l.now != nil {
		now = l.now
	}
	return lambdaEnvelope(out, newID(), now()), nil
}

// errorTypeName is the Go type name of err without package or pointer, as
// aws-lambda-go reports errorType.
func errorTypeName(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// lambdaEnvelope is the result of arn:aws:states:::lambda:invoke.
func lambdaEnvelope(payload any, requestID string, at time.Time) map[string]any {
	length := fmt.Sprint(len(compact(payload)))
	date := at.UTC().Format(http.TimeFormat)
	trace := "Root=1-" + strings.ReplaceAll(requestID[:17], "-", "")
	one := func(s string) []any { return []any{s} }
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"X-Amz-Executed-Version":         one("$LATEST"),
				"x-amzn-Remapped-Content-Length": one("0"),
				"Connection":                     one("keep-alive"),
				"x-amzn-RequestId":               one(requestID),
				"Content-Length":                 one(length),
				"Date":                           one(date),
				"X-Amzn-Trace-Id":                one(trace),
				"Content-Type":                   one("application/json"),
			},
			"HttpHeaders": map[string]any{
				"Connection":                     "keep-alive",
				"Content-Length":                 length,
				"Content-Type":                   "application/json",
				"Date":                           date,
				"X-Amz-Executed-Version":         "$LATEST",
				"x-amzn-Remapped-Content-Length": "0",
				"x-amzn-RequestId":               requestID,
				"X-Amzn-Trace-Id":                trace,
			},
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
		"StatusCode":          json.Number("200"),
	}
}

// Handler adapts a typed handler, of the shape given to lambda.Start, to a
// Function: the payload is decoded into In with encoding/json and the result
// encoded back. A payload that does not decode fails the invocation with the
// decoder's error type name as errorType, as aws-lambda-go reports it.
func Handler[In, Out any](h func(context.Context, In) (Out, error)) Function {
	return func(ctx context.Context, payload any) (any, error) {
		var in In
		b, err := json.Marshal(payload)
		if err == nil {
			err = json.Unmarshal(b, &in)
		}
		if err != nil {
			return nil, &engine.LambdaError{ErrorMessage: err.Error(), ErrorType: errorTypeName(err)}
		}
		return h(ctx, in)
	}
}

// compact encodes v as compact JSON without HTML escaping, as AWS prints
// payloads.
func compact(v any) string {
	b, err := jsonenc.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
