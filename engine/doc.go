// Package engine is a local interpreter of the Amazon States Language. It runs
// any *asl.StateMachine (hand-written or compiled by package workflow) the way
// AWS Step Functions does: the same input/output processing, the same error
// names and cause texts, the same execution history events.
//
// An Engine is built in phases. New validates what it needs to run and plans
// the machine: it indexes the states and parses every path, intrinsic function
// and JSONata expression once. The plan is immutable, so one Engine is safe for
// concurrent use and Run may be called from many goroutines: plan a machine
// once, run it for every input.
//
// Options follow the phases. An Option given to New holds for every execution
// of the plan: the machine's name and account, the integrations (WithInvoker
// dispatches Task states by Resource, WithObjectStore serves Distributed Map
// ItemReader and ResultWriter), the limits. A RunOption given to Run holds for
// one execution: its name, its clock (WithClock; a VirtualClock makes Wait
// states and retry intervals instantaneous), its observer and its random
// seed. Side effects come only through these; the engine itself makes no AWS
// calls.
//
// Errors raised while running a state are *StateError values whose Name is the
// ASL error name matched by Retry and Catch.
package engine
