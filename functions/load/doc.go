// Package load implements the Sluice loader, the Lambda function "load":
// it reads one staged chunk of JSON Lines records (contract.Chunk) and writes
// each record as an item of its dataset's DynamoDB table, returning
// contract.LoadOutput.
//
// Writes go out as BatchWriteItem requests of at most 25 items and 16 MB,
// several in parallel (Config.Concurrency). Records are spread over the
// parallel writers by a hash of their key, so two records with the same key
// in one chunk are written in order and the later one wins. UnprocessedItems
// and transient errors are retried with capped exponential backoff and full
// jitter until a deadline (the Lambda deadline minus Config.DeadlineMargin);
// what is still unwritten then is reported as *fnerr.LoadIncomplete with its
// count, never dropped silently.
//
// Loading is idempotent and version-aware. Every item carries _source_order,
// the source file version's S3 LastModified (with the version id as a
// tie-break); before writing a group of up to 100 records the loader reads
// the existing items' orders (one consistent BatchGetItem) and skips those a
// newer version wrote (counted in LoadOutput.Stale). New items and re-runs of the same version go
// in a batch; items of an older version are replaced with a PutItem whose
// condition refuses to overwrite a newer order, which closes the race with a
// concurrent newer load. docs/functions.md explains the design and its one
// remaining window, which Config.Strict closes (a conditional PutItem per
// item).
package load
