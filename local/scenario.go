package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
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
	// Batch are the datasets the stack runs in batches (config
	// batchDatasets): each gets a batch execution over a good and a bad
	// file, as its schedule starts it. Default: none.
	Batch []string
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
	sc := &scenario{ctx: ctx, c: c, res: &ScenarioResult{}, tmp: filepath.Join(c.StateDir, "scenario-files"), logf: c.Log}
	if sc.logf == nil {
		sc.logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(sc.tmp, 0o755); err != nil {
		return nil, err
	}
	faults, err := ParseFaults([]string{"task:Load=Lambda.ServiceException"})
	if err != nil {
		return nil, err
	}
	phases := []struct {
		chunk  int
		faults *Faults
		run    func(*Runtime) error
	}{
		{0, nil, sc.inline},         // 1. every dataset's examples, a rejected file, a duplicate
		{4, nil, sc.distributedMap}, // 2. a few records per chunk
		{0, faults, sc.failed},      // 3. Load fails on every attempt
		{0, nil, sc.lostAndKilled},  // 4. reconcile (and redrive) a lost event and a killed run
		{4, nil, sc.batches},        // 5. each batched dataset's batch: a file on the Distributed Map path, a rejected one
	}
	for _, ph := range phases {
		if err := sc.phase(ph.chunk, ph.faults, ph.run); err != nil {
			return sc.res, err
		}
	}
	return sc.res, nil
}

// scenario is one RunScenario: its configuration, what it ran so far and
// the folder of the files it makes.
type scenario struct {
	ctx  context.Context
	c    ScenarioConfig
	res  *ScenarioResult
	tmp  string
	logf func(string, ...any)
}

// phase opens a runtime on the scenario's state directory with chunk
// records per chunk (0: the default) and faults, runs fn on it and closes
// it.
func (sc *scenario) phase(chunk int, faults *Faults, fn func(*Runtime) error) error {
	rt, err := Open(sc.ctx, Config{StateDir: sc.c.StateDir, Stack: sc.c.Stack, Fast: true, Calls: sc.c.Calls, ChunkRecords: chunk, Faults: faults})
	if err != nil {
		return err
	}
	err = fn(rt)
	if cerr := rt.Close(); err == nil {
		err = cerr
	}
	return err
}

// example is the path of an example file (<dataset>/<file>).
func (sc *scenario) example(name string) string { return filepath.Join(sc.c.Examples, name) }

// copyAs writes the content of an example under another name, so it is a
// new file (a new key) rather than a duplicate.
func (sc *scenario) copyAs(example, name string) (string, error) {
	b, err := os.ReadFile(sc.example(example))
	if err != nil {
		return "", err
	}
	p := filepath.Join(sc.tmp, name)
	return p, os.WriteFile(p, b, 0o644)
}

// run uploads file for dataset ds, routes its event as the rules do and
// executes it, failing unless it ends want.
func (sc *scenario) run(rt *Runtime, ds, file string, want Status, label string) (*FileResult, error) {
	ev, _, err := rt.Upload(sc.ctx, ds, file)
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
	sc.c.Calls.Add(awsapi.Call{Principal: EventsPrincipal, Operation: "EventBridge.Target", Action: "states:StartExecution", Resource: rt.StateMachineARN()})
	fr, err := rt.Execute(sc.ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", label, err)
	}
	sc.logf("%-28s %-40s %s", label, ev.Key, fr.Status)
	sc.res.Files = append(sc.res.Files, fr)
	if fr.Status != want {
		return fr, fmt.Errorf("scenario %s: %s ended %s (%s: %s), want %s", label, ev.Key, fr.Status, fr.Error, fr.Cause, want)
	}
	return fr, nil
}

// inline runs every dataset's examples (reference data first) on the
// inline path, a rejected file and the same file again (DUPLICATE).
func (sc *scenario) inline(rt *Runtime) error {
	inline := []struct{ ds, file string }{
		{"customers", "customers/customers.csv"},
		{"catalog", "catalog/catalog.xml"},
		{"orders", "orders/orders.csv"},
		{"readings", "readings/readings.jsonl"},
	}
	for _, f := range inline {
		if _, err := sc.run(rt, f.ds, sc.example(f.file), Loaded, "inline "+f.ds); err != nil {
			return err
		}
	}
	if _, err := sc.run(rt, "orders", sc.example("orders/orders_bad.csv"), Rejected, "rejected"); err != nil {
		return err
	}
	_, err := sc.run(rt, "orders", sc.example("orders/orders.csv"), Duplicate, "duplicate")
	return err
}

