package workflow_test

import (
	"fmt"

	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
)

// A chain of states; a Choice's branches join again with Afterwards.
func ExampleChain() {
	check := workflow.NewChoice("Check", workflow.ChoiceProps{}).
		When(workflow.NumericGreaterThan("$.size", 0), workflow.NewPass("NonEmpty", workflow.PassProps{Result: "data", ResultPath: "$.kind"})).
		Otherwise(workflow.NewPass("Empty", workflow.PassProps{Result: "empty", ResultPath: "$.kind"}))
	chain := workflow.NewChain(check.Afterwards()).
		Next(workflow.NewSucceed("Done", workflow.SucceedProps{OutputPath: "$.kind"}))

	compiled, err := workflow.Compile(chain)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := compiled.ASL()
	fmt.Print(string(b))
	// Output:
	// {
	//   "StartAt": "Check",
	//   "States": {
	//     "Check": {
	//       "Type": "Choice",
	//       "Choices": [
	//         {
	//           "Variable": "$.size",
	//           "NumericGreaterThan": 0,
	//           "Next": "NonEmpty"
	//         }
	//       ],
	//       "Default": "Empty"
	//     },
	//     "NonEmpty": {
	//       "Type": "Pass",
	//       "Result": "data",
	//       "ResultPath": "$.kind",
	//       "Next": "Done"
	//     },
	//     "Done": {
	//       "Type": "Succeed",
	//       "OutputPath": "$.kind"
	//     },
	//     "Empty": {
	//       "Type": "Pass",
	//       "Result": "empty",
	//       "ResultPath": "$.kind",
	//       "Next": "Done"
	//     }
	//   }
	// }
}

// Compile resolves logical names to ARNs, checks SDK parameters against the
// aws-sdk-go-v2 input structs and reports the IAM actions needed.
func ExampleCompile() {
	claim := workflow.DynamoPutItem("Claim", "ledger", workflow.Params{
		"Item":                workflow.Params{"pk": workflow.Params{"S.$": "$.id"}},
		"ConditionExpression": "attribute_not_exists(pk)",
	}, workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 10})
	work := workflow.NewLambda("Work", "work", workflow.TaskProps{TimeoutSeconds: 60}).
		AddRetry(workflow.RetryProps{
			Errors:      []asl.ErrorName{asl.LambdaServiceException, asl.LambdaSdkClientException, asl.LambdaTooManyRequestsException},
			MaxAttempts: 3, Jitter: workflow.JitterFull,
		})
	claim.Next(work)

	compiled, err := workflow.Compile(claim,
		workflow.WithResolver(workflow.SyntheticResolver("000000000000", "us-east-1", "demo")))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := compiled.ASL()
	fmt.Print(string(b))
	for _, r := range compiled.Resources {
		fmt.Println(r.ARN, r.Actions)
	}

	// A misspelt field is a Compile error naming the state and the field.
	_, err = workflow.Compile(workflow.DynamoPutItem("Bad", "ledger", workflow.Params{"TableNme": "x"}, workflow.TaskProps{}),
		workflow.WithResolver(workflow.SyntheticResolver("000000000000", "us-east-1", "demo")))
	fmt.Println(err)
	// Output:
	// {
	//   "StartAt": "Claim",
	//   "States": {
	//     "Claim": {
	//       "Type": "Task",
	//       "Resource": "arn:aws:states:::dynamodb:putItem",
	//       "Parameters": {
	//         "ConditionExpression": "attribute_not_exists(pk)",
	//         "Item": {
	//           "pk": {
	//             "S.$": "$.id"
	//           }
	//         },
	//         "TableName": "demo-ledger"
	//       },
	//       "ResultPath": null,
	//       "TimeoutSeconds": 10,
	//       "Next": "Work"
	//     },
	//     "Work": {
	//       "Type": "Task",
	//       "Resource": "arn:aws:lambda:us-east-1:000000000000:function:demo-work",
	//       "TimeoutSeconds": 60,
	//       "Retry": [
	//         {
	//           "ErrorEquals": [
	//             "Lambda.ServiceException",
	//             "Lambda.SdkClientException",
	//             "Lambda.TooManyRequestsException"
	//           ],
	//           "MaxAttempts": 3,
	//           "JitterStrategy": "FULL"
	//         }
	//       ],
	//       "End": true
	//     }
	//   }
	// }
	// arn:aws:dynamodb:us-east-1:000000000000:table/demo-ledger [dynamodb:PutItem]
	// arn:aws:lambda:us-east-1:000000000000:function:demo-work [lambda:InvokeFunction]
	// compile: States.Bad.Parameters.TableNme: UnknownSDKField: PutItemInput has no field "TableNme" (did you mean "TableName"?)
}
