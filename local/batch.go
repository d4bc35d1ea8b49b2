package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// batchMachineName is the local batch machine's name; its Distributed Map
// children are executions "<name>/Files:<id>".
const batchMachineName = prefix + "-batch"

// localBatchARN is the ARN the local batch executions run under.
var localBatchARN = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", Region, Account, batchMachineName)

// batchExecutionARN returns the ARN of the local batch execution called
// name.
func batchExecutionARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", Region, Account, batchMachineName, name)
}

// batchChildPrefix starts the ARN of every child execution of a local
// batch (the file children, "Files", and the chunk children a large file
// starts, "LoadChunks").
var batchChildPrefix = fmt.Sprintf("arn:aws:states:%s:%s:execution:%s/", Region, Account, batchMachineName)

// BatchResult is what one batch execution did: the files it listed and
// how each ended, read back from the ledger.
type BatchResult struct {
	// Dataset is the batch's dataset; Execution its name and Status how it
	// ended (SUCCEEDED, or FAILED when a file FAILED or the batch itself
	// did).
	Dataset   string        `json:"dataset"`
	Execution string        `json:"execution"`
	Status    engine.Status `json:"status"`
	// Summary counts the outcomes (the execution's output, or its failure's
	// cause).
	Summary pipeline.BatchSummary `json:"summary"`
	// Files are the listed files, in listing (key) order, each with the
	// outcome and counts its ledger item records.
	Files []*FileResult `json:"files"`
	// Error and Cause say why the batch failed, when it did.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// History is the path of the execution's history file.
	History string `json:"history,omitempty"`
	// Duration is the execution's wall time; Result the engine's result.
	Duration time.Duration  `json:"-"`
	Result   *engine.Result `json:"-"`
	// WallTimes maps history event ids to wall-clock times (--fast).
	WallTimes map[int64]time.Time `json:"-"`
}

// BatchMachineARN is the local ARN of the batch state machine.
func (r *Runtime) BatchMachineARN() string { return localBatchARN }

// BatchMachine returns the compiled batch machine the runtime executes.
func (r *Runtime) BatchMachine() *asl.StateMachine { return r.batch.Machine }

