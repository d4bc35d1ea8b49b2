// Package eventmatch matches events against EventBridge event patterns and
// builds the events S3 sends EventBridge. It is the half of
// internal/eventpattern that needs no dataset declarations, so that a
// Lambda function (functions/reconcile) can route objects exactly as the
// deployed rules do without linking the dataset package and its expression
// engine.
//
// Match implements the EventBridge content filters Sluice patterns use and
// the common others: exact values, prefix, suffix, equals-ignore-case,
// wildcard, anything-but (values, prefix, suffix, wildcard, a list of
// wildcards), numeric ranges, exists and $or. See
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
// and the operator table at
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
//
// Match compares numbers over the whole float64 range; EventBridge does
// not (see MaxNumeric).
package eventmatch
