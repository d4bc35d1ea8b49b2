package integrations

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
)

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

// startExecution answers the request-response states:startExecution
// integration as Step Functions does: the new execution's ARN and start
// date, without waiting for it. Input may be an object (the integration
// sends its JSON text) or that text.
func (inv *Invoker) startExecution(ctx context.Context, input any) (any, error) {
	in, _ := input.(map[string]any)
	machine, _ := in["StateMachineArn"].(string)
	if machine == "" {
		return nil, &engine.TaskError{Name: "StepFunctions.InvalidArnException", Cause: "StartExecution needs a StateMachineArn"}
	}
	if inv.start == nil {
		return nil, &engine.TaskError{Name: "StepFunctions.StateMachineDoesNotExistException", Cause: "State Machine Does Not Exist: '" + machine + "'"}
	}
	body := in["Input"]
	if text, ok := body.(string); ok {
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, &engine.TaskError{Name: "StepFunctions.InvalidExecutionInputException", Cause: err.Error()}
		}
		body = v
	}
	arn, err := inv.start(ctx, machine, body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ExecutionArn": arn, "StartDate": time.Now().UTC().Format(time.RFC3339Nano)}, nil
}
