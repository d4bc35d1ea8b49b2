// Package reconcile implements the Sluice reconciler, the Lambda function
// "reconcile", run on a schedule: it finds the files that arrived in the
// pipeline bucket but never started an execution, which nothing else
// notices.
//
// The pipeline starts only when EventBridge delivers a file's S3 "Object
// Created" event to a dataset's rule, and EventBridge can fail to: numeric
// matching covers sizes up to about 5e9 bytes only (an object larger than
// that matches neither a dataset's rule nor the unrouted one), a rule can
// be disabled or edited by hand, a target can be throttled beyond its retry
// policy and the dead-letter queue's retention. Every execution claims its
// file version in the ledger within seconds (the Claim state writes the
// item contract.LedgerKey names), so a file version older than a grace
// period without a ledger item never ran.
//
// A run lists the current version of every object of the bucket outside
// the pipeline's own prefixes (contract.InternalPrefixes): the bucket's top
// level with the delimiter "/", then every top-level prefix that is not
// internal, page by page. Objects modified within Config.Grace are left for
// a later run (their execution may still be starting), objects older than
// Config.Lookback are not looked at (so the ledger reads stay bounded), and
// the rest are looked up in the ledger with BatchGetItem, 100 keys at a
// time. Every version without a ledger item is unaccounted: the run logs
// one JSON line per file (level WARN) naming bucket, key, version, size,
// age, the dataset whose rule matches it (by eventmatch.Match over the
// deployed patterns, Config.Rules) and why it may have been missed
// (Reason), and ends with a CloudWatch embedded metric format document
// whose UnaccountedFiles metric the platform alarms on.
//
// With Config.Redrive on, the run also starts the state machine for each
// unaccounted file whose object one dataset's rule matches, with the input
// that rule's input transformer would have produced (FileEventFor) and an
// execution name derived from the file version (ExecutionName), so a second
// run never starts it twice; the Claim state keeps a file that did run from
// loading twice. A file no dataset's rule matches is reported, never
// started.
//
// Every request is paginated, and the run stops cleanly before the Lambda
// deadline (less Config.DeadlineMargin), reporting what it did not check.
// Errors are returned through fnerr.Surface, so Lambda reports the fnerr
// type name as errorType.
package reconcile
