// Package sam exports the Sluice pipeline of one stack as an AWS SAM
// template (built with goformation): the four functions as
// AWS::Serverless::Function with CodeUri under build/lambda, the state
// machine as AWS::Serverless::StateMachine whose definition names every
// ARN through DefinitionSubstitutions, one EventBridge rule per dataset
// with its dead-letter queue, the tables, the bucket, the key and the
// topic, with the same least-privilege policies the Pulumi program
// deploys. It is an alternative deployment path and a review aid; the
// Pulumi program (platform.Program) remains the source of truth, and the
// template leaves out the unrouted rule, the reconciler (its function and
// schedule), the alarms, the dashboard and the VPC.
package sam
