package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// EventsPrincipal names the role the dataset rules' targets start
// executions with (the events component's).
const EventsPrincipal = "events"

// ScenarioConfig configures RunScenario.
type ScenarioConfig struct {
	// StateDir is a fresh state directory for the runs (it is written).
	StateDir string
	// Stack selects the pipeline options ("dev", "prod").
	Stack string
	// Examples is the examples/ folder: <dataset>/<file> for every
	// dataset, and orders/orders_bad.csv.
	Examples string
	// Calls receives every call. Required.
	Calls *awsapi.CallLog
	// Log, when set, receives one line per file run.
	Log func(format string, args ...any)
	// Redrive runs the reconciler with redrive, as a stack with
	// sluice:reconcileRedrive deploys it; otherwise it only reports.
	Redrive bool
}

// ScenarioResult is what RunScenario ran.
type ScenarioResult struct {
	// Files are every file run, in order.
	Files []*FileResult
	// Reconciled is the redriving reconcile run's report.
	Reconciled *ReconcileResult
}

// RunScenario runs every path of the pipeline whose AWS calls a
// deployment must allow, recording them into c.Calls: every example file
// of every dataset (reference data first) on the inline path, a rejected
// file (orders_bad.csv), the same file again (DUPLICATE), a file on the
// Distributed Map path (one chunk per few records), a file whose Load
// keeps failing until the execution ends FAILED, and a file uploaded
// without its event, which a reconcile run reports and, with c.Redrive,
// runs. It fails when a path did not end as it should, so the calls it
// returns are known to cover them.
func RunScenario(ctx context.Context, c ScenarioConfig) (*ScenarioResult, error) {
	if c.Calls == nil {
		return nil, errors.New("scenario: Calls is required")
	}
	logf := c.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	res := &ScenarioResult{}
	tmp := filepath.Join(c.StateDir, "scenario-files")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	// copyAs writes the content of an example under another name, so it
	// is a new file (a new key) rather than a duplicate.
	copyAs := func(src, name string) (string, error) {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		p := filepath.Join(tmp, name)
		return p, os.WriteFile(p, b, 0o644)
	}
	run := func(rt *Runtime, ds, file string, want Status, label string) (*FileResult, error) {
		ev, _, err := rt.Upload(ctx, ds, file)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", label, err)
		}
		routed, err := rt.Route(ev)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", label, err)
		}
		if !slices.Contains(routed.Datasets, ds) {
			return nil, fmt.Errorf("scenario %s: s3://%s/%s is not routed to dataset %s", label, ev.Bucket, ev.Key, ds)
		}
		// The dataset's rule starts the execution with its target's role.
		c.Calls.Add(awsapi.Call{Principal: EventsPrincipal, Operation: "EventBridge.Target", Action: "states:StartExecution", Resource: rt.StateMachineARN()})
		fr, err := rt.Execute(ctx, ev)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", label, err)
		}
		logf("%-28s %-40s %s", label, ev.Key, fr.Status)
		res.Files = append(res.Files, fr)
		if fr.Status != want {
			return fr, fmt.Errorf("scenario %s: %s ended %s (%s: %s), want %s", label, ev.Key, fr.Status, fr.Error, fr.Cause, want)
		}
		return fr, nil
	}
	open := func(chunk int, faults *Faults) (*Runtime, error) {
		return Open(ctx, Config{StateDir: c.StateDir, Stack: c.Stack, Fast: true, Calls: c.Calls, ChunkRecords: chunk, Faults: faults})
	}

	// 1. Inline: every dataset's examples, reference data first; a
	// rejected file; the same file again.
	rt, err := open(0, nil)
	if err != nil {
		return nil, err
	}
	inline := []struct{ ds, file string }{
		{"customers", "customers/customers.csv"},
		{"catalog", "catalog/catalog.xml"},
		{"orders", "orders/orders.csv"},
		{"readings", "readings/readings.jsonl"},
	}
	steps := func() error {
		for _, f := range inline {
			if _, err := run(rt, f.ds, filepath.Join(c.Examples, f.file), Loaded, "inline "+f.ds); err != nil {
				return err
			}
		}
		if _, err := run(rt, "orders", filepath.Join(c.Examples, "orders", "orders_bad.csv"), Rejected, "rejected"); err != nil {
			return err
		}
		if _, err := run(rt, "orders", filepath.Join(c.Examples, "orders", "orders.csv"), Duplicate, "duplicate"); err != nil {
			return err
		}
		return nil
	}
	err = steps()
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}

	// 2. The Distributed Map path: a few records per chunk.
	if rt, err = open(4, nil); err != nil {
		return res, err
	}
	err = func() error {
		f, err := copyAs(filepath.Join(c.Examples, "orders", "orders.csv"), "orders-chunked.csv")
		if err != nil {
			return err
		}
		fr, err := run(rt, "orders", f, Loaded, "distributed map")
		if err != nil {
			return err
		}
		if !hasEvent(fr, engine.MapRunStarted) {
			return fmt.Errorf("scenario distributed map: %s ran no Distributed Map", fr.Key)
		}
		return nil
	}()
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}

	// 3. A failed file: Load fails on every attempt.
	faults, err := ParseFaults([]string{"task:Load=Lambda.ServiceException"})
	if err != nil {
		return res, err
	}
	if rt, err = open(0, faults); err != nil {
		return res, err
	}
	err = func() error {
		f, err := copyAs(filepath.Join(c.Examples, "customers", "customers.csv"), "customers-failed.csv")
		if err != nil {
			return err
		}
		_, err = run(rt, "customers", f, Failed, "failed")
		return err
	}()
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}

	// 4. A file whose event was lost: reconcile reports it, then
	// redrives it.
	if rt, err = open(0, nil); err != nil {
		return res, err
	}
	err = func() error {
		f, err := copyAs(filepath.Join(c.Examples, "readings", "readings.jsonl"), "readings-lost.jsonl")
		if err != nil {
			return err
		}
		ev, _, err := rt.Upload(ctx, "readings", f)
		if err != nil {
			return err
		}
		// And a run killed after its claim: the claim is RUNNING and
		// names an execution no process runs. The reconciler asks Step
		// Functions about it; the next execution takes it over.
		killedFile, err := copyAs(filepath.Join(c.Examples, "customers", "customers.csv"), "customers-killed.csv")
		if err != nil {
			return err
		}
		kev, _, err := rt.Upload(ctx, "customers", killedFile)
		if err != nil {
			return err
		}
		if err := rt.claimAsKilled(ctx, kev); err != nil {
			return fmt.Errorf("scenario killed run: %w", err)
		}
		report, err := rt.Reconcile(ctx, ReconcileOptions{})
		if err != nil {
			return fmt.Errorf("scenario reconcile: %w", err)
		}
		if report.Report == nil || !reports(report, ev.Key) || !reports(report, kev.Key) {
			return fmt.Errorf("scenario reconcile: %s or %s not reported", ev.Key, kev.Key)
		}
		if !c.Redrive {
			logf("%-28s %-40s %s", "reconcile", ev.Key, "reported")
			logf("%-28s %-40s %s", "reconcile", kev.Key, "reported")
			_, err := run(rt, "customers", killedFile, Loaded, "killed run taken over")
			return err
		}
		redriven, err := rt.Reconcile(ctx, ReconcileOptions{Redrive: true})
		if err != nil {
			return fmt.Errorf("scenario redrive: %w", err)
		}
		res.Reconciled = redriven
		lost, killed := false, false
		for _, fr := range redriven.Executions {
			logf("%-28s %-40s %s", "reconcile --redrive", fr.Key, fr.Status)
			res.Files = append(res.Files, fr)
			lost = lost || fr.Key == ev.Key && fr.Status == Loaded
			killed = killed || fr.Key == kev.Key && fr.Status == Loaded
		}
		if !killed {
			return fmt.Errorf("scenario redrive: the killed run's %s was not redriven and LOADED", kev.Key)
		}
		if !lost {
			// Other files may be redriven too (an earlier run's unfinished
			// claim); the lost one must be, and must load.
			return fmt.Errorf("scenario redrive: %s was not redriven and LOADED (%d executions)", ev.Key, len(redriven.Executions))
		}
		return nil
	}()
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// claimAsKilled writes the ledger item a run killed after its Claim
// leaves: RUNNING, naming an execution no process runs, its lease not
// over. It writes with the runtime's own client: the killed execution's
// Claim call is not the scenario's to record.
func (r *Runtime) claimAsKilled(ctx context.Context, ev contract.FileEvent) error {
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	_, err := r.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.Tables[pipeline.TableLedger]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s(pipeline.StatusRunning),
		"execution":  s(executionARN("killed-" + contract.RunID(ev.Source()))),
		"leaseUntil": s(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
	}})
	return err
}

