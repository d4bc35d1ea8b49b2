package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
)

// Logical resource names the machine uses. The platform and the local
// runtime resolve them (workflow.Resolver).
const (
	// FunctionValidate checks a file against its dataset's schema.
	FunctionValidate = "validate"
	// FunctionTransform stages a file's records as JSON Lines chunks.
	FunctionTransform = "transform"
	// FunctionEnrich enriches one chunk.
	FunctionEnrich = "enrich"
	// FunctionLoad writes one chunk to the dataset's table.
	FunctionLoad = "load"
	// TableLedger is the table of file runs (pk "FILE#<bucket>/<key>#<versionId>").
	TableLedger = "ledger"
	// TopicAlerts receives rejection and failure notifications.
	TopicAlerts = "alerts"
	// BusOutcomes is the event bus the files' outcomes are published on
	// (contract.Outcome events).
	BusOutcomes = "outcomes"
	// BucketData is the pipeline bucket: incoming files, staging, reports,
	// quarantine and Distributed Map results.
	BucketData = "data"
)

// Machine types.
const (
	Standard = "STANDARD"
	Express  = "EXPRESS"
)

// Options tune the machine. The zero value gives the defaults documented on
// each field.
type Options struct {
	// Type is the state machine type. Only STANDARD is accepted: the
	// machine uses a Distributed Map, which Step Functions runs only in
	// Standard workflows (an Express parent cannot start Map Runs), and
	// files can take longer than Express's five minutes. Default: STANDARD.
	Type string
	// MapExecutionType is the type of the Distributed Map's child
	// executions, one per chunk: EXPRESS (cheap, at most five minutes per
	// chunk, at-least-once) or STANDARD. Default: EXPRESS.
	MapExecutionType string
	// InlineMaxChunks is the largest chunk count loaded inline (Enrich and
	// Load on the first chunk in the parent execution); files with more
	// chunks go through the Distributed Map. Default: 1.
	InlineMaxChunks int
	// MaxConcurrency bounds the Distributed Map's concurrent child
	// executions (and so the concurrent Load invocations per file).
	// Default: 10.
	MaxConcurrency int
	// TaskTimeoutSeconds bounds each Lambda task; set it at or above the
	// functions' own timeout. Default: 300.
	TaskTimeoutSeconds int
	// ExecutionTimeoutSeconds bounds a whole execution. Default: 3600.
	ExecutionTimeoutSeconds int
	// Retry tunes the retrier of every Lambda task.
	Retry RetryOptions
	// LedgerRetentionDays is how long a ledger item outlives the latest
	// end of its execution: every ledger write sets LedgerTTLAttribute to
	// the claim's time plus ExecutionTimeoutSeconds plus this many days
	// (epoch seconds), after which DynamoDB's TTL deletes the item. So a
	// RUNNING claim never expires before its lease, and an outcome stays
	// at least this long after it was recorded. Default: 90.
	LedgerRetentionDays int
	// LedgerTTLAttribute is the ledger table's TTL attribute. Default:
	// contract.DefaultTTLAttribute ("expires_at").
	LedgerTTLAttribute string
}

// RetryOptions tune how Lambda tasks retry transient errors (Lambda service
// errors, throttling and fnerr.Retryable). Jitter is always FULL.
type RetryOptions struct {
	// IntervalSeconds is the wait before the first retry. Default: 2.
	IntervalSeconds int
	// MaxAttempts is the number of retries. Default: 4.
	MaxAttempts int
	// BackoffRate multiplies the interval after each attempt. Default: 2.
	BackoffRate float64
	// MaxDelaySeconds caps the interval. Default: 30.
	MaxDelaySeconds int
}

// withDefaults fills the zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Type == "" {
		o.Type = Standard
	}
	o.Type = strings.ToUpper(o.Type)
	if o.MapExecutionType == "" {
		o.MapExecutionType = Express
	}
	o.MapExecutionType = strings.ToUpper(o.MapExecutionType)
	def(&o.InlineMaxChunks, 1)
	def(&o.MaxConcurrency, 10)
	def(&o.TaskTimeoutSeconds, 300)
	def(&o.ExecutionTimeoutSeconds, 3600)
	def(&o.Retry.IntervalSeconds, 2)
	def(&o.Retry.MaxAttempts, 4)
	def(&o.Retry.MaxDelaySeconds, 30)
	if o.Retry.BackoffRate == 0 {
		o.Retry.BackoffRate = 2
	}
	def(&o.LedgerRetentionDays, 90)
	if o.LedgerTTLAttribute == "" {
		o.LedgerTTLAttribute = contract.DefaultTTLAttribute
	}
	switch {
	case o.Type == Express:
		return o, fmt.Errorf("pipeline: Type EXPRESS: the pipeline uses a Distributed Map, which only Standard workflows run; use STANDARD (and MapExecutionType EXPRESS for cheap chunks)")
	case o.Type != Standard:
		return o, fmt.Errorf("pipeline: Type %q: want STANDARD", o.Type)
	case o.MapExecutionType != Standard && o.MapExecutionType != Express:
		return o, fmt.Errorf("pipeline: MapExecutionType %q: want STANDARD or EXPRESS", o.MapExecutionType)
	case o.InlineMaxChunks < 1:
		return o, fmt.Errorf("pipeline: InlineMaxChunks %d: want at least 1", o.InlineMaxChunks)
	case o.MaxConcurrency < 0 || o.TaskTimeoutSeconds < 0 || o.ExecutionTimeoutSeconds < 0 ||
		o.Retry.IntervalSeconds < 0 || o.Retry.MaxAttempts < 0 || o.Retry.MaxDelaySeconds < 0:
		return o, fmt.Errorf("pipeline: negative option")
	case o.Retry.BackoffRate < 1:
		return o, fmt.Errorf("pipeline: Retry.BackoffRate %g: want at least 1", o.Retry.BackoffRate)
	case o.LedgerRetentionDays < 1:
		return o, fmt.Errorf("pipeline: LedgerRetentionDays %d: want at least 1", o.LedgerRetentionDays)
	case slices.Contains(ledgerAttributes, o.LedgerTTLAttribute):
		return o, fmt.Errorf("pipeline: LedgerTTLAttribute %q is an attribute the ledger items already hold", o.LedgerTTLAttribute)
	}
	return o, nil
}

// StackOptions returns the options of a Pulumi stack: "dev" (small
// concurrency, short timeouts, Express chunk executions, a month of
// ledger) or "prod" (higher concurrency, Lambda-maximum timeouts, Standard
// chunk executions so that a chunk may take longer than five minutes and
// appears in the history, 400 days of ledger). The platform overrides them
// from the stack's configuration; the local runtime runs them as they are.
func StackOptions(stack string) (Options, error) {
	switch stack {
	case "dev":
		return Options{
			Type:                    Standard,
			MapExecutionType:        Express,
			InlineMaxChunks:         1,
			MaxConcurrency:          5,
			TaskTimeoutSeconds:      120,
			ExecutionTimeoutSeconds: 1800,
			Retry:                   RetryOptions{IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 10},
			LedgerRetentionDays:     30,
		}, nil
	case "prod":
		return Options{
			Type:                    Standard,
			MapExecutionType:        Standard,
			InlineMaxChunks:         1,
			MaxConcurrency:          40,
			TaskTimeoutSeconds:      900,
			ExecutionTimeoutSeconds: 6 * 3600,
			Retry:                   RetryOptions{IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60},
			LedgerRetentionDays:     400,
		}, nil
	}
	return Options{}, fmt.Errorf("pipeline: unknown stack %q (want dev or prod)", stack)
}
