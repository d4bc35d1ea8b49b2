// Package enrich implements the Sluice enricher, the Lambda function
// "enrich": it reads one staged chunk of JSON Lines records
// (contract.Chunk), enriches every record and writes the result as a new
// chunk under the "enriched" stage (contract.ChunkKey), returning that chunk.
//
// Per record, in this order (the dataset's Enrichment declares what applies):
//
//   - source metadata: _source_key, _source_version, _line (kept from the
//     transformer when present), _ingested_at (the Handler's clock, UTC
//     millisecond timestamp) and _execution (the workflow execution id, see
//     ExecutionID);
//   - reference lookups: the referenced item (customers for orders) is read
//     from the reference table with BatchGetItem, 100 keys at a time, through
//     a size-bounded LRU cache kept across invocations by the Handler. An
//     unknown key is not an error: the record keeps going with the lookup's
//     MissingFlag set to true and the copied fields absent;
//   - HTTP enrichment: a GET per record with a per-attempt timeout, retries
//     with jittered backoff and a per-instance concurrency limit; a failure
//     of a Required enrichment fails the chunk with *fnerr.EnrichmentFailed,
//     otherwise it sets the MissingFlag;
//   - calculated fields: the dataset's compiled expressions (orders: total =
//     quantity × unit_price, exact decimal with 2 places).
//
// Errors are returned through fnerr.Surface, so Lambda reports the fnerr
// type name as errorType.
package enrich
