package pipeline

import (
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
	pathLease      = "$.lease" // {now, until, expires} of the claim
	pathClaim      = "$.claim" // the ledger item of a claim held by another execution
	pathOwner      = "$.owner" // {status} of that execution
	// pathPublishError is the {Error, Cause} of an outcome event that
	// could not be published.
	pathPublishError = "$.publishError"
)

// varFailedState is the variable the catchers leading to the failure path
// set to the name of the state whose error they caught, so that the
// notification, the ledger and the execution's cause name it.
const varFailedState = "failedState"

// ownedByMe is the condition of every ledger write after the claim: the
// item is still this execution's, so an execution that lost its claim to
// a takeover never overwrites the new owner's outcome.
const ownedByMe = "#execution = :me"

// ledgerAttributes are the attributes a ledger item may hold besides its
// TTL attribute: the claim's, the outcomes' and the reconciler's.
var ledgerAttributes = []string{
	"pk", "status", "dataset", "bucket", "key", "versionId", "execution", "startedAt", "leaseUntil",
	"finishedAt", "records", "loaded", "rejected", "filtered", "chunks", "report",
	"error", "reason", "quarantine", "failedState", "cause",
}

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
