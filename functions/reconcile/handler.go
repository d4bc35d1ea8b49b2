package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/emf"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/internal/ctxtime"
)

// VersionLister lists object versions; *s3.Client satisfies it.
type VersionLister interface {
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
}

// ItemBatchGetter reads ledger items; *dynamodb.Client satisfies it.
type ItemBatchGetter interface {
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// ExecutionStarter starts the pipeline; *sfn.Client satisfies it, and the
// local runtime runs the execution in process.
type ExecutionStarter interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// ExecutionDescriber tells whether an execution still runs; *sfn.Client
// satisfies it, and the local runtime answers for its own executions.
type ExecutionDescriber interface {
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// ItemUpdater records an execution's end in the ledger; *dynamodb.Client
// satisfies it.
type ItemUpdater interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Request is the event that invokes the function: the schedule's (any
// input works) or a "Step Functions Execution Status Change" event of the
// pipeline (DetailType contract.DetailTypeExecutionStatus), whose outcome the run
// records (RecordEnd). Its id, when present, is logged with every line
// ("invocation") to tie them to the event.
type Request struct {
	// ID is the EventBridge event id.
	ID string `json:"id,omitempty"`
	// Time is the event's time, as EventBridge writes it; informational.
	Time string `json:"time,omitempty"`
	// DetailType is the event's detail-type.
	DetailType string `json:"detail-type,omitempty"`
	// Detail is the event's detail; read for an execution status change.
	Detail *ExecutionStatusChange `json:"detail,omitempty"`
}

// Reason says why an unaccounted file may have been missed.
type Reason string

// The reasons, from the most specific.
const (
	// ReasonBeyondNumericRange: the object is larger than
	// eventmatch.MaxNumeric bytes, so EventBridge's numeric matching
	// matches neither a dataset's rule nor the unrouted rule on its size.
	ReasonBeyondNumericRange Reason = "SizeBeyondEventBridgeRange"
	// ReasonNoExecution: one dataset's rule matches the object, yet no
	// execution claimed it: the rule was disabled or edited, the event was
	// throttled past the retry policy or dead-lettered, or the execution
	// failed before its Claim state.
	ReasonNoExecution Reason = "NoExecution"
	// ReasonNoRule: no dataset's rule matches the object; the unrouted
	// rule should have put its event in the unrouted queue. Never redriven.
	ReasonNoRule Reason = "NoDatasetRule"
	// ReasonSeveralRules: more than one dataset's rule matches (their
	// prefixes overlap, which the platform refuses). Never redriven.
	ReasonSeveralRules Reason = "SeveralDatasetRules"
	// ReasonUnfinished: an execution claimed the file but ended without
	// loading or rejecting it: the ledger says FAILED, TIMED_OUT or
	// ABORTED, or RUNNING while Step Functions says the execution (Owner)
	// no longer runs (killed, timed out, aborted, or failed while the
	// ledger was unreachable).
	ReasonUnfinished Reason = "UnfinishedExecution"
)

// Redrive is what a run did about an unaccounted file.
type Redrive string

// The redrive outcomes; empty when redrive is off or the file has no
// dataset.
const (
	// RedriveStarted: the run started an execution for the file.
	RedriveStarted Redrive = "started"
	// RedriveAlreadyStarted: an execution of the same name exists (an
	// earlier run started it): it is running, or it ended without a ledger
	// item (see its history).
	RedriveAlreadyStarted Redrive = "already-started"
	// RedriveDeferred: the run had started MaxRedrives executions, or its
	// deadline came; a later run starts it.
	RedriveDeferred Redrive = "deferred"
	// RedriveFailed: StartExecution failed (Detail says how).
	RedriveFailed Redrive = "failed"
	// RedriveExhausted: Config.MaxAttempts executions started by redrives
	// have ended without finishing the file; it is left to a person (the
	// alarm stays on while it is reported).
	RedriveExhausted Redrive = "exhausted"
)

// File is one unaccounted file version.
type File struct {
	// Bucket, Key and VersionID name the object version ("null" for an
	// object of a never-versioned bucket).
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
	// Size is in bytes; ETag as S3 lists it, without quotes.
	Size int64  `json:"size"`
	ETag string `json:"etag,omitempty"`
	// LastModified is when the version was written (UTC).
	LastModified time.Time `json:"lastModified"`
	// AgeSeconds is how long before the run the version was written.
	AgeSeconds int64 `json:"ageSeconds"`
	// Dataset is the dataset whose rule matches the object ("" for none).
	Dataset string `json:"dataset,omitempty"`
	// Reason and Detail say why it may have been missed.
	Reason Reason `json:"reason"`
	Detail string `json:"detail"`
	// Status and Owner are the ledger's status of an unfinished file and
	// the execution that claimed it (ReasonUnfinished).
	Status string `json:"status,omitempty"`
	Owner  string `json:"owner,omitempty"`
	// Redrive and Execution say what the run did about it.
	Redrive   Redrive `json:"redrive,omitempty"`
	Execution string  `json:"execution,omitempty"`
}

// Report is the outcome of a run, and the function's output.
type Report struct {
	Bucket string `json:"bucket"`
	// Now is the run's reference time; Grace and Lookback (in seconds)
	// bound the LastModified of the versions checked.
	Now             time.Time `json:"now"`
	GraceSeconds    int64     `json:"graceSeconds"`
	LookbackSeconds int64     `json:"lookbackSeconds"`
	// Listed counts the current object versions listed outside the
	// pipeline's own prefixes; Recent those within the grace period and
	// Old those before the lookback window, which were not checked.
	Listed int `json:"listed"`
	Recent int `json:"recent"`
	Old    int `json:"old"`
	// Checked counts the versions looked up in the ledger; Accounted those
	// it holds an item for.
	Checked   int `json:"checked"`
	Accounted int `json:"accounted"`
	// Unaccounted lists the others, in listing order.
	Unaccounted []File `json:"unaccounted"`
	// Redriven counts the executions started.
	Redriven int `json:"redriven"`
	// Complete reports that every listed version was checked. When the
	// deadline came first, NotChecked names the prefixes (and the key the
	// listing had reached) left, and Unchecked counts listed versions in
	// the window that were not looked up.
	Complete   bool     `json:"complete"`
	NotChecked []string `json:"notChecked,omitempty"`
	Unchecked  int      `json:"unchecked,omitempty"`
	// Ended is what a run invoked by an execution status change event
	// recorded (the other fields are then empty).
	Ended *Ended `json:"ended,omitempty"`
}

// Handler reconciles the bucket with the ledger. Set the exported fields
// before the first call; a Handler is then safe for concurrent use.
type Handler struct {
	// S3 lists the bucket.
	S3 VersionLister
	// Ledger reads the ledger.
	Ledger ItemBatchGetter
	// Starter starts executions; required with Config.Redrive.
	Starter ExecutionStarter
	// Executions tells whether the execution holding a RUNNING claim
	// still runs. Without it, a RUNNING claim counts as accounted.
	Executions ExecutionDescriber
	// Recorder writes the outcome of an execution status change event
	// (RecordEnd); required for those events.
	Recorder ItemUpdater
	// Config is the deployment configuration.
	Config Config
	// Log receives one JSON line per unaccounted file, a summary line and
	// the embedded metric format document (stdout on Lambda). Default:
	// discarded.
	Log io.Writer
	// LogLevel drops log lines below it (the metric document is always
	// written): fnlog.ParseLevel of AWS_LAMBDA_LOG_LEVEL. Default: INFO.
	LogLevel slog.Level
	// Now is the run's clock: its reference time and deadline checks.
	// Default: time.Now.
	Now func() time.Time
	// Sleep waits between retries of unprocessed ledger keys. Default: a
	// timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a uniform integer in [0, max) for jitter. Default:
	// math/rand/v2.
	Rand func(max int64) int64
}

// batchKeys is the most keys a BatchGetItem request may carry.
const batchKeys = 100

// ledgerAttempts bounds the BatchGetItem attempts for one batch.
const ledgerAttempts = 8

// Handle runs Reconcile and returns its errors through fnerr.Surface.
func (h *Handler) Handle(ctx context.Context, req Request) (*Report, error) {
	if req.DetailType == contract.DetailTypeExecutionStatus {
		end, err := h.RecordEnd(ctx, req)
		return &Report{Ended: end, Unaccounted: []File{}}, fnerr.Surface(err)
	}
	rep, err := h.Reconcile(ctx, req)
	return rep, fnerr.Surface(err)
}

// Reconcile runs once: it lists the bucket, looks the versions in the
// window up in the ledger, reports and (with Config.Redrive) starts the
// unaccounted ones, and writes the log lines and the metrics to Log. The
// report is returned with any error, covering what was done before it.
func (h *Handler) Reconcile(ctx context.Context, req Request) (*Report, error) {
	cfg, err := h.Config.withDefaults()
	if err != nil {
		return nil, &fnerr.ConfigError{Msg: err.Error()}
	}
	if h.S3 == nil || h.Ledger == nil || (cfg.Redrive && h.Starter == nil) {
		return nil, &fnerr.ConfigError{Msg: "reconcile: Handler needs S3, Ledger and, to redrive, Starter"}
	}
	r := &run{h: h, cfg: cfg, req: req, log: fnlog.New(h.log(), h.LogLevel, "reconcile")}
	r.now = r.clock()
	r.rep = &Report{Bucket: cfg.Bucket, Now: r.now, GraceSeconds: int64(cfg.Grace / time.Second), LookbackSeconds: int64(cfg.Lookback / time.Second), Unaccounted: []File{}}
	if d, ok := ctx.Deadline(); ok {
		margin := min(cfg.DeadlineMargin, d.Sub(r.now)/4)
		r.stopAt = d.Add(-margin)
	}
	err = r.scan(ctx)
	if err == nil {
		err = r.flush(ctx)
	}
	r.rep.Unchecked += len(r.pending)
	r.rep.Complete = err == nil && !r.stopped && r.rep.Unchecked == 0
	r.summarize(err)
	return r.rep, err
}

func (h *Handler) log() io.Writer {
	if h.Log == nil {
		return io.Discard
	}
	return h.Log
}

// run is the state of one Reconcile call.
type run struct {
	h       *Handler
	cfg     Config
	req     Request
	log     *slog.Logger
	now     time.Time
	stopAt  time.Time // zero: no deadline
	stopped bool
	rep     *Report
	pending []s3types.ObjectVersion
}

func (r *run) clock() time.Time {
	if r.h.Now != nil {
		return r.h.Now()
	}
	return time.Now()
}

// expired reports whether the deadline has come, and remembers it.
func (r *run) expired(ctx context.Context) bool {
	if r.stopped {
		return true
	}
	if ctx.Err() != nil || (!r.stopAt.IsZero() && !r.clock().Before(r.stopAt)) {
		r.stopped = true
	}
	return r.stopped
}

// scan lists the top level of the bucket, then each top-level prefix that
// is not the pipeline's own. A server that ignores the delimiter returns
// every key from the first listing and no prefixes, which comes to the
// same.
func (r *run) scan(ctx context.Context) error {
	prefixes, err := r.list(ctx, "", "/")
	if err != nil || r.stopped {
		r.notChecked(prefixes)
		return err
	}
	slices.Sort(prefixes)
	for i, p := range prefixes {
		if internal(p) {
			continue
		}
		if _, err := r.list(ctx, p, ""); err != nil || r.stopped {
			r.notChecked(prefixes[i+1:])
			return err
		}
	}
	return nil
}

// notChecked records the prefixes a stopped run left.
func (r *run) notChecked(prefixes []string) {
	for _, p := range prefixes {
		if !internal(p) {
			r.rep.NotChecked = append(r.rep.NotChecked, p)
		}
	}
}

// list lists the current versions under prefix page by page, considering
// each, and returns the common prefixes (with a delimiter).
func (r *run) list(ctx context.Context, prefix, delimiter string) ([]string, error) {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(r.cfg.Bucket), Prefix: aws.String(prefix)}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	if r.cfg.PageSize > 0 {
		in.MaxKeys = aws.Int32(r.cfg.PageSize)
	}
	var prefixes []string
	for {
		if r.expired(ctx) {
			r.stoppedIn(prefix, in.KeyMarker)
			return prefixes, nil
		}
		out, err := r.h.S3.ListObjectVersions(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				r.stopped = true
				r.stoppedIn(prefix, in.KeyMarker)
				return prefixes, nil
			}
			return prefixes, s3Error(r.cfg.Bucket, prefix, err)
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
		for _, v := range out.Versions {
			if err := r.consider(ctx, v); err != nil {
				return prefixes, err
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return prefixes, nil
		}
		if out.NextKeyMarker == nil && out.NextVersionIdMarker == nil {
			return prefixes, &fnerr.Internal{Msg: fmt.Sprintf("reconcile: s3://%s/%s: truncated listing without a marker", r.cfg.Bucket, prefix)}
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// stoppedIn records where a listing stopped.
func (r *run) stoppedIn(prefix string, marker *string) {
	where := prefix
	if where == "" {
		where = "(top level)"
	}
	if m := aws.ToString(marker); m != "" {
		where += " after key " + m
	}
	r.rep.NotChecked = append(r.rep.NotChecked, where)
}

// internal reports whether key is one of the pipeline's own objects.
func internal(key string) bool {
	for _, p := range contract.InternalPrefixes() {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// batched reports whether key waits for a batch (Config.BatchPrefixes).
func (r *run) batched(key string) bool {
	for _, p := range r.cfg.BatchPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// consider counts a listed version and queues it for the ledger when it is
// current, not the pipeline's own and within the window.
func (r *run) consider(ctx context.Context, v s3types.ObjectVersion) error {
	if !aws.ToBool(v.IsLatest) || internal(aws.ToString(v.Key)) || r.batched(aws.ToString(v.Key)) {
		return nil
	}
	r.rep.Listed++
	age := r.now.Sub(aws.ToTime(v.LastModified))
	switch {
	case age < r.cfg.Grace:
		r.rep.Recent++
		return nil
	case age > r.cfg.Lookback:
		r.rep.Old++
		return nil
	}
	r.pending = append(r.pending, v)
	if len(r.pending) < batchKeys {
		return nil
	}
	return r.flush(ctx)
}

// object returns the contract object of a listed version.
func (r *run) object(v s3types.ObjectVersion) contract.Object {
	return contract.Object{Bucket: r.cfg.Bucket, Key: aws.ToString(v.Key), VersionID: aws.ToString(v.VersionId), Size: aws.ToInt64(v.Size)}
}

// flush looks the pending versions up in the ledger and reports those it
// holds no item for.
func (r *run) flush(ctx context.Context) error {
	if len(r.pending) == 0 || r.expired(ctx) {
		return nil
	}
	batch := r.pending
	r.pending = nil
	found, unresolved, err := r.lookup(ctx, batch)
	if err != nil {
		r.pending = batch
		return err
	}
	for _, v := range batch {
		pk := contract.LedgerKey(r.object(v))
		c, ok := found[pk]
		switch {
		case unresolved[pk]:
			r.rep.Unchecked++
		case !ok:
			r.rep.Checked++
			r.unaccounted(ctx, v, nil)
		default:
			switch finished, err := r.finished(ctx, &c); {
			case err != nil:
				// Whether the owner runs is unknown: a later run looks
				// again.
				r.rep.Unchecked++
				r.log.Warn("claim not checked", slog.String("key", aws.ToString(v.Key)), slog.String("execution", c.execution), slog.String("error", err.Error()))
			case finished:
				r.rep.Checked++
				r.rep.Accounted++
			default:
				r.rep.Checked++
				r.unaccounted(ctx, v, &c)
			}
		}
	}
	return nil
}

// claim is what the ledger says of a file version.
type claim struct {
	status, execution string
	// ownerStatus is what Step Functions says of the execution of a
	// RUNNING claim ("" when not asked, "NOT_FOUND" for one it does not
	// know).
	ownerStatus string
}

// finished reports whether the file of a ledger item is accounted for: it
// ended LOADED or REJECTED, or its execution still runs. FAILED, TIMED_OUT
// and ABORTED are not, nor is RUNNING when Step Functions says the owner
// ended (with Executions set; without it RUNNING counts as in flight).
func (r *run) finished(ctx context.Context, c *claim) (bool, error) {
	switch c.status {
	case contract.StatusLoaded, contract.StatusRejected, "":
		return true, nil
	case contract.StatusRunning:
		if r.h.Executions == nil || c.execution == "" {
			return true, nil
		}
		out, err := r.h.Executions.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(c.execution)})
		var missing *sfntypes.ExecutionDoesNotExist
		switch {
		case errors.As(err, &missing):
			c.ownerStatus = "NOT_FOUND"
			return false, nil
		case err != nil:
			return false, err
		}
		c.ownerStatus = string(out.Status)
		return out.Status == sfntypes.ExecutionStatusRunning || out.Status == sfntypes.ExecutionStatusPendingRedrive, nil
	}
	return false, nil
}

// lookup reads the ledger items of the versions' keys (projecting the key
// only), retrying unprocessed keys and failed requests with full-jitter
// backoff until ledgerAttempts or the deadline. Keys still unread then are
// returned as unresolved, unless the last request failed, which fails the
// run (*fnerr.Retryable); a missing or forbidden table fails it at once.
func (r *run) lookup(ctx context.Context, batch []s3types.ObjectVersion) (found map[string]claim, unresolved map[string]bool, err error) {
	found, unresolved = map[string]claim{}, map[string]bool{}
	keys := make([]map[string]ddbtypes.AttributeValue, 0, len(batch))
	for _, v := range batch {
		keys = append(keys, map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: contract.LedgerKey(r.object(v))}})
	}
	table := r.cfg.LedgerTable
	for attempt := 1; ; attempt++ {
		out, err := r.h.Ledger.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
			table: {Keys: keys, ProjectionExpression: aws.String("pk, #status, #execution"), ConsistentRead: aws.Bool(true),
				ExpressionAttributeNames: map[string]string{"#status": "status", "#execution": "execution"}},
		}})
		if err != nil {
			if final := ledgerError(table, err); final != nil {
				return nil, nil, final
			}
		} else {
			for _, item := range out.Responses[table] {
				if pk, ok := item["pk"].(*ddbtypes.AttributeValueMemberS); ok {
					var c claim
					if v, ok := item["status"].(*ddbtypes.AttributeValueMemberS); ok {
						c.status = v.Value
					}
					if v, ok := item["execution"].(*ddbtypes.AttributeValueMemberS); ok {
						c.execution = v.Value
					}
					found[pk.Value] = c
				}
			}
			keys = out.UnprocessedKeys[table].Keys
			if len(keys) == 0 {
				return found, unresolved, nil
			}
		}
		if attempt == ledgerAttempts || r.expired(ctx) || r.sleep(ctx, backoff(attempt, r.h.Rand)) != nil {
			if err != nil && !r.expired(ctx) {
				return nil, nil, &fnerr.Retryable{Op: "dynamodb BatchGetItem " + table, Err: err}
			}
			for _, k := range keys {
				if pk, ok := k["pk"].(*ddbtypes.AttributeValueMemberS); ok {
					unresolved[pk.Value] = true
				}
			}
			return found, unresolved, nil
		}
	}
}

func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if r.h.Sleep != nil {
		return r.h.Sleep(ctx, d)
	}
	return ctxtime.Sleep(ctx, d)
}

