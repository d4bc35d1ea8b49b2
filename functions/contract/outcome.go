package contract

// Outcome events: the state machine publishes one EventBridge event per
// file when it ends LOADED, REJECTED, FAILED or DUPLICATE, on the stack's
// outcome bus, so that other systems subscribe by rule. Its detail is an
// Outcome; docs/schemas/outcome.schema.json is its JSON Schema and
// docs/events.md how to subscribe.
const (
	// OutcomeSource is the events' source.
	OutcomeSource = "sluice.pipeline"
	// OutcomeDetailType is the events' detail-type.
	OutcomeDetailType = "Sluice File Outcome"
	// OutcomeSchemaVersion is the detail's schemaVersion: it changes when a
	// field is removed or changes meaning (added fields keep it).
	OutcomeSchemaVersion = 1
)

// Outcome is the detail of an outcome event. Which fields a status
// carries is documented on each; the JSON Schema is the contract.
type Outcome struct {
	// SchemaVersion is OutcomeSchemaVersion.
	SchemaVersion int `json:"schemaVersion"`
	// Status is LOADED, REJECTED, FAILED or DUPLICATE.
	Status string `json:"status"`
	// Dataset, Bucket, Key and VersionID name the file version.
	Dataset   string `json:"dataset"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
	// Execution is the ARN of the execution that reached the outcome.
	Execution string `json:"execution"`
	// At is when the outcome was reached (the publishing state's entry
	// time, ISO 8601 UTC).
	At string `json:"at"`

	// Records, Loaded, Rejected, Filtered and Chunks are the counts of a
	// LOADED file: records staged, records loaded (written, or skipped
	// because the table holds a newer version of the file), bad rows
	// tolerated, rows filtered, chunks.
	Records  *int64 `json:"records,omitempty"`
	Loaded   *int64 `json:"loaded,omitempty"`
	Rejected *int64 `json:"rejected,omitempty"`
	Filtered *int64 `json:"filtered,omitempty"`
	Chunks   *int64 `json:"chunks,omitempty"`
	// Report is the key of the validation report in Bucket: a LOADED file
	// with tolerated bad rows or a REJECTED file ("" when there is none).
	Report *string `json:"report,omitempty"`
	// Reason says why a REJECTED file was rejected.
	Reason string `json:"reason,omitempty"`
	// Quarantine is the key of a REJECTED file's copy in Bucket.
	Quarantine string `json:"quarantine,omitempty"`
	// Error is the error name of a REJECTED or FAILED file; Cause and
	// FailedState the cause and the failing state of a FAILED one.
	Error       string `json:"error,omitempty"`
	Cause       string `json:"cause,omitempty"`
	FailedState string `json:"failedState,omitempty"`
}
