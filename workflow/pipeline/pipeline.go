package pipeline

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnerr"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
)

// Synthetic account and region of Synthetic's ARNs.
const (
	SyntheticAccount = "000000000000"
	SyntheticRegion  = "us-east-1"
)

// Status values of the ledger and of the execution output.
const (
	StatusRunning   = "RUNNING"
	StatusLoaded    = "LOADED"
	StatusRejected  = "REJECTED"
	StatusDuplicate = "DUPLICATE"
	StatusFailed    = "FAILED"
	// StatusTimedOut and StatusAborted are recorded by the reconciler when
	// Step Functions reports that the execution owning a claim timed out
	// or was stopped (platform's execution-status rule).
	StatusTimedOut = "TIMED_OUT"
	StatusAborted  = "ABORTED"
)

// ErrSfnNoExecution is the error DescribeExecution raises for an execution
// Step Functions does not know (deleted after its retention period).
const ErrSfnNoExecution asl.ErrorName = "Sfn.ExecutionDoesNotExistException"

// ErrSfnThrottling is DescribeExecution's throttling error.
const ErrSfnThrottling asl.ErrorName = "Sfn.ThrottlingException"

// ErrFileFailed is the error of a failed execution (its Fail state), on
// which the executions-failed alarm fires.
const ErrFileFailed asl.ErrorName = "Sluice.FileFailed"

// DynamoDB errors retried by the ledger tasks.
const (
	ErrDynamoThroughput  asl.ErrorName = "DynamoDB.ProvisionedThroughputExceededException"
	ErrDynamoLimit       asl.ErrorName = "DynamoDB.RequestLimitExceeded"
	ErrDynamoThrottling  asl.ErrorName = "DynamoDB.ThrottlingException"
	ErrDynamoInternal    asl.ErrorName = "DynamoDB.InternalServerError"
	ErrConditionalFailed asl.ErrorName = "DynamoDB.ConditionalCheckFailedException"
)

// errName is the ASL name of a function error type.
func errName(err error) asl.ErrorName { return asl.ErrorName(fnerr.NameOf(err)) }

// Function error names, from the fnerr types.
var (
	errValidationFailed = errName(&fnerr.ValidationFailed{})
	errRetryable        = errName(&fnerr.Retryable{})
	errLoadIncomplete   = errName(&fnerr.LoadIncomplete{})
)

// Build compiles the pipeline with the resources of r and the options o
// (zero fields take their defaults).
func Build(r workflow.Resolver, o Options) (*workflow.Compiled, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return workflow.Compile(definition(o),
		workflow.WithInput[contract.FileEvent](),
		workflow.WithResolver(r),
		workflow.WithComment("Sluice: validate, transform, enrich and load one file"),
		workflow.WithTimeoutSeconds(o.ExecutionTimeoutSeconds),
		workflow.WithMachineType(o.Type),
	)
}

// Synthetic compiles the pipeline for stack ("dev" or "prod", see
// StackOptions) with synthetic ARNs in account 000000000000, region
// us-east-1, physical names "sluice-<stack>-<logical name>".
func Synthetic(stack string) (*workflow.Compiled, error) {
	o, err := StackOptions(stack)
	if err != nil {
		return nil, err
	}
	return Build(workflow.SyntheticResolver(SyntheticAccount, SyntheticRegion, "sluice-"+stack), o)
}

// Paths into the execution state. The execution input is a
// contract.FileEvent at "$"; the states add these.
const (
	pathValidation = "$.validation" // contract.ValidateOutput
	pathTransform  = "$.transform"  // contract.TransformOutput
	pathFirst      = "$.transform.first"
	pathLoad       = "$.load"   // contract.LoadOutput (inline path)
	pathChunks     = "$.chunks" // Distributed Map result (ResultWriterDetails)
	pathSummary    = "$.summary"
	pathError      = "$.error" // {Error, Cause} of a caught error
	pathRejection  = "$.rejection"
	pathLease      = "$.lease" // {now, until} of the claim
	pathClaim      = "$.claim" // the ledger item of a claim held by another execution
	pathOwner      = "$.owner" // {status} of that execution
)

