package local

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
)

// FunctionReconcile is the reconciler's logical function name, the
// principal of its calls.
const FunctionReconcile = "reconcile"

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
// with (eventpattern.ForDataset, as deployed). A file uploaded without
// being run (a lost event) is reported; once redriven, it is not.
func (r *Runtime) Reconcile(ctx context.Context, o ReconcileOptions) (*ReconcileResult, error) {
	rules := reconcile.Rules{}
	for name, p := range r.patterns {
		rules[name] = p
	}
	res := &ReconcileResult{}
	s3c, ddb := r.S3, r.DynamoDB
	if r.cfg.Calls != nil {
		s3c, ddb = r.clientsFor(FunctionReconcile)
	}
	h := &reconcile.Handler{
		S3:     s3c,
		Ledger: ddb,
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
		s.r.cfg.Calls.Add(s.r.cfg.Calls.Map(FunctionReconcile, in)...)
	}
	var ev contract.FileEvent
	if err := json.Unmarshal([]byte(aws.ToString(in.Input)), &ev); err != nil {
		return nil, fmt.Errorf("local: execution input: %w", err)
	}
	fr, err := s.r.Execute(ctx, ev)
	if err != nil {
		return nil, err
	}
	*s.results = append(*s.results, fr)
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s-pipeline:%s", Region, Account, prefix, fr.Execution)
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn)}, nil
}
