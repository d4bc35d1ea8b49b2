package integrations

import (
	"strings"

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