// backoff returns the delay before retry n: uniform in
// [0, min(2s, 50ms·2^(n-1))] (full jitter).
func backoff(n int, rnd func(int64) int64) time.Duration {
	if rnd == nil {
		rnd = rand.Int64N
	}
	limit := 2 * time.Second
	if n < 6 {
		limit = min(limit, 50*time.Millisecond<<(n-1))
	}
	return time.Duration(rnd(int64(limit) + 1))
}

// unaccounted classifies, reports and (with Redrive) starts one version;
// c is its ledger item when an execution claimed it but did not finish.
func (r *run) unaccounted(ctx context.Context, v s3types.ObjectVersion, c *claim) {
	o := r.object(v)
	lm := aws.ToTime(v.LastModified)
	f := File{
		Bucket: o.Bucket, Key: o.Key, VersionID: o.VersionID, Size: o.Size, ETag: strings.Trim(aws.ToString(v.ETag), `"`),
		LastModified: lm.UTC(), AgeSeconds: int64(r.now.Sub(lm) / time.Second),
	}
	datasets, err := r.cfg.Rules.Match(S3Event(f))
	switch {
	case err != nil:
		// The patterns were checked with the configuration; a failure
		// here is reported with the file rather than ending the run.
		f.Reason, f.Detail = ReasonNoRule, "the rules could not be matched: "+err.Error()
	case len(datasets) > 1:
		f.Reason = ReasonSeveralRules
		f.Detail = fmt.Sprintf("the rules of datasets %s all match it; no file may belong to two datasets, so it is not started", strings.Join(datasets, ", "))
	case float64(f.Size) > eventmatch.MaxNumeric:
		f.Reason = ReasonBeyondNumericRange
		f.Detail = fmt.Sprintf("%d bytes is beyond EventBridge's numeric matching range (%.0g), so neither a dataset's rule nor the unrouted rule matched its size", f.Size, eventmatch.MaxNumeric)
		if otherwise, _ := r.cfg.Rules.MatchBeyondRange(S3Event(f)); len(otherwise) == 1 {
			f.Dataset = otherwise[0]
			f.Detail += "; the rule of dataset " + f.Dataset + " accepts it otherwise"
		}
	case len(datasets) == 1:
		f.Dataset, f.Reason = datasets[0], ReasonNoExecution
		f.Detail = "the rule of dataset " + f.Dataset + " matches it but no execution claimed it: the rule was disabled or edited, the event was throttled past the retry policy or dead-lettered, or the execution failed before its Claim state"
	default:
		f.Reason = ReasonNoRule
		f.Detail = "no dataset's rule matches it (prefix, suffix or size); its event should be in the unrouted queue. Move or delete it once dealt with"
	}
	if c != nil && len(datasets) == 1 {
		f.Dataset, f.Reason, f.Status, f.Owner = datasets[0], ReasonUnfinished, c.status, c.execution
		f.Detail = fmt.Sprintf("execution %s claimed it and ended without loading or rejecting it: the ledger says %s", c.execution, c.status)
		if c.ownerStatus != "" {
			f.Detail += ", Step Functions says " + c.ownerStatus
		}
	}
	if r.cfg.Redrive && f.Dataset != "" {
		r.redrive(ctx, &f)
	}
	attrs := []any{
		slog.String("bucket", f.Bucket), slog.String("key", f.Key), slog.String("versionId", f.VersionID),
		slog.Int64("size", f.Size), slog.Time("lastModified", f.LastModified), slog.Int64("ageSeconds", f.AgeSeconds),
		slog.String("dataset", f.Dataset), slog.String("reason", string(f.Reason)), slog.String("detail", f.Detail),
	}
	if f.Owner != "" {
		attrs = append(attrs, slog.String("status", f.Status), slog.String("owner", f.Owner))
	}
	if f.Redrive != "" {
		attrs = append(attrs, slog.String("redrive", string(f.Redrive)), slog.String("execution", f.Execution))
	}
	if r.req.ID != "" {
		attrs = append(attrs, slog.String("invocation", r.req.ID))
	}
	r.log.Warn("unaccounted file", attrs...)
	r.rep.Unaccounted = append(r.rep.Unaccounted, f)
}

