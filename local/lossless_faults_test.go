package local_test

// Fault sweep of the lossless harness: every Task state of the compiled
// machine (top level and inside the Distributed Map) fails on its first
// attempt only (the Retry must absorb it) and on every attempt (the file
// must end FAILED, visibly, or be caught into the path it was on), and the
// embedded DynamoDB returns unprocessed items and throttles. After each
// run the same file is run again without faults: a FAILED file must then
// load, exactly once; any other outcome must repeat as DUPLICATE with the
// table unchanged.

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/sluicehq/sluice/workflow/asl"
)

// taskState is one Task state of the machine and the Map state it runs
// under ("" at the top level).
type taskState struct {
	name, parent string
	task         *asl.Task
}

// taskStates lists every Task state of a machine, descending into Map
// item processors and Parallel branches.
func taskStates(states asl.States, parent string) []taskState {
	var out []taskState
	for _, ns := range states {
		switch s := ns.State.(type) {
		case *asl.Task:
			out = append(out, taskState{name: ns.Name, parent: parent, task: s})
		case *asl.Map:
			if g := s.Processor(); g != nil {
				out = append(out, taskStates(g.States, ns.Name)...)
			}
		case *asl.Parallel:
			for _, b := range s.Branches {
				out = append(out, taskStates(b.States, parent)...)
			}
		}
	}
	return out
}

// retriedError returns an error name the state's first retrier retries,
// or "" when the state has no retrier.
func retriedError(ts taskState) asl.ErrorName {
	for _, r := range ts.task.Retry {
		for _, e := range r.ErrorEquals {
			if e != asl.StatesALL && (r.MaxAttempts == nil || *r.MaxAttempts > 0) {
				return e
			}
		}
	}
	return ""
}

// scenario is how a fault in a state is reached: the file to run, the
// chunk size that sends it down the right path, and faults elsewhere that
// lead to the state (the failure path needs a failure).
type scenario struct {
	dataset string
	chunk   int
	rows    int
	// bad spoils rows so that the file is rejected.
	bad bool
	// base faults lead the run to the state.
	base []string
	// path is the path the state belongs to: where a caught fault ends.
	path local.Status
	// killedOwner: before the run, the file version's claim is RUNNING
	// and names an execution no process runs (what kill -9 leaves), so
	// the run goes through ReadClaim, DescribeOwner and TakeOver.
	killedOwner bool
	// again: the file is run once without faults first, so the faulted
	// run is a duplicate.
	again bool
}

// scenarios gives each Task state of the pipeline the run that reaches it.
// A Task state the compiled machine has and this table lacks fails the
// sweep: a new state must get a fault scenario.
var scenarios = map[string]scenario{
	"Claim":         {dataset: "readings", rows: 5, path: local.Failed},
	"ReadClaim":     {dataset: "readings", rows: 5, path: local.Failed, killedOwner: true},
	"DescribeOwner": {dataset: "catalog", rows: 5, path: local.Failed, killedOwner: true},
	"TakeOver":      {dataset: "customers", rows: 5, path: local.Failed, killedOwner: true},
	"Validate":      {dataset: "readings", rows: 5, path: local.Failed},
	"Transform":     {dataset: "readings", rows: 5, path: local.Failed},
	"Enrich":        {dataset: "orders", rows: 5, path: local.Failed},
	"Load":          {dataset: "shipments", rows: 5, path: local.Failed},
	"Record":        {dataset: "catalog", rows: 5, path: local.Failed},
	"EnrichChunk":   {dataset: "orders", chunk: 2, rows: 5, path: local.Failed},
	"LoadChunk":     {dataset: "readings", chunk: 2, rows: 5, path: local.Failed},
	// A failure on the rejected path fails the file: REJECTED means the
	// copy, the notice and the ledger entry exist.
	"Quarantine":     {dataset: "customers", rows: 4, bad: true, path: local.Failed},
	"NotifyRejected": {dataset: "catalog", rows: 4, bad: true, path: local.Failed},
	"RecordRejected": {dataset: "orders", rows: 4, bad: true, path: local.Failed},
	"NotifyFailed":   {dataset: "readings", rows: 5, base: []string{"task:Load=Internal"}, path: local.Failed},
	"RecordFailed":   {dataset: "orders", rows: 5, chunk: 2, base: []string{"task:LoadChunk=Internal"}, path: local.Failed},
	// An outcome event that cannot be published leaves the outcome as it
	// was: its path is the outcome.
	"PublishLoaded":    {dataset: "catalog", rows: 5, path: local.Loaded},
	"PublishRejected":  {dataset: "readings", rows: 4, bad: true, path: local.Rejected},
	"PublishFailed":    {dataset: "customers", rows: 5, base: []string{"task:Load=Internal"}, path: local.Failed},
	"PublishDuplicate": {dataset: "readings", rows: 5, again: true, path: local.Duplicate},
}

