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
// by this package's tests. The graph is built one function per stage
// (stages.go): claim and ownership, validate and transform, route, load
// inline, load distributed, record, the rejected path and the failure path.
//
// # The application inside the library
//
// This package is the application: the one state machine Sluice deploys.
// It lives under workflow/ because that is where a platform engineer edits
// Go code to change the state machine. The rest of workflow/ is a library
// that knows nothing of Sluice's functions: no package of the library
// (workflow, workflow/asl, workflow/jsonpath, workflow/intrinsic,
// workflow/jsonata, workflow/shape, workflow/validate, workflow/diff,
// workflow/graph) imports functions/... or this package, and of
// functions/ this package imports only functions/contract (the documents
// and names the state machine shares with the handlers) and
// functions/fnerr (the error names), never a handler.
// TestLibraryDoesNotImportTheApplication checks both over `go list -deps`.
package pipeline
