package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

func ExampleEngine_Run() {
	m, err := asl.Unmarshal([]byte(`{
	  "StartAt": "Validate",
	  "States": {
	    "Validate": {
	      "Type": "Task",
	      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:validate",
	      "ResultPath": "$.validation",
	      "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
	      "Next": "Route"
	    },
	    "Route": {
	      "Type": "Choice",
	      "Choices": [{"Variable": "$.validation.rows", "NumericGreaterThan": 0, "Next": "Done"}],
	      "Default": "Empty"
	    },
	    "Empty": {"Type": "Fail", "Error": "EmptyFile"},
	    "Done": {"Type": "Succeed"}
	  }
	}`))
	if err != nil {
		panic(err)
	}
	calls := 0
	validate := func(_ context.Context, payload any) (any, error) {
		calls++
		if calls == 1 {
			return nil, &engine.LambdaError{ErrorType: "Lambda.ServiceException", ErrorMessage: "try again"}
		}
		return map[string]any{"rows": 3}, nil
	}
	eng, err := engine.New(m,
		engine.WithInvoker(engine.InvokerFunc(func(ctx context.Context, req engine.TaskRequest) (any, error) { return validate(ctx, req.Input) })),
	)
	if err != nil {
		panic(err)
	}
	res, err := eng.Run(context.Background(), map[string]any{"key": "incoming/orders/a.csv"},
		engine.WithClock(engine.NewVirtualClock(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))))
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(res.Output)
	fmt.Println(res.Status, string(out))
	fmt.Println("attempts:", calls, "events:", len(res.History))
	// Output:
	// SUCCEEDED {"key":"incoming/orders/a.csv","validation":{"rows":3}}
	// attempts: 2 events: 14
}
