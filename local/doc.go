// Package local runs the Sluice pipeline on one machine with no AWS and no
// Docker: an S3-compatible server and a DynamoDB-compatible server in-process
// (both reached by the real aws-sdk-go-v2 clients over HTTP on 127.0.0.1),
// EventBridge-style routing of "Object Created" events through the same event
// patterns the platform deploys, the local ASL engine running the compiled
// pipeline, and the real Lambda handlers invoked in-process.
//
// State persists in a directory (default .sluice/): object data is stored by
// content hash under s3/blobs and object keys never become file paths, so a
// key such as "../../etc/passwd" cannot escape the directory.
package local
