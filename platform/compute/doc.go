// Package compute holds the Compute component: the Lambda functions of the
// pipeline (validate, transform, enrich, load). Each is a reproducible zip
// built by platform/packager, runs on arm64 under provided.al2023 with X-Ray
// tracing active, logs as JSON to its own log group (created first, named
// /aws/lambda/<function name>, retention and KMS set) and has a role of its
// own whose policy names exactly the S3 prefixes, tables and key it uses.
package compute
