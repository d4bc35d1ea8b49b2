package local

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/modroot"
	"github.com/sluicehq/sluice/internal/outcomeschema"
)

// outcomeEvents returns the outcome events of r's outbox, each checked
// against docs/schemas/outcome.schema.json and decoded strictly into a
// contract.Outcome (so the Go type and the schema agree too).
func outcomeEvents(t *testing.T, r *Runtime) map[string]contract.Outcome {
	t.Helper()
	out := map[string]contract.Outcome{}
	for _, ev := range r.Outbox().Events() {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := outcomeschema.Validate(b); err != nil {
			t.Errorf("event %s does not follow the schema: %v", b, err)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(ev.Detail))
		dec.DisallowUnknownFields()
		var o contract.Outcome
		if err := dec.Decode(&o); err != nil {
			t.Errorf("detail %s: %v", ev.Detail, err)
			continue
		}
		if !slices.Contains(ev.Resources, o.Execution) || !strings.HasSuffix(ev.EventBusName, "-outcomes") {
			t.Errorf("event of %s on bus %q lists resources %q: want the outcome bus and the execution among the resources", o.Execution, ev.EventBusName, ev.Resources)
		}
		out[o.Execution] = o
	}
	return out
}

// checkOutcome: res's execution published exactly one event, of res's
// status, for res's file, with want's counts and report.
func checkOutcome(t *testing.T, events map[string]contract.Outcome, res *FileResult, want contract.Outcome) {
	t.Helper()
	var got *contract.Outcome
	for exec, o := range events {
		if strings.HasSuffix(exec, ":"+res.Execution) {
			got = &o
		}
	}
	if got == nil {
		t.Errorf("%s (%s): no outcome event of its execution %s", res.Key, res.Status, res.Execution)
		return
	}
	want.SchemaVersion, want.Status, want.Dataset, want.Key, want.VersionID = contract.OutcomeSchemaVersion, string(res.Status), res.Dataset, res.Key, res.VersionID
	want.Bucket, want.Execution, want.At = got.Bucket, got.Execution, got.At
	if want.Cause == "*" {
		want.Cause = got.Cause
	}
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("%s: outcome event (-want +got):\n%s", res.Key, d)
	}
}

func n(v int64) *int64   { return &v }
func s(v string) *string { return &v }

// TestOutcomeEvents runs a file to each outcome (LOADED inline, through
// the Distributed Map and with nothing to load; REJECTED; DUPLICATE;
// FAILED) and checks every event the local pipeline published against the
// JSON Schema and against the file's result.
func TestOutcomeEvents(t *testing.T) {
	files := t.TempDir()
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(2), Fast: true, Faults: &Faults{}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	small := submit(t, r, writeCSV(t, files, "small.csv", 1))
	dup := submit(t, r, writeCSV(t, files, "small.csv", 1))
	big := submit(t, r, writeCSV(t, files, "big.csv", 5)) // 3 chunks: the Distributed Map
	empty := submit(t, r, writeCSV(t, files, "empty.csv", 0))
	bad := submit(t, r, writeCSV(t, files, "bad.csv", 2))
	for res, want := range map[*FileResult]Status{small: Loaded, dup: Duplicate, big: Loaded, empty: Loaded, bad: Rejected} {
		if res.Status != want {
			t.Fatalf("%s: %s (%s %s), want %s", res.Key, res.Status, res.Error, res.Cause, want)
		}
	}
	events := outcomeEvents(t, r)
	if len(events) != 5 {
		t.Errorf("%d outcome events for 5 files", len(events))
	}
	checkOutcome(t, events, small, contract.Outcome{Records: n(1), Loaded: n(1), Rejected: n(0), Filtered: n(0), Chunks: n(1), Report: s("")})
	checkOutcome(t, events, dup, contract.Outcome{})
	checkOutcome(t, events, big, contract.Outcome{Records: n(5), Loaded: n(5), Rejected: n(0), Filtered: n(0), Chunks: n(3), Report: s("")})
	checkOutcome(t, events, empty, contract.Outcome{Records: n(0), Loaded: n(0), Rejected: n(0), Filtered: n(0), Chunks: n(0), Report: s("")})
	checkOutcome(t, events, bad, contract.Outcome{Error: "ValidationFailed", Reason: "s3://" + r.Bucket + "/" + bad.Key + " rejected: row 2: quantity: not an integer (report s3://" + r.Bucket + "/reports/orders/bad.report.json)",
		Report: s("reports/orders/bad.report.json"), Quarantine: "quarantine/orders/" + bad.VersionID + "/" + bad.Key})

	faults, _ := ParseFaults([]string{"task:Load=Lambda.ServiceException"})
	rf, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	failed := submit(t, rf, writeCSV(t, files, "x.csv", 3))
	if failed.Status != Failed {
		t.Fatalf("want FAILED, got %s", failed.Status)
	}
	checkOutcome(t, outcomeEvents(t, rf), failed, contract.Outcome{Error: "Lambda.ServiceException", Cause: "*", FailedState: "Load"})
}

