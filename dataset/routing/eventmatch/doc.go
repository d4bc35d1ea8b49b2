// Package eventmatch matches events against EventBridge event patterns and
// builds the events S3 sends EventBridge. It is the half of
// package routing (its parent) that needs no dataset declarations, so that a
// Lambda function (functions/reconcile) can route objects exactly as the
// deployed rules do without linking the dataset package and its expression
// engine.
//
// Compile reads a pattern from its text as EventBridge does and refuses
// what EventBridge refuses (*PatternError, with AWS's reason); ParseEvent
// flattens an event; Pattern.Match matches. The whole pattern language is
// implemented: exact values, prefix, suffix, equals-ignore-case, wildcard,
// anything-but (values, prefix, suffix, wildcard, equals-ignore-case),
// numeric, exists, cidr and $or, following Event Ruler
// (https://github.com/aws/event-ruler), which EventBridge runs. The
// conformance corpus of cases recorded on AWS (../shared/conformance/events)
// agrees on every case; docs/routing.md says what is proven by recorded
// cases and what rests on documentation only. See
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
//
// Match and Validate take patterns and events as decoded JSON for the
// callers that build them as maps; they go through Compile.
package eventmatch
