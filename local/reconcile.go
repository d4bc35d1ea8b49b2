package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
)

// functionReconcile is the reconciler's logical function name, the
// principal of its calls.
const functionReconcile = "reconcile"

// ReconcileOptions configures Runtime.Reconcile.
type ReconcileOptions struct {
	// Redrive runs the pipeline, here and now, for every unaccounted file
	// one dataset's rule matches, with the input that rule would have given
	// it. Default: report only.
	Redrive bool
	// Grace leaves objects modified less than Grace ago unchecked.
	// Default: 0, every object: a writing runtime holds the state
	// directory alone, so no execution of another process is in flight.
	Grace time.Duration
	// Lookback leaves out objects modified more than Lookback ago.
	// Default: reconcile.DefaultLookback.
	Lookback time.Duration
}

// ReconcileResult is what Reconcile found and did.
type ReconcileResult struct {
	// Report is the reconciler's report, as the deployed function returns
	// it (bucket, counts, each unaccounted file with its reason).
	Report *reconcile.Report
	// Executions are the results of the files redriven, in the order of
	// the report.
	Executions []*FileResult
}

// Reconcile runs the deployed reconciler's logic (functions/reconcile)
// against the local bucket and ledger: it lists the bucket, reports every
// object version no execution claimed, and with Redrive runs the pipeline
// for those a dataset's rule matches. The rules are the ones Route matches
// with (routing.ForDataset, as deployed). A file uploaded without
// being run (a lost event) is reported; once redriven, it is not.
func (r *Runtime) Reconcile(ctx context.Context, o ReconcileOptions) (*ReconcileResult, error) {
	rules := reconcile.Rules{}
	for name, p := range r.patterns {
		rules[name] = p
	}
	res := &ReconcileResult{}
	s3c, ddb := r.S3, r.DynamoDB
	if r.cfg.Calls != nil {
		s3c, ddb = r.clientsFor(functionReconcile)
	}
	h := &reconcile.Handler{
		S3:         s3c,
		Ledger:     ddb,
		Executions: describer{r},
		Config: reconcile.Config{
			Bucket: r.Bucket, LedgerTable: r.Tables["ledger"], Rules: rules,
			Grace: o.Grace, Lookback: o.Lookback, Redrive: o.Redrive,
			StateMachineARN: r.StateMachineARN(),
		},
	}
	if o.Redrive {
		h.Starter = &starter{r: r, results: &res.Executions}
	}
	rep, err := h.Reconcile(ctx, reconcile.Request{})
	res.Report = rep
	return res, err
}

// starter runs a redriven execution in process, as Step Functions would
// start it, and keeps its result.
type starter struct {
	r       *Runtime
	results *[]*FileResult
}

// StartExecution runs the pipeline on the execution input (a
// contract.FileEvent) to its end.
func (s *starter) StartExecution(ctx context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	// Not an SDK client: record the call as the deployed client's
	// middleware would.
	if s.r.cfg.Calls != nil {
		s.r.cfg.Calls.Add(s.r.cfg.Calls.Map(functionReconcile, in)...)
	}
	var ev contract.FileEvent
	if err := json.Unmarshal([]byte(aws.ToString(in.Input)), &ev); err != nil {
		return nil, fmt.Errorf("local: execution input: %w", err)
	}
	name := aws.ToString(in.Name)
	if name != "" {
		if _, err := os.Stat(filepath.Join(s.r.dir, "executions", name+".result.json")); err == nil {
			return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists: '" + executionARN(name) + "'")}
		}
	}
	fr, err := s.r.ExecuteNamed(ctx, ev, name)
	if err != nil {
		return nil, err
	}
	*s.results = append(*s.results, fr)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(executionARN(fr.Execution))}, nil
}

// describer answers the reconciler's DescribeExecution from the runtime
// (Runtime.ExecutionStatus): a RUNNING claim of the local ledger whose
// execution is not running here was left by a process that ended.
type describer struct{ r *Runtime }

func (d describer) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	// Not an SDK client: record the call as the deployed client's
	// middleware would.
	if d.r.cfg.Calls != nil {
		d.r.cfg.Calls.Add(d.r.cfg.Calls.Map(functionReconcile, in)...)
	}
	arn := aws.ToString(in.ExecutionArn)
	st, ok := d.r.ExecutionStatus(arn)
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist: '" + arn + "'")}
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: sfntypes.ExecutionStatus(st)}, nil
}
