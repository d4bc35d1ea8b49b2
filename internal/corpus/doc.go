// Package corpus finds and reads the ASL conformance corpus: executions
// recorded against real Step Functions, one JSON case per file under
// shared/conformance/asl/cases/<group>/ next to the repository. The tests
// that replay it (the engine's conformance test, intrinsic's single-Pass
// test and validate's no-errors test) share its location rules and case
// shape through this package. It is meant for tests only: Dir skips or
// fails a testing.TB.
package corpus