// varFailedState is the variable the catchers leading to the failure path
// set to the name of the state whose error they caught, so that the
// notification, the ledger and the execution's cause name it.
const varFailedState = "failedState"

// ownedByMe is the condition of every ledger write after the claim: the
// item is still this execution's, so an execution that lost its claim to
// a takeover never overwrites the new owner's outcome.
const ownedByMe = "#execution = :me"

// ledgerKey is the ledger item key of the file version.
func ledgerKey() workflow.Params {
	return workflow.Params{"pk": workflow.Params{"S.$": "States.Format('FILE#{}/{}#{}', $.bucket, $.key, $.versionId)"}}
}

// fileFields are the output fields naming the file.
func fileFields(status string) workflow.Params {
	return workflow.Params{
		"status":      status,
		"dataset.$":   "$.dataset",
		"bucket.$":    "$.bucket",
		"key.$":       "$.key",
		"versionId.$": "$.versionId",
	}
}

func with(p workflow.Params, kv ...any) workflow.Params {
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

// lambda is a Lambda task whose handler takes In and returns Out (the
// functions/contract documents), with the stack's task timeout.
func lambda[In, Out any](o Options, name, fn string, p workflow.TaskProps) *workflow.Task {
	p.TimeoutSeconds = o.TaskTimeoutSeconds
	return workflow.LambdaTask[In, Out](name, fn, p)
}

// definition returns the pipeline graph for o (already defaulted).
func definition(o Options) workflow.Chainable {
	lambdaRetry := func(extra ...asl.ErrorName) workflow.RetryProps {
		return workflow.RetryProps{
			Errors: append([]asl.ErrorName{
				asl.LambdaServiceException, asl.LambdaAWSLambdaException,
				asl.LambdaSdkClientException, asl.LambdaTooManyRequestsException,
				errRetryable,
			}, extra...),
			IntervalSeconds: o.Retry.IntervalSeconds,
			MaxAttempts:     o.Retry.MaxAttempts,
			BackoffRate:     o.Retry.BackoffRate,
			MaxDelaySeconds: o.Retry.MaxDelaySeconds,
			Jitter:          workflow.JitterFull,
		}
	}
	dynamoRetry := workflow.RetryProps{
		Errors:          []asl.ErrorName{ErrDynamoThroughput, ErrDynamoLimit, ErrDynamoThrottling, ErrDynamoInternal},
		IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 20, Jitter: workflow.JitterFull,
	}
	// toError catches any error of state into the failure path, naming
	// the state.
	toError := func(state string) workflow.CatchProps {
		return workflow.CatchProps{ResultPath: pathError, Assign: map[string]any{varFailedState: state}}
	}
	// notifyRetry retries a notification once more: a second message is
	// harmless, a lost one is not.
	notifyRetry := workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTaskFailed, asl.StatesTimeout}, IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, Jitter: workflow.JitterFull}
	// sdk is the TaskProps of the service integration tasks.
	sdk := workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 30}

	// Failed path: announce, record, fail so the executions-failed alarm
	// fires. Each step goes on when its own call fails: the execution
	// fails whatever happens, and when RecordFailed could not write, the
	// execution-status rule (platform) records the outcome and the next
	// event takes the claim over (DescribeOwner says FAILED).
	failed := workflow.NewFail("Failed", workflow.FailProps{
		Comment:   "the file failed; the cause names the failed state and carries its error's cause",
		Error:     ErrFileFailed,
		CausePath: "States.Format('{} failed: {}', $" + varFailedState + ", " + pathError + ".Cause)",
	})
	recordFailed := workflow.DynamoUpdateItem("RecordFailed", TableLedger, workflow.Params{
		"Key":              ledgerKey(),
		"UpdateExpression": "SET #status = :status, #state = :state, #error = :error, #cause = :cause, #finishedAt = :now",
		// A failure before the claim (Claim itself) records FAILED on no
		// item; a claim another execution holds is left alone.
		"ConditionExpression":      "attribute_not_exists(pk) OR " + ownedByMe,
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#state": "failedState", "#error": "error", "#cause": "cause", "#finishedAt": "finishedAt", "#execution": "execution"},
		"ExpressionAttributeValues": workflow.Params{
			":me":     workflow.Params{"S.$": "$$.Execution.Id"},
			":status": workflow.Params{"S": StatusFailed},
			":state":  workflow.Params{"S.$": "$" + varFailedState},
			":error":  workflow.Params{"S.$": pathError + ".Error"},
			":cause":  workflow.Params{"S.$": pathError + ".Cause"},
			":now":    workflow.Params{"S.$": "$$.State.EnteredTime"},
		},
	}, sdk).
		AddRetry(dynamoRetry).
		AddCatch(failed, workflow.CatchProps{ResultPath: "$.recordError"})
	recordFailed.Next(failed)
	notifyFailed := workflow.SNSPublish("NotifyFailed", TopicAlerts, workflow.Params{
		"Subject": "Sluice: file failed",
		"Message": with(fileFields(StatusFailed),
			"state.$", "$"+varFailedState, "error.$", pathError+".Error", "cause.$", pathError+".Cause", "execution.$", "$$.Execution.Id"),
	}, sdk).
		AddRetry(notifyRetry).
		AddCatch(recordFailed, workflow.CatchProps{ResultPath: "$.notifyError"})
	notifyFailed.Next(recordFailed)
	// A failure on the rejected path (Quarantine, NotifyRejected,
	// RecordRejected) fails the file with the fields the failed path
	// reads: the rejection, whose reason is parsed out of an error
	// message, stays behind, so every state of the failed path keeps a
	// payload bound and a typed $.error.
	rejectionFailed := workflow.NewPass("RejectionFailed", workflow.PassProps{
		Comment: "the rejected file could not be quarantined, announced or recorded: fail it",
		Parameters: workflow.Params{
			"dataset.$": "$.dataset", "bucket.$": "$.bucket", "key.$": "$.key", "versionId.$": "$.versionId",
			"error.$": pathError,
		},
	})
	rejectionFailed.Next(notifyFailed)

	// Rejected path: quarantine a copy, announce, record, succeed. A
	// failure of any step fails the file (the failure path names the
	// step), so REJECTED always means the copy, the notice and the ledger
	// entry exist; a re-run claims the FAILED file again.
	rejected := workflow.NewSucceed("Rejected", workflow.SucceedProps{OutputPath: pathRejection + ".output"})
	rejectedResult := workflow.NewPass("RejectedResult", workflow.PassProps{
		Parameters: with(fileFields(StatusRejected),
			"error.$", pathError+".Error",
			"reason.$", pathRejection+".reason",
			"report.$", pathRejection+".report",
			"quarantine.$", pathRejection+".quarantineKey"),
		ResultPath: pathRejection + ".output",
	})
	rejectedResult.Next(rejected)
	recordRejected := workflow.DynamoUpdateItem("RecordRejected", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"UpdateExpression":         "SET #status = :status, #error = :error, #reason = :reason, #report = :report, #quarantine = :quarantine, #finishedAt = :now",
		"ConditionExpression":      ownedByMe,
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#error": "error", "#reason": "reason", "#report": "report", "#quarantine": "quarantine", "#finishedAt": "finishedAt", "#execution": "execution"},
		"ExpressionAttributeValues": workflow.Params{
			":me":         workflow.Params{"S.$": "$$.Execution.Id"},
			":status":     workflow.Params{"S": StatusRejected},
			":error":      workflow.Params{"S.$": pathError + ".Error"},
			":reason":     workflow.Params{"S.$": pathRejection + ".reason"},
			":report":     workflow.Params{"S.$": pathRejection + ".report"},
			":quarantine": workflow.Params{"S.$": pathRejection + ".quarantineKey"},
			":now":        workflow.Params{"S.$": "$$.State.EnteredTime"},
		},
	}, sdk).
		AddRetry(dynamoRetry).
		AddCatch(rejectionFailed, toError("RecordRejected"))
	recordRejected.Next(rejectedResult)
	notifyRejected := workflow.SNSPublish("NotifyRejected", TopicAlerts, workflow.Params{
		"Subject": "Sluice: file rejected",
		"Message": with(fileFields(StatusRejected),
			"error.$", pathError+".Error",
			"reason.$", pathRejection+".reason",
			"report.$", pathRejection+".report",
			"quarantine.$", pathRejection+".quarantineKey",
			"execution.$", "$$.Execution.Id"),
	}, sdk).
		AddRetry(notifyRetry).
		AddCatch(rejectionFailed, toError("NotifyRejected"))
	notifyRejected.Next(recordRejected)
	quarantine := workflow.S3CopyObject("Quarantine", BucketData, BucketData, workflow.Params{
		"CopySource.$": pathRejection + ".copySource",
		"Key.$":        pathRejection + ".quarantineKey",
	}, sdk).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTimeout}, MaxAttempts: 2, Jitter: workflow.JitterFull}).
		AddCatch(rejectionFailed, toError("Quarantine"))
	quarantine.Next(notifyRejected)
	parseRejection := workflow.NewPass("ParseRejection", workflow.PassProps{
		Comment: "the function's error payload ({errorType, errorMessage}) is a JSON string in Cause; " +
			"ValidationFailed's message names the report as (report s3://bucket/key); CopySource must be URL-encoded",
		QueryLanguage: asl.JSONata,
		Output: workflow.Expr(`$merge([$states.input, {"rejection": (` +
			`$reason := $parse($states.input.error.Cause).errorMessage; {` +
			`"reason": $reason, ` +
			`"report": $contains($reason, "(report s3://") ? $substringBefore($substringAfter($substringAfter($reason, "(report s3://"), "/"), ")") : "", ` +
			`"quarantineKey": "` + contract.QuarantinePrefix + `" & $states.input.dataset & "/" & $states.input.versionId & "/" & $states.input.key, ` +
			`"copySource": $encodeUrlComponent($states.input.bucket) & "/" & ` +
			`$join($map($split($states.input.key, "/"), function($s) { $encodeUrlComponent($s) }), "/") & ` +
			`"?versionId=" & $encodeUrlComponent($states.input.versionId)` +
			`})}])`),
	})
	parseRejection.Next(quarantine)

	// Success: record the counts, succeed with the summary.
	loaded := workflow.NewSucceed("Loaded", workflow.SucceedProps{OutputPath: pathSummary})
	record := workflow.DynamoUpdateItem("Record", TableLedger, workflow.Params{
		"Key":              ledgerKey(),
		"UpdateExpression": "SET #status = :status, #records = :records, #loaded = :loaded, #rejected = :rejected, #filtered = :filtered, #chunks = :chunks, #report = :report, #finishedAt = :now",
		"ExpressionAttributeNames": workflow.Params{
			"#status": "status", "#records": "records", "#loaded": "loaded", "#rejected": "rejected",
			"#filtered": "filtered", "#chunks": "chunks", "#report": "report", "#finishedAt": "finishedAt",
			"#execution": "execution",
		},
		"ConditionExpression": ownedByMe,
		"ExpressionAttributeValues": workflow.Params{
			":me":       workflow.Params{"S.$": "$$.Execution.Id"},
			":status":   workflow.Params{"S": StatusLoaded},
			":records":  workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".records)"},
			":loaded":   workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".loaded)"},
			":rejected": workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".rejected)"},
			":filtered": workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".filtered)"},
			":chunks":   workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".chunks)"},
			":report":   workflow.Params{"S.$": pathSummary + ".report"},
			":now":      workflow.Params{"S.$": "$$.State.EnteredTime"},
		},
	}, sdk).
		AddRetry(dynamoRetry).
		AddCatch(notifyFailed, toError("Record"))
	record.Next(loaded)

	summary := func(name, comment string, kv ...any) *workflow.Pass {
		p := with(fileFields(StatusLoaded),
			"records.$", pathTransform+".records",
			"rejected.$", pathTransform+".rejected",
			"filtered.$", pathTransform+".filtered",
			// The validation report lists the bad rows the policy
			// tolerated ("" when there were none).
			"report.$", pathValidation+".report")
		p = with(p, kv...)
		s := workflow.NewPass(name, workflow.PassProps{Comment: comment, Parameters: p, ResultPath: pathSummary})
		s.Next(record)
		return s
	}
	noRecords := summary("NoRecords", "nothing was staged: every row was filtered or rejected",
		"loaded", 0, "stale", 0, "chunks", 0)
	oneChunk := summary("SummarizeChunk", "counts of the inline path",
		"loaded.$", pathLoad+".written", "stale.$", pathLoad+".stale", "chunks", 1)
	manyChunks := summary("SummarizeChunks",
		"the Distributed Map tolerates no failed chunk, so every staged record was loaded (or skipped as stale); per-chunk counts are in the results",
		"loaded.$", pathTransform+".records", "chunks.$", pathTransform+".chunkCount",
		"results.$", pathChunks+".ResultWriterDetails.Key")

	// Inline path: Enrich (if declared) then Load on the first chunk.
	load := lambda[contract.Chunk, contract.LoadOutput](o, "Load", FunctionLoad, workflow.TaskProps{InputPath: pathFirst, ResultPath: pathLoad}).
		AddRetry(lambdaRetry(errLoadIncomplete)).
		AddCatch(notifyFailed, toError("Load"))
	load.Next(oneChunk)
	enrich := lambda[contract.Chunk, contract.EnrichOutput](o, "Enrich", FunctionEnrich, workflow.TaskProps{InputPath: pathFirst, ResultPath: pathFirst}).
		AddRetry(lambdaRetry()).
		AddCatch(notifyFailed, toError("Enrich"))
	enrich.Next(load)

	// Distributed path: one child execution per chunk of the manifest.
	loadChunk := lambda[contract.Chunk, contract.LoadOutput](o, "LoadChunk", FunctionLoad, workflow.TaskProps{InputPath: "$.chunk"}).
		AddRetry(lambdaRetry(errLoadIncomplete))
	enrichChunk := lambda[contract.Chunk, contract.EnrichOutput](o, "EnrichChunk", FunctionEnrich, workflow.TaskProps{InputPath: "$.chunk", ResultPath: "$.chunk"}).
		AddRetry(lambdaRetry())
	enrichChunk.Next(loadChunk)
	chunkRoute := workflow.NewChoice("ChunkRoute", workflow.ChoiceProps{}).
		When(workflow.BooleanEquals("$.enrich", true), enrichChunk).
		Otherwise(loadChunk)
	loadChunks := workflow.NewDistributedMap("LoadChunks", workflow.DistributedMapProps{
		MapProps: workflow.MapProps{
			Comment: "one child execution per chunk of the manifest",
			ItemSelector: workflow.Params{
				"chunk.$":  "$$.Map.Item.Value",
				"enrich.$": pathTransform + ".enrich",
			},
			MaxConcurrency: o.MaxConcurrency,
			ResultPath:     pathChunks,
		},
		ExecutionType: o.MapExecutionType,
		Label:         "LoadChunks",
		ItemReader: &workflow.ItemReader{
			Bucket:       BucketData,
			Parameters:   workflow.Params{"Key.$": pathTransform + ".manifest"},
			ReaderConfig: &asl.ReaderConfig{InputType: "JSON"},
			ItemType:     reflect.TypeFor[contract.Chunk](),
		},
		ResultWriter: &workflow.ResultWriter{
			Bucket: BucketData,
			Prefix: strings.TrimSuffix(contract.ResultsPrefix, "/"),
		},
	}).ItemProcessor(chunkRoute).
		AddCatch(notifyFailed, toError("LoadChunks"))
	loadChunks.Next(manyChunks)

	route := workflow.NewChoice("Route", workflow.ChoiceProps{Comment: "route on the staged data"}).
		When(workflow.NumericEquals(pathTransform+".chunkCount", 0), noRecords).
		When(workflow.NumericGreaterThan(pathTransform+".chunkCount", float64(o.InlineMaxChunks)), loadChunks).
		When(workflow.BooleanEquals(pathTransform+".enrich", true), enrich).
		Otherwise(load)

	validate := lambda[contract.FileEvent, contract.ValidateOutput](o, "Validate", FunctionValidate, workflow.TaskProps{ResultPath: pathValidation}).
		AddRetry(lambdaRetry()).
		AddCatch(parseRejection, workflow.CatchProps{Errors: []asl.ErrorName{errValidationFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Validate"))
	transform := lambda[contract.TransformInput, contract.TransformOutput](o, "Transform", FunctionTransform, workflow.TaskProps{
		Parameters: workflow.Params{
			"dataset.$":     pathValidation + ".dataset",
			"source.$":      pathValidation + ".source",
			"executionId.$": "$$.Execution.Id",
		},
		ResultPath: pathTransform,
	}).
		AddRetry(lambdaRetry()).
		AddCatch(parseRejection, workflow.CatchProps{Errors: []asl.ErrorName{errValidationFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Transform"))

	duplicate := workflow.NewSucceed("Duplicate", workflow.SucceedProps{Comment: "this version of the file was already claimed"})
	markDuplicate := workflow.NewPass("MarkDuplicate", workflow.PassProps{Parameters: fileFields(StatusDuplicate)})
	markDuplicate.Next(duplicate)

	// claimItem is the ledger item a claim writes: the file version, the
	// execution that owns it (what DescribeOwner asks Step Functions about)
	// and its lease.
	claimItem := with(ledgerKey(),
		"status", workflow.Params{"S": StatusRunning},
		"dataset", workflow.Params{"S.$": "$.dataset"},
		"bucket", workflow.Params{"S.$": "$.bucket"},
		"key", workflow.Params{"S.$": "$.key"},
		"versionId", workflow.Params{"S.$": "$.versionId"},
		"execution", workflow.Params{"S.$": "$$.Execution.Id"},
		"startedAt", workflow.Params{"S.$": "$$.State.EnteredTime"},
		"leaseUntil", workflow.Params{"S.$": pathLease + ".until"},
	)
	// Taking over: the claim is RUNNING, its owner has ended without
	// recording an outcome (killed, timed out, aborted, or failed while the
	// ledger was unreachable). The condition names that owner, so of two
	// executions taking over at once only one wins; the other is a
	// duplicate of the winner, which runs.
	takeOver := workflow.DynamoPutItem("TakeOver", TableLedger, workflow.Params{
		"Item":                      claimItem,
		"ConditionExpression":       "#status = :running AND #execution = :owner",
		"ExpressionAttributeNames":  workflow.Params{"#status": "status", "#execution": "execution"},
		"ExpressionAttributeValues": workflow.Params{":running": workflow.Params{"S": StatusRunning}, ":owner": workflow.Params{"S.$": pathClaim + ".Item.execution.S"}},
	}, workflow.TaskProps{Comment: "claim the file version from an execution that ended without recording its outcome", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(dynamoRetry).
		AddCatch(markDuplicate, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("TakeOver"))
	ownerGone := workflow.NewChoice("OwnerGone", workflow.ChoiceProps{Comment: "a running (or redrivable) owner keeps the file; any other has ended without recording an outcome"}).
		When(workflow.Or(
			workflow.StringEquals(pathOwner+".status", "RUNNING"),
			workflow.StringEquals(pathOwner+".status", "PENDING_REDRIVE"),
		), markDuplicate).
		Otherwise(takeOver)
	describeOwner := workflow.Returns[ownerStatus](workflow.DescribeExecution("DescribeOwner", workflow.Self, workflow.Params{
		"ExecutionArn.$": pathClaim + ".Item.execution.S",
	}, workflow.TaskProps{
		Comment:        "is the execution holding the claim still running?",
		ResultSelector: workflow.Params{"status.$": "$.Status"},
		ResultPath:     pathOwner,
		TimeoutSeconds: 30,
	})).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{ErrSfnThrottling, asl.StatesTimeout}, IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 20, Jitter: workflow.JitterFull}).
		AddCatch(takeOver, workflow.CatchProps{Errors: []asl.ErrorName{ErrSfnNoExecution}, ResultPath: pathOwner, Comment: "Step Functions no longer knows the owner: it ended long ago"}).
		AddCatch(notifyFailed, toError("DescribeOwner"))
	describeOwner.Next(ownerGone)
	readClaim := workflow.Returns[claimRead](workflow.DynamoGetItem("ReadClaim", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"ConsistentRead":           true,
		"ProjectionExpression":     "#status, #execution",
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#execution": "execution"},
	}, workflow.TaskProps{Comment: "who holds the claim, and is it finished?", ResultPath: pathClaim, TimeoutSeconds: 30})).
		AddRetry(dynamoRetry).
		AddCatch(notifyFailed, toError("ReadClaim"))

	claim := workflow.DynamoPutItem("Claim", TableLedger, workflow.Params{
		"Item": claimItem,
		// A FAILED, TIMED_OUT or ABORTED run may be claimed again (a
		// re-run, a redrive); a LOADED or REJECTED one is a duplicate. A
		// RUNNING one is taken over once its owner is known to have ended
		// (ReadClaim, DescribeOwner) or, failing that, once its lease ends.
		"ConditionExpression":      "attribute_not_exists(pk) OR #status IN (:failed, :timedOut, :aborted) OR (#status = :running AND #leaseUntil < :now)",
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#leaseUntil": "leaseUntil"},
		"ExpressionAttributeValues": workflow.Params{
			":failed": workflow.Params{"S": StatusFailed}, ":timedOut": workflow.Params{"S": StatusTimedOut}, ":aborted": workflow.Params{"S": StatusAborted},
			":running": workflow.Params{"S": StatusRunning}, ":now": workflow.Params{"S.$": pathLease + ".now"},
		},
	}, workflow.TaskProps{Comment: "one execution per file version at a time; an ended run's file may run again", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(dynamoRetry).
		AddCatch(readClaim, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Claim"))
	lease := workflow.NewPass("Lease", workflow.PassProps{
		Comment: "the claim's lease: the execution timeout from now (ISO 8601 UTC, which orders as text); " +
			"no execution of this machine outlives it",
		QueryLanguage: asl.JSONata,
		Output: workflow.Expr(fmt.Sprintf(`$merge([$states.input, {"lease": (`+
			`$t := $toMillis($states.context.State.EnteredTime); `+
			`{"now": $fromMillis($t), "until": $fromMillis($t + %d)})}])`, int64(o.ExecutionTimeoutSeconds)*1000)),
	})
	lease.Next(claim)
	claim.Next(validate).Next(transform).Next(route)
	takeOver.Next(validate)
	readClaim.Next(workflow.NewChoice("ClaimHeld", workflow.ChoiceProps{Comment: "a RUNNING claim names its owner; a finished one makes this event a duplicate (and so does a claim deleted since: TakeOver could not replace it)"}).
		When(workflow.And(
			workflow.IsPresent(pathClaim+".Item.execution.S"),
			workflow.StringEquals(pathClaim+".Item.status.S", StatusRunning),
		), describeOwner).
		Otherwise(markDuplicate))

	noVersion := workflow.NewPass("NoVersion", workflow.PassProps{
		Comment:    `an unversioned bucket: S3 calls the only version "null"`,
		Result:     "null",
		ResultPath: "$.versionId",
	})
	noVersion.Next(lease)
	return workflow.NewChoice("Versioned", workflow.ChoiceProps{}).
		When(workflow.Not(workflow.IsPresent("$.versionId")), noVersion).
		Otherwise(lease)
}

// claimRead is what ReadClaim's GetItem returns: its ProjectionExpression
// keeps the claim's status and owning execution, and Item is absent when
// the claim was deleted since Claim failed.
type claimRead struct {
	Item *struct {
		Status    ledgerString `json:"status"`
		Execution ledgerString `json:"execution"`
	} `json:"Item,omitempty"`
}

// ledgerString is a DynamoDB string attribute of the ledger: a status or an
// execution ARN (at most 256 characters: the machine's ARN and an 80-character
// execution name).
type ledgerString struct {
	S string `json:"S" maxBytes:"256"`
}

// ownerStatus is the part of DescribeExecution's output DescribeOwner
// keeps: the owning execution's status (RUNNING, SUCCEEDED, ...).
type ownerStatus struct {
	Status string `json:"Status" maxBytes:"16"`
}
