// Package cost estimates the monthly AWS bill of a Sluice stack for a
// workload (files per day, records per file, bytes per record), by service.
//
// It does not guess the shape of the pipeline: Path runs the stack's
// compiled state machine (workflow/pipeline, the ASL the platform deploys)
// in the local engine with stub tasks, and counts the states a LOADED file
// enters, the tasks it calls and the chunk executions of the Distributed
// Map, so a change of the machine changes the estimate. A dataset the
// stack runs in batches (Stack.BatchDatasets, Workload.Dataset) is priced
// on the batch machine the same way (TakeBatchPath: the batch execution,
// each file's child execution, its chunk executions). The stack's
// settings (function memory, capacity mode, lifecycle days, log retention,
// chunk execution type, batches, egress nat's NAT gateway) come from Pulumi.yaml and Pulumi.<stack>.yaml,
// read without the Pulumi SDK (LoadStack), so the sluice CLI can use the
// package. Prices come from one dated file (prices-us-east-1.json, embedded;
// LoadPrices reads another), measured function times from another
// (timings.json).
//
// Estimate returns a Bill; Compare adds the alternatives (batch vs per
// file, Standard vs Express chunk executions, capacity modes, chunk sizes)
// and a recommendation. docs/cost.md states the model, its assumptions and
// what it leaves out.
package cost
