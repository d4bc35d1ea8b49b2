// Package validate checks Amazon States Language definitions before they are
// deployed or run: everything Step Functions' ValidateStateMachineDefinition
// rejects, plus mistakes that AWS, CDK and asl-validator let through
// (unreachable states, transitions leaving a Parallel branch or a Map
// processor, States.ALL not last, BackoffRate below 1, variables read before
// any state assigns them, features an Express machine cannot use).
//
// It also follows the data through the machine (a data-flow analysis over
// the shapes of package shape): every path a state reads is checked against
// what the states before it produce, and each state's payload and each
// path's history events are bounded against Step Functions' quotas. What the
// definition does not show (the execution input, what a task returns) is
// unknown and unchecked unless WithTypes declares it; Payloads returns the
// per-state bounds.
//
// Machine validates a decoded *asl.StateMachine, whether hand-written or
// compiled by package workflow. Document validates raw bytes: it also reports
// fields that the typed model cannot hold (a Next on a Fail state, a Parameters
// on a Wait state) as issues rather than stopping at the first decoding error.
//
// Validation never stops at the first problem. Every finding is an Issue with
// a Path that locates the field exactly, for example
//
//	States.Fanout.Branches[0].States.Load.Retry[1].ErrorEquals
//
// and a stable Code (the Code* constants). Issues come in the order of the
// document (the machine's fields, then state by state as the document lists
// them; see Issues.Sort) and are capped. Warnings are findings that Step Functions accepts but that are
// probably wrong; only errors make Issues.Err non-nil.
//
// Positions inside expressions (a JSONPath or JSONata syntax error) are kept
// in the message as byte offsets; rendering is left to the caller.
//
// The package has no state and is safe for concurrent use.
package validate
