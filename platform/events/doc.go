// Package events holds the Events component: one EventBridge rule per
// dataset matching the bucket's "Object Created" events under the
// dataset's prefix, with its suffixes and within its size bounds, whose
// target starts the state machine with a contract.FileEvent built by an
// input transformer, retries within a bounded age and sends what it cannot
// deliver to a KMS-encrypted SQS dead-letter queue; and one more rule, the
// unrouted rule, matching every other "Object Created" event of the bucket
// except the pipeline's own objects, whose target puts the event in a
// KMS-encrypted SQS queue that only that rule may send to and that the
// monitoring component alarms on.
package events