// attempts records the task attempts of a run.
type attempts struct {
	mu     sync.Mutex
	failed map[string]int
	ran    map[string]int
}

func (a *attempts) observe(e integrations.TaskEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ran[e.State]++
	if e.Err != nil {
		a.failed[e.State]++
	}
}

func (a *attempts) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failed, a.ran = map[string]int{}, map[string]int{}
}

// TestLosslessFaultSweep injects a failure into every Task state of the
// compiled machine, once and on every attempt, on the path that reaches
// it.
func TestLosslessFaultSweep(t *testing.T) {
	states := taskStates(pipelineMachine(t).States, "")
	var names []string
	for _, ts := range states {
		names = append(names, ts.name)
		if _, ok := scenarios[ts.name]; !ok {
			t.Errorf("task state %s of the compiled pipeline has no fault scenario: add one to scenarios", ts.name)
		}
	}
	for name := range scenarios {
		if !slices.Contains(names, name) {
			t.Errorf("scenario for %s, which the compiled pipeline does not have", name)
		}
	}
	t.Logf("task states: %s", strings.Join(names, ", "))
	type run struct {
		ts    taskState
		sc    scenario
		label string
	}
	var runs []run
	for _, ts := range states {
		sc, ok := scenarios[ts.name]
		if !ok {
			continue
		}
		runs = append(runs, run{ts, sc, ts.name})
		if bigSweep() && sc.chunk == 0 && ts.parent == "" && len(sc.base) == 0 && !sc.bad && ts.name != "Enrich" && ts.name != "Load" {
			// The states both paths share, on the Distributed Map path.
			sc.chunk = 2
			runs = append(runs, run{ts, sc, ts.name + "@map"})
		}
	}
	for i, r := range runs {
		ts, sc := r.ts, r.sc
		retried := retriedError(ts)
		name := retried
		if name == "" {
			name = "States.TaskFailed" // caught, never retried
		}
		type pattern struct {
			label, spec string
			// recovers: the fault is retried away.
			recovers bool
		}
		patterns := []pattern{
			{"first-attempt", fmt.Sprintf("task:%s@0=%s", ts.name, name), retried != ""},
			{"every-attempt", fmt.Sprintf("task:%s=%s", ts.name, name), false},
		}
		if bigSweep() {
			patterns = append(patterns,
				pattern{"first-two", fmt.Sprintf("task:%s@0-1=%s", ts.name, name), retried != ""},
				pattern{"not-retried", fmt.Sprintf("task:%s@0=Sluice.Unexpected", ts.name), false})
		}
		for j, p := range patterns {
			t.Run(r.label+"/"+p.label, func(t *testing.T) {
				c := faultCase(sc, fmt.Sprintf("f%02d%d", i, j))
				faults := append(append([]string{}, sc.base...), p.spec)
				runFaulted(t, sc, c, faults, map[string]bool{ts.name: true}, func(t *testing.T, res faultedResult, a *attempts) {
					if a.failed[ts.name] == 0 {
						t.Errorf("the run never reached %s (attempts %v): the fault was not exercised", ts.name, a.ran)
					}
					// A retried fault, or one caught on the rejected
					// path, leaves the outcome as it was; one that
					// exhausts the retries on the main path fails the
					// file, as the base faults of the failure path do.
					want := sc.path
					if len(sc.base) == 0 && (p.recovers || sc.path == local.Rejected) {
						want = cleanOutcome(sc)
					}
					if res.Status != want {
						t.Errorf("%s with %s ended %s (%s: %s), want %s", res.Key, p.spec, res.Status, res.Error, excerpt(res.Cause, 300), want)
					}
					if res.Status == local.Failed {
						wantState := ts.name
						if ts.parent != "" {
							wantState = ts.parent
						}
						if len(sc.base) > 0 {
							wantState = "" // the base fault's state failed the file
						}
						if got := failingState(res.rt, res.FileResult); wantState != "" && got != wantState {
							t.Errorf("%s FAILED in %s, want %s", res.Key, got, wantState)
						}
					}
				})
			})
		}
	}
}

// pipelineMachine returns the machine the runtime executes.
func pipelineMachine(t *testing.T) *asl.StateMachine {
	return openHarness(t, 0).rt.Machine()
}

// newRand returns a generator seeded by the harness seed and tag.
func newRand(tag string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(tag))
	return rand.New(rand.NewPCG(h.Sum64(), 20261126))
}

// cleanOutcome is how a scenario's file ends without faults.
func cleanOutcome(sc scenario) local.Status {
	if sc.bad {
		return local.Rejected
	}
	return local.Loaded
}

