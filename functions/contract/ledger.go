package contract

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Status values of a ledger item (attribute "status"), which the state
// machine writes and the reconciler and the local runtime read.
const (
	StatusRunning  = "RUNNING"
	StatusLoaded   = "LOADED"
	StatusRejected = "REJECTED"
	StatusFailed   = "FAILED"
	// StatusDuplicate is no ledger status: it is the execution output of
	// an event for a file version already claimed.
	StatusDuplicate = "DUPLICATE"
	// StatusTimedOut and StatusAborted are recorded by the reconciler when
	// Step Functions reports that the execution owning a claim timed out
	// or was stopped (the platform's execution-status rule).
	StatusTimedOut = "TIMED_OUT"
	StatusAborted  = "ABORTED"
)

// DefaultTTLAttribute is the TTL attribute of the tables whose datasets
// declare none, the ledger's among them, unless the stack configures
// another (the platform's ttlAttribute): the ledger items carry it as
// epoch seconds.
const DefaultTTLAttribute = "expires_at"

// DetailTypeExecutionStatus is the detail-type of the events Step Functions
// sends EventBridge when a Standard execution changes status
// (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html).
// The platform's execution-status rule sends the pipeline's FAILED,
// TIMED_OUT and ABORTED ones to the reconcile function.
const DetailTypeExecutionStatus = "Step Functions Execution Status Change"

// EndedStatuses are the execution statuses whose events the reconcile
// function records: the ends an execution cannot record itself.
func EndedStatuses() []string { return []string{StatusFailed, StatusTimedOut, StatusAborted} }

// ReconcileRules are the event patterns of the datasets' rules, by dataset
// name, as deployed (decoded JSON): the value of EnvReconcileRules.
type ReconcileRules map[string]map[string]any

// Encode returns r as EnvReconcileRules holds it: compact JSON, keys
// sorted, with "<" and ">" left readable.
func (r ReconcileRules) Encode() (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