// hasEvent reports whether the execution's history holds an event of type t.
func hasEvent(fr *FileResult, t engine.EventType) bool {
	if fr.Result == nil {
		return false
	}
	for _, e := range fr.Result.History {
		if e.Type == t {
			return true
		}
	}
	return false
}

// reports tells whether a reconcile run reported key.
func reports(r *ReconcileResult, key string) bool {
	for _, f := range r.Report.Unaccounted {
		if strings.EqualFold(f.Key, key) {
			return true
		}
	}
	return false
}

// Names are the local runtime's resource names, by logical name: what
// the calls it records name.
type Names struct {
	// Region and Account of the local ARNs.
	Region, Account string
	// Bucket is the pipeline bucket.
	Bucket string
	// Tables and Functions map logical names to physical ones.
	Tables, Functions map[string]string
	// StateMachine and Topic are ARNs.
	StateMachine, Topic string
}

// ResourceNames returns the names Open gives the pipeline's resources.
func ResourceNames() (Names, error) {
	res := workflow.SyntheticResolver(Account, Region, prefix)
	n := Names{Region: Region, Account: Account, Tables: map[string]string{}, Functions: map[string]string{}}
	last := func(arn, sep string) string { return arn[strings.LastIndex(arn, sep)+1:] }
	b, err := res.Resolve(workflow.KindBucket, pipeline.BucketData)
	if err != nil {
		return n, err
	}
	n.Bucket = last(b, ":")
	for _, t := range []string{pipeline.TableLedger, string(dataset.TableItems), string(dataset.TableReference)} {
		arn, err := res.Resolve(workflow.KindTable, t)
		if err != nil {
			return n, err
		}
		n.Tables[t] = last(arn, "/")
	}
	for _, f := range []string{pipeline.FunctionValidate, pipeline.FunctionTransform, pipeline.FunctionEnrich, pipeline.FunctionLoad, FunctionReconcile} {
		arn, err := res.Resolve(workflow.KindFunction, f)
		if err != nil {
			return n, err
		}
		n.Functions[f] = last(arn, ":")
	}
	if n.Topic, err = res.Resolve(workflow.KindTopic, pipeline.TopicAlerts); err != nil {
		return n, err
	}
	n.StateMachine = localMachineARN
	return n, nil
}
