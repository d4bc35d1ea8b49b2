package cli

import (
	"errors"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
				"<tr><th>started</th><th>ended</th><th>duration</th></tr>",
				"<th>wall time</th><th>runs</th><th>each run min / median / max</th>",
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
				"<td></td><td>ValidationFailed</td></tr>", // caught, not a failed attempt
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
				// Three attempts: two retried, the third caught.
				"<td>2: Lambda.ServiceException, Lambda.ServiceException</td><td>Lambda.ServiceException</td></tr>",
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
	// A header, then one execution a line, newest first: name, dataset,
	// file, status, start date and time, duration.
	var got [][]string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) != 7 {
			t.Fatalf("--list line %q: want 7 fields", line)
		}
		got = append(got, f[:4])
	}
	want := [][]string{
		{second[0].Execution, "orders", "incoming/orders/orders_bad.csv", "REJECTED"},
		{first[0].Execution, "readings", "incoming/readings/readings.jsonl", "LOADED"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--list (-want +got):\n%s\n%s", diff, stdout)
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
	// An unknown execution is a usage error naming the known ones, and
	// leaves no (empty) report file behind.
	for _, args := range [][]string{{"-o", "-"}, {}} {
		code, stdout, stderr := runCLI(t, "", append([]string{"report", "--state-dir", state, "--execution", "nope"}, args...)...)
		if code != int(ExitUsage) || !strings.Contains(stderr, `no execution "nope"`) || !strings.Contains(stderr, first[0].Execution) || stdout != "" {
			t.Errorf("unknown execution %v: exit %d, stdout %q, stderr %q; want %d naming %s", args, code, stdout, stderr, ExitUsage, first[0].Execution)
		}
		if strings.Contains(stderr, ".json") {
			t.Errorf("unknown execution: stderr names an internal file: %q", stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "executions", "nope.html")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unknown execution left a report file behind (stat: %v)", err)
	}
	if code, _, _ := runCLI(t, "", "report", "--state-dir", state, "extra"); code != int(ExitUsage) {
		t.Errorf("extra argument: exit %d, want %d", code, ExitUsage)
	}
}
