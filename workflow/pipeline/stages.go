package pipeline

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
)

// definition returns the pipeline graph for o (already defaulted). Each
// stage is a function of its own, below in the order a file goes through
// them; the graph is built from its ends back to its start, because a state
// names the states it leads to.
func definition(o Options) workflow.Chainable {
	return newStages(o).definition()
}

// definition is the pipeline graph of s: the per-file machine's, or with
// s.express the variant a batch's Express child runs.
func (s *stages) definition() workflow.Chainable {
	notifyFailed := s.failurePath()
	parseRejection := s.rejectionPath(s.rejectionFailed(notifyFailed))
	record := s.record(notifyFailed)
	route := s.route(record, notifyFailed)
	validate := s.validateAndTransform(parseRejection, notifyFailed, route)
	return s.claim(validate, notifyFailed)
}

// stages holds what the stages of the pipeline share: the options and the
// retry policies of each kind of task.
type stages struct {
	o Options
	// express is set for the stages a batch's Express child runs
	// (batchFile): the claim's lease is Express's five minutes, and a file
	// of more chunks than load inline is released, for the batch to hand
	// it to the per-file machine, instead of loaded through a nested
	// Distributed Map (which an Express execution cannot run).
	express bool
	// dynamoRetry retries the ledger's throttling and internal errors.
	dynamoRetry workflow.RetryProps
	// notifyRetry retries a notification once more: a second message is
	// harmless, a lost one is not.
	notifyRetry workflow.RetryProps
	// publishRetry retries an outcome event's publication: EventBridge's
	// own errors (EventBridge.FailedEntry when it refused the entry, its
	// throttling and internal errors), the task's timeout and failure.
	publishRetry workflow.RetryProps
}

func newStages(o Options) *stages {
	return &stages{
		o: o,
		dynamoRetry: workflow.RetryProps{
			Errors:          []asl.ErrorName{ErrDynamoThroughput, ErrDynamoLimit, ErrDynamoThrottling, ErrDynamoInternal},
			IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2, MaxDelaySeconds: 20, Jitter: workflow.JitterFull,
		},
		notifyRetry:  workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTaskFailed, asl.StatesTimeout}, IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, Jitter: workflow.JitterFull},
		publishRetry: workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesALL}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 10, Jitter: workflow.JitterFull},
	}
}

// lambdaRetry retries the Lambda service's transient errors, Retryable and
// extra with the stack's retry tuning.
func (s *stages) lambdaRetry(extra ...asl.ErrorName) workflow.RetryProps {
	return workflow.RetryProps{
		Errors: append([]asl.ErrorName{
			asl.LambdaServiceException, asl.LambdaAWSLambdaException,
			asl.LambdaSdkClientException, asl.LambdaTooManyRequestsException,
			errRetryable,
		}, extra...),
		IntervalSeconds: s.o.Retry.IntervalSeconds,
		MaxAttempts:     s.o.Retry.MaxAttempts,
		BackoffRate:     s.o.Retry.BackoffRate,
		MaxDelaySeconds: s.o.Retry.MaxDelaySeconds,
		Jitter:          workflow.JitterFull,
	}
}

// toError catches any error of state into the failure path, naming the
// state.
func toError(state string) workflow.CatchProps {
	return workflow.CatchProps{ResultPath: pathError, Assign: map[string]any{varFailedState: state}}
}

// sdk is the TaskProps of the service integration tasks that keep their
// input.
func sdk() workflow.TaskProps {
	return workflow.TaskProps{ResultPath: workflow.Null, TimeoutSeconds: 30}
}

