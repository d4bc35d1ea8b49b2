package cost

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Model constants. docs/cost.md explains each.
const (
	// HoursPerMonth is AWS's billing month (the Pricing Calculator's 730).
	HoursPerMonth = 730
	// DaysPerMonth is HoursPerMonth in days.
	DaysPerMonth = HoursPerMonth / 24.0
	// GB is the billing gigabyte.
	GB = 1 << 30
	// FullCPUMemoryMB is the memory at which a Lambda function has one
	// full vCPU; below it, CPU-bound time stretches in proportion.
	FullCPUMemoryMB = 1769
	// ItemOverheadBytes is what the loader adds to every item (pk, sk,
	// _source_key, _source_version, _source_order, _execution,
	// _ingested_at, _line), measured on a loaded orders item.
	ItemOverheadBytes = 300
	// DynamoIndexOverheadBytes is DynamoDB's per-item storage overhead.
	DynamoIndexOverheadBytes = 100
	// LedgerItemBytes is the size of a ledger item of a LOADED file.
	LedgerItemBytes = 600
	// IAMinObjectBytes is Standard-IA's minimum billable object size.
	IAMinObjectBytes = 128 << 10
	// ExpressMemoryGB is an Express chunk execution's billed memory (the
	// 64 MB minimum step: the chunk's payload is a few hundred bytes), and
	// a batch's Express child's (its payload is a file's event).
	ExpressMemoryGB = 64.0 / 1024
	// ExpressCallMS is what the model bills an Express execution for each
	// service call other than a Lambda invocation (a DynamoDB, S3, SNS,
	// EventBridge or Step Functions request): an allowance for the round
	// trip, not a measurement.
	ExpressCallMS = 50
	// LambdaPlatformLogBytes is what Lambda logs per invocation (START,
	// END and REPORT lines); LambdaAppLogBytes what the functions log at
	// INFO per invocation, and LambdaDebugLogBytes at DEBUG or TRACE.
	LambdaPlatformLogBytes = 350
	LambdaAppLogBytes      = 600
	LambdaDebugLogBytes    = 2000
	// SFNEventLogBytes is the size of one execution log event at level
	// ALL without data; SFNEventDataLogBytes with includeExecutionData.
	// SFNEventsPerState is how many history events a state writes.
	SFNEventLogBytes     = 400
	SFNEventDataLogBytes = 1500
	SFNEventsPerState    = 2
	// BucketKeyShare is the share of S3 object requests that still call
	// KMS with an S3 Bucket Key (AWS: "up to 99%" fewer calls).
	BucketKeyShare = 0.01
	// DynamoKMSRequestsPerTableHour: DynamoDB refreshes a table's data key
	// from KMS about every five minutes while the table is used.
	DynamoKMSRequestsPerTableHour = 12
	// DataTables is the number of dataset tables the load goes to.
	DataTables = 1
	// NATGateways is the number of NAT gateways egress nat deploys: one,
	// in the first zone (platform/security), each with one Elastic IP.
	NATGateways = 1
	// DefaultAPICallBytes is what one HTTP enrichment call moves through
	// the NAT gateway, both directions: request line and headers, the
	// JSON answer, TLS framing, with the connection's handshake spread
	// over the calls it carries. An estimate, not a measurement:
	// Workload.APICallBytes (--api-call-bytes) overrides it.
	DefaultAPICallBytes = 2048
)

// Workload is what the stack processes.
type Workload struct {
	// FilesPerDay is the number of files arriving a day.
	FilesPerDay float64
	// RecordsPerFile is the number of records of each file.
	RecordsPerFile int64
	// RecordBytes is the size of one record (attribute names and values
	// as stored). Default: 200.
	RecordBytes int
	// Enrich says whether the dataset declares enrichment (the Enrich
	// task runs).
	Enrich bool
	// RetryRate is the share of task attempts that fail once and are
	// retried. Default: 0 (no retries); the CLI's default is 0.01.
	RetryRate float64
	// ChunkRecords is the most records per staged chunk. Default:
	// contract.DefaultChunkRecords.
	ChunkRecords int
	// Months is the month of operation the bill is for: the bucket and the
	// tables then hold Months months of data. Default: 12.
	Months float64
	// APICallsPerRecord is the external API calls the enricher makes per
	// record (the dataset's HTTP enrichments: one call each per record);
	// with egress nat they go through the NAT gateway. Default: 0.
	APICallsPerRecord float64
	// APICallBytes is the bytes one API call moves, both directions.
	// Default: DefaultAPICallBytes.
	APICallBytes int
	// APICallOutBytes is the part of APICallBytes that goes out (the
	// request), which AWS bills as data transfer out to the internet;
	// the answer comes in free. Default: half of APICallBytes.
	APICallOutBytes int
	// Dataset names the dataset the files belong to; when the stack
	// batches it (Stack.BatchDatasets), the bill is the batch machine's.
	// Default: "" (a dataset run per file).
	Dataset string
}

