package pipeline

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
)

// BatchInput is the input of the batch machine: the dataset whose pending
// files one execution takes, and the prefix they wait under (the
// dataset's Prefix). The platform's schedule sends it; `sluice run
// --batch` and `sluice dev` start the local batch with it.
type BatchInput struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Prefix  string `json:"prefix" maxBytes:"1024"`
}

// BatchSummary is the output of a batch execution: how many files it
// listed and how each ended. Settled files were moved out of the pending
// prefix (copied under contract.ProcessedPrefix, their version deleted);
// Unsettled ones have an outcome but stay pending, and the next batch
// settles them as duplicates.
type BatchSummary struct {
	Dataset   string `json:"dataset"`
	Files     int64  `json:"files"`
	Loaded    int64  `json:"loaded"`
	Rejected  int64  `json:"rejected"`
	Duplicate int64  `json:"duplicate"`
	Failed    int64  `json:"failed"`
	Gone      int64  `json:"gone"`
	Unsettled int64  `json:"unsettled"`
	// HandedOff counts the large files this batch started a per-file
	// execution for (their outcome is the ledger's; a later batch settles
	// them).
	HandedOff int64 `json:"handedOff"`
}

// Express child executions: a batch's files run in them (see BuildBatch).
const (
	// ExpressMaxSeconds is the longest an Express execution runs; it is
	// the lease of the claims Express children take.
	ExpressMaxSeconds = 300
	// ExpressExecutionPattern matches the ARN of an Express execution
	// (arn:aws:states:<region>:<account>:express:...), which the pipeline
	// never describes (DescribeExecution answers for an Express execution
	// only when a Map Run dispatched it): its claim holds until its lease
	// ends.
	ExpressExecutionPattern = "arn:*:states:*:*:express:*"
	// DefaultExpressMaxBytes is BatchOptions.ExpressMaxBytes's default:
	// 1 MiB, a chunk of the transform's 5,000 records at 200 bytes a
	// record.
	DefaultExpressMaxBytes = 1 << 20
	// MaxExpressMaxBytes bounds BatchOptions.ExpressMaxBytes (and the
	// stack setting batchExpressMaxKb): 1 GiB, far more than an Express
	// child validates, transforms and loads in its five minutes.
	MaxExpressMaxBytes = 1 << 30
	// MachinePipeline is the logical name of the per-file state machine,
	// which a batch starts for a large file.
	MachinePipeline = "pipeline"
)

// ErrBatchFilesFailed is the error of a batch execution in which a file
// FAILED (its Fail state's cause is the BatchSummary as JSON): the batch
// machine's executions-failed alarm fires as the per-file machine's does.
const ErrBatchFilesFailed asl.ErrorName = "Sluice.BatchFilesFailed"

// BatchOptions tune the batch machine. The zero value gives the defaults
// documented on each field.
type BatchOptions struct {
	// MaxFiles bounds the files one batch execution takes (the
	// ItemReader's MaxItems); the rest wait for the next one. It keeps the
	// Map's result, one small object per file, within Step Functions'
	// 256 KiB payload. Default: 1000.
	MaxFiles int
	// MaxConcurrency bounds the files processed at once (the Distributed
	// Map's concurrent child executions). Default: Options.MaxConcurrency.
	MaxConcurrency int
	// ExpressMaxBytes is the largest file a batch's Express child
	// processes itself; a larger one is handed to the per-file machine.
	// A smaller file that still stages more chunks than load inline is
	// handed over too, after its transform. Default: 1 MiB (a chunk of
	// the transform's 5,000 records at 200 bytes a record).
	ExpressMaxBytes int64
}

func (b BatchOptions) withDefaults(o Options) (BatchOptions, error) {
	if b.MaxFiles == 0 {
		b.MaxFiles = 1000
	}
	if b.MaxConcurrency == 0 {
		b.MaxConcurrency = o.MaxConcurrency
	}
	if b.ExpressMaxBytes == 0 {
		b.ExpressMaxBytes = DefaultExpressMaxBytes
	}
	switch {
	case b.ExpressMaxBytes < 0 || b.ExpressMaxBytes > MaxExpressMaxBytes:
		return b, fmt.Errorf("pipeline: batch ExpressMaxBytes %d: want 0 to %d", b.ExpressMaxBytes, MaxExpressMaxBytes)
	case b.MaxFiles < 1 || b.MaxFiles > 1000:
		return b, fmt.Errorf("pipeline: batch MaxFiles %d: want 1 to 1000 (the batch result must fit Step Functions' 256 KiB payload)", b.MaxFiles)
	case b.MaxConcurrency < 0:
		return b, fmt.Errorf("pipeline: batch MaxConcurrency %d: want at least 0", b.MaxConcurrency)
	}
	return b, nil
}

