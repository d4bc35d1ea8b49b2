// Package routing is the routing domain of Sluice: which files of the
// bucket start which dataset's pipeline. One dataset declaration
// (package dataset) drives it, as it drives validation, IAM and the
// functions.
//
// It builds the EventBridge event patterns of Sluice's rules and matches
// events against EventBridge patterns. The platform deploys the patterns
// ForDataset and Unrouted return and the local runtime routes S3 events
// with Match over the very same patterns, so local routing cannot drift
// from what AWS will do.
//
// The matcher itself is the subpackage eventmatch, a faithful
// implementation of EventBridge's pattern language that does not depend on
// package dataset (so that a Lambda function can link it alone); Match and
// S3ObjectCreated here forward to it. docs/routing.md describes the rules
// and what is proven against AWS.
package routing
