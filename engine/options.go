package engine

import (
	"context"
	"time"
)

// Option configures how New plans an Engine: what is the same for every
// execution of the machine (its identity, its integrations, its limits).
// The planned Engine never changes afterwards.
type Option func(*options)

// RunOption configures one execution: what differs from one Run to the next
// (its name, its clock, who watches it, its random choices).
type RunOption func(*runOptions)

// options are the plan-time settings, fixed by New.
type options struct {
	invoker        Invoker
	store          ObjectStore
	machineName    string
	roleARN        string
	region         string
	account        string
	maxConcurrency int
	historyLimit   int
	payloadLimit   int
	express        bool
}

func defaultOptions() options {
	return options{
		machineName:  "StateMachine",
		roleARN:      "arn:aws:iam::123456789012:role/sluice-local",
		region:       "us-east-1",
		account:      "123456789012",
		historyLimit: DefaultHistoryLimit,
		payloadLimit: DefaultPayloadLimit,
	}
}

// runOptions are the settings of one Run.
type runOptions struct {
	name     string
	clock    Clock
	observer func(Event)
	randSeed int64
	hasSeed  bool
	noStore  bool
}

// DefaultHistoryLimit is the number of history events after which AWS fails
// an execution (25,000).
const DefaultHistoryLimit = 25000

// DefaultPayloadLimit is the largest state input or output AWS accepts, in
// bytes of compact JSON (256 KiB).
const DefaultPayloadLimit = 256 * 1024

// WithInvoker sets how Task states run. Default: every Task fails with
// States.Runtime naming the resource.
func WithInvoker(inv Invoker) Option { return func(o *options) { o.invoker = inv } }

// WithObjectStore sets the object store read by a Distributed Map's
// ItemReader and written by its ResultWriter. Default: none (such a Map fails
// with States.ItemReaderFailed).
func WithObjectStore(s ObjectStore) Option { return func(o *options) { o.store = s } }

// WithStateMachineName sets the name used in $$.StateMachine.Name and the
// ARNs. Default: "StateMachine".
func WithStateMachineName(name string) Option { return func(o *options) { o.machineName = name } }

// WithRoleARN sets $$.Execution.RoleArn. Default: a placeholder role ARN.
func WithRoleARN(arn string) Option { return func(o *options) { o.roleARN = arn } }

// WithAccount sets the region and account used to build ARNs. Default:
// us-east-1 and 123456789012.
func WithAccount(region, account string) Option {
	return func(o *options) { o.region, o.account = region, account }
}

// WithMaxConcurrency bounds the concurrent iterations of a Map whose
// MaxConcurrency is 0 (unbounded) and the branches of a Parallel. Default: 0,
// no bound.
func WithMaxConcurrency(n int) Option { return func(o *options) { o.maxConcurrency = n } }

// WithHistoryLimit sets the number of history events after which an
// execution fails with States.Runtime. Default: DefaultHistoryLimit; 0 keeps
// the default, a negative value disables the limit.
func WithHistoryLimit(n int) Option {
	return func(o *options) {
		if n != 0 {
			o.historyLimit = n
		}
	}
}

// WithPayloadLimit sets the payload size limit in bytes. Default:
// DefaultPayloadLimit; a negative value disables the check.
func WithPayloadLimit(n int) Option {
	return func(o *options) {
		if n != 0 {
			o.payloadLimit = n
		}
	}
}

// WithExpress runs executions as an Express state machine would: the
// context object has no Execution.RedriveCount. Default: Standard.
func WithExpress() Option { return func(o *options) { o.express = true } }

// WithExecutionName sets the execution name used in $$.Execution.Name and the
// execution ARN. Default: a random UUID.
func WithExecutionName(name string) RunOption { return func(o *runOptions) { o.name = name } }

// WithClock sets the time source of the execution: timestamps, Wait states,
// retry intervals and timeouts. A VirtualClock keeps the time it reached, so
// give each Run its own. Default: RealClock.
func WithClock(c Clock) RunOption { return func(o *runOptions) { o.clock = c } }

// WithObserver calls fn with every history event of the execution as it is
// recorded, in id order, for live progress. fn runs on the engine's
// goroutines and must not block for long; calls are serialised. Default:
// none.
func WithObserver(fn func(Event)) RunOption { return func(o *runOptions) { o.observer = fn } }

// WithoutHistory runs the execution without keeping its history: Result's
// History is empty. The events are still numbered, counted against the
// history limit and given to the observer, so the execution behaves the
// same; only their storage is saved (sluice exec without --history).
// Default: the history is kept.
func WithoutHistory() RunOption { return func(o *runOptions) { o.noStore = true } }

// WithRandSeed makes jitter and other random choices of the execution
// reproducible. Default: seeded from the clock.
func WithRandSeed(seed int64) RunOption {
	return func(o *runOptions) { o.randSeed, o.hasSeed = seed, true }
}

// Invoker runs Task states. Implementations must be safe for concurrent use:
// Map and Parallel invoke from many goroutines.
type Invoker interface {
	// Invoke runs one task attempt and returns its raw result (before
	// ResultSelector). Return a *TaskError (or *LambdaError) to fail the task
	// with a chosen error name; any other error fails it with
	// States.TaskFailed.
	Invoke(ctx context.Context, req TaskRequest) (any, error)
}

// InvokerFunc adapts a function to the Invoker interface.
type InvokerFunc func(ctx context.Context, req TaskRequest) (any, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, req TaskRequest) (any, error) { return f(ctx, req) }

// TaskRequest is one attempt of a Task state.
type TaskRequest struct {
	// Resource is the Task's Resource ARN as written in the definition.
	Resource string
	// State is the Task state's name.
	State string
	// Input is the effective task input (after InputPath and Parameters, or
	// Arguments).
	Input any
	// Attempt is 0 for the first attempt and counts retries.
	Attempt int
	// TaskToken is the token of a .waitForTaskToken integration ($$.Task.Token).
	TaskToken string
	// Timeout is the task's TimeoutSeconds, zero when unset.
	Timeout time.Duration
	// Heartbeat is the task's HeartbeatSeconds, zero when unset.
	Heartbeat time.Duration
	// ExecutionARN identifies the running execution.
	ExecutionARN string
}

// ObjectStore is the S3 subset a Distributed Map uses. Implementations must
// be safe for concurrent use.
type ObjectStore interface {
	// GetObject returns an object's content; a missing object is an error.
	GetObject(ctx context.Context, bucket, key string) ([]byte, error)
	// ListObjects lists the objects under prefix in key order.
	ListObjects(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error)
	// PutObject stores an object.
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// ObjectInfo describes one listed object, as an S3 listing item does.
type ObjectInfo struct {
	// Key is the object key.
	Key string
	// Size is the object size in bytes.
	Size int64
	// ETag is the entity tag, quotes included.
	ETag string
	// LastModified is the time of the last write.
	LastModified time.Time
	// StorageClass is the S3 storage class; empty means STANDARD.
	StorageClass string
}