// BuildBatch compiles the batch machine with the resources of r and the
// options o and b: one execution lists a dataset's pending files (its
// prefix, BatchInput) and takes each through the per-file pipeline, the
// same stages as Build's, in a Distributed Map child execution of its own;
// a file with an outcome is then moved out of the prefix, so the next
// batch lists only what is still pending.
//
// The child executions are EXPRESS: billed by request and duration rather
// than by state transition, they cost a small fraction of a Standard
// execution of the same states (docs/workflow.md, "Batch mode"). An
// Express child lasts at most five minutes and cannot run the nested
// Distributed Map of a file of many chunks, so a file larger than
// b.ExpressMaxBytes, or one whose transform staged more chunks than load
// inline, is handed to the per-file machine (an asynchronous
// states:startExecution), which claims, loads and records it as it does
// a file of a per-file dataset; a later batch finds its outcome in the
// ledger and settles it. An Express child's claim is leased for the five
// minutes its execution may last (ExpressMaxSeconds) and is never
// described (ExpressExecutionPattern): it is taken over only once its
// lease has ended. The machine's timeout is o.ExecutionTimeoutSeconds.
func BuildBatch(r workflow.Resolver, o Options, b BatchOptions) (*workflow.Compiled, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if b, err = b.withDefaults(o); err != nil {
		return nil, err
	}
	bucketARN, err := r.Resolve(workflow.KindBucket, BucketData)
	if err != nil {
		return nil, fmt.Errorf("pipeline: batch: %w", err)
	}
	bucket := bucketARN[strings.LastIndex(bucketARN, ":")+1:]
	return workflow.Compile(batchDefinition(o, b, bucket),
		workflow.WithInput[BatchInput](),
		workflow.WithResolver(r),
		workflow.WithComment("Sluice batch: take every pending file of a dataset through the per-file pipeline in one execution"),
		workflow.WithTimeoutSeconds(o.ExecutionTimeoutSeconds),
		workflow.WithMachineType(o.Type),
	)
}

// SyntheticBatch compiles the batch machine for stack ("dev" or "prod")
// with Synthetic's ARNs and default BatchOptions.
func SyntheticBatch(stack string) (*workflow.Compiled, error) {
	o, err := StackOptions(stack)
	if err != nil {
		return nil, err
	}
	return BuildBatch(workflow.SyntheticResolver(SyntheticAccount, SyntheticRegion, "sluice-"+stack), o, BatchOptions{})
}

// Statuses a batch gives a file besides the ledger's outcomes.
const (
	// statusGone is a listed file deleted before its child execution
	// read it.
	statusGone = "GONE"
	// statusTooLarge ends the Express per-file stages of a file of more
	// chunks than load inline (release).
	statusTooLarge = "TOO_LARGE"
	// StatusHandedOff is a large file the batch started a per-file
	// execution for.
	StatusHandedOff = "HANDED_OFF"
)

// listedObject is one item of the listObjectsV2 ItemReader.
type listedObject struct {
	Key          string `json:"Key" maxBytes:"1024"`
	Size         int64  `json:"Size"`
	Etag         string `json:"Etag" maxBytes:"64"`
	LastModified string `json:"LastModified" maxBytes:"64"`
	StorageClass string `json:"StorageClass" maxBytes:"32"`
}

// pendingFile is the input of a batch's child execution.
type pendingFile struct {
	Dataset string `json:"dataset" maxBytes:"63"`
	Bucket  string `json:"bucket" maxBytes:"63"`
	Key     string `json:"key" maxBytes:"1024"`
}

// headRead is the part of HeadObject's output Head keeps.
type headRead struct {
	VersionID     string `json:"VersionId" maxBytes:"1024"`
	ContentLength int64  `json:"ContentLength"`
}

// outcomeRead is what ReadOutcome's GetItem returns: the status of a
// ledger item (absent when there is none).
type outcomeRead struct {
	Item *struct {
		Status ledgerString `json:"status"`
	} `json:"Item,omitempty"`
}

