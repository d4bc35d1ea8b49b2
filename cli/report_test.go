package cli

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReport renders the HTML report of a loaded, a rejected and a failed
// execution and checks that it names the file, the status, the states
// taken and, for the rejection, every problem.
func TestReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		run      []string
		want     []string // in the HTML, after unescaping
		wantNot  []string
		wantCode ExitCode
	}{
		{
			name: "loaded",
			run:  []string{"--dataset", "readings", example("readings", "readings.jsonl")},
			want: []string{
				"<title>sluice report: incoming/readings/readings.jsonl</title>",
				`<span class="status loaded">LOADED</span>`,
				"dataset <b>readings</b>",
				"<td>Validate</td>", "<td>Transform</td>", "<td>Load</td>", "<td>Record</td>", "<td>Loaded</td>",
				"Not visited: ",
			},
			wantNot: []string{"Validation report", "<td>Quarantine</td>"},
		},
		{
			name: "rejected",
			run:  []string{"--dataset", "orders", example("orders", "orders_bad.csv")},
			want: []string{
				"<title>sluice report: incoming/orders/orders_bad.csv</title>",
				`<span class="status rejected">REJECTED</span>`,
				"<td>Validate</td>", "<td>Quarantine</td>", "<td>NotifyRejected</td>", "<td>Rejected</td>",
				"1: ValidationFailed",
				"<h2>Validation report</h2>",
				"10 of 12 rows failed validation",
				"rows 12 · bad rows 10",
				"<td>order_date</td><td>2026-02-30</td><td>type</td>",
				"<td>quantity</td><td>two</td><td>type</td>",
				"<td>currency</td><td>JPY</td><td>enum</td>",
				"<td>customer_id</td><td></td><td>required</td>",
				"<td>unit_price</td><td>3.105</td><td>scale</td>",
				"row has 7 fields, the header has 8",
			},
			wantNot: []string{"<td>Load</td>", "<td>Transform</td>"},
		},
		{
			name: "failed",
			run:  []string{"--inject", "task:Load=Lambda.ServiceException", "--dataset", "readings", example("readings", "readings.jsonl")},
			want: []string{
				`<span class="status failed">FAILED</span>`,
				"<h2>Error</h2><p><b>Sluice.FileFailed</b></p>",
				"<td>Load</td><td>Task</td>",
				"3: Lambda.ServiceException, Lambda.ServiceException, Lambda.ServiceException",
				"<td>NotifyFailed</td>", "<td>Failed</td>",
			},
			wantCode: ExitFailure,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			if code, _ := runJSON(t, state, tt.run...); code != tt.wantCode {
				t.Fatalf("run: exit %d, want %d", code, tt.wantCode)
			}
			code, stdout, stderr := runCLI(t, "", "report", "--state-dir", state, "-o", "-")
			if code != 0 {
				t.Fatalf("report: exit %d: %s", code, stderr)
			}
			// Unescape text but keep the markup: html/template escapes
			// "·", quotes and such inside text.
			page := html.UnescapeString(stdout)
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("report contains %q", w)
				}
			}
			if t.Failed() {
				t.Logf("report:\n%s", page)
			}
		})
	}
}

// TestReportFiles covers the default output file, --list, --execution and
// the errors.
func TestReportFiles(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	if code, stdout, stderr := runCLI(t, "", "report", "--state-dir", state); code != int(ExitFailure) || !strings.Contains(stderr, "no executions recorded") {
		t.Errorf("empty state: exit %d, stderr %q, stdout %q; want 1 and \"no executions recorded\"", code, stderr, stdout)
	}
	_, first := runJSON(t, state, "--dataset", "readings", example("readings", "readings.jsonl"))
	_, second := runJSON(t, state, "--dataset", "orders", example("orders", "orders_bad.csv"))

	code, stdout, stderr := runCLI(t, "", "report", "--state-dir", state, "--list")
	if code != 0 {
		t.Fatalf("--list: exit %d: %s", code, stderr)
	}
	if got, want := strings.Fields(stdout), []string{second[0].Execution, first[0].Execution}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("--list = %q, want newest first %q", got, want)
	}

	code, stdout, stderr = runCLI(t, "", "report", "--state-dir", state)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	wantFile := filepath.Join(state, "executions", second[0].Execution+".html")
	if !strings.Contains(stdout, "wrote ") || !strings.HasSuffix(strings.TrimSpace(stdout), filepath.Base(wantFile)) {
		t.Errorf("stdout = %q, want \"wrote …/%s\"", stdout, filepath.Base(wantFile))
	}
	b, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "REJECTED") {
		t.Errorf("the latest report is not the rejection's")
	}

	out := filepath.Join(t.TempDir(), "first.html")
	if code, _, stderr := runCLI(t, "", "report", "--state-dir", state, "--execution", first[0].Execution, "-o", out); code != 0 {
		t.Fatalf("--execution: exit %d: %s", code, stderr)
	}
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`status loaded">LOADED<`).Match(b) || !strings.Contains(string(b), "readings.jsonl") {
		t.Errorf("--execution %s: not the readings report", first[0].Execution)
	}
	if code, _, stderr := runCLI(t, "", "report", "--state-dir", state, "--execution", "nope", "-o", "-"); code != int(ExitFailure) || !strings.Contains(stderr, `execution "nope"`) {
		t.Errorf("unknown execution: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "report", "--state-dir", state, "extra"); code != int(ExitUsage) {
		t.Errorf("extra argument: exit %d, want %d", code, ExitUsage)
	}
}
