// Package cfn derives the AWS CloudFormation template of one Sluice stack
// from the resources the Pulumi program registers: the graph an offline
// run records (platform/offline, the same run as `go run ./cmd/preview`),
// not a second description of the infrastructure.
//
// Every AWS resource type the program registers has a converter that maps
// it, through goformation's typed resources, to a CloudFormation resource
// or to a property of one: the bucket's versioning, encryption, lifecycle,
// public access block, ownership and notification resources of
// pulumi-aws v6 fold into the AWS::S3::Bucket, and event targets into
// their AWS::Events::Rule. Physical values that one resource reads from
// another (names, ARNs and URLs, also inside policy documents, event
// patterns, the dashboard body and the state machine definition) become
// Ref, Fn::GetAtt and Fn::Sub; the account, region and partition become
// pseudo parameters. A type that has no converter and is not listed in
// Unexpressible with its reason, and an input that no converter reads,
// fail the export, so the template cannot fall behind the program.
//
// Each function's Code is the local path of its zip, which `sam deploy`
// and `aws cloudformation package` upload. The template carries the
// cfn-lint configuration that says so (W3002).
package cfn