// batchDefinition is the batch graph: Files (the Distributed Map over the
// listing), then the summary and its verdict.
func batchDefinition(o Options, b BatchOptions, bucket string) workflow.Chainable {
	s := newStages(o)
	done := workflow.NewSucceed("BatchDone", workflow.SucceedProps{OutputPath: pathSummary})
	filesFailed := workflow.NewFail("FilesFailed", workflow.FailProps{
		Comment:   "a file FAILED (recorded, announced and kept pending for the next batch): fail the batch so its alarm fires",
		Error:     ErrBatchFilesFailed,
		CausePath: "States.JsonToString(" + pathSummary + ")",
	})
	verdict := workflow.NewChoice("BatchVerdict", workflow.ChoiceProps{}).
		When(workflow.NumericGreaterThan(pathSummary+".failed", 0), filesFailed).
		Otherwise(done)
	summary := workflow.NewPass("Summarize", workflow.PassProps{
		Comment:       "count the outcomes; a child execution that failed outright left no status and counts as failed",
		QueryLanguage: asl.JSONata,
		Output: workflow.Expr(`$merge([$states.input, {"summary": (` +
			`$r := $states.input.files; ` +
			`$n := function($s) { $count($r[status = $s]) }; {` +
			`"dataset": $states.input.dataset, ` +
			`"files": $count($r), ` +
			`"loaded": $n("` + contract.StatusLoaded + `"), ` +
			`"rejected": $n("` + contract.StatusRejected + `"), ` +
			`"duplicate": $n("` + contract.StatusDuplicate + `"), ` +
			`"failed": $n("` + contract.StatusFailed + `") + $count($r[$not($exists(status))]), ` +
			`"gone": $n("` + statusGone + `"), ` +
			`"handedOff": $n("` + StatusHandedOff + `"), ` +
			`"unsettled": $count($r[settled = false])` +
			`})}])`),
	})
	summary.Next(verdict)
	files := workflow.NewDistributedMap("Files", workflow.DistributedMapProps{
		MapProps: workflow.MapProps{
			Comment: "one Express child execution per pending file of the dataset",
			ItemSelector: workflow.Params{
				"dataset.$": "$.dataset",
				"bucket":    bucket,
				"key.$":     "$$.Map.Item.Value.Key",
			},
			MaxConcurrency: b.MaxConcurrency,
			ResultPath:     "$.files",
		},
		ExecutionType: Express,
		Label:         "Files",
		ItemReader: &workflow.ItemReader{
			Bucket:       BucketData,
			Resource:     "arn:aws:states:::s3:listObjectsV2",
			Parameters:   workflow.Params{"Prefix.$": "$.prefix"},
			ReaderConfig: &asl.ReaderConfig{MaxItems: &asl.IntOrExpr{Int: int64(b.MaxFiles)}},
			ItemType:     reflect.TypeFor[listedObject](),
		},
		// Every file's outcome is caught and recorded in its child; a
		// child that still fails (timed out, aborted) must not stop the
		// other files.
		ToleratedFailurePercentage: 100,
	}).ItemProcessor(s.batchFile(b))
	files.Next(summary)
	return files
}

