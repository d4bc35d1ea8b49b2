// Package pipeline is the Sluice state machine, written with the workflow
// builder: claim the file in the ledger, validate, transform, route on the
// data (no records, one chunk with or without enrichment, many chunks
// through a Distributed Map), load, record the outcome; rejected files are
// quarantined and announced, failed ones announced and failed.
//
// Build compiles it for a Resolver (the platform's real ARNs, the local
// runtime's) and Options (machine type, thresholds, concurrency, retry
// tuning); Synthetic compiles it with made-up ARNs for a stack, for golden
// files and `sluice asl`. Documents between states are those of
// functions/contract and error names come from functions/fnerr, both checked
// by this package's tests.
package pipeline
