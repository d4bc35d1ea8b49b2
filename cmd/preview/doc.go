// Command preview runs the Sluice Pulumi program offline, under mocks (no
// Pulumi CLI, plugins, credentials or network), for one stack's
// configuration (Pulumi.<stack>.yaml) and prints every resource it would
// deploy: a table by default, JSON with --json, the changes against an
// earlier --json output with --diff, or the CloudFormation template derived
// from the same resources (platform/cfn) with --sam.
//
//	go run ./cmd/preview --stack dev
//	go run ./cmd/preview --stack prod --json > prod.json
//	go run ./cmd/preview --stack prod --diff base.json
//	go run ./cmd/preview --stack dev --sam template.yaml
package main
