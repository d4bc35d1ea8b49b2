package integrations

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/sluicehq/sluice/engine"
)

// FunctionSpec is a function the local runtime can invoke. Build Fn from a
// typed handler with Handler, which decodes the payload into the
// handler's input type as the Lambda runtime does.
type FunctionSpec struct {
	// Name is the function name (the last part of its ARN).
	Name string
	// ARN is the function ARN the compiled machine references; when set,
	// the function is known by the name it ends with.
	ARN string
	// Fn runs the function.
	Fn Function
	// Timeout bounds one invocation, as the function's configured timeout.
	// Default: 15 minutes.
	Timeout time.Duration
}

// invoke runs one invocation with a Lambda context and a deadline, and
// turns a panic or a timeout into the error object the Lambda runtime
// reports. Other errors are left to the caller (lambda.invoke), which
// names them by their Go type as aws-lambda-go does.
func (f *FunctionSpec) invoke(ctx context.Context, payload any) (out any, err error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	requestID := newID()
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
		<-done // handlers honour ctx; wait so nothing outlives the invoke
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &engine.LambdaError{ErrorType: "Sandbox.Timedout", ErrorMessage: fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds()), RequestID: requestID}
		}
	}
	return out, err
}
