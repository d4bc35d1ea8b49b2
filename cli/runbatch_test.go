package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// batchJSON is `sluice run --batch --json`'s output.
type batchJSON struct {
	Executions []struct {
		Dataset   string                `json:"dataset"`
		Execution string                `json:"execution"`
		Status    string                `json:"status"`
		Summary   pipeline.BatchSummary `json:"summary"`
		Files     []fileJSON            `json:"files"`
		Error     string                `json:"error"`
		Cause     string                `json:"cause"`
		History   string                `json:"history"`
	} `json:"executions"`
	Files []fileJSON `json:"files"`
}

func runBatchJSON(t *testing.T, state string, files ...string) (ExitCode, batchJSON) {
	t.Helper()
	code, stdout, stderr := runCLI(t, "", append([]string{"run", "--batch", "--json", "--fast", "--state-dir", state}, files...)...)
	var out batchJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("sluice run --batch: exit %d, stdout is not the JSON summary: %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	return ExitCode(code), out
}

// writeOrders writes n small orders files of 3 rows each under
// dir/orders/, with order ids unique across files, and returns their paths
// and the item keys they load.
func writeOrders(t *testing.T, dir string, from, n int) (files, keys []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "orders"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := from; i < from+n; i++ {
		var b strings.Builder
		b.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
		for j := range 3 {
			id := fmt.Sprintf("ORD-%03d%d", i, j)
			fmt.Fprintf(&b, "%s,C00%d,2026-03-%02d,SKU-TEA-01,%d,4.50,USD,NEW\n", id, j+1, j+1, i%5+1)
			keys = append(keys, "ORDER#"+id)
		}
		p := filepath.Join(dir, "orders", fmt.Sprintf("batch-%03d.csv", i))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files, keys
}

// scannedKeys returns the pk of every item `sluice table scan` lists.
func scannedKeys(t *testing.T, state, ds string) []string {
	t.Helper()
	var keys []string
	for _, it := range decodeItems(t, scan(t, state, ds)) {
		keys = append(keys, it["pk"].(string))
	}
	slices.Sort(keys)
	return keys
}

func batchRecords(t *testing.T, state string) []string {
	t.Helper()
	recs, err := filepath.Glob(filepath.Join(state, "executions", "*-batch-*.result.json"))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestRunBatchFiftyFiles is the "must show": `sluice run --batch`
// on 50 small orders files loads them all in one execution; a rejected
// file among them is rejected with its report while the rest load; a
// second run processes nothing twice; a new file goes to the next batch.
func TestRunBatchFiftyFiles(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if code, files := runJSON(t, state, example("customers", "customers.csv")); code != ExitOK || files[0].Status != "LOADED" {
		t.Fatalf("customers: exit %d %+v", code, files)
	}
	dir := t.TempDir()
	files, want := writeOrders(t, dir, 0, 50)
	bad := filepath.Join(dir, "orders", "orders_bad.csv")
	body, err := os.ReadFile(example("orders", "orders_bad.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, body, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runBatchJSON(t, state, append(files, bad)...)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0: %+v", code, out.Executions)
	}
	if len(out.Executions) != 1 {
		t.Fatalf("%d executions, want one", len(out.Executions))
	}
	ex := out.Executions[0]
	if d := cmp.Diff(pipeline.BatchSummary{Dataset: "orders", Files: 51, Loaded: 50, Rejected: 1}, ex.Summary); d != "" || ex.Status != "SUCCEEDED" {
		t.Errorf("the batch %s (-want +got):\n%s", ex.Status, d)
	}
	if recs := batchRecords(t, state); len(recs) != 1 {
		t.Errorf("%d batch executions recorded, want one: %v", len(recs), recs)
	}
	if len(out.Files) != 51 {
		t.Fatalf("%d files, want 51", len(out.Files))
	}
	for _, f := range out.Files {
		if f.Execution != ex.Execution {
			t.Errorf("%s ran in %q, want the batch %q", f.Key, f.Execution, ex.Execution)
		}
		switch {
		case strings.HasSuffix(f.Key, "orders_bad.csv"):
			if f.Status != "REJECTED" || f.Report == "" || f.RecordsRejected != 10 {
				t.Errorf("the bad file: %s, report %q, %d rejected; want REJECTED with its report and 10 bad rows", f.Status, f.Report, f.RecordsRejected)
			}
		case f.Status != "LOADED" || f.RecordsIn != 3 || f.RecordsLoaded != 3:
			t.Errorf("%s: %s, %d in, %d loaded; want LOADED 3 of 3 (from its ledger item)", f.Key, f.Status, f.RecordsIn, f.RecordsLoaded)
		}
	}
	slices.Sort(want)
	if d := cmp.Diff(want, scannedKeys(t, state, "orders")); d != "" {
		t.Errorf("items (-want +got):\n%s", d)
	}

	// Again: nothing is uploaded or processed twice.
	code, again := runBatchJSON(t, state, append(files, bad)...)
	if code != ExitOK || len(again.Executions) != 1 || again.Executions[0].Summary.Files != 0 {
		t.Errorf("second run: exit %d, %+v; want one batch with nothing pending", code, again.Executions)
	}
	for _, f := range again.Files {
		if f.Status != "DUPLICATE" {
			t.Errorf("second run: %s %s, want DUPLICATE", f.Key, f.Status)
		}
	}
	if d := cmp.Diff(want, scannedKeys(t, state, "orders")); d != "" {
		t.Errorf("items after the second run (-want +got):\n%s", d)
	}

	// A new file: the next batch takes it, and only it.
	more, moreKeys := writeOrders(t, dir, 50, 1)
	code, next := runBatchJSON(t, state, append(files, more...)...)
	if code != ExitOK || len(next.Executions) != 1 {
		t.Fatalf("third run: exit %d, %d executions", code, len(next.Executions))
	}
	if d := cmp.Diff(pipeline.BatchSummary{Dataset: "orders", Files: 1, Loaded: 1}, next.Executions[0].Summary); d != "" {
		t.Errorf("third batch (-want +got):\n%s", d)
	}
	want = append(want, moreKeys...)
	slices.Sort(want)
	if d := cmp.Diff(want, scannedKeys(t, state, "orders")); d != "" {
		t.Errorf("items after the third run (-want +got):\n%s", d)
	}
	if recs := batchRecords(t, state); len(recs) != 3 {
		t.Errorf("%d batch executions recorded after three runs, want 3", len(recs))
	}
}

// TestRunBatchText checks the text a user reads: the batch's one
// execution, a line per file, the rejected file's problems and the
// summary.
func TestRunBatchText(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if code, _ := runJSON(t, state, example("customers", "customers.csv")); code != ExitOK {
		t.Fatal("customers")
	}
	files, _ := writeOrders(t, t.TempDir(), 0, 2)
	code, stdout, stderr := runCLI(t, "", append([]string{"run", "--batch", "--fast", "--state-dir", state, example("orders", "orders_bad.csv")}, files...)...)
	if code != int(ExitOK) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"3 file(s) uploaded to wait for the orders batch\n",
		"\nbatch orders: one execution ",
		"  → 3 pending file(s): 2 LOADED, 1 REJECTED (",
		"  incoming/orders/batch-000.csv (version v",
		") → LOADED: 3 records in, 3 loaded, 0 rejected\n",
		"  incoming/orders/orders_bad.csv (version v",
		") → REJECTED: 10 of 12 rows failed validation (more than the tolerated 10%)\n",
		"    incoming/orders/orders_bad.csv:4: row 3, field quantity (value \"0\"): less than the minimum 1 [min]\n",
		"\n3 file(s) in 1 batch execution(s): 2 LOADED, 1 REJECTED\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestRunBatchHandsOffALargeFile: a file of more chunks than an Express
// child loads (3 rows at 1 record a chunk) is handed by the batch to the
// per-file machine, whose execution loads it, and the output says so; the
// next `sluice run --batch` (the file unchanged, not uploaded again)
// settles it.
func TestRunBatchHandsOffALargeFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	if code, files := runJSON(t, state, example("customers", "customers.csv")); code != ExitOK || files[0].Status != "LOADED" {
		t.Fatalf("customers: exit %d %+v", code, files)
	}
	files, _ := writeOrders(t, t.TempDir(), 0, 1)
	args := append([]string{"run", "--batch", "--fast", "--chunk-records", "1", "--state-dir", state}, files...)
	code, stdout, stderr := runCLI(t, "", args...)
	if code != int(ExitOK) {
		t.Fatalf("exit %d: %s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"  → 1 pending file(s): 1 handed to the per-file machine (",
		"batch-000.csv (version ",
		" → LOADED: 3 records in, 3 loaded, 0 rejected\n",
		"    too large for the batch's Express child: handed to the per-file machine, execution ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr = runCLI(t, "", args...)
	if code != int(ExitOK) || !strings.Contains(stdout, "  → 1 pending file(s): 1 DUPLICATE (") || strings.Contains(stdout, "handed to the per-file machine") {
		t.Errorf("second run: exit %d, want the file settled as a duplicate:\n%s\n%s", code, stdout, stderr)
	}
}
