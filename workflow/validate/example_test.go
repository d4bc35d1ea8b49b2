package validate_test

import (
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

func ExampleMachine() {
	m, err := asl.Unmarshal([]byte(`{
	  "StartAt": "Load",
	  "States": {
	    "Load": {
	      "Type": "Task",
	      "Resource": "arn:aws:states:::lambda:invoke",
	      "TimeoutSeconds": 60,
	      "Retry": [
	        {"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5},
	        {"ErrorEquals": ["States.Timeout"]}
	      ],
	      "Next": "Done"
	    },
	    "Done": {"Type": "Succeed"},
	    "Orphan": {"Type": "Pass", "End": true}
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	issues := validate.Machine(m)
	for _, is := range issues {
		fmt.Println(is.Path, is.Code)
	}
	fmt.Println("invalid:", issues.Err() != nil)
	// Output:
	// States.Load.Retry[0].BackoffRate BackoffRateBelowOne
	// States.Load.Retry[0].ErrorEquals ErrorAllNotLast
	// States.Orphan UnreachableState
	// invalid: true
}

func ExampleDocument() {
	_, issues, err := validate.Document([]byte(`{
	  "StartAt": "Boom",
	  "States": {"Boom": {"Type": "Fail", "Error": "E", "Next": "Boom"}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(issues)
	// Output:
	// States.Boom.Next: TransitionNotAllowed: a Fail state cannot have Next: it ends its path (Choice moves on through Choices and Default)
}
