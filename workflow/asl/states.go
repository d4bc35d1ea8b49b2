package asl

import "encoding/json"

// State is one state of a machine. The concrete types are *Task, *Pass,
// *Choice, *Wait, *Succeed, *Fail, *Parallel and *Map.
type State interface {
	// Kind reports the state's Type.
	Kind() StateType
	// Base returns the fields every state has.
	Base() *Common
}

// Flower is implemented by the states that move on with Next or End: Task,
// Pass, Wait, Parallel and Map.
type Flower interface {
	State
	// Flow returns the state's Next/End fields.
	Flow() *Transition
}

// Handler is implemented by the states that take Retry and Catch: Task,
// Parallel and Map.
type Handler interface {
	State
	// Handling returns the state's Retry/Catch fields.
	Handling() *ErrorHandling
}

// Common holds the fields every state has.
type Common struct {
	// Type is set by Marshal from the concrete type; it need not be filled in.
	Type StateType `json:"Type"`
	// Comment is a human-readable description.
	Comment string `json:"Comment,omitempty"`
	// QueryLanguage overrides the machine's query language for this state.
	// Default: inherited from the machine.
	QueryLanguage QueryLanguage `json:"QueryLanguage,omitempty"`
}

// Base returns c itself.
func (c *Common) Base() *Common { return c }

// Transition holds Next and End. Exactly one must be set on a non-terminal
// state.
type Transition struct {
	// Next names the state to run after this one.
	Next string `json:"Next,omitempty"`
	// End marks the state as terminal for its graph.
	End bool `json:"End,omitempty"`
}

// Flow returns t itself.
func (t *Transition) Flow() *Transition { return t }

// ErrorHandling holds Retry and Catch, tried in order.
type ErrorHandling struct {
	// Retry lists the retriers; the first whose ErrorEquals matches applies.
	Retry []Retrier `json:"Retry,omitempty"`
	// Catch lists the catchers; the first whose ErrorEquals matches applies
	// once retries are exhausted.
	Catch []Catcher `json:"Catch,omitempty"`
}

// Handling returns e itself.
func (e *ErrorHandling) Handling() *ErrorHandling { return e }

// Retrier is one element of a Retry array.
type Retrier struct {
	// ErrorEquals lists the error names this retrier matches.
	ErrorEquals []ErrorName `json:"ErrorEquals"`
	// IntervalSeconds is the wait before the first retry. Default: 1.
	IntervalSeconds *int64 `json:"IntervalSeconds,omitempty"`
	// MaxAttempts is the number of retries; 0 means never retry. Default: 3.
	MaxAttempts *int64 `json:"MaxAttempts,omitempty"`
	// BackoffRate multiplies the interval after each attempt. Default: 2.0.
	BackoffRate *float64 `json:"BackoffRate,omitempty"`
	// MaxDelaySeconds caps the interval. Default: no cap.
	MaxDelaySeconds *int64 `json:"MaxDelaySeconds,omitempty"`
	// JitterStrategy is "FULL" or "NONE". Default: NONE.
	JitterStrategy string `json:"JitterStrategy,omitempty"`
	// Comment is a human-readable description.
	Comment string `json:"Comment,omitempty"`
}

// Catcher is one element of a Catch array.
type Catcher struct {
	// ErrorEquals lists the error names this catcher matches.
	ErrorEquals []ErrorName `json:"ErrorEquals"`
	// ResultPath places the error output in the state input (JSONPath).
	// Default: "$" (the error output replaces the input).
	ResultPath *Path `json:"ResultPath,omitempty"`
	// Output is the JSONata output of the catcher.
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables when the catcher is taken.
	Assign json.RawMessage `json:"Assign,omitempty"`
	// Next names the state to run.
	Next string `json:"Next"`
	// Comment is a human-readable description.
	Comment string `json:"Comment,omitempty"`
}