// batchFile is a batch's Express child execution for one listed file: read
// its current version, run the per-file stages on it (or, for a large
// file, hand it to the per-file machine unless the ledger has its outcome
// already), and settle it when it has an outcome. Every path ends with
// {status, key, versionId, settled}.
func (s *stages) batchFile(b BatchOptions) workflow.Chainable {
	express := newStages(s.o)
	express.express = true
	result := func(name, comment string, kv ...any) *workflow.Pass {
		p := workflow.Params{"key.$": "$.key"}
		return workflow.NewPass(name, workflow.PassProps{Comment: comment, Parameters: with(p, kv...)})
	}
	settled := result("Settled", "the file has its outcome and left the pending prefix",
		"status.$", "$.outcome.status", "versionId.$", "$.versionId", "settled", true)
	kept := result("Kept", "a duplicate whose claim another execution still holds: that execution settles it",
		"status.$", "$.outcome.status", "versionId.$", "$.versionId", "settled", true)
	unsettled := result("Unsettled", "the outcome is recorded but the file stays pending: the next batch finds it a duplicate and settles it",
		"status.$", "$.outcome.status", "versionId.$", "$.versionId", "settled", false, "error.$", pathError+".Error")
	fileFailed := result("FileFailed", "the file FAILED (recorded and announced by its stages): it stays pending for the next batch",
		"status", contract.StatusFailed, "versionId.$", "$.versionId", "settled", true, "error.$", pathError+".Error")
	headFailed := result("HeadFailed", "the file could not be read: it stays pending, unclaimed, for the next batch",
		"status", contract.StatusFailed, "settled", true, "error.$", pathError+".Error", "cause.$", pathError+".Cause")
	gone := result("Gone", "the file was deleted after the listing", "status", statusGone, "settled", true)

	s3Retry := workflow.RetryProps{Errors: []asl.ErrorName{"S3.SlowDownException", "S3.InternalErrorException", asl.StatesTimeout}, IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 20, Jitter: workflow.JitterFull}
	settle := workflow.S3DeleteObjectVersion("Settle", BucketData, workflow.Params{
		"Key.$":       "$.key",
		"VersionId.$": "$.versionId",
	}, workflow.TaskProps{Comment: "delete the settled version from the pending prefix; a newer version uploaded meanwhile stays pending", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(s3Retry).
		AddCatch(unsettled, workflow.CatchProps{ResultPath: pathError})
	settle.Next(settled)
	archive := workflow.S3CopyObject("Archive", BucketData, BucketData, workflow.Params{
		"CopySource.$": "$.archive.copySource",
		"Key.$":        "$.archive.key",
	}, workflow.TaskProps{Comment: "keep the processed version under " + contract.ProcessedPrefix, ResultPath: workflow.Null, TimeoutSeconds: 60}).
		AddRetry(s3Retry).
		AddCatch(unsettled, workflow.CatchProps{ResultPath: pathError})
	archive.Next(settle)
	locate := workflow.NewPass("Locate", workflow.PassProps{
		Comment:       "the archive copy's key and its URL-encoded CopySource (bucket/key?versionId=)",
		QueryLanguage: asl.JSONata,
		Output: workflow.Expr(`$merge([$states.input, {"archive": {` +
			`"key": "` + contract.ProcessedPrefix + `" & $states.input.dataset & "/" & $states.input.versionId & "/" & $states.input.key, ` +
			`"copySource": $encodeUrlComponent($states.input.bucket) & "/" & ` +
			`$join($map($split($states.input.key, "/"), function($s) { $encodeUrlComponent($s) }), "/") & ` +
			`"?versionId=" & $encodeUrlComponent($states.input.versionId)` +
			`}}])`),
	})
	locate.Next(archive)
	finished := workflow.NewChoice("Finished", workflow.ChoiceProps{Comment: "settle a duplicate only when its claim has an outcome; a RUNNING claim's owner settles it"}).
		When(ledgerSettled(), locate).
		Otherwise(kept)
	readOutcome := readLedgerStatus("ReadOutcome", "has the duplicate's claim an outcome?").
		AddRetry(s.dynamoRetry).
		AddCatch(unsettled, workflow.CatchProps{ResultPath: pathError})
	readOutcome.Next(finished)
	handedOff := result("HandedOff", "the per-file machine takes the file: its outcome is recorded in the ledger and a later batch settles it",
		"status", StatusHandedOff, "versionId.$", "$.versionId", "settled", true)
	handOffFailed := result("HandOffFailed", "the per-file execution could not be started: the file stays pending for the next batch",
		"status", contract.StatusFailed, "versionId.$", "$.versionId", "settled", true, "error.$", pathError+".Error", "cause.$", pathError+".Cause")
	handOff := workflow.StartExecution("HandOff", MachinePipeline, workflow.Params{
		"Input": workflow.Params{
			"dataset.$":   "$.dataset",
			"bucket.$":    "$.bucket",
			"key.$":       "$.key",
			"versionId.$": "$.versionId",
			"size.$":      "$.size",
		},
	}, workflow.TaskProps{Comment: "start the per-file machine on this version (asynchronously: an Express execution waits for no other)", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{ErrSfnThrottling, asl.StatesTimeout}, IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 20, Jitter: workflow.JitterFull}).
		AddCatch(handOffFailed, workflow.CatchProps{ResultPath: pathError})
	handOff.Next(handedOff)
	// The ledger's outcome of a large file is the file's outcome: Settled
	// reports $.outcome.status, as for a file the child ran itself.
	largeOutcome := workflow.NewPass("LargeOutcome", workflow.PassProps{
		Comment:    "the outcome the per-file execution recorded",
		Parameters: workflow.Params{"status.$": "$.ledger.Item.status.S"},
		ResultPath: "$.outcome",
	})
	largeOutcome.Next(locate)
	running := result("Running", "a large file whose per-file execution runs: it records the outcome, a later batch settles the file",
		"status", contract.StatusRunning, "versionId.$", "$.versionId", "settled", true)
	largeState := workflow.NewChoice("LargeState", workflow.ChoiceProps{Comment: "settle a large file with an outcome; leave a running one to its owner; hand any other to the per-file machine"}).
		When(ledgerSettled(), largeOutcome).
		When(workflow.And(
			workflow.IsPresent("$.ledger.Item.status.S"),
			workflow.StringEquals("$.ledger.Item.status.S", contract.StatusRunning),
		), running).
		Otherwise(handOff)
	largeLedger := readLedgerStatus("LargeLedger", "has the large file an outcome, or a running execution?").
		AddRetry(s.dynamoRetry).
		AddCatch(handOffFailed, workflow.CatchProps{ResultPath: pathError})
	largeLedger.Next(largeState)
	outcome := workflow.NewChoice("Outcome", workflow.ChoiceProps{}).
		When(workflow.Or(
			workflow.StringEquals("$.outcome.status", contract.StatusLoaded),
			workflow.StringEquals("$.outcome.status", contract.StatusRejected),
		), locate).
		When(workflow.StringEquals("$.outcome.status", contract.StatusDuplicate), readOutcome).
		When(workflow.StringEquals("$.outcome.status", statusTooLarge), handOff).
		Otherwise(kept)
	file := workflow.NewParallel("File", workflow.ParallelProps{
		Comment:        "the per-file pipeline, state for state, on this version, as an Express execution runs it",
		ResultSelector: workflow.Params{"status.$": "$[0].status"},
		ResultPath:     "$.outcome",
	}).Branch(express.definition()).
		AddCatch(fileFailed, workflow.CatchProps{ResultPath: pathError})
	file.Next(outcome)
	sized := workflow.NewChoice("Sized", workflow.ChoiceProps{Comment: "a file larger than an Express child takes goes to the per-file machine"}).
		When(workflow.NumericGreaterThan("$.size", float64(b.ExpressMaxBytes)), largeLedger).
		Otherwise(file)
	event := workflow.NewPass("FileEvent", workflow.PassProps{
		Comment: "the event the per-file machine would have had for this version",
		Parameters: workflow.Params{
			"dataset.$":   "$.dataset",
			"bucket.$":    "$.bucket",
			"key.$":       "$.key",
			"versionId.$": "$.head.versionId",
			"size.$":      "$.head.size",
		},
	})
	event.Next(sized)
	head := workflow.Returns[headRead](workflow.S3HeadObject("Head", BucketData, workflow.Params{"Key.$": "$.key"}, workflow.TaskProps{
		Comment:        "the current version of the listed key (a listing has no version ids)",
		ResultSelector: workflow.Params{"versionId.$": "$.VersionId", "size.$": "$.ContentLength"},
		ResultPath:     "$.head",
		TimeoutSeconds: 30,
	})).
		AddRetry(s3Retry).
		AddCatch(gone, workflow.CatchProps{Errors: []asl.ErrorName{"S3.NotFoundException", "S3.NoSuchKeyException"}, ResultPath: pathError}).
		AddCatch(headFailed, workflow.CatchProps{ResultPath: pathError})
	head.Next(event)
	return head
}

// readLedgerStatus is a task named name that reads the file version's
// ledger status into $.ledger (a consistent read of that one attribute).
func readLedgerStatus(name, comment string) *workflow.Task {
	return workflow.Returns[outcomeRead](workflow.DynamoGetItem(name, TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"ConsistentRead":           true,
		"ProjectionExpression":     "#status",
		"ExpressionAttributeNames": workflow.Params{"#status": "status"},
	}, workflow.TaskProps{Comment: comment, ResultPath: "$.ledger", TimeoutSeconds: 30}))
}

// ledgerSettled holds when the ledger item read into $.ledger records an
// outcome (LOADED or REJECTED): the file's own execution has finished it.
func ledgerSettled() workflow.Condition {
	return workflow.And(
		workflow.IsPresent("$.ledger.Item.status.S"),
		workflow.Or(
			workflow.StringEquals("$.ledger.Item.status.S", contract.StatusLoaded),
			workflow.StringEquals("$.ledger.Item.status.S", contract.StatusRejected),
		))
}
