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
)

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
)

// varFailedState is the variable the catchers leading to the failure path
// set to the name of the state whose error they caught, so that the
// notification, the ledger and the execution's cause name it.
const varFailedState = "failedState"

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
	// sdk is the TaskProps of the service integration tasks.
	sdk := workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 30}

	// Failed path: announce, record, fail so the executions-failed alarm
	// fires. Each step goes on when its own call fails.
	failed := workflow.NewFail("Failed", workflow.FailProps{
		Comment:   "the file failed; the cause names the failed state and carries its error's cause",
		Error:     ErrFileFailed,
		CausePath: "States.Format('{} failed: {}', $" + varFailedState + ", " + pathError + ".Cause)",
	})
	recordFailed := workflow.DynamoUpdateItem("RecordFailed", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"UpdateExpression":         "SET #status = :status, #state = :state, #error = :error, #cause = :cause, #finishedAt = :now",
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#state": "failedState", "#error": "error", "#cause": "cause", "#finishedAt": "finishedAt"},
		"ExpressionAttributeValues": workflow.Params{
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
		AddCatch(recordFailed, workflow.CatchProps{ResultPath: "$.notifyError"})
	notifyFailed.Next(recordFailed)

	// Rejected path: quarantine a copy, announce, record, succeed.
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
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#error": "error", "#reason": "reason", "#report": "report", "#quarantine": "quarantine", "#finishedAt": "finishedAt"},
		"ExpressionAttributeValues": workflow.Params{
			":status":     workflow.Params{"S": StatusRejected},
			":error":      workflow.Params{"S.$": pathError + ".Error"},
			":reason":     workflow.Params{"S.$": pathRejection + ".reason"},
			":report":     workflow.Params{"S.$": pathRejection + ".report"},
			":quarantine": workflow.Params{"S.$": pathRejection + ".quarantineKey"},
			":now":        workflow.Params{"S.$": "$$.State.EnteredTime"},
		},
	}, sdk).
		AddRetry(dynamoRetry).
		AddCatch(rejectedResult, workflow.CatchProps{ResultPath: "$.recordError"})
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
		AddCatch(recordRejected, workflow.CatchProps{ResultPath: "$.notifyError"})
	notifyRejected.Next(recordRejected)
	quarantine := workflow.S3CopyObject("Quarantine", BucketData, BucketData, workflow.Params{
		"CopySource.$": pathRejection + ".copySource",
		"Key.$":        pathRejection + ".quarantineKey",
	}, sdk).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTimeout}, MaxAttempts: 2, Jitter: workflow.JitterFull}).
		AddCatch(notifyRejected, workflow.CatchProps{ResultPath: "$.quarantineError"})
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
		},
		"ExpressionAttributeValues": workflow.Params{
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

	claim := workflow.DynamoPutItem("Claim", TableLedger, workflow.Params{
		"Item": with(ledgerKey(),
			"status", workflow.Params{"S": StatusRunning},
			"dataset", workflow.Params{"S.$": "$.dataset"},
			"bucket", workflow.Params{"S.$": "$.bucket"},
			"key", workflow.Params{"S.$": "$.key"},
			"versionId", workflow.Params{"S.$": "$.versionId"},
			"execution", workflow.Params{"S.$": "$$.Execution.Id"},
			"startedAt", workflow.Params{"S.$": "$$.State.EnteredTime"},
			"leaseUntil", workflow.Params{"S.$": pathLease + ".until"},
		),
		// A FAILED run may be claimed again (a re-run after an outage); a
		// LOADED or REJECTED one is a duplicate, and so is a RUNNING one
		// until its lease ends: by then its execution has timed out, or
		// failed without recording it (the ledger was unreachable), and
		// nothing else would ever let the file run again.
		"ConditionExpression":       "attribute_not_exists(pk) OR #status = :failed OR (#status = :running AND #leaseUntil < :now)",
		"ExpressionAttributeNames":  workflow.Params{"#status": "status", "#leaseUntil": "leaseUntil"},
		"ExpressionAttributeValues": workflow.Params{":failed": workflow.Params{"S": StatusFailed}, ":running": workflow.Params{"S": StatusRunning}, ":now": workflow.Params{"S.$": pathLease + ".now"}},
	}, workflow.TaskProps{Comment: "one execution per file version, except after a failure or an abandoned run", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(dynamoRetry).
		AddCatch(markDuplicate, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
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
