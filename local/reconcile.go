package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/workflow/pipeline"
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
	// Batched names the datasets processed in batches (a stack's
	// batchDatasets). As the deployed reconciler is told their prefixes
	// (reconcile.Config.BatchPrefixes), their files are left to the
	// batches: neither reported nor redriven, since every batch lists the
	// prefix, runs what waits there and takes over a killed child's claim.
	// Reconcile lists them as pending instead (ReconcileResult.Pending).
	// Default: none.
	Batched []string
}

// ReconcileResult is what Reconcile found and did.
type ReconcileResult struct {
	// Report is the reconciler's report, as the deployed function returns
	// it (bucket, counts, each unaccounted file with its reason).
	Report *reconcile.Report
	// Executions are the results of the files redriven, in the order of
	// the report.
	Executions []*FileResult
	// Pending lists, for each dataset of ReconcileOptions.Batched in that
	// order, the files waiting under its prefix for its next batch.
	Pending []PendingBatch
}

// PendingBatch is what waits for one batched dataset's next batch.
type PendingBatch struct {
	Dataset string        `json:"dataset"`
	Prefix  string        `json:"prefix"`
	Files   []PendingFile `json:"files"`
}

// PendingFile is a file waiting under a batched dataset's prefix: its
// current version, and what the ledger says of it.
type PendingFile struct {
	Key          string    `json:"key"`
	VersionID    string    `json:"versionId"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
	// Status is the version's ledger status: empty when no batch has run
	// it yet; FAILED when the batch that ran it failed it (the next batch
	// runs it again); RUNNING when its claim is held by a batch child that
	// ended with its process (the next batch takes the claim over).
	Status string `json:"status,omitempty"`
}

// Reconcile runs the deployed reconciler's logic (functions/reconcile)
// against the local bucket and ledger: it lists the bucket, reports every
// object version no execution claimed, and with Redrive runs the pipeline
// for those a dataset's rule matches. The rules are the ones Route matches
// with (routing.ForDataset, as deployed). A file uploaded without
// being run (a lost event) is reported; once redriven, it is not. The
// prefixes of the datasets o.Batched names are left to their batches, as
// deployed, and what waits there is listed in the result's Pending.
func (r *Runtime) Reconcile(ctx context.Context, o ReconcileOptions) (*ReconcileResult, error) {
	var batchPrefixes []string
	for _, name := range o.Batched {
		d, err := r.cfg.Datasets.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("batched dataset: %w", err)
		}
		batchPrefixes = append(batchPrefixes, d.Prefix)
	}
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
			StateMachineARN: r.StateMachineARN(), BatchPrefixes: batchPrefixes,
		},
	}
	if o.Redrive {
		h.Starter = &starter{r: r, results: &res.Executions}
	}
	rep, err := h.Reconcile(ctx, reconcile.Request{})
	res.Report = rep
	if err != nil {
		return res, err
	}
	for _, name := range o.Batched {
		files, err := r.PendingFiles(ctx, name)
		if err != nil {
			return res, err
		}
		d, _ := r.cfg.Datasets.Lookup(name)
		res.Pending = append(res.Pending, PendingBatch{Dataset: d.Name, Prefix: d.Prefix, Files: files})
	}
	return res, nil
}

// PendingFiles lists the files waiting under dataset ds's prefix for its
// next batch (the current version of each key, in key order), each with
// its ledger status.
func (r *Runtime) PendingFiles(ctx context.Context, ds string) ([]PendingFile, error) {
	d, err := r.cfg.Datasets.Lookup(ds)
	if err != nil {
		return nil, err
	}
	files := []PendingFile{}
	p := s3.NewListObjectVersionsPaginator(r.S3, &s3.ListObjectVersionsInput{Bucket: aws.String(r.Bucket), Prefix: aws.String(d.Prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list versions s3://%s/%s: %w", r.Bucket, d.Prefix, err)
		}
		for _, v := range page.Versions {
			if !aws.ToBool(v.IsLatest) {
				continue
			}
			f := PendingFile{Key: aws.ToString(v.Key), VersionID: aws.ToString(v.VersionId), Size: aws.ToInt64(v.Size), LastModified: aws.ToTime(v.LastModified).UTC()}
			if f.Status, err = r.ledgerStatus(ctx, f.Key, f.VersionID); err != nil {
				return nil, err
			}
			files = append(files, f)
		}
	}
	return files, nil
}

// ledgerStatus returns the ledger's status of a file version ("" when it
// has no item).
func (r *Runtime) ledgerStatus(ctx context.Context, key, version string) (string, error) {
	pk := contract.LedgerKey(contract.Object{Bucket: r.Bucket, Key: key, VersionID: version})
	out, err := r.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(r.Tables[pipeline.TableLedger]),
		Key:            map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("ledger %s: %w", pk, err)
	}
	if s, ok := out.Item["status"].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value, nil
	}
	return "", nil
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
