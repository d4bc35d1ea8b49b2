// Package platform is the Pulumi program of Sluice: Program deploys one
// stack of the pipeline (bucket, tables, functions, state machine, rules,
// the reconciler and its schedule, alarms, key and network) as one
// ComponentResource per concern, from a validated Config read once in main
// (LoadConfig).
//
// The components live in platform/<concern>; platform/naming and
// platform/policy hold the naming, tagging and IAM document helpers they
// share; platform/offline runs the program under mocks for the offline
// preview and tests; platform/cfn derives the CloudFormation template from
// the resources such a run records.
package platform
