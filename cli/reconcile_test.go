package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/local"
)

// upload puts a file in the local bucket without routing its event, as if
// EventBridge had lost it, and closes the runtime so that the command can
// open the state directory.
func upload(t *testing.T, state, ds, file string) {
	t.Helper()
	ctx := context.Background()
	rt, err := local.Open(ctx, local.Config{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, _, err := rt.Upload(ctx, ds, file); err != nil {
		t.Fatal(err)
	}
}

// reconcileJSON is `sluice reconcile --json`'s output.
type reconcileJSON struct {
	Report     reconcile.Report     `json:"report"`
	Executions []fileJSON           `json:"executions"`
	Batched    []string             `json:"batched"`
	Pending    []local.PendingBatch `json:"pending"`
}

func runReconcile(t *testing.T, state string, args ...string) (ExitCode, reconcileJSON) {
	t.Helper()
	code, stdout, stderr := runCLI(t, "", append([]string{"reconcile", "--json", "--state-dir", state}, args...)...)
	var out reconcileJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("sluice reconcile %v: exit %d, stdout is not the JSON report: %v\nstdout:\n%s\nstderr:\n%s", args, code, err, stdout, stderr)
	}
	return ExitCode(code), out
}

// TestReconcileRedrivesALostUpload: a file uploaded without its event
// being routed is reported (exit 1), --redrive runs it to LOADED (exit 0),
// and a second reconcile finds nothing (exit 0).
func TestReconcileRedrivesALostUpload(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	upload(t, state, "customers", example("customers", "customers.csv"))

	code, out := runReconcile(t, state)
	if code != ExitFailure || len(out.Report.Unaccounted) != 1 || len(out.Executions) != 0 {
		t.Fatalf("exit %d, report %+v", code, out.Report)
	}
	f := out.Report.Unaccounted[0]
	if f.Key != "incoming/customers/customers.csv" || f.Dataset != "customers" || f.Reason != reconcile.ReasonNoExecution {
		t.Errorf("unaccounted %+v", f)
	}
	// The human form names the file, the reason and the way out.
	_, text, _ := runCLI(t, "", "reconcile", "--state-dir", state)
	for _, want := range []string{"1 unaccounted", "incoming/customers/customers.csv (version " + f.VersionID, "NoExecution: the rule of dataset customers matches it",
		"sluice reconcile --redrive runs it as dataset customers"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

	code, out = runReconcile(t, state, "--redrive")
	if code != ExitOK || len(out.Executions) != 1 || out.Executions[0].Status != "LOADED" || out.Executions[0].RecordsLoaded != 8 {
		t.Fatalf("redrive: exit %d, executions %+v", code, out.Executions)
	}
	if got := scan(t, state, "customers"); len(got) != 8 {
		t.Errorf("table scan: %d customers, want 8", len(got))
	}

	code, out = runReconcile(t, state)
	if code != ExitOK || len(out.Report.Unaccounted) != 0 || out.Report.Accounted != 1 || !out.Report.Complete {
		t.Errorf("second reconcile: exit %d, report %+v", code, out.Report)
	}
}

func TestReconcileUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"reconcile", "extra"}, {"reconcile", "--grace", "2h", "--lookback", "1h"}, {"reconcile", "--grace", "soon"}} {
		if code, _, _ := runCLI(t, "", append(args, "--state-dir", t.TempDir())...); ExitCode(code) != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestReconcileNeedsTheStateDirectory: like run, reconcile writes (a
// redrive runs the pipeline), so a second writer is refused, naming the
// first.
func TestReconcileNeedsTheStateDirectory(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	rt, err := local.Open(context.Background(), local.Config{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	code, _, stderr := runCLI(t, "", "reconcile", "--state-dir", state)
	if ExitCode(code) != ExitFailure || !strings.Contains(stderr, "in use") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

// pendingKeys returns the key and ledger status of each file a reconcile
// lists as pending, by dataset.
func pendingKeys(out reconcileJSON) map[string][]string {
	got := map[string][]string{}
	for _, p := range out.Pending {
		got[p.Dataset] = []string{}
		for _, f := range p.Files {
			got[p.Dataset] = append(got[p.Dataset], f.Key+" "+f.Status)
		}
	}
	return got
}

func unaccountedKeys(out reconcileJSON) []string {
	var keys []string
	for _, f := range out.Report.Unaccounted {
		keys = append(keys, f.Key)
	}
	return keys
}

// TestReconcileLeavesBatchFilesPending: files waiting for a batch are not
// unclaimed. After `sluice run --batch` leaves a readings file FAILED (it
// stays pending for the next batch) and another lands without a batch,
// `sluice reconcile` (stack dev, whose batchDatasets is readings) lists
// them as pending batch, not unaccounted, and --redrive does not run them;
// a file of a per-event dataset whose event was lost is still reported and
// redriven. The list comes from the stack's configuration: a project whose
// stack batches nothing, or --batch=, reports them as before. The next
// batch takes them, and nothing is left.
func TestReconcileLeavesBatchFilesPending(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state")
	dir := t.TempDir()
	failing, waiting := filepath.Join(dir, "failing.jsonl"), filepath.Join(dir, "waiting.jsonl")
	body, err := os.ReadFile(example("readings", "readings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{failing, waiting} {
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out := runBatchJSON(t, state, "--dataset", "readings", "--inject", "task:Transform=Internal", failing)
	if code != ExitFailure || len(out.Files) != 1 || out.Files[0].Status != "FAILED" {
		t.Fatalf("sluice run --batch with a failing Transform: exit %d, %+v; want the file FAILED", code, out.Files)
	}
	upload(t, state, "readings", waiting)
	upload(t, state, "customers", example("customers", "customers.csv"))

	wantPending := map[string][]string{"readings": {"incoming/readings/failing.jsonl FAILED", "incoming/readings/waiting.jsonl "}}
	code, rep := runReconcile(t, state)
	if code != ExitFailure {
		t.Errorf("exit %d, want %d (customers.csv is unaccounted)", code, ExitFailure)
	}
	if d := cmp.Diff([]string{"readings"}, rep.Batched); d != "" {
		t.Errorf("batched (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"incoming/customers/customers.csv"}, unaccountedKeys(rep)); d != "" {
		t.Errorf("unaccounted (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantPending, pendingKeys(rep)); d != "" {
		t.Errorf("pending (-want +got):\n%s", d)
	}

	// What a user reads.
	_, text, _ := runCLI(t, "", "reconcile", "--state-dir", state)
	for _, want := range []string{
		"1 file(s) listed, 1 checked against the ledger, 1 unaccounted\n",
		"  left to their batches, as deployed: readings (stack dev's batchDatasets, ",
		string(filepath.Separator) + "Pulumi.dev.yaml)\n",
		"\npending batch: 2 file(s) under incoming/readings/ wait for the next readings batch (sluice run --batch of a readings file, or sluice dev --batch readings, starts one)\n",
		"  incoming/readings/failing.jsonl (version v",
		"): FAILED in the batch that ran it; the next batch runs it again\n",
		"  incoming/readings/waiting.jsonl (version v",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "NoExecution: the rule of dataset readings") || strings.Contains(text, "UnfinishedExecution") {
		t.Errorf("a pending batch file is reported unaccounted:\n%s", text)
	}

	// From the stack's configuration, not a fixed list: a project whose
	// dev stack batches only orders (in the JSON text form Pulumi also
	// stores), or --batch= (none), leaves the readings files unaccounted.
	project := t.TempDir()
	proj, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), proj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "Pulumi.dev.yaml"), []byte("config:\n  sluice:batchDatasets: '[\"orders\"]'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--project", project}, {"--batch="}} {
		code, rep := runReconcile(t, state, args...)
		want := []string{"incoming/customers/customers.csv", "incoming/readings/failing.jsonl", "incoming/readings/waiting.jsonl"}
		if d := cmp.Diff(want, unaccountedKeys(rep)); d != "" || code != ExitFailure {
			t.Errorf("%v: exit %d, unaccounted (-want +got):\n%s", args, code, d)
		}
		if got := pendingKeys(rep); len(got["readings"]) != 0 {
			t.Errorf("%v: readings files pending %v; readings is not batched", args, got)
		}
	}
	if code, rep := runReconcile(t, state, "--project", project, "--batch", "readings"); code != ExitFailure || len(rep.Report.Unaccounted) != 1 {
		t.Errorf("--batch readings over --project: exit %d, %d unaccounted; want --batch to win", code, len(rep.Report.Unaccounted))
	}

	// --redrive runs the lost customers upload, not the batch files.
	code, rep = runReconcile(t, state, "--redrive")
	if code != ExitOK || len(rep.Executions) != 1 || rep.Executions[0].Key != "incoming/customers/customers.csv" || rep.Executions[0].Status != "LOADED" {
		t.Fatalf("redrive: exit %d, executions %+v; want customers.csv alone, LOADED", code, rep.Executions)
	}
	if d := cmp.Diff(wantPending, pendingKeys(rep)); d != "" {
		t.Errorf("pending after the redrive (-want +got):\n%s", d)
	}

	// The next batch takes both; nothing is left.
	if code, out := runBatchJSON(t, state, "--dataset", "readings", failing); code != ExitOK || len(out.Executions) != 1 || out.Executions[0].Summary.Loaded != 2 {
		t.Fatalf("next batch: exit %d, %+v; want the two pending files LOADED", code, out.Executions)
	}
	code, rep = runReconcile(t, state)
	if d := cmp.Diff(map[string][]string{"readings": {}}, pendingKeys(rep)); d != "" || code != ExitOK || len(rep.Report.Unaccounted) != 0 {
		t.Errorf("after the batch: exit %d, unaccounted %v, pending (-want +got):\n%s", code, unaccountedKeys(rep), d)
	}
}

// TestReconcileBatchConfigErrors: a stack file that cannot say which
// datasets are batched, or names an unknown one, is a usage error naming
// the file; so is an unknown --batch dataset.
func TestReconcileBatchConfigErrors(t *testing.T) {
	t.Parallel()
	proj, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, stackFile string
		args            []string
		want            string
	}{
		{name: "no stack file", args: []string{"--stack", "prod"}, want: "Pulumi.prod.yaml: no such file"},
		{name: "not a list", stackFile: "config:\n  sluice:batchDatasets: readings\n", want: `Pulumi.dev.yaml: sluice:batchDatasets: "readings" is not a list of dataset names`},
		{name: "a mapping", stackFile: "config:\n  sluice:batchDatasets: {a: b}\n", want: "Pulumi.dev.yaml: sluice:batchDatasets: want a list of dataset names"},
		{name: "unknown dataset", stackFile: "config:\n  sluice:batchDatasets: [readings, parcels]\n", want: `unknown dataset "parcels"`},
		{name: "unknown --batch dataset", stackFile: "config: {}\n", args: []string{"--batch", "parcels"}, want: `batched datasets (--batch): `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			project := t.TempDir()
			if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), proj, 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.stackFile != "" {
				if err := os.WriteFile(filepath.Join(project, "Pulumi.dev.yaml"), []byte(tt.stackFile), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := runCLI(t, "", append([]string{"reconcile", "--state-dir", t.TempDir(), "--project", project}, tt.args...)...)
			if ExitCode(code) != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, ExitUsage, stderr, tt.want)
			}
		})
	}
}
