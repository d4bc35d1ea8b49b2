// Package data holds the Data component: the DynamoDB tables the pipeline
// loads into (items, reference) and keeps its run ledger in, on-demand or
// provisioned with target-tracking autoscaling, with point-in-time
// recovery, a TTL attribute, optional streams, SSE with the stack's KMS
// key and optional deletion protection.
package data
