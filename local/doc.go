// Package local runs the Sluice pipeline on one machine with no AWS and no
// Docker. It is the wiring: a Runtime opens a state directory (default
// .sluice/, one writer at a time), serves the emulators on 127.0.0.1 and
// reaches them with the real aws-sdk-go-v2 clients (in process, through
// local/inproc: HTTP requests without the socket), routes S3 "Object
// Created" events through the same EventBridge patterns the platform
// deploys, runs the compiled pipeline on the local ASL engine, and records
// each execution (history, result, HTML report, timeline) under the state
// directory. The parts live in packages of their own:
//
//   - local/s3emu: the S3 emulator (versioned, persistent; object keys never
//     become file paths).
//   - local/dynamo: the DynamoDB emulator (items on disk in LevelDB,
//     semantics from minidyn).
//   - local/inproc: the http.RoundTripper that serves a request with a
//     handler in the same process, streaming both bodies.
//   - local/integrations: the Task states' way out: the Lambda sandbox and
//     invoke envelope, the DynamoDB, S3 and sfn SDK integrations, and the
//     SNS and EventBridge outbox.
//
// Either emulator can be replaced by an external endpoint
// (Config.S3Endpoint, Config.DynamoDBEndpoint).
package local
