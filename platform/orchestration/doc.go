// Package orchestration holds the Orchestration component: the Step
// Functions state machine of the pipeline. Its definition is compiled from
// the typed workflow (workflow/pipeline) inside an Apply over the real
// ARNs, and its role grants exactly what the compiled machine reports in
// Compiled.Resources, plus log delivery and tracing, which AWS only grants
// on "*".
package orchestration
