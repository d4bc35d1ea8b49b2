// Package audit holds the Audit component: monitoring of unusual access to
// a stack's data. A CloudTrail trail records the data events (object-level
// S3 calls, item-level DynamoDB calls) of the pipeline bucket and the
// tables, and delivers them to a private audit bucket and to a CloudWatch
// Logs log group, both encrypted with a key of the component's own. Two
// metric filters on the log group count denied calls and calls by any
// principal other than the pipeline's roles (and the roles a stack trusts,
// such as its uploaders); an alarm on each reaches the stack's alarm topic.
//
// The filter patterns and the selectors are plain functions of their
// inputs (AccessDeniedPattern, UnexpectedPrincipalPattern, Selectors), so
// that tests check them on CloudTrail records without AWS. docs/security.md
// says what is monitored, what it costs and what was not checked on AWS.
package audit
