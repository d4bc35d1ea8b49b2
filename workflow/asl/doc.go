// Package asl is the typed model of the Amazon States Language: one Go type per
// state kind behind the State interface, with the fields shared between kinds in
// small embedded structs (Common, Transition, IO, ErrorHandling).
//
// The model has no behaviour beyond encoding. The builder (package workflow),
// the validator (workflow/validate), the local engine (engine) and the CLI all
// meet here, so hand-written ASL and compiled ASL are the same values.
//
// Unmarshal accepts any ASL document that Step Functions accepts, in either
// query language (JSONPath or JSONata), and rejects unknown fields rather than
// dropping them. Marshal is the single canonical encoder: fields in a fixed
// order close to the specification's, empty fields omitted, two-space indent
// and a trailing newline, so golden files and pull-request diffs stay stable.
//
// Specification: https://states-language.net/spec.html and
// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html
package asl