func (w Workload) withDefaults() (Workload, error) {
	if w.RecordBytes == 0 {
		w.RecordBytes = 200
	}
	if w.ChunkRecords == 0 {
		w.ChunkRecords = contract.DefaultChunkRecords
	}
	if w.Months == 0 {
		w.Months = 12
	}
	if w.APICallBytes == 0 {
		w.APICallBytes = DefaultAPICallBytes
	}
	if w.APICallOutBytes == 0 {
		w.APICallOutBytes = (w.APICallBytes + 1) / 2
	}
	var errs []error
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	if bad(w.FilesPerDay) || w.FilesPerDay <= 0 {
		errs = append(errs, fmt.Errorf("files per day %v: want a positive number", w.FilesPerDay))
	}
	if w.RecordsPerFile <= 0 {
		errs = append(errs, fmt.Errorf("records per file %d: want a positive number", w.RecordsPerFile))
	}
	if w.RecordBytes < 1 || w.RecordBytes > 400<<10-ItemOverheadBytes {
		errs = append(errs, fmt.Errorf("record bytes %d: want 1 to %d (a DynamoDB item holds 400 KB)", w.RecordBytes, 400<<10-ItemOverheadBytes))
	}
	if bad(w.RetryRate) || w.RetryRate < 0 || w.RetryRate > 1 {
		errs = append(errs, fmt.Errorf("retry rate %v: want 0 to 1", w.RetryRate))
	}
	if w.ChunkRecords < 1 {
		errs = append(errs, fmt.Errorf("chunk records %d: want at least 1", w.ChunkRecords))
	}
	if bad(w.Months) || w.Months < 1 || w.Months > 120 {
		errs = append(errs, fmt.Errorf("months %v: want 1 to 120", w.Months))
	}
	if bad(w.APICallsPerRecord) || w.APICallsPerRecord < 0 || w.APICallsPerRecord > 100 {
		errs = append(errs, fmt.Errorf("API calls per record %v: want 0 to 100", w.APICallsPerRecord))
	}
	if w.APICallsPerRecord > 0 && !w.Enrich {
		errs = append(errs, fmt.Errorf("API calls per record %v: the enricher makes them, so the dataset must declare enrichment", w.APICallsPerRecord))
	}
	if w.APICallBytes < 1 || w.APICallBytes > 10<<20 {
		errs = append(errs, fmt.Errorf("API call bytes %d: want 1 to %d", w.APICallBytes, 10<<20))
	}
	if w.APICallOutBytes < 1 || w.APICallOutBytes > w.APICallBytes {
		errs = append(errs, fmt.Errorf("API call out bytes %d: want 1 to the API call bytes %d (the request is part of the call)", w.APICallOutBytes, w.APICallBytes))
	}
	return w, errors.Join(errs...)
}

// Line is one priced quantity of a bill.
type Line struct {
	// Item says what is counted.
	Item string `json:"item"`
	// Quantity is the number of units a month.
	Quantity float64 `json:"quantity"`
	// Unit is the priced unit; UnitUSD its price (a key of the prices
	// file in Price).
	Unit    string  `json:"unit"`
	Price   string  `json:"price"`
	UnitUSD float64 `json:"unit_usd"`
	// USD is Quantity × UnitUSD.
	USD float64 `json:"usd"`
}

// Service is one service's part of a bill.
type Service struct {
	// USD is the sum of the lines.
	USD float64 `json:"usd"`
	// Lines are the priced quantities.
	Lines []Line `json:"lines"`
}

// Services names the services of a bill, in display order.
var Services = []string{"stepfunctions", "lambda", "dynamodb", "s3", "cloudwatch_logs", "kms", "eventbridge", "vpc", "data_transfer"}

// ServiceTitles are the services' display names.
var ServiceTitles = map[string]string{
	"stepfunctions": "Step Functions", "lambda": "Lambda", "dynamodb": "DynamoDB", "s3": "S3",
	"cloudwatch_logs": "CloudWatch Logs", "kms": "KMS", "eventbridge": "EventBridge", "vpc": "VPC", "data_transfer": "Data transfer",
}

// Bill is the monthly estimate of one stack for one workload.
type Bill struct {
	// Stack, Region and the prices' date say what was priced.
	Stack         string `json:"stack"`
	PricesRegion  string `json:"prices_region"`
	PricesChecked string `json:"prices_checked"`
	// TotalUSD is the sum of the services.
	TotalUSD float64 `json:"total_usd"`
	// Services maps each of Services to its part.
	Services map[string]*Service `json:"services"`
	// Facts are the quantities the bill derives from the machine and the
	// workload.
	Facts Facts `json:"facts"`
}