// Task runs a unit of work: a Lambda function, an activity or a service
// integration.
type Task struct {
	Common
	// Resource is the ARN of the function, activity or integration.
	Resource string `json:"Resource"`
	// Credentials names a role to assume for the task.
	Credentials json.RawMessage `json:"Credentials,omitempty"`
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// Parameters is the payload template of the task input (JSONPath).
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// Arguments is the task input (JSONata).
	Arguments json.RawMessage `json:"Arguments,omitempty"`
	// ResultSelector reshapes the raw result (JSONPath).
	ResultSelector json.RawMessage `json:"ResultSelector,omitempty"`
	// ResultPath places the result in the input (JSONPath). Default: "$".
	ResultPath *Path `json:"ResultPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata). Default: the task result.
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
	// TimeoutSeconds bounds the task. Default: 60 for activities and
	// integrations with AWS's defaults; none for Lambda (the function's own).
	TimeoutSeconds *IntOrExpr `json:"TimeoutSeconds,omitempty"`
	// TimeoutSecondsPath reads TimeoutSeconds from the input (JSONPath).
	TimeoutSecondsPath string `json:"TimeoutSecondsPath,omitempty"`
	// HeartbeatSeconds bounds the time between heartbeats. Default: none.
	HeartbeatSeconds *IntOrExpr `json:"HeartbeatSeconds,omitempty"`
	// HeartbeatSecondsPath reads HeartbeatSeconds from the input (JSONPath).
	HeartbeatSecondsPath string `json:"HeartbeatSecondsPath,omitempty"`
	ErrorHandling
	Transition
}

// Pass passes its input to its output, optionally injecting Result.
type Pass struct {
	Common
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// Parameters is a payload template applied to the input (JSONPath).
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// Result is fixed JSON used as the state's result (JSONPath).
	Result json.RawMessage `json:"Result,omitempty"`
	// ResultPath places the result in the input (JSONPath). Default: "$".
	ResultPath *Path `json:"ResultPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
	Transition
}

// Choice branches on its input.
type Choice struct {
	Common
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// Choices are tried in order; the first that matches names the next state.
	Choices []ChoiceRule `json:"Choices"`
	// Default names the state to run when no rule matches. Default: none, and
	// the execution fails with States.NoChoiceMatched.
	Default string `json:"Default,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
}

// Wait delays the execution.
type Wait struct {
	Common
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// Seconds is the delay.
	Seconds *IntOrExpr `json:"Seconds,omitempty"`
	// SecondsPath reads the delay from the input (JSONPath).
	SecondsPath string `json:"SecondsPath,omitempty"`
	// Timestamp is the RFC 3339 time to wait until (or a JSONata expression).
	Timestamp string `json:"Timestamp,omitempty"`
	// TimestampPath reads the time from the input (JSONPath).
	TimestampPath string `json:"TimestampPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
	Transition
}

// Succeed ends the execution (or branch, or iteration) successfully.
type Succeed struct {
	Common
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
}

// Fail ends the execution with an error.
type Fail struct {
	Common
	// Error is the error name (or a JSONata expression).
	Error string `json:"Error,omitempty"`
	// ErrorPath reads the error name from the input (JSONPath).
	ErrorPath string `json:"ErrorPath,omitempty"`
	// Cause is the error cause (or a JSONata expression).
	Cause string `json:"Cause,omitempty"`
	// CausePath reads the cause from the input (JSONPath).
	CausePath string `json:"CausePath,omitempty"`
}