// Pending lists the keys under a dataset's prefix: the files the next
// batch of that dataset takes.
func (r *Runtime) Pending(ctx context.Context, ds string) ([]string, error) {
	d, err := r.cfg.Datasets.Lookup(ds)
	if err != nil {
		return nil, err
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(r.S3, &s3.ListObjectsV2Input{Bucket: aws.String(r.Bucket), Prefix: aws.String(d.Prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", r.Bucket, d.Prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// ExecuteBatch runs one execution of the batch machine for a dataset, as
// the deployed schedule starts it: every file pending under the dataset's
// prefix goes through the per-file stages in a child execution, and each
// that ends with an outcome leaves the prefix. The execution's history and
// record go under the state directory as a file's do (sluice report shows
// it).
func (r *Runtime) ExecuteBatch(ctx context.Context, ds string) (*BatchResult, error) {
	if r.cfg.ReadOnly {
		return nil, errReadOnly
	}
	d, err := r.cfg.Datasets.Lookup(ds)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-batch-%s", time.Now().UTC().Format("20060102T150405.000000"), d.Name)
	arn := batchExecutionARN(name)
	defer r.markRunning(arn)()
	opts, wall := r.runOptions(name, r.claimedByChild)
	defer r.forgetChildren()
	defer r.archive.forget(d.Name)
	in := pipeline.BatchInput{Dataset: d.Name, Prefix: d.Prefix}
	b, _ := json.Marshal(in)
	var input any
	_ = json.Unmarshal(b, &input)
	start := time.Now()
	res, err := r.batchEngine.Run(ctx, input, opts...)
	// The per-file executions the batch handed large files to run on,
	// asynchronously, as on AWS; the batch's result waits for them, so
	// that it can give their outcomes.
	r.handoffs.wg.Wait()
	if err != nil {
		return nil, err
	}
	br := &BatchResult{Dataset: d.Name, Execution: name, Status: res.Status, Error: res.Error, Cause: res.Cause, Duration: time.Since(start), Result: &res}
	if len(wall) > 0 {
		br.WallTimes = wall
	}
	hist := filepath.Join(r.dir, "executions", name+".history.json")
	if hb, err := json.MarshalIndent(res.History, "", "  "); err == nil {
		if err := os.WriteFile(hist, hb, 0o644); err == nil {
			br.History = hist
		}
	}
	r.recordMapRuns(res.History, awsapi.BatchMachine, localBatchARN)
	if err := r.batchOutcomes(ctx, br, &res); err != nil {
		return nil, err
	}
	status := Loaded
	if res.Status != engine.StatusSucceeded {
		status = Failed
	}
	fr := &FileResult{Key: d.Prefix, Dataset: d.Name, Status: status, Error: res.Error, Cause: res.Cause, Execution: name, History: br.History,
		RecordsIn: sum(br.Files, func(f *FileResult) int64 { return f.RecordsIn }), RecordsLoaded: sum(br.Files, func(f *FileResult) int64 { return f.RecordsLoaded }),
		RecordsRejected: sum(br.Files, func(f *FileResult) int64 { return f.RecordsRejected }), Duration: br.Duration}
	rec := executionRecord{Result: fr, Machine: r.batch.Machine, Output: res.Output, Started: start.UTC(), Ended: start.Add(br.Duration).UTC(), WallTimes: br.WallTimes}
	if rb, err := json.MarshalIndent(rec, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(r.dir, "executions", name+".result.json"), rb, 0o644)
	}
	return br, nil
}

func sum(files []*FileResult, f func(*FileResult) int64) int64 {
	var n int64
	for _, x := range files {
		n += f(x)
	}
	return n
}

// runOptions are the engine options of one execution called name: its
// name, the virtual clock under Fast, and the crash and wall-time
// observers, and also (when not nil) observe. wall fills as the execution
// runs.
func (r *Runtime) runOptions(name string, observe func(engine.Event)) ([]engine.RunOption, map[int64]time.Time) {
	opts := []engine.RunOption{engine.WithExecutionName(name)}
	wall := map[int64]time.Time{}
	if r.cfg.Fast {
		now := time.Now
		if r.cfg.Now != nil {
			now = r.cfg.Now
		}
		opts = append(opts, engine.WithClock(engine.NewVirtualClock(now())))
	}
	if r.cfg.Fast || r.crash != nil || observe != nil {
		var mu sync.Mutex
		opts = append(opts, engine.WithObserver(func(e engine.Event) {
			r.crash.observe(e)
			if r.cfg.Fast {
				mu.Lock()
				wall[e.ID] = time.Now()
				mu.Unlock()
			}
			if observe != nil {
				observe(e)
			}
		}))
	}
	return opts, wall
}

// batchFile is one element of the batch Map's result (the child's output).
type batchFile struct {
	Status    string `json:"status"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
	Settled   *bool  `json:"settled"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

// batchOutcomes fills br's summary and files: the summary from the
// execution's output (or, when it failed, its cause), the files from the
// Summarize state's input, each completed from its ledger item.
func (r *Runtime) batchOutcomes(ctx context.Context, br *BatchResult, res *engine.Result) error {
	var state struct {
		Files   []json.RawMessage     `json:"files"`
		Summary pipeline.BatchSummary `json:"summary"`
	}
	for _, e := range res.History {
		if e.StateExitedEventDetails != nil && e.StateExitedEventDetails.Name == "Summarize" {
			if err := json.Unmarshal([]byte(e.StateExitedEventDetails.Output), &state); err != nil {
				return fmt.Errorf("batch %s: Summarize output: %w", br.Execution, err)
			}
		}
	}
	br.Summary = state.Summary
	for _, raw := range state.Files {
		var f batchFile
		_ = json.Unmarshal(raw, &f)
		fr := &FileResult{Key: f.Key, Dataset: br.Dataset, VersionID: f.VersionID, Status: Status(f.Status), Execution: br.Execution, Error: f.Error, Cause: f.Cause}
		if f.Status == "" {
			// A child that failed outright: its output is the error.
			var e struct{ Error, Cause string }
			_ = json.Unmarshal(raw, &e)
			fr.Status, fr.Error, fr.Cause = Failed, e.Error, e.Cause
		}
		if fr.Status == pipeline.StatusHandedOff {
			// The per-file execution it started recorded the outcome;
			// the file's result is that execution's (its history, its
			// counts), from the ledger as for any batched file.
			if run := r.handoffs.take(contract.LedgerKey(contract.Object{Bucket: r.Bucket, Key: fr.Key, VersionID: fr.VersionID})); run != nil {
				fr.Execution = run.name
				if run.res != nil {
					fr.Result, fr.History, fr.Output = run.res.Result, run.res.History, run.res.Output
				}
			}
			status, err := r.ledgerStatus(ctx, fr.Key, fr.VersionID)
			if err != nil {
				return err
			}
			fr.Status, fr.HandedOff = Status(status), true
			if status == "" {
				// The execution recorded nothing (it could not run).
				fr.Status, fr.Error, fr.Cause = Failed, "Sluice.HandOffFailed", "the per-file execution recorded no outcome"
			}
		}
		if fr.VersionID != "" {
			if err := r.fromLedger(ctx, fr); err != nil {
				return err
			}
		}
		br.Files = append(br.Files, fr)
	}
	return nil
}

// fromLedger completes a batch file's result from its ledger item: the
// counts of a LOADED file, the reason and report of a REJECTED one, the
// failed state and cause of a FAILED one.
func (r *Runtime) fromLedger(ctx context.Context, fr *FileResult) error {
	pk := contract.LedgerKey(contract.Object{Bucket: r.Bucket, Key: fr.Key, VersionID: fr.VersionID})
	out, err := r.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.Tables[pipeline.TableLedger]),
		Key:            map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("ledger %s: %w", pk, err)
	}
	var it struct {
		Status      string `dynamodbav:"status"`
		Records     int64  `dynamodbav:"records"`
		Loaded      int64  `dynamodbav:"loaded"`
		Rejected    int64  `dynamodbav:"rejected"`
		Report      string `dynamodbav:"report"`
		Reason      string `dynamodbav:"reason"`
		Error       string `dynamodbav:"error"`
		Cause       string `dynamodbav:"cause"`
		FailedState string `dynamodbav:"failedState"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return fmt.Errorf("ledger %s: %w", pk, err)
	}
	if fr.Status == Duplicate {
		return nil
	}
	fr.RecordsIn, fr.RecordsLoaded, fr.RecordsRejected, fr.Report = it.Records, it.Loaded, it.Rejected, it.Report
	switch fr.Status {
	case Rejected:
		fr.Cause = it.Reason
		if fr.Report == "" {
			if m := reportRe().FindStringSubmatch(it.Reason); m != nil {
				fr.Report = m[1]
			}
		}
		if fr.Report != "" && fr.RecordsIn == 0 {
			if rep, err := r.readJSON(ctx, fr.Report); err == nil {
				fr.RecordsIn, fr.RecordsRejected = Count(rep["rows"]), Count(rep["badRows"])
			}
		}
	case Failed:
		if it.Error != "" {
			fr.Error = it.Error
		}
		if it.Cause != "" {
			fr.Cause = it.Cause
		}
		if it.FailedState != "" {
			fr.Cause = it.FailedState + " failed: " + fr.Cause
		}
	}
	return nil
}

// handoffs are the per-file executions batches started (handOff), by the
// ledger key of their file version. The zero value is ready; it is safe
// for concurrent use.
type handoffs struct {
	mu   sync.Mutex
	runs map[string]*handoffRun
	wg   sync.WaitGroup
}

// handoffRun is one per-file execution a batch started: its name, and its
// result once it has ended.
type handoffRun struct {
	name string
	res  *FileResult
	err  error
}

// take returns and forgets the execution started for the file version
// with ledger key pk (nil when none was).
func (h *handoffs) take(pk string) *handoffRun {
	h.mu.Lock()
	defer h.mu.Unlock()
	run := h.runs[pk]
	delete(h.runs, pk)
	return run
}

// handOff answers a batch child's states:startExecution of the per-file
// machine (a file too large for an Express child): it runs the file's
// per-file execution in the background, as Step Functions starts one, and
// returns its ARN at once. ExecuteBatch waits for it before it reads the
// outcomes.
func (r *Runtime) handOff(ctx context.Context, machineARN string, input any) (string, error) {
	if machineARN != r.StateMachineARN() {
		return "", &engine.TaskError{Name: "StepFunctions.StateMachineDoesNotExistException", Cause: "State Machine Does Not Exist: '" + machineARN + "'"}
	}
	var ev contract.FileEvent
	b, _ := json.Marshal(input)
	if err := json.Unmarshal(b, &ev); err != nil || ev.Key == "" {
		return "", &engine.TaskError{Name: "StepFunctions.InvalidExecutionInputException", Cause: fmt.Sprintf("not a file event: %s", b)}
	}
	name := fmt.Sprintf("%s-%s", time.Now().UTC().Format("20060102T150405.000000"), contract.RunID(ev.Source())[:8])
	arn := executionARN(name)
	done := r.markRunning(arn)
	run := &handoffRun{name: name}
	r.handoffs.mu.Lock()
	if r.handoffs.runs == nil {
		r.handoffs.runs = map[string]*handoffRun{}
	}
	r.handoffs.runs[contract.LedgerKey(ev.Source())] = run
	r.handoffs.mu.Unlock()
	r.handoffs.wg.Add(1)
	go func() {
		defer r.handoffs.wg.Done()
		defer done()
		// The execution outlives the task that started it: a canceled
		// batch does not stop it (Step Functions would not).
		res, err := r.ExecuteNamed(context.WithoutCancel(ctx), ev, name)
		r.handoffs.mu.Lock()
		run.res, run.err = res, err
		r.handoffs.mu.Unlock()
	}()
	return arn, nil
}

// claimedByChild notes the batch children that claim a file: a Claim or
// TakeOver (a ledger PutItem) whose item names a batch child as its
// execution. Step Functions knows its running child executions; the local
// runtime learns them from their claims, which is all DescribeOwner asks
// about.
func (r *Runtime) claimedByChild(e engine.Event) {
	d := e.TaskScheduledEventDetails
	if d == nil || d.ResourceType != "dynamodb" || d.Resource != "putItem" || !strings.Contains(d.Parameters, batchChildPrefix) {
		return
	}
	var p struct {
		Item struct {
			Execution struct{ S string } `json:"execution"`
		}
	}
	if json.Unmarshal([]byte(d.Parameters), &p) != nil || !strings.HasPrefix(p.Item.Execution.S, batchChildPrefix) {
		return
	}
	r.mu.Lock()
	r.children[p.Item.Execution.S] = true
	r.mu.Unlock()
}

// forgetChildren forgets the children of the batch that ended: from now
// on DescribeOwner hears they are not running.
func (r *Runtime) forgetChildren() {
	r.mu.Lock()
	clear(r.children)
	r.mu.Unlock()
}

// batchExecutionStatus answers DescribeExecution for the batch machine's
// executions: a batch as Execute's executions are answered; a child (which
// owns the claim of its file) RUNNING while this runtime runs it, else
// ABORTED: a child whose claim is still RUNNING and that no batch of this
// runtime runs was killed with its process, as the state directory's lock
// proves (a child that ended recorded its file's outcome, or its failure
// to, which the takeover repairs either way).
func (r *Runtime) batchExecutionStatus(arn string) (string, bool) {
	if strings.HasPrefix(arn, batchChildPrefix) {
		r.mu.Lock()
		running := r.children[arn]
		r.mu.Unlock()
		if running {
			return "RUNNING", true
		}
		return "ABORTED", true
	}
	name, ok := strings.CutPrefix(arn, batchExecutionARN(""))
	if !ok {
		return "", false
	}
	return r.recordedStatus(arn, name)
}

// UploadPending puts a local file under its dataset's prefix to wait for
// the next batch, as Upload does (an unchanged current version is reused),
// except that a file whose content a batch already processed under that
// key is not uploaded again: processed reports it, with the version the
// batch took (its archive copy under contract.ProcessedPrefix). A second
// `sluice run --batch` of the same files so processes nothing twice, as a
// second `sluice run` finds the same version a duplicate.
//
// The dataset's archive is listed once, on its first UploadPending and
// again only after a batch of that dataset ran (see archiveIndex), so
// uploading n files costs one listing, not n listings of an archive that
// grows with every batch.
func (r *Runtime) UploadPending(ctx context.Context, ds, file string, progress func(done, total int64)) (ev contract.FileEvent, processed bool, err error) {
	u, err := r.openUpload(ds, file)
	if err != nil {
		return ev, false, err
	}
	defer u.f.Close()
	version, ok, err := r.archive.lookup(ctx, r, u.d.Name, u.key, u.sum)
	if err != nil {
		return ev, false, err
	}
	if ok {
		return u.event(r.Bucket, version), true, nil
	}
	ev, _, err = r.put(ctx, u, progress)
	return ev, false, err
}

// archiveIndex is what the batches of each dataset archived under
// contract.ProcessedPrefix (processed/<dataset>/<versionId>/<key>): for a
// key and its content (the ETag, an MD5 locally), the version a batch
// took. A dataset's index is built by one listing of its archive, when
// UploadPending first needs it, and forgotten when a batch of that dataset
// ends (ExecuteBatch: the batch archived files); nothing else writes the
// archive, since the runtime holds the state directory alone. The zero
// value is ready; it is safe for concurrent use.
type archiveIndex struct {
	mu        sync.Mutex
	byDataset map[string]map[archivedFile]string
}

// archivedFile is a key of archiveIndex: an incoming key and its content.
type archivedFile struct{ key, etag string }

// lookup returns the version a batch of dataset ds archived for key with
// content etag, listing the dataset's archive if its index is not built.
func (a *archiveIndex) lookup(ctx context.Context, r *Runtime, ds, key, etag string) (version string, ok bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	idx, built := a.byDataset[ds]
	if !built {
		if idx, err = r.listArchive(ctx, ds); err != nil {
			return "", false, err
		}
		if a.byDataset == nil {
			a.byDataset = map[string]map[archivedFile]string{}
		}
		a.byDataset[ds] = idx
	}
	version, ok = idx[archivedFile{key, etag}]
	return version, ok, nil
}

// forget drops dataset ds's index: its archive changed.
func (a *archiveIndex) forget(ds string) {
	a.mu.Lock()
	delete(a.byDataset, ds)
	a.mu.Unlock()
}

// listArchive lists dataset ds's archive into an index. Where a key was
// archived more than once with the same content, the first version listed
// (the oldest: local version ids sort by age) is kept.
func (r *Runtime) listArchive(ctx context.Context, ds string) (map[archivedFile]string, error) {
	archived := contract.ProcessedPrefix + ds + "/"
	idx := map[archivedFile]string{}
	p := s3.NewListObjectsV2Paginator(r.S3, &s3.ListObjectsV2Input{Bucket: aws.String(r.Bucket), Prefix: aws.String(archived)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", r.Bucket, archived, err)
		}
		for _, o := range page.Contents {
			version, key, ok := strings.Cut(strings.TrimPrefix(aws.ToString(o.Key), archived), "/")
			f := archivedFile{key, strings.Trim(aws.ToString(o.ETag), `"`)}
			if _, seen := idx[f]; ok && !seen {
				idx[f] = version
			}
		}
	}
	return idx, nil
}