// claim is the start of the pipeline: give an unversioned bucket's file the
// version "null", compute the claim's lease and claim the file version in
// the ledger, then go on to validate. A claim already held goes through
// ownership.
func (s *stages) claim(validate workflow.Chainable, notifyFailed *workflow.Task) workflow.Chainable {
	item := s.claimItem()
	readClaim, takeOver := s.ownership(item, notifyFailed)
	takeOver.Next(validate)
	claim := workflow.DynamoPutItem("Claim", TableLedger, workflow.Params{
		"Item": item,
		// A FAILED, TIMED_OUT or ABORTED run may be claimed again (a
		// re-run, a redrive); a LOADED or REJECTED one is a duplicate. A
		// RUNNING one is taken over once its owner is known to have ended
		// (ReadClaim, DescribeOwner) or, failing that, once its lease ends.
		"ConditionExpression":      "attribute_not_exists(pk) OR #status IN (:failed, :timedOut, :aborted) OR (#status = :running AND #leaseUntil < :now)",
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#leaseUntil": "leaseUntil"},
		"ExpressionAttributeValues": workflow.Params{
			":failed": workflow.Params{"S": contract.StatusFailed}, ":timedOut": workflow.Params{"S": contract.StatusTimedOut}, ":aborted": workflow.Params{"S": contract.StatusAborted},
			":running": workflow.Params{"S": contract.StatusRunning}, ":now": workflow.Params{"S.$": pathLease + ".now"},
		},
	}, workflow.TaskProps{Comment: "one execution per file version at a time; an ended run's file may run again", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(s.dynamoRetry).
		AddCatch(readClaim, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Claim"))
	claim.Next(validate)
	timeout := int64(s.o.ExecutionTimeoutSeconds)
	if s.express {
		timeout = ExpressMaxSeconds
	}
	lease := workflow.NewPass("Lease", workflow.PassProps{
		Comment: "the claim's lease: the execution timeout from now (ISO 8601 UTC, which orders as text); " +
			"no execution of this machine outlives it. The ledger item expires (TTL, epoch seconds) " +
			"the ledger retention after the lease, so a claim never expires while it may still be running",
		QueryLanguage: asl.JSONata,
		Output: workflow.Expr(fmt.Sprintf(`$merge([$states.input, {"lease": (`+
			`$t := $toMillis($states.context.State.EnteredTime); `+
			`{"now": $fromMillis($t), "until": $fromMillis($t + %d), "expires": $floor($t / 1000) + %d})}])`,
			timeout*1000, timeout+int64(s.o.LedgerRetentionDays)*86400)),
	})
	lease.Next(claim)
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

// claimItem is the ledger item a claim writes: the file version, the
// execution that owns it (what DescribeOwner asks Step Functions about),
// its lease and its expiry.
func (s *stages) claimItem() workflow.Params {
	return with(ledgerKey(),
		"status", workflow.Params{"S": contract.StatusRunning},
		"dataset", workflow.Params{"S.$": "$.dataset"},
		"bucket", workflow.Params{"S.$": "$.bucket"},
		"key", workflow.Params{"S.$": "$.key"},
		"versionId", workflow.Params{"S.$": "$.versionId"},
		"execution", workflow.Params{"S.$": "$$.Execution.Id"},
		"startedAt", workflow.Params{"S.$": "$$.State.EnteredTime"},
		"leaseUntil", workflow.Params{"S.$": pathLease + ".until"},
		s.o.LedgerTTLAttribute, workflow.Params{"N.$": "States.JsonToString(" + pathLease + ".expires)"},
	)
}

// ownership is what follows a claim already held: read who holds it, ask
// Step Functions whether that execution still runs, and take the claim
// over (writing item) when it has ended without recording an outcome; a
// finished claim or a live owner makes this event a duplicate. It returns
// ReadClaim, where a refused Claim goes, and TakeOver, which the caller
// leads on to validation.
func (s *stages) ownership(item workflow.Params, notifyFailed *workflow.Task) (readClaim, takeOver *workflow.Task) {
	duplicate := workflow.NewSucceed("Duplicate", workflow.SucceedProps{Comment: "this version of the file was already claimed"})
	markDuplicate := workflow.NewPass("MarkDuplicate", workflow.PassProps{Parameters: fileFields(contract.StatusDuplicate)})
	markDuplicate.Next(s.publish("PublishDuplicate", contract.StatusDuplicate, nil, duplicate))
	// Taking over: the claim is RUNNING, its owner has ended without
	// recording an outcome (killed, timed out, aborted, or failed while the
	// ledger was unreachable). The condition names that owner, so of two
	// executions taking over at once only one wins; the other is a
	// duplicate of the winner, which runs.
	takeOver = workflow.DynamoPutItem("TakeOver", TableLedger, workflow.Params{
		"Item":                      item,
		"ConditionExpression":       "#status = :running AND #execution = :owner",
		"ExpressionAttributeNames":  workflow.Params{"#status": "status", "#execution": "execution"},
		"ExpressionAttributeValues": workflow.Params{":running": workflow.Params{"S": contract.StatusRunning}, ":owner": workflow.Params{"S.$": pathClaim + ".Item.execution.S"}},
	}, workflow.TaskProps{Comment: "claim the file version from an execution that ended without recording its outcome", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(s.dynamoRetry).
		AddCatch(markDuplicate, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("TakeOver"))
	ownerGone := workflow.NewChoice("OwnerGone", workflow.ChoiceProps{Comment: "a running (or redrivable) owner keeps the file; any other has ended without recording an outcome"}).
		When(workflow.Or(
			workflow.StringEquals(pathOwner+".status", "RUNNING"),
			workflow.StringEquals(pathOwner+".status", "PENDING_REDRIVE"),
		), markDuplicate).
		Otherwise(takeOver)
	// The owner of a RUNNING claim that is no Express execution is, for
	// the per-file machine, one of its own executions; for a batch's
	// Express child, an execution of the per-file machine a batch handed
	// the file to (or a Standard child of an earlier batch machine, whose
	// executions the batch role may describe for its Distributed Map).
	owners := workflow.Self
	if s.express {
		owners = MachinePipeline
	}
	describeOwner := workflow.Returns[ownerStatus](workflow.DescribeExecution("DescribeOwner", owners, workflow.Params{
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
	readClaim = workflow.Returns[claimRead](workflow.DynamoGetItem("ReadClaim", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"ConsistentRead":           true,
		"ProjectionExpression":     "#status, #execution",
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#execution": "execution"},
	}, workflow.TaskProps{Comment: "who holds the claim, and is it finished?", ResultPath: pathClaim, TimeoutSeconds: 30})).
		AddRetry(s.dynamoRetry).
		AddCatch(notifyFailed, toError("ReadClaim"))
	readClaim.Next(workflow.NewChoice("ClaimHeld", workflow.ChoiceProps{Comment: "a RUNNING claim names its owner; a finished one makes this event a duplicate (and so does a claim deleted since: TakeOver could not replace it)"}).
		// An Express owner (a batch's child) is not described
		// (DescribeExecution answers for one only when a Map Run
		// dispatched it): it is taken as running until its lease,
		// Express's five minutes, ends; then Claim takes the file.
		When(workflow.And(
			workflow.IsPresent(pathClaim+".Item.execution.S"),
			workflow.StringEquals(pathClaim+".Item.status.S", contract.StatusRunning),
			workflow.StringMatches(pathClaim+".Item.execution.S", ExpressExecutionPattern),
		), markDuplicate).
		When(workflow.And(
			workflow.IsPresent(pathClaim+".Item.execution.S"),
			workflow.StringEquals(pathClaim+".Item.status.S", contract.StatusRunning),
		), describeOwner).
		Otherwise(markDuplicate))
	return readClaim, takeOver
}

// validateAndTransform validates the claimed file, then transforms it into
// staged chunks and goes on to route. A ValidationFailed of either function
// rejects the file (parseRejection); any other error fails it.
func (s *stages) validateAndTransform(parseRejection workflow.Chainable, notifyFailed *workflow.Task, route workflow.Chainable) *workflow.Task {
	validate := lambda[contract.FileEvent, contract.ValidateOutput](s.o, "Validate", FunctionValidate, workflow.TaskProps{ResultPath: pathValidation}).
		AddRetry(s.lambdaRetry()).
		AddCatch(parseRejection, workflow.CatchProps{Errors: []asl.ErrorName{errValidationFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Validate"))
	transform := lambda[contract.TransformInput, contract.TransformOutput](s.o, "Transform", FunctionTransform, workflow.TaskProps{
		Parameters: workflow.Params{
			"dataset.$":     pathValidation + ".dataset",
			"source.$":      pathValidation + ".source",
			"executionId.$": "$$.Execution.Id",
		},
		ResultPath: pathTransform,
	}).
		AddRetry(s.lambdaRetry()).
		AddCatch(parseRejection, workflow.CatchProps{Errors: []asl.ErrorName{errValidationFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Transform"))
	validate.Next(transform).Next(route)
	return validate
}

// route chooses the load on the staged data: nothing to load, the first
// and only chunk inline (enriched first if the dataset declares it), or
// every chunk of the manifest through a Distributed Map. Each way ends in
// a summary that goes on to record.
func (s *stages) route(record, notifyFailed *workflow.Task) *workflow.Choice {
	noRecords, oneChunk, manyChunks := s.summaries(record)
	enrich, load := s.loadInline(notifyFailed, oneChunk)
	var loadChunks workflow.Chainable
	if s.express {
		loadChunks = s.release(notifyFailed)
	} else {
		loadChunks = s.loadDistributed(notifyFailed, manyChunks)
	}
	return workflow.NewChoice("Route", workflow.ChoiceProps{Comment: "route on the staged data"}).
		When(workflow.NumericEquals(pathTransform+".chunkCount", 0), noRecords).
		When(workflow.NumericGreaterThan(pathTransform+".chunkCount", float64(s.o.InlineMaxChunks)), loadChunks).
		When(workflow.BooleanEquals(pathTransform+".enrich", true), enrich).
		Otherwise(load)
}

// release is where a batch's Express child sends a file of more chunks
// than load inline: an Express execution cannot run the nested
// Distributed Map they need. It gives the claim up (status ABORTED, which
// Claim accepts, on condition that the claim is still this execution's)
// and ends with the status TOO_LARGE, on which the batch hands the file
// to the per-file machine. A claim taken over meanwhile is the new
// owner's: the file is too large all the same.
func (s *stages) release(notifyFailed *workflow.Task) workflow.Chainable {
	tooLarge := workflow.NewPass("TooLarge", workflow.PassProps{
		Comment:    "the batch hands the file to the per-file machine",
		Parameters: workflow.Params{"status": statusTooLarge},
	})
	release := workflow.DynamoUpdateItem("Release", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"UpdateExpression":         "SET #status = :aborted",
		"ConditionExpression":      "#status = :running AND " + ownedByMe,
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#execution": "execution"},
		"ExpressionAttributeValues": workflow.Params{
			":aborted": workflow.Params{"S": contract.StatusAborted}, ":running": workflow.Params{"S": contract.StatusRunning},
			":me": workflow.Params{"S.$": "$$.Execution.Id"},
		},
	}, workflow.TaskProps{Comment: "give the claim up: more chunks than an Express child loads inline", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(s.dynamoRetry).
		AddCatch(tooLarge, workflow.CatchProps{Errors: []asl.ErrorName{ErrConditionalFailed}, ResultPath: pathError}).
		AddCatch(notifyFailed, toError("Release"))
	release.Next(tooLarge)
	return release
}

// loadInline is the inline path: Enrich (if declared) then Load on the
// first chunk, then oneChunk's summary. It returns both entries.
func (s *stages) loadInline(notifyFailed *workflow.Task, oneChunk workflow.Chainable) (enrich, load *workflow.Task) {
	load = lambda[contract.Chunk, contract.LoadOutput](s.o, "Load", FunctionLoad, workflow.TaskProps{InputPath: pathFirst, ResultPath: pathLoad}).
		AddRetry(s.lambdaRetry(errLoadIncomplete)).
		AddCatch(notifyFailed, toError("Load"))
	load.Next(oneChunk)
	enrich = lambda[contract.Chunk, contract.EnrichOutput](s.o, "Enrich", FunctionEnrich, workflow.TaskProps{InputPath: pathFirst, ResultPath: pathFirst}).
		AddRetry(s.lambdaRetry()).
		AddCatch(notifyFailed, toError("Enrich"))
	enrich.Next(load)
	return enrich, load
}

// loadDistributed is the distributed path: one child execution per chunk
// of the manifest (enriched first if declared), then manyChunks' summary.
func (s *stages) loadDistributed(notifyFailed *workflow.Task, manyChunks workflow.Chainable) *workflow.Map {
	loadChunk := lambda[contract.Chunk, contract.LoadOutput](s.o, "LoadChunk", FunctionLoad, workflow.TaskProps{InputPath: "$.chunk"}).
		AddRetry(s.lambdaRetry(errLoadIncomplete))
	enrichChunk := lambda[contract.Chunk, contract.EnrichOutput](s.o, "EnrichChunk", FunctionEnrich, workflow.TaskProps{InputPath: "$.chunk", ResultPath: "$.chunk"}).
		AddRetry(s.lambdaRetry())
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
			MaxConcurrency: s.o.MaxConcurrency,
			ResultPath:     pathChunks,
		},
		ExecutionType: s.o.MapExecutionType,
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
	return loadChunks
}

// summaries are the counts each way of loading ends with, at
// $.summary, each leading to record: no records, one chunk, many chunks.
func (s *stages) summaries(record *workflow.Task) (noRecords, oneChunk, manyChunks *workflow.Pass) {
	summary := func(name, comment string, kv ...any) *workflow.Pass {
		p := with(fileFields(contract.StatusLoaded),
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
	noRecords = summary("NoRecords", "nothing was staged: every row was filtered or rejected",
		"loaded", 0, "stale", 0, "chunks", 0)
	oneChunk = summary("SummarizeChunk", "counts of the inline path",
		"loaded.$", pathLoad+".written", "stale.$", pathLoad+".stale", "chunks", 1)
	manyChunks = summary("SummarizeChunks",
		"the Distributed Map tolerates no failed chunk, so every staged record was loaded (or skipped as stale); per-chunk counts are in the results",
		"loaded.$", pathTransform+".records", "chunks.$", pathTransform+".chunkCount",
		"results.$", pathChunks+".ResultWriterDetails.Key")
	return noRecords, oneChunk, manyChunks
}

// record is the success path: record the counts in the ledger, succeed
// with the summary.
func (s *stages) record(notifyFailed *workflow.Task) *workflow.Task {
	loaded := workflow.NewSucceed("Loaded", workflow.SucceedProps{OutputPath: pathSummary})
	record := workflow.DynamoUpdateItem("Record", TableLedger, workflow.Params{
		"Key":              ledgerKey(),
		"UpdateExpression": "SET #status = :status, #records = :records, #loaded = :loaded, #rejected = :rejected, #filtered = :filtered, #chunks = :chunks, #report = :report, #finishedAt = :now, #expires = :expires",
		"ExpressionAttributeNames": workflow.Params{
			"#status": "status", "#records": "records", "#loaded": "loaded", "#rejected": "rejected",
			"#filtered": "filtered", "#chunks": "chunks", "#report": "report", "#finishedAt": "finishedAt",
			"#execution": "execution", "#expires": s.o.LedgerTTLAttribute,
		},
		"ConditionExpression": ownedByMe,
		"ExpressionAttributeValues": workflow.Params{
			":me":       workflow.Params{"S.$": "$$.Execution.Id"},
			":status":   workflow.Params{"S": contract.StatusLoaded},
			":records":  workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".records)"},
			":loaded":   workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".loaded)"},
			":rejected": workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".rejected)"},
			":filtered": workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".filtered)"},
			":chunks":   workflow.Params{"N.$": "States.JsonToString(" + pathSummary + ".chunks)"},
			":report":   workflow.Params{"S.$": pathSummary + ".report"},
			":now":      workflow.Params{"S.$": "$$.State.EnteredTime"},
			":expires":  workflow.Params{"N.$": "States.JsonToString(" + pathLease + ".expires)"},
		},
	}, sdk()).
		AddRetry(s.dynamoRetry).
		AddCatch(notifyFailed, toError("Record"))
	record.Next(s.publish("PublishLoaded", contract.StatusLoaded, workflow.Params{
		"records.$":  pathSummary + ".records",
		"loaded.$":   pathSummary + ".loaded",
		"rejected.$": pathSummary + ".rejected",
		"filtered.$": pathSummary + ".filtered",
		"chunks.$":   pathSummary + ".chunks",
		"report.$":   pathSummary + ".report",
	}, loaded))
	return record
}

// rejectionPath is the path of a file the functions rejected (a
// ValidationFailed): parse the rejection out of the error, quarantine a
// copy, announce, record, succeed. A failure of any step fails the file
// (rejectionFailed, and the failure path names the step), so REJECTED
// always means the copy, the notice and the ledger entry exist; a re-run
// claims the FAILED file again. It returns ParseRejection.
func (s *stages) rejectionPath(rejectionFailed *workflow.Pass) *workflow.Pass {
	rejected := workflow.NewSucceed("Rejected", workflow.SucceedProps{OutputPath: pathRejection + ".output"})
	rejectedResult := workflow.NewPass("RejectedResult", workflow.PassProps{
		Parameters: with(fileFields(contract.StatusRejected),
			"error.$", pathError+".Error",
			"reason.$", pathRejection+".reason",
			"report.$", pathRejection+".report",
			"quarantine.$", pathRejection+".quarantineKey"),
		ResultPath: pathRejection + ".output",
	})
	rejectedResult.Next(s.publish("PublishRejected", contract.StatusRejected, workflow.Params{
		"error.$":      pathError + ".Error",
		"reason.$":     pathRejection + ".reason",
		"report.$":     pathRejection + ".report",
		"quarantine.$": pathRejection + ".quarantineKey",
	}, rejected))
	recordRejected := s.recordRejected(rejectionFailed)
	recordRejected.Next(rejectedResult)
	notifyRejected := workflow.SNSPublish("NotifyRejected", TopicAlerts, workflow.Params{
		"Subject": "Sluice: file rejected",
		"Message": with(fileFields(contract.StatusRejected),
			"error.$", pathError+".Error",
			"reason.$", pathRejection+".reason",
			"report.$", pathRejection+".report",
			"quarantine.$", pathRejection+".quarantineKey",
			"execution.$", "$$.Execution.Id"),
	}, sdk()).
		AddRetry(s.notifyRetry).
		AddCatch(rejectionFailed, toError("NotifyRejected"))
	notifyRejected.Next(recordRejected)
	quarantine := workflow.S3CopyObject("Quarantine", BucketData, BucketData, workflow.Params{
		"CopySource.$": pathRejection + ".copySource",
		"Key.$":        pathRejection + ".quarantineKey",
	}, sdk()).
		AddRetry(workflow.RetryProps{Errors: []asl.ErrorName{asl.StatesTimeout}, MaxAttempts: 2, Jitter: workflow.JitterFull}).
		AddCatch(rejectionFailed, toError("Quarantine"))
	quarantine.Next(notifyRejected)
	parseRejection := parseRejection()
	parseRejection.Next(quarantine)
	return parseRejection
}

// parseRejection reads the rejection out of the caught error: its reason,
// the report it names, and the quarantine copy's key and source.
func parseRejection() *workflow.Pass {
	return workflow.NewPass("ParseRejection", workflow.PassProps{
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
}

// recordRejected records the rejection in the ledger, if the claim is
// still this execution's.
func (s *stages) recordRejected(rejectionFailed *workflow.Pass) *workflow.Task {
	return workflow.DynamoUpdateItem("RecordRejected", TableLedger, workflow.Params{
		"Key":                      ledgerKey(),
		"UpdateExpression":         "SET #status = :status, #error = :error, #reason = :reason, #report = :report, #quarantine = :quarantine, #finishedAt = :now, #expires = :expires",
		"ConditionExpression":      ownedByMe,
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#error": "error", "#reason": "reason", "#report": "report", "#quarantine": "quarantine", "#finishedAt": "finishedAt", "#execution": "execution", "#expires": s.o.LedgerTTLAttribute},
		"ExpressionAttributeValues": workflow.Params{
			":me":         workflow.Params{"S.$": "$$.Execution.Id"},
			":status":     workflow.Params{"S": contract.StatusRejected},
			":error":      workflow.Params{"S.$": pathError + ".Error"},
			":reason":     workflow.Params{"S.$": pathRejection + ".reason"},
			":report":     workflow.Params{"S.$": pathRejection + ".report"},
			":quarantine": workflow.Params{"S.$": pathRejection + ".quarantineKey"},
			":now":        workflow.Params{"S.$": "$$.State.EnteredTime"},
			":expires":    workflow.Params{"N.$": "States.JsonToString(" + pathLease + ".expires)"},
		},
	}, sdk()).
		AddRetry(s.dynamoRetry).
		AddCatch(rejectionFailed, toError("RecordRejected"))
}

// rejectionFailed is where a failure on the rejected path (Quarantine,
// NotifyRejected, RecordRejected) goes: it fails the file with the fields
// the failed path reads. The rejection, whose reason is parsed out of an
// error message, stays behind, so every state of the failed path keeps a
// payload bound and a typed $.error.
func (s *stages) rejectionFailed(notifyFailed *workflow.Task) *workflow.Pass {
	rejectionFailed := workflow.NewPass("RejectionFailed", workflow.PassProps{
		Comment: "the rejected file could not be quarantined, announced or recorded: fail it",
		Parameters: workflow.Params{
			"dataset.$": "$.dataset", "bucket.$": "$.bucket", "key.$": "$.key", "versionId.$": "$.versionId",
			"error.$": pathError, "lease.$": pathLease,
		},
	})
	rejectionFailed.Next(notifyFailed)
	return rejectionFailed
}

// failurePath is where every uncaught failure ends: announce, record, fail
// so the executions-failed alarm fires. Each step goes on when its own
// call fails: the execution fails whatever happens, and when RecordFailed
// could not write, the execution-status rule (platform) records the
// outcome and the next event takes the claim over (DescribeOwner says
// FAILED). It returns NotifyFailed, the path's entry.
func (s *stages) failurePath() *workflow.Task {
	failed := workflow.NewFail("Failed", workflow.FailProps{
		Comment:   "the file failed; the cause names the failed state and carries its error's cause",
		Error:     ErrFileFailed,
		CausePath: "States.Format('{} failed: {}', $" + varFailedState + ", " + pathError + ".Cause)",
	})
	recordFailed := workflow.DynamoUpdateItem("RecordFailed", TableLedger, workflow.Params{
		"Key":              ledgerKey(),
		"UpdateExpression": "SET #status = :status, #state = :state, #error = :error, #cause = :cause, #finishedAt = :now, #expires = :expires",
		// A failure before the claim (Claim itself) records FAILED on no
		// item; a claim another execution holds is left alone.
		"ConditionExpression":      "attribute_not_exists(pk) OR " + ownedByMe,
		"ExpressionAttributeNames": workflow.Params{"#status": "status", "#state": "failedState", "#error": "error", "#cause": "cause", "#finishedAt": "finishedAt", "#execution": "execution", "#expires": s.o.LedgerTTLAttribute},
		"ExpressionAttributeValues": workflow.Params{
			":me":      workflow.Params{"S.$": "$$.Execution.Id"},
			":status":  workflow.Params{"S": contract.StatusFailed},
			":state":   workflow.Params{"S.$": "$" + varFailedState},
			":error":   workflow.Params{"S.$": pathError + ".Error"},
			":cause":   workflow.Params{"S.$": pathError + ".Cause"},
			":now":     workflow.Params{"S.$": "$$.State.EnteredTime"},
			":expires": workflow.Params{"N.$": "States.JsonToString(" + pathLease + ".expires)"},
		},
	}, sdk()).
		AddRetry(s.dynamoRetry)
	publishFailed := s.publish("PublishFailed", contract.StatusFailed, workflow.Params{
		"error.$":       pathError + ".Error",
		"cause.$":       pathError + ".Cause",
		"failedState.$": "$" + varFailedState,
	}, failed)
	recordFailed.AddCatch(publishFailed, workflow.CatchProps{ResultPath: "$.recordError"})
	recordFailed.Next(publishFailed)
	notifyFailed := workflow.SNSPublish("NotifyFailed", TopicAlerts, workflow.Params{
		"Subject": "Sluice: file failed",
		"Message": with(fileFields(contract.StatusFailed),
			"state.$", "$"+varFailedState, "error.$", pathError+".Error", "cause.$", pathError+".Cause", "execution.$", "$$.Execution.Id"),
	}, sdk()).
		AddRetry(s.notifyRetry).
		AddCatch(recordFailed, workflow.CatchProps{ResultPath: "$.notifyError"})
	notifyFailed.Next(recordFailed)
	return notifyFailed
}

// publish is the task that announces the file's outcome on the outcome
// bus, then goes on to end: one event whose detail is a contract.Outcome
// with status, the file, the execution and fields (docs/schemas/
// outcome.schema.json). Step Functions adds the execution and the machine
// to the event's resources. A publication never changes the outcome: it
// is retried, and when it still fails the execution goes on to end with
// the error at $.publishError (its history shows it; the platform alarms
// on the machine's failed PutEvents integrations). The ledger, written
// before, holds the outcome either way.
func (s *stages) publish(name, status string, fields workflow.Params, end workflow.Chainable) *workflow.Task {
	detail := with(fileFields(status),
		"schemaVersion", contract.OutcomeSchemaVersion,
		"execution.$", "$$.Execution.Id",
		"at.$", "$$.State.EnteredTime")
	for k, v := range fields {
		detail[k] = v
	}
	t := workflow.EventBridgePutEvents(name, BusOutcomes, workflow.Params{
		"Entries": []any{workflow.Params{
			"Source":     contract.OutcomeSource,
			"DetailType": contract.OutcomeDetailType,
			"Detail":     detail,
		}},
	}, workflow.TaskProps{Comment: "announce the " + status + " outcome; a failed publication does not change it", ResultPath: workflow.Null, TimeoutSeconds: 30}).
		AddRetry(s.publishRetry).
		AddCatch(end, workflow.CatchProps{ResultPath: pathPublishError, Comment: "the outcome stands (and is in the ledger) without its event"})
	t.Next(end)
	return t
}
