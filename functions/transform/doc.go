// Package transform is the transform Lambda function: it streams a
// validated file through the same Scanner as the validator (so the two
// always agree on bad rows), turns each good, kept row into its staged JSON
// record (normalised fields, pk, sk, TTL attribute, _line) and writes them
// as JSON Lines chunk files (contract.ChunkKey, stage "transformed") plus a
// manifest (contract.ManifestKey: a JSON array of contract.Chunk).
//
// Memory is bounded whatever the file size: one record at a time from the
// reader, one chunk buffer (Config.ChunkRecords records or ChunkBytes
// bytes, whichever comes first), the bounded duplicate-key table and the
// list of chunks. BenchmarkTransformLarge measures the peak heap; run it on
// 1 GiB with
//
//	SLUICE_BENCH_BYTES=1073741824 go test -run='^$' -bench=TransformLarge -benchtime=1x ./functions/transform
//
// (scripts/bench.sh does this and prints the peak).
package transform