// Facts are the derived quantities behind a bill.
type Facts struct {
	FilesPerMonth      float64        `json:"files_per_month"`
	Chunks             int64          `json:"chunks_per_file"`
	ChunkRecords       int            `json:"chunk_records"`
	Distributed        bool           `json:"distributed_map"`
	MapExecutionType   string         `json:"map_execution_type"`
	States             []string       `json:"states"`
	ChunkStates        []string       `json:"chunk_states,omitempty"`
	TransitionsPerFile float64        `json:"transitions_per_file"`
	ItemBytes          int            `json:"item_bytes"`
	CapacityMode       string         `json:"capacity_mode"`
	MemoryMB           map[string]int `json:"memory_mb"`
	Months             float64        `json:"months"`
	RetryRate          float64        `json:"retry_rate"`
	// LambdaMSPerFile is the Lambda time of one file's path, without
	// retries: what an Express execution of the file would last.
	LambdaMSPerFile float64 `json:"lambda_ms_per_file"`
	// Mode is how the stack runs the files: ModePerFile or ModeBatch.
	// States are then the batch's child execution's.
	Mode string `json:"mode"`
	// Batch describes the batches (nil per file).
	Batch *BatchFacts `json:"batch,omitempty"`
	// Endpoints are the VPC endpoints the stack deploys (none without
	// vpc), priced under vpc.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// Modes of Facts.Mode.
const (
	// ModePerFile is one execution of the per-file machine a file.
	ModePerFile = "per file"
	// ModeBatch is the batch machine: one execution per dataset per
	// schedule, an EXPRESS child execution per file (and, for a file
	// handed to the per-file machine, that machine's execution and a
	// second child, of the next batch, that settles it).
	ModeBatch = "batch"
)

// BatchFacts are the quantities of batch mode.
type BatchFacts struct {
	// Dataset is the batched dataset; Schedule the stack's batchSchedule.
	Dataset  string `json:"dataset"`
	Schedule string `json:"schedule"`
	// ExecutionsPerMonth is the batch executions a month (the schedule's
	// runs); FilesPerExecution the files each takes on average.
	ExecutionsPerMonth float64 `json:"executions_per_month"`
	FilesPerExecution  float64 `json:"files_per_execution"`
	// MaxFiles is batchMaxFiles: files beyond it wait for the next batch.
	MaxFiles int `json:"max_files"`
	// States are the batch execution's own states; ChildStates one
	// file's child execution's.
	States      []string `json:"states"`
	ChildStates []string `json:"child_states"`
	// HandedOff is set when the batch hands each file to the per-file
	// machine (a file larger than ExpressMaxBytes, or of more chunks than
	// load inline): Facts.States are then that execution's, and
	// SettleStates the states of the next batch's child that settles it.
	HandedOff    bool     `json:"handed_off,omitempty"`
	SettleStates []string `json:"settle_states,omitempty"`
	// ChildExecutions is the Express child executions a file costs, and
	// ChildSeconds their billed duration in all.
	ChildExecutions int     `json:"child_executions"`
	ChildSeconds    float64 `json:"child_seconds"`
}

// Model prices workloads for one stack: its compiled machine, options,
// prices and timings.
type Model struct {
	Stack   Stack
	Prices  Prices
	Timings Timings

	// Datasets are the datasets the stack deploys: their HTTP
	// enrichments' secrets decide the Secrets Manager endpoint. NewModel
	// sets dataset.Builtin(), what the program deploys by default.
	Datasets *dataset.Set

	machine *asl.StateMachine
	opts    pipeline.Options
	// batch is the batch machine, which prices the datasets the stack
	// batches.
	batch *asl.StateMachine
}

// NewModel compiles the stack's machine.
func NewModel(s Stack, p Prices, t Timings) (*Model, error) {
	m, o, err := Machine(s)
	if err != nil {
		return nil, err
	}
	b, err := BatchMachine(s)
	if err != nil {
		return nil, err
	}
	return &Model{Stack: s, Prices: p, Timings: t, Datasets: dataset.Builtin(), machine: m, opts: o, batch: b}, nil
}

// WithBatchMachine returns a copy of m that prices machine as the batch
// machine instead of the stack's own: tests use it.
func (m *Model) WithBatchMachine(machine *asl.StateMachine) *Model {
	c := *m
	c.batch = machine
	return &c
}

// WithMachine returns a copy of m that prices machine (compiled with
// options o) instead of the stack's own: comparisons and tests use it.
func (m *Model) WithMachine(machine *asl.StateMachine, o pipeline.Options) *Model {
	c := *m
	c.machine, c.opts = machine, o
	return &c
}

// chunks returns the chunk count of a file and the records per chunk
// (the transform closes a chunk at ChunkRecords records or
// DefaultChunkBytes bytes).
func chunks(w Workload) (int64, int) {
	per := w.ChunkRecords
	if byBytes := contract.DefaultChunkBytes / w.RecordBytes; byBytes >= 1 && byBytes < per {
		per = byBytes
	}
	return (w.RecordsPerFile + int64(per) - 1) / int64(per), per
}

// Estimate prices w.
func (m *Model) Estimate(w Workload) (*Bill, error) {
	w, err := w.withDefaults()
	if err != nil {
		return nil, err
	}
	nChunks, perChunk := chunks(w)
	// The path is the same for every chunk count past the inline bound:
	// take it with at most one chunk more, then scale.
	taken := nChunks
	if limit := int64(m.opts.InlineMaxChunks) + 1; taken > limit {
		taken = limit
	}
	var (
		path  Path
		batch *BatchPath
	)
	if m.Stack.Batched(w.Dataset) {
		// Two files a batch: the model checks that their child executions
		// are alike, then prices one. A file the child hands to the
		// per-file machine is processed by that machine's path.
		bp, err := TakeBatchPath(m.batch, 2, int(taken), w.RecordsPerFile*int64(w.RecordBytes), w.Enrich)
		if err != nil {
			return nil, err
		}
		batch, path = &bp, bp.File
		if bp.HandedOff {
			if path, err = TakePath(m.machine, int(taken), w.Enrich); err != nil {
				return nil, err
			}
		}
	} else if path, err = TakePath(m.machine, int(taken), w.Enrich); err != nil {
		return nil, err
	}
	e := &estimate{
		m: m, s: m.Stack, w: w, path: path,
		C: float64(nChunks), F: w.FilesPerDay * DaysPerMonth, M: float64(w.RecordsPerFile), r: w.RetryRate,
		H:             w.Months * DaysPerMonth,
		childStandard: path.Distributed && m.opts.MapExecutionType == pipeline.Standard,
		runs:          reconcileRuns(m.Stack.ReconcileSchedule),
		batch:         batch,
		bill:          &Bill{Stack: m.Stack.Name, PricesRegion: m.Prices.Region, PricesChecked: m.Prices.Checked, Services: map[string]*Service{}},
	}
	for _, name := range Services {
		e.bill.Services[name] = &Service{Lines: []Line{}}
	}
	if batch != nil {
		if e.ticks, err = scheduleRuns(m.Stack.BatchSchedule); err != nil {
			return nil, fmt.Errorf("batchSchedule: %w", err)
		}
	}
	e.stepFunctions()
	e.lambda()
	e.expressChunks()
	e.expressChildren()
	e.dynamoDB()
	e.s3()
	e.logs()
	e.kms()
	e.eventBridge()
	e.vpc()
	e.dataTransfer()
	b := e.bill
	for _, name := range Services {
		sv := b.Services[name]
		for _, l := range sv.Lines {
			sv.USD += l.USD
		}
		b.TotalUSD += sv.USD
	}
	b.Facts = Facts{
		FilesPerMonth: e.F, Chunks: nChunks, ChunkRecords: perChunk, Distributed: path.Distributed,
		MapExecutionType: m.opts.MapExecutionType, States: path.States, ChunkStates: path.ChunkStates,
		TransitionsPerFile: e.transitionsPerFile, ItemBytes: w.RecordBytes + ItemOverheadBytes, CapacityMode: m.Stack.CapacityMode,
		MemoryMB: m.Stack.FunctionMemoryMB, Months: w.Months, RetryRate: w.RetryRate, LambdaMSPerFile: e.fileMS + e.C*e.chunkMS,
		Mode: ModePerFile, Endpoints: e.endpoints,
	}
	if batch != nil {
		b.Facts.Mode = ModeBatch
		b.Facts.Batch = &BatchFacts{
			Dataset: w.Dataset, Schedule: m.Stack.BatchSchedule, ExecutionsPerMonth: e.ticks, FilesPerExecution: e.F / e.ticks,
			MaxFiles: m.Stack.BatchMaxFiles, States: batch.States, ChildStates: batch.File.States,
			HandedOff: batch.HandedOff, ChildExecutions: batch.Children(), ChildSeconds: e.childSeconds,
		}
		if batch.HandedOff {
			b.Facts.Batch.SettleStates = batch.Settle.States
		}
	}
	return b, nil
}

// estimate is one Estimate in progress: the workload's quantities, the
// path, and the bill its methods add lines to, one method per service.
type estimate struct {
	m    *Model
	s    Stack
	w    Workload
	path Path
	// C chunks a file, F files a month, M records a file, r the retry
	// rate, H days of data kept.
	C, F, M, r, H float64
	childStandard bool
	// runs is the reconciler's runs a month.
	runs float64
	// batch is the batch execution's path when the dataset is batched
	// (path is then its child's); ticks its executions a month.
	batch *BatchPath
	ticks float64
	bill  *Bill

	// Set by the methods, read by later ones.
	transitionsPerFile float64
	childSeconds       float64 // billed seconds of a file's Express batch children
	invocations        float64 // Lambda invocations a month
	enrichInvocations  float64 // the enricher's, a month
	endpoints          []Endpoint
	chunkMS, fileMS    float64 // Lambda time of a chunk execution, of the parent path
	puts, gets         float64 // S3 object requests a file
}

// add appends a line of quantity qty at price to service.
func (e *estimate) add(service, item string, qty float64, unit, price string) {
	u := e.m.Prices.USD(price)
	e.bill.Services[service].Lines = append(e.bill.Services[service].Lines, Line{Item: item, Quantity: qty, Unit: unit, Price: price, UnitUSD: u, USD: qty * u})
}

// stepFunctions: the Standard transitions of the file's execution and,
// when STANDARD, of its chunk executions; each retry is one more. In a
// batch, a file's Express child is no Standard execution: the batch's
// Distributed Map is billed one transition for each child it starts, and
// a file the child hands over runs the per-file machine's path.
func (e *estimate) stepFunctions() {
	p := e.path
	parent := float64(len(p.States)) + e.r*float64(p.Tasks)
	child := float64(len(p.ChunkStates)) + e.r*float64(p.ChunkTasks)
	b := e.batch
	if b == nil || b.HandedOff {
		e.transitionsPerFile = parent
		if e.childStandard {
			e.transitionsPerFile += e.C * child
		}
		what := "a file"
		if b != nil {
			what = "a file's execution of the per-file machine, which the batch's child starts"
		}
		e.add("stepfunctions", fmt.Sprintf("state transitions: %d states %s (%s)%s%s", len(p.States), what, strings.Join(p.States, ", "),
			chunkNote(p, e.childStandard, int64(e.C)), retryNote(e.r, p.Tasks+p.ChunkTasks)), e.F*e.transitionsPerFile, "transition", PriceTransition)
	}
	if b != nil {
		kids := float64(b.Children())
		e.transitionsPerFile += kids
		e.add("stepfunctions", fmt.Sprintf("the batch's Distributed Map starts %s Express child execution(s) a file: one transition each", num(kids)),
			e.F*kids, "transition", PriceTransition)
		e.add("stepfunctions", fmt.Sprintf("batch executions: %s a month (%s) × %d states (%s)", num(e.ticks), e.s.BatchSchedule, len(b.States), strings.Join(b.States, ", ")),
			e.ticks*float64(len(b.States)), "transition", PriceTransition)
	}
}

// memory is function fn's memory in MB.
func (e *estimate) memory(fn string) float64 {
	if mb := e.s.FunctionMemoryMB[fn]; mb > 0 {
		return float64(mb)
	}
	return float64(e.s.MemoryMB)
}

// duration is one invocation of fn over records, in ms: CPU-bound time
// stretched below a full vCPU.
func (e *estimate) duration(fn string, records float64) float64 {
	t := e.m.Timings.Functions[fn]
	scale := 1.0
	if mem := e.memory(fn); t.CPUBound && mem < FullCPUMemoryMB {
		scale = FullCPUMemoryMB / mem
	}
	return t.InvocationMS + records*t.RecordUS/1000*scale
}

// lambda: GB-seconds of each function at its memory, the reconciler's
// runs, and the requests.
func (e *estimate) lambda() {
	p := e.path
	chunkRecs := e.M / e.C
	for _, fn := range []string{pipeline.FunctionValidate, pipeline.FunctionTransform, pipeline.FunctionEnrich, pipeline.FunctionLoad} {
		// A file of more chunks than load inline is validated and
		// transformed in the batch's child before it is handed over.
		extra := e.handOffInvocations(fn)
		n := float64(p.Invocations[fn]+extra) * (1 + e.r)
		records := e.M
		if fn == pipeline.FunctionEnrich || fn == pipeline.FunctionLoad {
			records = chunkRecs // the inline path handles one chunk
		}
		if c := p.ChunkInvocations[fn]; c > 0 {
			e.chunkMS += float64(c) * e.duration(fn, chunkRecs)
			n += e.C * float64(c) * (1 + e.r)
		}
		if n == 0 {
			continue
		}
		ms := e.duration(fn, records)
		e.fileMS += float64(p.Invocations[fn]+extra) * ms
		e.invocations += e.F * n
		if fn == pipeline.FunctionEnrich {
			e.enrichInvocations = e.F * n
		}
		e.add("lambda", fmt.Sprintf("%s: %s invocations a file × %s ms × %s MB", fn, num(n), num(ms), num(e.memory(fn))),
			e.F*n*ms/1000*e.memory(fn)/1024, "GB-second (arm64)", PriceLambdaGBSecond)
	}
	recMS := e.m.Timings.Functions["reconcile"].InvocationMS
	e.add("lambda", fmt.Sprintf("reconcile: %s runs (%s) × %s ms × %s MB", num(e.runs), e.s.ReconcileSchedule, num(recMS), num(e.memory("reconcile"))),
		e.runs*recMS/1000*e.memory("reconcile")/1024, "GB-second (arm64)", PriceLambdaGBSecond)
	e.add("lambda", "requests", e.invocations+e.runs, "invocation", PriceLambdaRequest)
}

// expressChunks: EXPRESS chunk executions, a request each and their
// Lambda time in 100 ms steps at 64 MB.
func (e *estimate) expressChunks() {
	if !e.path.Distributed || e.childStandard {
		return
	}
	billedS := math.Ceil(e.chunkMS/100) / 10
	e.add("stepfunctions", fmt.Sprintf("Express chunk executions: %s a file", num(e.C)), e.F*e.C, "execution", PriceExpressRequest)
	e.add("stepfunctions", fmt.Sprintf("Express duration: %s s a chunk (its Lambda time, in 100 ms steps) × 64 MB", num(billedS)),
		e.F*e.C*billedS*ExpressMemoryGB, "GB-second", PriceExpressGBSecond)
}

// expressChildren: a batched file's Express child executions, a request
// each and their duration: the Lambda time of the functions each invokes
// and ExpressCallMS a service call, in 100 ms steps, at 64 MB.
func (e *estimate) expressChildren() {
	b := e.batch
	if b == nil {
		return
	}
	kids := []Path{b.File}
	if b.HandedOff {
		kids = append(kids, b.Settle)
	}
	var names []string
	for _, k := range kids {
		ms := 0.0
		calls := k.Tasks
		for fn, n := range k.Invocations {
			records := e.M
			if fn == pipeline.FunctionEnrich || fn == pipeline.FunctionLoad {
				records = e.M / e.C
			}
			ms += float64(n) * e.duration(fn, records)
			calls -= n
		}
		ms += float64(max(calls, 0)) * ExpressCallMS
		e.childSeconds += math.Ceil(ms/100) / 10
		names = append(names, fmt.Sprintf("%d states", len(k.States)))
	}
	what := "its child"
	if b.HandedOff {
		what = "the child that hands it to the per-file machine, then the next batch's that settles it"
	}
	e.add("stepfunctions", fmt.Sprintf("Express child executions: %d a file (%s: %s)", len(kids), what, strings.Join(names, ", ")),
		e.F*float64(len(kids)), "execution", PriceExpressRequest)
	e.add("stepfunctions", fmt.Sprintf("Express child duration: %s s a file (Lambda time and %d ms a service call, in 100 ms steps) × 64 MB", num(e.childSeconds), ExpressCallMS),
		e.F*e.childSeconds*ExpressMemoryGB, "GB-second", PriceExpressGBSecond)
}

// handOffInvocations is the invocations of fn in the batch children of a
// file handed to the per-file machine (0 otherwise: the child's path is
// then e.path).
func (e *estimate) handOffInvocations(fn string) int {
	if b := e.batch; b != nil && b.HandedOff {
		return b.File.Invocations[fn] + b.Settle.Invocations[fn]
	}
	return 0
}

// childCalls is a file's calls of resource ("aws-sdk:s3:headObject",
// "dynamodb:getItem", ...) in its batch children: its whole path's for a
// file its child processed, the hand-off's and settling's otherwise.
func (e *estimate) childCalls(resource string) int {
	if b := e.batch; b != nil && b.HandedOff {
		return b.File.Calls[resource] + b.Settle.Calls[resource]
	}
	return e.path.Calls[resource]
}

// calls is a file's calls of resource on every execution it goes
// through.
func (e *estimate) calls(resource string) int {
	if b := e.batch; b != nil && b.HandedOff {
		return e.path.Calls[resource] + e.childCalls(resource)
	}
	return e.path.Calls[resource]
}

// dynamoDB: item and ledger writes, the loader's version reads, by
// capacity mode; storage and PITR of H days of items.
func (e *estimate) dynamoDB() {
	s, F, M, r := e.s, e.F, e.M, e.r
	itemBytes := e.w.RecordBytes + ItemOverheadBytes
	wcuPerItem := math.Ceil(float64(itemBytes) / 1024)
	rcuPerItem := math.Ceil(float64(itemBytes) / 4096)
	dataWrites := F * M * wcuPerItem * (1 + r)
	dataReads := F * M * rcuPerItem * (1 + r) // the loader's consistent BatchGetItem of existing versions
	ledgerWrites := F * float64(e.calls("dynamodb:putItem")+e.calls("dynamodb:updateItem"))
	ledgerReads := F * float64(e.calls("dynamodb:getItem"))
	if s.CapacityMode == "provisioned" {
		target := float64(s.AutoscalingTarget) / 100
		units := func(perMonth float64, lo, hi int) float64 {
			u := math.Ceil(perMonth / (HoursPerMonth * 3600) / target)
			return math.Min(math.Max(u, float64(lo)), float64(hi))
		}
		wcu := units(dataWrites, s.WriteCapacity, s.MaxWriteCapacity) + units(ledgerWrites, s.WriteCapacity, s.MaxWriteCapacity)
		rcu := units(dataReads, s.ReadCapacity, s.MaxReadCapacity) + units(ledgerReads, s.ReadCapacity, s.MaxReadCapacity)
		e.add("dynamodb", fmt.Sprintf("provisioned writes: %s WCU over %d tables (average rate at %d%% target, within %d..%d per table)", num(wcu), DataTables+1, s.AutoscalingTarget, s.WriteCapacity, s.MaxWriteCapacity), wcu*HoursPerMonth, "WCU-hour", PriceDynamoWCUHour)
		e.add("dynamodb", fmt.Sprintf("provisioned reads: %s RCU over %d tables", num(rcu), DataTables+1), rcu*HoursPerMonth, "RCU-hour", PriceDynamoRCUHour)
	} else {
		e.add("dynamodb", fmt.Sprintf("item writes: %s records a file × %s WRU (%d-byte items)", num(M), num(wcuPerItem), itemBytes), dataWrites, "write request unit", PriceDynamoWrite)
		e.add("dynamodb", "ledger writes (claim, record)", ledgerWrites, "write request unit", PriceDynamoWrite)
		e.add("dynamodb", "version reads before writing (consistent BatchGetItem)", dataReads+ledgerReads, "read request unit", PriceDynamoRead)
	}
	storedGB := (F*e.w.Months*M*float64(itemBytes+DynamoIndexOverheadBytes) + F*e.w.Months*LedgerItemBytes) / GB
	e.add("dynamodb", fmt.Sprintf("storage: %s months of items (every record a new item)", num(e.w.Months)), storedGB, "GB-month", PriceDynamoStorage)
	if s.PointInTimeRecovery {
		e.add("dynamodb", "point-in-time recovery of that storage", storedGB, "GB-month", PriceDynamoPITR)
	}
}

// s3: object requests, the reconciler's listing, incoming files by
// lifecycle class and staged chunks, lifecycle transitions.
func (e *estimate) s3() {
	s, F, C, H, path := e.s, e.F, e.C, e.H, e.path
	fileBytes := e.M * float64(e.w.RecordBytes)
	e.puts = 1 + C + 1 + float64(path.MapWrites) // upload, chunks, manifest, Map results
	e.gets = 2 + C + float64(path.MapReads)      // validate and transform read the file; load reads each chunk
	if e.w.Enrich {
		e.puts += C
		e.gets += C
	}
	e.add("s3", "PUT: upload, staged chunks, manifest"+mapNote(path), F*e.puts, "request", PriceS3Put)
	e.add("s3", "GET: validate and transform read the file, load (and enrich) each chunk", F*e.gets, "request", PriceS3Get)
	if b := e.batch; b != nil {
		// Each batch lists the pending files (one page: a batch takes at
		// most 1,000); each child heads its file, copies the version under
		// processed/ and deletes it. DELETE requests are free.
		e.add("s3", fmt.Sprintf("LIST: each batch lists the dataset's pending files (%s a batch, at most %d)", num(F/e.ticks), e.s.BatchMaxFiles), e.ticks*float64(b.Lists), "request", PriceS3Put)
		head, cp, del := float64(e.childCalls("aws-sdk:s3:headObject")), float64(e.childCalls("aws-sdk:s3:copyObject")), float64(e.childCalls("aws-sdk:s3:deleteObject"))
		e.add("s3", "HEAD: the batch's child reads the listed key's current version", F*head, "request", PriceS3Get)
		e.add("s3", "COPY: the child keeps the processed version under processed/<dataset>/<versionId>/", F*cp, "request", PriceS3Put)
		e.bill.Services["s3"].Lines = append(e.bill.Services["s3"].Lines, Line{
			Item: "DELETE: the child deletes the settled version (DELETE requests: no charge)", Quantity: F * del, Unit: "request",
		})
		e.puts += cp
		e.gets += head
	}
	// The reconciler lists the bucket's top level, then every prefix but
	// the pipeline's own (staged chunks, results, processed copies: see
	// contract.InternalPrefixes): the files kept under the dataset's
	// prefix, which for a batched dataset are only those pending.
	objects := F * e.w.Months
	if e.batch != nil {
		objects = F / e.ticks
	}
	lists := e.runs * (1 + math.Ceil(math.Max(objects, 1)/1000))
	e.add("s3", fmt.Sprintf("LIST: the reconciler lists %s files under the dataset's prefix, %s runs", num(math.Round(objects)), num(e.runs)), lists, "request", PriceS3Put)
	daily := e.w.FilesPerDay * fileBytes
	stdDays := math.Min(H, float64(s.IncomingIADays))
	iaDays := math.Max(0, math.Min(H, float64(s.IncomingGlacierDays))-float64(s.IncomingIADays))
	glacierDays := math.Max(0, H-float64(s.IncomingGlacierDays))
	e.add("s3", fmt.Sprintf("incoming files in STANDARD (first %d days) and staged chunks (%d days)", s.IncomingIADays, s.StagingExpireDays),
		(daily*stdDays+daily*math.Min(H, float64(s.StagingExpireDays)))/GB, "GB-month", PriceS3Standard)
	if iaDays > 0 {
		e.add("s3", fmt.Sprintf("incoming files in STANDARD_IA (days %d to %d, 128 KB minimum an object)", s.IncomingIADays, s.IncomingGlacierDays),
			e.w.FilesPerDay*math.Max(fileBytes, IAMinObjectBytes)*iaDays/GB, "GB-month", PriceS3StandardIA)
		e.add("s3", "lifecycle transitions to STANDARD_IA", F, "request", PriceS3ToStandardIA)
	}
	if glacierDays > 0 {
		e.add("s3", fmt.Sprintf("incoming files in GLACIER (after day %d)", s.IncomingGlacierDays), daily*glacierDays/GB, "GB-month", PriceS3Glacier)
		e.add("s3", "lifecycle transitions to GLACIER", F, "request", PriceS3ToGlacier)
	}
}

// logs: what the functions and the executions log, and its retention.
func (e *estimate) logs() {
	s := e.s
	app := float64(LambdaAppLogBytes)
	if s.FunctionLogLevel == "DEBUG" || s.FunctionLogLevel == "TRACE" {
		app = LambdaDebugLogBytes
	}
	lambdaLog := (e.invocations + e.runs) * (LambdaPlatformLogBytes + app)
	sfnLog := 0.0
	if s.StateMachineLogLevel == "ALL" {
		per := float64(SFNEventLogBytes)
		if s.IncludeExecutionData {
			per = SFNEventDataLogBytes
		}
		states := float64(len(e.path.States))
		if e.path.Distributed {
			states += e.C * float64(len(e.path.ChunkStates))
		}
		if b := e.batch; b != nil && b.HandedOff {
			states += float64(len(b.File.States) + len(b.Settle.States))
		}
		sfnLog = e.F * states * SFNEventsPerState * per
		if e.batch != nil {
			sfnLog += e.ticks * float64(len(e.batch.States)) * SFNEventsPerState * per
		}
	}
	ingestGB := (lambdaLog + sfnLog) / GB
	e.add("cloudwatch_logs", fmt.Sprintf("ingestion: functions at %s, executions at %s", s.FunctionLogLevel, s.StateMachineLogLevel), ingestGB, "GB", PriceLogsIngest)
	e.add("cloudwatch_logs", fmt.Sprintf("storage: %d days of retention", s.LogRetentionDays), ingestGB*math.Min(float64(s.LogRetentionDays), e.H)/DaysPerMonth, "GB-month", PriceLogsStore)
}

// kms: the key, and the requests S3 (through a bucket key) and
// DynamoDB's table keys make.
func (e *estimate) kms() {
	e.add("kms", "the stack's key", 1, "key-month", PriceKMSKey)
	s3Requests := e.F * (e.puts + e.gets)
	kmsReq := s3Requests*BucketKeyShare + (DataTables+1)*DynamoKMSRequestsPerTableHour*HoursPerMonth
	e.add("kms", "requests: S3 objects through a bucket key, DynamoDB table keys", kmsReq, "request", PriceKMSRequest)
}

// eventBridge: the S3 and Step Functions events are AWS service events,
// which EventBridge does not charge for; the outcome events the machine
// publishes (one per file, docs/events.md) are custom events, which it
// does.
func (e *estimate) eventBridge() {
	e.bill.Services["eventbridge"].Lines = append(e.bill.Services["eventbridge"].Lines, Line{
		Item: "Object Created and execution status events (AWS service events: no charge)", Quantity: e.F * 2, Unit: "event",
	})
	e.add("eventbridge", "outcome events published (custom events)", e.F*float64(e.calls("events:putEvents")), "event", PriceEventBridgeEvent)
	if e.batch != nil {
		e.bill.Services["eventbridge"].Lines = append(e.bill.Services["eventbridge"].Lines, Line{
			Item: fmt.Sprintf("batch schedule %s: a scheduled rule's events (no charge)", e.s.BatchSchedule), Quantity: e.ticks, Unit: "event",
		})
	}
}

func chunkNote(p Path, childStandard bool, chunks int64) string {
	if !p.Distributed {
		return ""
	}
	if childStandard {
		return fmt.Sprintf(", plus %d chunk executions × %d states (%s)", chunks, len(p.ChunkStates), strings.Join(p.ChunkStates, ", "))
	}
	return ", chunks in Express executions (priced below)"
}

func retryNote(r float64, tasks int) string {
	if r == 0 {
		return ""
	}
	return fmt.Sprintf(", %s of %d task attempts retried", strconv.FormatFloat(r*100, 'f', -1, 64)+"%", tasks)
}

func mapNote(p Path) string {
	if !p.Distributed {
		return ""
	}
	return ", Distributed Map results"
}

// reconcileRuns is the reconciler's runs a month (scheduleRuns; hourly
// for an expression it cannot read).
func reconcileRuns(schedule string) float64 {
	n, err := scheduleRuns(schedule)
	if err != nil {
		return HoursPerMonth
	}
	return n
}

// num formats a quantity for a line's text: integers plainly, others with
// up to three significant decimals.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