// TestOutcomeEventsRealFunctions: the shipped example files through the
// real handlers publish events that follow the schema, with the real
// validator's reason and report.
func TestOutcomeEventsRealFunctions(t *testing.T) {
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	r, err := Open(context.Background(), Config{StateDir: state, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var results []*FileResult
	for _, f := range []struct{ dataset, file string }{{"customers", "customers.csv"}, {"orders", "orders_bad.csv"}} {
		ev, _, err := r.Upload(context.Background(), f.dataset, filepath.Join(root, "examples", f.dataset, f.file))
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Execute(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	events := outcomeEvents(t, r)
	checkOutcome(t, events, results[0], contract.Outcome{Records: n(8), Loaded: n(8), Rejected: n(0), Filtered: n(0), Chunks: n(1), Report: s("")})
	var rejected contract.Outcome
	for _, o := range events {
		if o.Status == contract.StatusRejected {
			rejected = o
		}
	}
	if !strings.Contains(rejected.Reason, "rejected: 10 of 12 rows failed validation") || rejected.Report == nil || !strings.HasPrefix(*rejected.Report, contract.ReportsPrefix+"orders/") {
		t.Errorf("REJECTED event: reason %q, report %v", rejected.Reason, rejected.Report)
	}

	// The functions' record metrics, as CloudWatch Logs would read them.
	b, err := os.ReadFile(filepath.Join(state, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		delete(doc, "_aws")
		got = append(got, doc)
	}
	want := []map[string]any{
		{"Dataset": "customers", "Stack": "dev", "RecordsIn": 8.0, "RecordsRejected": 0.0},
		{"Dataset": "customers", "Stack": "dev", "RecordsLoaded": 8.0, "RecordsStale": 0.0},
		{"Dataset": "orders", "Stack": "dev", "RecordsIn": 12.0, "RecordsRejected": 10.0},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", MetricsFile, d)
	}
}

// TestOutcomeUnpublished: when PutEvents keeps failing, the file still
// ends as it would have (LOADED, in the ledger), no event is recorded,
// and the history shows the publication retried and caught.
func TestOutcomeUnpublished(t *testing.T) {
	faults, _ := ParseFaults([]string{"task:PublishLoaded=EventBridge.FailedEntry"})
	r, err := Open(context.Background(), Config{StateDir: t.TempDir(), Functions: fakeFunctions(10), Fast: true, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res := submit(t, r, writeCSV(t, t.TempDir(), "x.csv", 3))
	if res.Status != Loaded || res.RecordsLoaded != 3 {
		t.Fatalf("a failed publication changed the outcome: %s %d (%s %s)", res.Status, res.RecordsLoaded, res.Error, res.Cause)
	}
	if evs := r.Outbox().Events(); len(evs) != 0 {
		t.Errorf("%d events recorded, want none", len(evs))
	}
	attempts := 0
	for _, e := range res.Result.History {
		if d := e.TaskFailedEventDetails; d != nil && d.ResourceType == "events" && d.Resource == "putEvents" {
			attempts++
		}
	}
	if attempts != 4 {
		t.Errorf("PutEvents failed %d times, want 4 (the first attempt and 3 retries)", attempts)
	}
}
