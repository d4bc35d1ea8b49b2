// Package transitions counts the state transitions of an execution, as
// Step Functions bills them, from the compiled state machine and the
// execution's history (engine.History, the local runtime's record of a
// real run).
//
// A Standard workflow is billed per state transition: every state entered
// counts, and so does every retry of a task. A Distributed Map runs each
// item (for Sluice, each chunk of a file) as a child execution; its
// states count as the children's, billed as transitions when the map's
// ExecutionType is STANDARD and by requests and duration when it is
// EXPRESS. Of splits the count that way: the compiled machine says which
// states live in a Distributed Map's ItemProcessor.
//
// It is in the CLI layer, beside the command's reports, because it reads
// the engine's histories: helpers under internal/ stay free of the engine
// (docs/architecture.md).
//
// See https://aws.amazon.com/step-functions/pricing/ and the Distributed
// Map's child executions in
// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html.
package transitions