// redrive starts the execution the dataset's rule would have started.
func (r *run) redrive(ctx context.Context, f *File) {
	if r.rep.Redriven >= r.cfg.MaxRedrives || r.expired(ctx) {
		f.Redrive = RedriveDeferred
		return
	}
	o := contract.Object{Bucket: f.Bucket, Key: f.Key, VersionID: f.VersionID, Size: f.Size}
	input, err := json.Marshal(FileEventFor(f.Dataset, *f))
	if err != nil {
		f.Redrive, f.Detail = RedriveFailed, f.Detail+"; "+err.Error()
		return
	}
	name := ExecutionName(o)
	if f.Owner != "" {
		attempt := redriveAttempt(o, f.Owner) + 1
		if attempt > r.cfg.MaxAttempts {
			f.Redrive = RedriveExhausted
			f.Detail += fmt.Sprintf("; %d redriven executions ended without finishing it, so it is not started again", r.cfg.MaxAttempts)
			return
		}
		name = fmt.Sprintf("%s-%d", ExecutionName(o), attempt)
	}
	out, err := r.h.Starter.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(r.cfg.StateMachineARN), Name: aws.String(name), Input: aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	switch {
	case err == nil:
		f.Redrive, f.Execution = RedriveStarted, aws.ToString(out.ExecutionArn)
		r.rep.Redriven++
	case errors.As(err, &exists):
		f.Redrive, f.Execution = RedriveAlreadyStarted, name
	default:
		f.Redrive, f.Detail = RedriveFailed, f.Detail+"; StartExecution: "+err.Error()
	}
}

