// Package integrations is how the local runtime's state machine reaches
// AWS: an engine.Invoker that runs each Task state's resource the way Step
// Functions does, without AWS.
//
//   - Lambda: the real handlers run in-process in a sandbox (a Lambda
//     context, the function's timeout, a panic reported as
//     Runtime.ExitError), reached through a plain function ARN (the bare
//     result) or arn:aws:states:::lambda:invoke (the invoke envelope:
//     Payload, StatusCode, ExecutedVersion, SdkHttpMetadata), with errors
//     named as aws-lambda-go names them.
//   - The DynamoDB integration (putItem, getItem, updateItem, deleteItem)
//     over the DynamoDB JSON protocol, the S3 SDK integrations through the
//     real S3 client, and sfn DescribeExecution from the runtime's records.
//   - SNS and EventBridge publications into an Outbox.
//
// Every attempt can be observed (TaskEvent), failed on request (fault
// injection) and recorded as the state machine role's IAM calls.
package integrations
