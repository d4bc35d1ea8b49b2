package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/fnerr"
)

// Function is a Lambda handler run in-process: the JSON payload in, the JSON
// result out, as the Lambda runtime marshals them.
type Function func(ctx context.Context, payload []byte) ([]byte, error)

// Handler adapts a typed handler (the signature aws-lambda-go's
// StartHandlerFunc takes) to a Function, decoding and encoding JSON exactly
// as the runtime does so that a field the handler does not know is ignored
// and a wrong type is an error, as on AWS.
func Handler[In, Out any](h func(context.Context, In) (Out, error)) Function {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return nil, &engine.LambdaError{ErrorType: "UnmarshalTypeError", ErrorMessage: err.Error()}
		}
		out, err := h(ctx, in)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
}

// FunctionSpec is a function the local runtime can invoke.
type FunctionSpec struct {
	// Name is the function name (the last part of its ARN).
	Name string
	// ARN is the function ARN the compiled machine references.
	ARN string
	// Fn runs the function.
	Fn Function
	// Timeout bounds one invocation, as the function's configured timeout.
	// Default: 15 minutes.
	Timeout time.Duration
}

// invoke runs one invocation with a Lambda context and a deadline,
// converting errors and panics into the error object the Lambda runtime
// reports (errorType is the Go type name of the returned error).
func (f *FunctionSpec) invoke(ctx context.Context, requestID string, payload []byte) (out []byte, err error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID, InvokedFunctionArn: f.ARN})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				err = &engine.LambdaError{ErrorType: "Runtime.ExitError", ErrorMessage: fmt.Sprintf("panic: %v\n%s", p, debug.Stack()), RequestID: requestID}
			}
		}()
		out, err = f.Fn(ctx, payload)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			<-done // handlers honour ctx; wait so nothing outlives the invoke
			return nil, &engine.LambdaError{ErrorType: "Sandbox.Timedout", ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds()), RequestID: requestID}
		}
		<-done
	}
	if err != nil {
		var le *engine.LambdaError
		if errors.As(err, &le) {
			return nil, le
		}
		return nil, &engine.LambdaError{ErrorType: fnerr.NameOf(err), ErrorMessage: err.Error(), RequestID: requestID}
	}
	return out, nil
}

// engineFunction adapts a FunctionSpec to the engine's Lambda invoker,
// which builds the lambda:invoke envelope and resolves function names.
func (f *FunctionSpec) engineFunction() engine.Function {
	return func(ctx context.Context, payload any) (any, error) {
		in, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		out, err := f.invoke(ctx, newID(), in)
		if err != nil || len(out) == 0 {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, &engine.LambdaError{ErrorType: "Runtime.InvalidResponse", ErrorMessage: err.Error()}
		}
		return v, nil
	}
}