// ExecutionName returns the name of the execution a redrive starts for an
// object version: "reconcile-" and its contract.RunID. Step Functions
// refuses a second execution of one name (ExecutionAlreadyExists), so no
// two runs start one file version twice.
func ExecutionName(o contract.Object) string {
	return "reconcile-" + contract.RunID(o)
}

// redriveAttempt returns which redrive of o the execution with ARN (or
// name) owner was: k for ExecutionName(o)+"-k", 1 for ExecutionName(o)
// itself (the redrive of a file no execution claimed), 0 for an execution
// a redrive did not start. The next redrive is named after attempt+1, so a
// second reconciler run that sees the same ledger item starts nothing new
// (ExecutionAlreadyExists), and the attempts are bounded.
func redriveAttempt(o contract.Object, owner string) int {
	name := owner[strings.LastIndexByte(owner, ':')+1:]
	base := ExecutionName(o)
	if name == base {
		return 1
	}
	rest, ok := strings.CutPrefix(name, base+"-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// FileEventFor returns the execution input the dataset's rule gives f: the
// contract.FileEvent its input transformer builds from the S3 event
// (platform/events.InputTransformer). The event's etag carries no quotes,
// its time is the object's LastModified to the second, and an object of a
// never-versioned bucket has no version id (the NoVersion state then uses
// "null", as for such an event).
func FileEventFor(dataset string, f File) contract.FileEvent {
	v := f.VersionID
	if v == contract.NullVersion {
		v = ""
	}
	return contract.FileEvent{
		Dataset: dataset, Bucket: f.Bucket, Key: f.Key, VersionID: v, Size: f.Size,
		ETag: f.ETag, EventTime: f.LastModified.UTC().Format(time.RFC3339),
	}
}

// S3Event returns the S3 "Object Created" event of f in the shape
// EventBridge matches rules against (decoded JSON).
func S3Event(f File) map[string]any {
	v := f.VersionID
	if v == contract.NullVersion {
		v = ""
	}
	e := eventmatch.S3ObjectCreated("reconcile", "000000000000", "us-east-1", f.LastModified.UTC().Format(time.RFC3339), f.Bucket, f.Key, v, f.ETag, f.Size)
	b, _ := json.Marshal(e)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// summarize logs the run's summary and its metrics.
func (r *run) summarize(err error) {
	rep := r.rep
	attrs := []any{
		slog.String("bucket", rep.Bucket), slog.Int("listed", rep.Listed), slog.Int("recent", rep.Recent), slog.Int("old", rep.Old),
		slog.Int("checked", rep.Checked), slog.Int("accounted", rep.Accounted), slog.Int("unaccounted", len(rep.Unaccounted)),
		slog.Int("redriven", rep.Redriven), slog.Bool("complete", rep.Complete),
	}
	if len(rep.NotChecked) > 0 || rep.Unchecked > 0 {
		attrs = append(attrs, slog.Any("notChecked", rep.NotChecked), slog.Int("unchecked", rep.Unchecked))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if r.req.ID != "" {
		attrs = append(attrs, slog.String("invocation", r.req.ID))
	}
	level := slog.LevelInfo
	if !rep.Complete {
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "reconciled", attrs...)
	if doc := Metrics(rep, r.clock()); doc != nil {
		b, _ := json.Marshal(doc)
		_, _ = fmt.Fprintf(r.h.log(), "%s\n", b)
	}
}

// Metrics returns the run's CloudWatch embedded metric format document
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
// stamped at. UnaccountedFiles is left out when a run that stopped early
// found none: the alarm on it treats missing data as "keep the state", so
// only a complete run clears it.
// It is encoded by functions/emf; nil for a report that names no bucket.
func Metrics(rep *Report, at time.Time) map[string]any {
	values := map[string]int{
		contract.MetricChecked:    rep.Checked,
		contract.MetricRedriven:   rep.Redriven,
		contract.MetricIncomplete: 0,
	}
	if !rep.Complete {
		values[contract.MetricIncomplete] = 1
	}
	if rep.Complete || len(rep.Unaccounted) > 0 {
		values[contract.MetricUnaccounted] = len(rep.Unaccounted)
	}
	var metrics []emf.Metric
	for _, n := range slices.Sorted(maps.Keys(values)) {
		metrics = append(metrics, emf.Metric{Name: n, Value: float64(values[n]), Unit: emf.Count})
	}
	doc, err := emf.Document(contract.MetricNamespace, at, []emf.Dimension{{Name: contract.DimensionBucket, Value: rep.Bucket}}, metrics)
	if err != nil {
		// Only a report without a bucket gets here: nothing to measure.
		return nil
	}
	return doc
}

// s3Error classifies a listing failure.
func s3Error(bucket, prefix string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "PermanentRedirect":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("reconcile: list s3://%s/%s: %v", bucket, prefix, err)}
		}
	}
	return awsapi.Classify(fmt.Sprintf("s3 ListObjectVersions s3://%s/%s", bucket, prefix), err)
}

// ledgerError returns the final error a failed ledger read is (a missing
// or forbidden table, a malformed request), or nil for one worth retrying.
func ledgerError(table string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ResourceNotFoundException", "AccessDeniedException", "UnrecognizedClientException":
			return &fnerr.ConfigError{Msg: fmt.Sprintf("reconcile: ledger table %s: %v", table, err)}
		case "ValidationException":
			return &fnerr.Internal{Msg: fmt.Sprintf("reconcile: dynamodb BatchGetItem %s: %v", table, err)}
		}
	}
	return nil
}
