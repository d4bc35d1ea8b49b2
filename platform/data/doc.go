// Package data holds the Data component: the DynamoDB tables the pipeline
// loads into (items, reference) and keeps its run ledger in, on-demand or
// provisioned with target-tracking autoscaling, with point-in-time
// recovery, a TTL attribute, optional streams, SSE with the stack's KMS
// key and optional deletion protection; and, for the tables declared
// Global, replicas in other regions (DynamoDB global tables version
// 2019.11.21), each encrypted with a KMS key of its region.
package data
