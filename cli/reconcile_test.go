package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
	Report     reconcile.Report `json:"report"`
	Executions []fileJSON       `json:"executions"`
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
