// Package validate is the validate Lambda function: it streams a newly
// landed file through its dataset's reader and checks, and either accepts it
// (returning contract.ValidateOutput) or rejects it with
// *fnerr.ValidationFailed, writing a JSON Report to contract.ReportKey
// whenever there are bad rows.
//
// The row checks live in Scanner, which the transform function and the CLI
// use too, so that validation and transformation always agree on which rows
// are bad.
//
// Checks, cheapest first: the size bounds, the file name suffix, an empty
// object; then while streaming: the content against the declared format
// (gzip magic, a CSV that is really JSON or XML...), invalid UTF-8, the CSV
// header (required columns present), ragged rows, JSON nesting depth, XML
// DTDs and entities, the gzip decompression ratio, each field's type and
// constraints, filter and key errors, what DynamoDB would refuse in the
// item (a calculated field computed from the row alone beyond its number
// limits; an item over 400 KB with the room kept for what enrichment and
// loading add, dataset.ItemAllowance), and duplicate keys within the file.
//
// Duplicate keys are found with bounded memory: each row's (pk, sk) is
// hashed to 64 bits (hash/maphash) into an open-addressing table that grows
// up to Config.MaxKeys entries (8 bytes each, at most half full: 16 MiB for
// the default million keys; on Linux a table of 4 MiB or more is mapped in
// transparent huge pages, so that its random first touches fault in 2 MiB
// at a time, not 4 KiB, and freed by Scanner.Close). Past that cap further keys are not checked and
// the report says so (duplicateCheckLimited). A 64-bit hash collision could
// flag a unique key as a duplicate; with a million keys the probability is
// about 3 in 10^8 per file.
package validate