// faultCase writes the scenario's file: rows valid rows, or with bad set
// every row spoilt (rejected under any policy).
func faultCase(sc scenario, tag string) fileCase {
	rng := newRand(tag)
	rate := 0.0
	if sc.bad {
		rate = 1
	}
	return generators[sc.dataset].generate(rng, tag, sc.rows, rate, false)
}

// faultedResult is a run's result with the runtime that produced it.
type faultedResult struct {
	*local.FileResult
	rt *local.Runtime
}

// runFaulted runs c under faults, checks the rule on the outcome, lets
// verify inspect it, then runs the file again without faults.
func runFaulted(t *testing.T, sc scenario, c fileCase, faults []string, faulted map[string]bool, verify func(*testing.T, faultedResult, *attempts)) {
	t.Helper()
	a := &attempts{}
	a.reset()
	h := openHarnessWith(t, local.Config{ChunkRecords: sc.chunk, Observe: a.observe})
	if sc.dataset == "orders" {
		h.loadCustomers()
	}
	if sc.again {
		if first := h.submit(c); first.Status != cleanOutcome(sc) {
			t.Fatalf("%s: the run before the faulted one ended %s", c.name, first.Status)
		}
	}
	h.reopen(faults...)
	a.reset()
	var res *local.FileResult
	if sc.killedOwner {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		ev := h.upload(ctx, c)
		h.killedClaim(ev)
		res = h.execute(ctx, ev)
		cancel()
	} else {
		res = h.submit(c)
	}
	for _, f := range faults {
		if st, _, ok := strings.Cut(strings.TrimPrefix(f, "task:"), "="); ok && strings.HasPrefix(f, "task:") {
			st, _, _ = strings.Cut(st, "@")
			faulted[st] = true
		} else {
			faulted["ddb"] = true
		}
	}
	h.check(c, res, faulted)
	verify(t, faultedResult{res, h.rt}, a)
	// Again, without faults.
	h.reopen()
	again := h.submit(c)
	h.check(c, again, nil)
	switch res.Status {
	case local.Failed:
		if want := cleanOutcome(sc); again.Status != want {
			t.Errorf("%s FAILED, and its re-run without faults ended %s (%s: %s), want %s", c.name, again.Status, again.Error, excerpt(again.Cause, 300), want)
		}
	default:
		if again.Status != local.Duplicate {
			t.Errorf("%s ended %s, and the same version again ended %s, want DUPLICATE", c.name, res.Status, again.Status)
		}
		// Nothing written twice, nothing lost: the table still holds
		// what the first run's outcome says.
		switch res.Status {
		case local.Loaded:
			h.checkLoaded(c, res)
		case local.Rejected:
			if items := h.fileItems(c.dataset, res.Key); len(items) > 0 {
				t.Errorf("%s: %d items after a rejection and its duplicate", c.name, len(items))
			}
		}
	}
}

// TestLosslessDynamoDBFaults runs files while the embedded DynamoDB
// returns unprocessed items and throttles writes (ledger writes too), on
// both paths.
func TestLosslessDynamoDBFaults(t *testing.T) {
	type ddbCase struct {
		spec  string
		sc    scenario
		seeds int
	}
	cases := []ddbCase{
		{"ddb:unprocessed=0.3", scenario{dataset: "readings", rows: 40}, 2},
		{"ddb:unprocessed=0.6", scenario{dataset: "orders", rows: 30, chunk: 7}, 1},
		{"ddb:throttle=0.2", scenario{dataset: "shipments", rows: 30}, 2},
		{"ddb:throttle=0.5", scenario{dataset: "catalog", rows: 12, chunk: 5}, 1},
		{"ddb:throttle=0.3", scenario{dataset: "customers", rows: 6, bad: true}, 1},
	}
	if bigSweep() {
		for i := range cases {
			cases[i].seeds = 8
		}
		// Nine in ten items unprocessed: the loader's backoff (real
		// time, up to 2 s a retry) makes this one slow.
		cases = append(cases, ddbCase{"ddb:unprocessed=0.9", scenario{dataset: "orders", rows: 30, chunk: 7}, 2})
	}
	outcomes := map[string]int{}
	for i, dc := range cases {
		for seed := 1; seed <= dc.seeds; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", dc.spec, seed), func(t *testing.T) {
				c := faultCase(dc.sc, fmt.Sprintf("d%d-%d", i, seed))
				faults := []string{dc.spec, fmt.Sprintf("seed=%d", seed)}
				runFaulted(t, dc.sc, c, faults, map[string]bool{}, func(t *testing.T, res faultedResult, _ *attempts) {
					outcomes[dc.spec+" "+string(res.Status)]++
					if want := cleanOutcome(dc.sc); res.Status != want && res.Status != local.Failed {
						t.Errorf("%s under %s ended %s, want %s (or FAILED)", res.Key, dc.spec, res.Status, want)
					}
				})
			})
		}
	}
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("outcomes under DynamoDB faults: %v", keys)
}