// Parallel runs branches concurrently with the same input.
type Parallel struct {
	Common
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// Parameters is a payload template for the branches' input (JSONPath).
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// Arguments is the branches' input (JSONata).
	Arguments json.RawMessage `json:"Arguments,omitempty"`
	// Branches are the sub-machines to run.
	Branches []Graph `json:"Branches"`
	// ResultSelector reshapes the array of branch results (JSONPath).
	ResultSelector json.RawMessage `json:"ResultSelector,omitempty"`
	// ResultPath places the result in the input (JSONPath). Default: "$".
	ResultPath *Path `json:"ResultPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
	ErrorHandling
	Transition
}

// Map runs a sub-machine for each item of an array or of an S3 source.
type Map struct {
	Common
	// Label names the child executions of a Distributed Map.
	Label string `json:"Label,omitempty"`
	// InputPath selects part of the input (JSONPath). Default: "$".
	InputPath *Path `json:"InputPath,omitempty"`
	// ItemReader reads the items from S3 (Distributed Map).
	ItemReader *ItemReader `json:"ItemReader,omitempty"`
	// ItemsPath selects the items array (JSONPath). Default: "$".
	ItemsPath string `json:"ItemsPath,omitempty"`
	// Items is the items array or a JSONata expression (JSONata).
	Items json.RawMessage `json:"Items,omitempty"`
	// ItemSelector is a template applied to each item.
	ItemSelector json.RawMessage `json:"ItemSelector,omitempty"`
	// Parameters is the legacy name of ItemSelector.
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// ItemBatcher groups items into batches (Distributed Map).
	ItemBatcher *ItemBatcher `json:"ItemBatcher,omitempty"`
	// MaxConcurrency bounds the concurrent iterations; 0 means no bound.
	// Default: 0.
	MaxConcurrency *IntOrExpr `json:"MaxConcurrency,omitempty"`
	// MaxConcurrencyPath reads MaxConcurrency from the input (JSONPath).
	MaxConcurrencyPath string `json:"MaxConcurrencyPath,omitempty"`
	// ToleratedFailurePercentage is the share of failed items tolerated.
	// Default: 0.
	ToleratedFailurePercentage *NumberOrExpr `json:"ToleratedFailurePercentage,omitempty"`
	// ToleratedFailurePercentagePath reads it from the input (JSONPath).
	ToleratedFailurePercentagePath string `json:"ToleratedFailurePercentagePath,omitempty"`
	// ToleratedFailureCount is the number of failed items tolerated.
	// Default: 0.
	ToleratedFailureCount *IntOrExpr `json:"ToleratedFailureCount,omitempty"`
	// ToleratedFailureCountPath reads it from the input (JSONPath).
	ToleratedFailureCountPath string `json:"ToleratedFailureCountPath,omitempty"`
	// ItemProcessor is the sub-machine run for each item.
	ItemProcessor *Graph `json:"ItemProcessor,omitempty"`
	// Iterator is the legacy name of ItemProcessor.
	Iterator *Graph `json:"Iterator,omitempty"`
	// ResultWriter writes the results to S3 (Distributed Map).
	ResultWriter *ResultWriter `json:"ResultWriter,omitempty"`
	// ResultSelector reshapes the array of results (JSONPath).
	ResultSelector json.RawMessage `json:"ResultSelector,omitempty"`
	// ResultPath places the result in the input (JSONPath). Default: "$".
	ResultPath *Path `json:"ResultPath,omitempty"`
	// OutputPath selects part of the output (JSONPath). Default: "$".
	OutputPath *Path `json:"OutputPath,omitempty"`
	// Output is the state output (JSONata).
	Output json.RawMessage `json:"Output,omitempty"`
	// Assign sets variables.
	Assign json.RawMessage `json:"Assign,omitempty"`
	ErrorHandling
	Transition
}

// Processor returns the Map's sub-machine: ItemProcessor, or the legacy
// Iterator when ItemProcessor is absent.
func (m *Map) Processor() *Graph {
	if m.ItemProcessor != nil {
		return m.ItemProcessor
	}
	return m.Iterator
}

// Distributed reports whether the Map runs in DISTRIBUTED mode.
func (m *Map) Distributed() bool {
	p := m.Processor()
	return p != nil && p.ProcessorConfig != nil && p.ProcessorConfig.Mode == ModeDistributed
}

// Processing modes of a Map's ProcessorConfig.
const (
	ModeInline      = "INLINE"
	ModeDistributed = "DISTRIBUTED"
)

// Graph is a sub-machine: a Parallel branch or a Map's ItemProcessor.
type Graph struct {
	// ProcessorConfig sets a Map's mode; only in ItemProcessor.
	ProcessorConfig *ProcessorConfig `json:"ProcessorConfig,omitempty"`
	// Comment is a human-readable description.
	Comment string `json:"Comment,omitempty"`
	// QueryLanguage overrides the query language inside the graph.
	QueryLanguage QueryLanguage `json:"QueryLanguage,omitempty"`
	// StartAt names the first state.
	StartAt string `json:"StartAt"`
	// States holds the graph's states in document order.
	States States `json:"States"`
}

// ProcessorConfig sets how a Map runs its iterations.
type ProcessorConfig struct {
	// Mode is INLINE or DISTRIBUTED. Default: INLINE.
	Mode string `json:"Mode,omitempty"`
	// ExecutionType is STANDARD or EXPRESS for DISTRIBUTED mode.
	ExecutionType string `json:"ExecutionType,omitempty"`
}

// ItemReader reads a Distributed Map's items from S3.
type ItemReader struct {
	// Resource is the S3 integration, e.g. arn:aws:states:::s3:getObject.
	Resource string `json:"Resource"`
	// ReaderConfig describes the object format.
	ReaderConfig *ReaderConfig `json:"ReaderConfig,omitempty"`
	// Parameters names the bucket and key or prefix (JSONPath).
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// Arguments names the bucket and key or prefix (JSONata).
	Arguments json.RawMessage `json:"Arguments,omitempty"`
}

// ReaderConfig describes how an ItemReader parses its source.
type ReaderConfig struct {
	// InputType is CSV, JSON, JSONL, MANIFEST or PARQUET. Default: an S3
	// listing when absent.
	InputType string `json:"InputType,omitempty"`
	// CSVHeaderLocation is FIRST_ROW or GIVEN.
	CSVHeaderLocation string `json:"CSVHeaderLocation,omitempty"`
	// CSVHeaders lists the column names when CSVHeaderLocation is GIVEN.
	CSVHeaders []string `json:"CSVHeaders,omitempty"`
	// CSVDelimiter is COMMA, PIPE, SEMICOLON, SPACE or TAB. Default: COMMA.
	CSVDelimiter string `json:"CSVDelimiter,omitempty"`
	// ManifestType is S3_INVENTORY or ATHENA_DATA for MANIFEST inputs.
	ManifestType string `json:"ManifestType,omitempty"`
	// Transformation is NONE or LOAD_AND_FLATTEN for listings.
	Transformation string `json:"Transformation,omitempty"`
	// MaxItems bounds the number of items read. Default: all.
	MaxItems *IntOrExpr `json:"MaxItems,omitempty"`
	// MaxItemsPath reads MaxItems from the input (JSONPath).
	MaxItemsPath string `json:"MaxItemsPath,omitempty"`
}

// ItemBatcher groups a Distributed Map's items into batches.
type ItemBatcher struct {
	// MaxItemsPerBatch bounds a batch's item count.
	MaxItemsPerBatch *IntOrExpr `json:"MaxItemsPerBatch,omitempty"`
	// MaxItemsPerBatchPath reads it from the input (JSONPath).
	MaxItemsPerBatchPath string `json:"MaxItemsPerBatchPath,omitempty"`
	// MaxInputBytesPerBatch bounds a batch's size in bytes.
	MaxInputBytesPerBatch *IntOrExpr `json:"MaxInputBytesPerBatch,omitempty"`
	// MaxInputBytesPerBatchPath reads it from the input (JSONPath).
	MaxInputBytesPerBatchPath string `json:"MaxInputBytesPerBatchPath,omitempty"`
	// BatchInput is fixed JSON added to every batch as BatchInput.
	BatchInput json.RawMessage `json:"BatchInput,omitempty"`
}

// ResultWriter writes a Distributed Map's results to S3.
type ResultWriter struct {
	// Resource is arn:aws:states:::s3:putObject.
	Resource string `json:"Resource,omitempty"`
	// Parameters names the bucket and prefix (JSONPath).
	Parameters json.RawMessage `json:"Parameters,omitempty"`
	// Arguments names the bucket and prefix (JSONata).
	Arguments json.RawMessage `json:"Arguments,omitempty"`
	// WriterConfig sets the output shape.
	WriterConfig *WriterConfig `json:"WriterConfig,omitempty"`
}

// WriterConfig sets how a ResultWriter shapes its output.
type WriterConfig struct {
	// OutputType is JSON or JSONL.
	OutputType string `json:"OutputType,omitempty"`
	// Transformation is NONE, COMPACT or FLATTEN.
	Transformation string `json:"Transformation,omitempty"`
}

// Kind reports TypeTask.
func (*Task) Kind() StateType { return TypeTask }

// Kind reports TypePass.
func (*Pass) Kind() StateType { return TypePass }

// Kind reports TypeChoice.
func (*Choice) Kind() StateType { return TypeChoice }

// Kind reports TypeWait.
func (*Wait) Kind() StateType { return TypeWait }

// Kind reports TypeSucceed.
func (*Succeed) Kind() StateType { return TypeSucceed }

// Kind reports TypeFail.
func (*Fail) Kind() StateType { return TypeFail }

// Kind reports TypeParallel.
func (*Parallel) Kind() StateType { return TypeParallel }

// Kind reports TypeMap.
func (*Map) Kind() StateType { return TypeMap }