// distributedMap runs a copy of the orders on the Distributed Map path.
func (sc *scenario) distributedMap(rt *Runtime) error {
	f, err := sc.copyAs("orders/orders.csv", "orders-chunked.csv")
	if err != nil {
		return err
	}
	fr, err := sc.run(rt, "orders", f, Loaded, "distributed map")
	if err != nil {
		return err
	}
	if !hasEvent(fr, engine.MapRunStarted) {
		return fmt.Errorf("scenario distributed map: %s ran no Distributed Map", fr.Key)
	}
	return nil
}

// failed runs a copy of the customers whose Load fails on every attempt.
func (sc *scenario) failed(rt *Runtime) error {
	f, err := sc.copyAs("customers/customers.csv", "customers-failed.csv")
	if err != nil {
		return err
	}
	_, err = sc.run(rt, "customers", f, Failed, "failed")
	return err
}

// lostAndKilled uploads a file without its event and leaves another
// claimed by a killed run; a reconcile run must report both and, with
// Redrive, run both to LOADED (without it, the killed run's file is run
// again and taken over).
func (sc *scenario) lostAndKilled(rt *Runtime) error {
	f, err := sc.copyAs("readings/readings.jsonl", "readings-lost.jsonl")
	if err != nil {
		return err
	}
	ev, _, err := rt.Upload(sc.ctx, "readings", f)
	if err != nil {
		return err
	}
	// A run killed after its claim: the claim is RUNNING and names an
	// execution no process runs. The reconciler asks Step Functions about
	// it; the next execution takes it over.
	killedFile, err := sc.copyAs("customers/customers.csv", "customers-killed.csv")
	if err != nil {
		return err
	}
	kev, _, err := rt.Upload(sc.ctx, "customers", killedFile)
	if err != nil {
		return err
	}
	if err := rt.claimAsKilled(sc.ctx, kev); err != nil {
		return fmt.Errorf("scenario killed run: %w", err)
	}
	report, err := rt.Reconcile(sc.ctx, ReconcileOptions{})
	if err != nil {
		return fmt.Errorf("scenario reconcile: %w", err)
	}
	if report.Report == nil || !reports(report, ev.Key) || !reports(report, kev.Key) {
		return fmt.Errorf("scenario reconcile: %s or %s not reported", ev.Key, kev.Key)
	}
	if !sc.c.Redrive {
		sc.logf("%-28s %-40s %s", "reconcile", ev.Key, "reported")
		sc.logf("%-28s %-40s %s", "reconcile", kev.Key, "reported")
		_, err := sc.run(rt, "customers", killedFile, Loaded, "killed run taken over")
		return err
	}
	redriven, err := rt.Reconcile(sc.ctx, ReconcileOptions{Redrive: true})
	if err != nil {
		return fmt.Errorf("scenario redrive: %w", err)
	}
	sc.res.Reconciled = redriven
	lost, killed := false, false
	for _, fr := range redriven.Executions {
		sc.logf("%-28s %-40s %s", "reconcile --redrive", fr.Key, fr.Status)
		sc.res.Files = append(sc.res.Files, fr)
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
}

// batchExamples are, per dataset, an example that loads and one that is
// rejected (for readings, the orders' bad CSV is no JSON Lines).
var batchExamples = map[string][2]string{
	"orders":    {"orders/orders.csv", "orders/orders_bad.csv"},
	"customers": {"customers/customers.csv", "orders/orders_bad.csv"},
	"readings":  {"readings/readings.jsonl", "orders/orders_bad.csv"},
	"catalog":   {"catalog/catalog.xml", "orders/orders_bad.csv"},
}

// batches runs batch for each of ScenarioConfig.Batch.
func (sc *scenario) batches(rt *Runtime) error {
	for _, ds := range sc.c.Batch {
		if err := sc.batch(rt, ds); err != nil {
			return err
		}
	}
	return nil
}

// batch runs one batch execution of dataset ds, as a stack's schedule
// starts it: a copy of its example (a few records per chunk: more chunks
// than an Express child loads, so the child hands it to the per-file
// machine, whose execution loads it through its Distributed Map) loads and
// a bad file is rejected; a second batch settles what was handed off, so
// every file leaves the pending prefix (with whatever earlier phases left
// there, settled as duplicates or run).
func (sc *scenario) batch(rt *Runtime, ds string) error {
	ex, ok := batchExamples[ds]
	if !ok {
		return fmt.Errorf("scenario batch: no example files for dataset %s", ds)
	}
	ext := path.Ext(ex[0])
	good, err := sc.copyAs(ex[0], ds+"-batch"+ext)
	if err != nil {
		return err
	}
	bad, err := sc.copyAs(ex[1], ds+"-batch-bad"+ext)
	if err != nil {
		return err
	}
	for _, f := range []string{good, bad} {
		if _, _, err := rt.UploadPending(sc.ctx, ds, f, nil); err != nil {
			return fmt.Errorf("scenario batch: %w", err)
		}
	}
	// The dataset's schedule starts the batch with the events role.
	sc.c.Calls.Add(awsapi.Call{Principal: EventsPrincipal, Operation: "EventBridge.Target", Action: "states:StartExecution", Resource: rt.BatchMachineARN()})
	br, err := rt.ExecuteBatch(sc.ctx, ds)
	if err != nil {
		return fmt.Errorf("scenario batch: %w", err)
	}
	got := map[string]Status{}
	for _, f := range br.Files {
		sc.logf("%-28s %-40s %s", "batch", f.Key, f.Status)
		sc.res.Files = append(sc.res.Files, f)
		got[path.Base(f.Key)] = f.Status
	}
	if got[path.Base(good)] != Loaded || got[path.Base(bad)] != Rejected || br.Summary.Unsettled != 0 {
		return fmt.Errorf("scenario batch: %v (%+v), want %s LOADED and %s REJECTED, both settled", got, br.Summary, path.Base(good), path.Base(bad))
	}
	// The good file stages more chunks than load inline: the batch's
	// Express child hands it to the per-file machine, whose execution
	// loads it through its nested Distributed Map, and the next batch
	// settles it.
	var handed *FileResult
	handedOff := 0
	for _, f := range br.Files {
		if f.HandedOff {
			handedOff++
			if path.Base(f.Key) == path.Base(good) {
				handed = f
			}
		}
	}
	if handed == nil || handed.Result == nil || !hasEventIn(handed.Result.History, engine.MapRunStarted, 1) {
		var files []string
		for _, f := range br.Files {
			files = append(files, fmt.Sprintf("%s %s handedOff=%v history=%v", path.Base(f.Key), f.Status, f.HandedOff, f.Result != nil))
		}
		return fmt.Errorf("scenario batch: %s was not handed to a per-file execution that loaded it through its Distributed Map (%s)", path.Base(good), strings.Join(files, "; "))
	}
	sc.c.Calls.Add(awsapi.Call{Principal: EventsPrincipal, Operation: "EventBridge.Target", Action: "states:StartExecution", Resource: rt.BatchMachineARN()})
	next, err := rt.ExecuteBatch(sc.ctx, ds)
	if err != nil {
		return fmt.Errorf("scenario batch: %w", err)
	}
	if next.Summary.Files != int64(handedOff) || next.Summary.Unsettled != 0 || next.Summary.HandedOff != 0 || next.Summary.Failed != 0 {
		return fmt.Errorf("scenario batch: the next batch %+v, want the %d handed-off files settled", next.Summary, handedOff)
	}
	for _, f := range next.Files {
		sc.logf("%-28s %-40s %s", "batch (settles)", f.Key, f.Status)
	}
	return nil
}

// hasEventIn reports whether history holds at least n events of type t.
func hasEventIn(history engine.History, t engine.EventType, n int) bool {
	for _, e := range history {
		if e.Type == t {
			n--
		}
	}
	return n <= 0
}

// claimAsKilled writes the ledger item a run killed after its Claim
// leaves: RUNNING, naming an execution no process runs, its lease not
// over. It writes with the runtime's own client: the killed execution's
// Claim call is not the scenario's to record.
func (r *Runtime) claimAsKilled(ctx context.Context, ev contract.FileEvent) error {
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	_, err := r.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.Tables[pipeline.TableLedger]), Item: map[string]ddbtypes.AttributeValue{
		"pk": s(contract.LedgerKey(ev.Source())), "status": s(contract.StatusRunning),
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
	// StateMachine, BatchMachine and Topic are ARNs.
	StateMachine, BatchMachine, Topic string
	// OutcomeBus is the ARN of the bus the outcome events go to.
	OutcomeBus string
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
	for _, f := range []string{pipeline.FunctionValidate, pipeline.FunctionTransform, pipeline.FunctionEnrich, pipeline.FunctionLoad, functionReconcile} {
		arn, err := res.Resolve(workflow.KindFunction, f)
		if err != nil {
			return n, err
		}
		n.Functions[f] = last(arn, ":")
	}
	if n.Topic, err = res.Resolve(workflow.KindTopic, pipeline.TopicAlerts); err != nil {
		return n, err
	}
	if n.OutcomeBus, err = res.Resolve(workflow.KindEventBus, pipeline.BusOutcomes); err != nil {
		return n, err
	}
	n.StateMachine, n.BatchMachine = localMachineARN, localBatchARN
	return n, nil
}
