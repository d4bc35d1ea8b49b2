package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/local"
)

// example returns the path of a file under examples/.
func example(ds, name string) string { return filepath.Join("..", "examples", ds, name) }

// fileJSON is one element of `sluice run --json`'s "files".
type fileJSON struct {
	Key             string `json:"key"`
	Dataset         string `json:"dataset"`
	VersionID       string `json:"versionId"`
	Status          string `json:"status"`
	RecordsIn       int64  `json:"records_in"`
	RecordsLoaded   int64  `json:"records_loaded"`
	RecordsRejected int64  `json:"records_rejected"`
	Report          string `json:"report"`
	History         string `json:"history"`
	Error           string `json:"error"`
	Cause           string `json:"cause"`
	Execution       string `json:"execution"`
	Reused          bool   `json:"reused"`
}

// runJSON runs `sluice run --json --fast --state-dir state args...` and
// decodes its output. --fast keeps retry intervals off the wall clock.
func runJSON(t *testing.T, state string, args ...string) (ExitCode, []fileJSON) {
	t.Helper()
	code, stdout, stderr := runCLI(t, "", append([]string{"run", "--json", "--fast", "--state-dir", state}, args...)...)
	var out struct {
		Files []fileJSON `json:"files"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("sluice run %v: exit %d, stdout is not the JSON summary: %v\nstdout:\n%s\nstderr:\n%s", args, code, err, stdout, stderr)
	}
	return ExitCode(code), out.Files
}

// scan returns `sluice table scan --dataset ds` as raw lines.
func scan(t *testing.T, state, ds string) []string {
	t.Helper()
	code, stdout, stderr := runCLI(t, "", "table", "scan", "--state-dir", state, "--dataset", ds)
	if code != 0 {
		t.Fatalf("sluice table scan --dataset %s: exit %d: %s", ds, code, stderr)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// volatile are the attributes that change from run to run, each with the
// exact form it must have and what replaces the varying part: the upload
// time inside _source_order (the CLI cannot pin the embedded S3's clock),
// and the enricher's _ingested_at and _execution (the execution name starts
// with the time). Local tests pin the clocks instead (local/examples_test.go).
var volatile = []struct {
	attr     string
	re       *regexp.Regexp
	repl     string
	required bool // on every item, else only where present
}{
	{"_source_order", regexp.MustCompile(`"_source_order":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z/(v\d{19})"`), `"_source_order":"<uploaded>/$1"`, true},
	{"_ingested_at", regexp.MustCompile(`"_ingested_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"`), `"_ingested_at":"<ingested>"`, false},
	{"_execution", regexp.MustCompile(`"_execution":"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:\d{8}T\d{6}\.\d{6}-([0-9a-f]{8})"`), `"_execution":"arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:<time>-$1"`, false},
}

// normalize replaces the volatile parts of items (see volatile). It fails
// when an attribute is present (or required) but not in its exact form, so
// the normalisation cannot hide a change.
func normalize(t *testing.T, lines []string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		for _, v := range volatile {
			if !v.re.MatchString(l) {
				if v.required || strings.Contains(l, `"`+v.attr+`":`) {
					t.Errorf("item with a missing or malformed %s: %s", v.attr, l)
				}
				continue
			}
			l = v.re.ReplaceAllString(l, v.repl)
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// decodeItems decodes JSON Lines with numbers kept as json.Number.
func decodeItems(t *testing.T, lines []string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range lines {
		dec := json.NewDecoder(strings.NewReader(l))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("item %s: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func statuses(files []fileJSON) []string {
	var s []string
	for _, f := range files {
		s = append(s, f.Status)
	}
	return s
}

// TestRunNotRouted runs files under the orders dataset that its rule does
// not accept: each ends FAILED Sluice.NotRouted (exit 1) because the
// deployed unrouted rule matches it, and the cause names the file, its size
// and what the dataset accepts.
func TestRunNotRouted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(notes, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, key string
		size      int
	}{
		{notes, "incoming/orders/notes.txt", 6},
		{empty, "incoming/orders/empty.csv", 0},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, "", "run", "--json", "--state-dir", t.TempDir(), "--dataset", "orders", tt.file)
			if ExitCode(code) != ExitFailure {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFailure, stderr)
			}
			var doc struct{ Files []local.FileResult }
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Files) != 1 {
				t.Fatalf("output %s: %v", stdout, err)
			}
			f := doc.Files[0]
			if f.Status != local.Failed || f.Error != "Sluice.NotRouted" || f.Key != tt.key {
				t.Errorf("result %+v", f)
			}
			for _, want := range []string{
				fmt.Sprintf("/%s (%d B) matches the unrouted rule", tt.key, tt.size),
				"not dataset orders's: it accepts keys under incoming/orders/ ending in .csv or .csv.gz, 1 B to 4.0 GiB",
			} {
				if !strings.Contains(f.Cause, want) {
					t.Errorf("cause %q\ndoes not contain %q", f.Cause, want)
				}
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	notData := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notData, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantStderr string // substring
	}{
		{"no arguments", nil, ExitUsage, "want at least one file"},
		{"no file", []string{"--dataset", "orders"}, ExitUsage, "want at least one file"},
		{"no --dataset and none inferable", []string{notData}, ExitUsage, "pass --dataset"},
		{"missing file", []string{"--dataset", "orders", "no/such/orders.csv"}, ExitUsage, "no such file"},
		{"a directory", []string{"--dataset", "orders", example("orders", "")}, ExitUsage, "is a directory"},
		{"unknown dataset", []string{"--dataset", "invoices", example("orders", "orders.csv")}, ExitUsage, "invoices"},
		{"bad --inject", []string{"--dataset", "readings", "--inject", "task:Load", example("readings", "readings.jsonl")}, ExitUsage, "want KIND=VALUE"},
		{"unknown flag", []string{"--datasets", "orders", example("orders", "orders.csv")}, ExitUsage, "unknown flag: --datasets"},
		{"loaded", []string{"--dataset", "readings", example("readings", "readings.jsonl")}, ExitOK, ""},
		{"rejected is not a failure", []string{"--dataset", "orders", example("orders", "orders_bad.csv")}, ExitOK, ""},
		{"injected failure", []string{"--fast", "--inject", "task:Load=Lambda.ServiceException", "--dataset", "readings", example("readings", "readings.jsonl")}, ExitFailure, ""},
		{"not routed (wrong suffix for the dataset)", []string{"--dataset", "readings", example("customers", "customers.csv")}, ExitFailure, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "--state-dir", t.TempDir()}, tt.args...)
			code, _, stderr := runCLI(t, "", args...)
			if ExitCode(code) != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, stderr)
			}
		})
	}
}

// TestRunJSONShape pins the keys of --json for each outcome.
func TestRunJSONShape(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	code, stdout, stderr := runCLI(t, "", "run", "--json", "--state-dir", state,
		"--dataset", "readings", example("readings", "readings.jsonl"), example("readings", "readings.jsonl"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code2, stdout2, stderr2 := runCLI(t, "", "run", "--json", "--state-dir", state, "--dataset", "orders", example("orders", "orders_bad.csv"))
	if code2 != 0 {
		t.Fatalf("exit %d: %s", code2, stderr2)
	}
	code3, stdout3, _ := runCLI(t, "", "run", "--json", "--fast", "--state-dir", t.TempDir(),
		"--inject", "task:Load=Lambda.ServiceException", "--dataset", "readings", example("readings", "readings.jsonl"))
	if code3 != int(ExitFailure) {
		t.Fatalf("injected failure: exit %d, want %d", code3, ExitFailure)
	}
	var files []map[string]any
	for _, s := range []string{stdout, stdout2, stdout3} {
		var doc map[string][]map[string]any
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, s)
		}
		if len(doc) != 1 || doc["files"] == nil {
			t.Fatalf("top level keys: want only \"files\", got %s", s)
		}
		files = append(files, doc["files"]...)
	}
	common := []string{"dataset", "execution", "history", "key", "records_in", "records_loaded", "records_rejected", "status", "versionId"}
	with := func(extra ...string) []string {
		k := append(append([]string{}, common...), extra...)
		sort.Strings(k)
		return k
	}
	want := []struct {
		status string
		keys   []string
	}{
		{"LOADED", with()},
		{"DUPLICATE", with("reused")},
		{"REJECTED", with("cause", "report")},
		{"FAILED", with("cause", "error")},
	}
	if len(files) != len(want) {
		t.Fatalf("got %d files, want %d", len(files), len(want))
	}
	for i, w := range want {
		var keys []string
		for k := range files[i] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if files[i]["status"] != w.status {
			t.Errorf("file %d: status %v, want %s", i, files[i]["status"], w.status)
		}
		if diff := cmp.Diff(w.keys, keys); diff != "" {
			t.Errorf("%s: keys (-want +got):\n%s", w.status, diff)
		}
		for _, k := range []string{"records_in", "records_loaded", "records_rejected"} {
			if _, ok := files[i][k].(float64); !ok {
				t.Errorf("%s: %s is %T, want a number", w.status, k, files[i][k])
			}
		}
		if h, _ := files[i]["history"].(string); h != "" {
			if _, err := os.Stat(h); err != nil {
				t.Errorf("%s: history %s: %v", w.status, h, err)
			}
		}
	}
	if files[0]["history"] == files[1]["history"] {
		t.Errorf("LOADED and DUPLICATE runs share the history file %v: a second execution overwrote the first", files[0]["history"])
	}
}

// TestRunRejected checks a file with bad rows: REJECTED, a report in the
// bucket naming rows and fields, and the same problems printed.
func TestRunRejected(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	code, files := runJSON(t, state, "--dataset", "orders", example("orders", "orders_bad.csv"))
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 (a rejection is an outcome, not a failure)", code)
	}
	if len(files) != 1 {
		t.Fatalf("got %d files", len(files))
	}
	f := files[0]
	gotSummary := fileJSON{Key: f.Key, Dataset: f.Dataset, Status: f.Status, RecordsIn: f.RecordsIn, RecordsLoaded: f.RecordsLoaded, RecordsRejected: f.RecordsRejected}
	wantSummary := fileJSON{Key: "incoming/orders/orders_bad.csv", Dataset: "orders", Status: "REJECTED", RecordsIn: 12, RecordsRejected: 10}
	if diff := cmp.Diff(wantSummary, gotSummary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^reports/orders/[0-9a-f]{16}-orders_bad\.csv\.report\.json$`).MatchString(f.Report) {
		t.Errorf("report = %q, want reports/orders/<run id>-orders_bad.csv.report.json", f.Report)
	}
	if want := "10 of 12 rows failed validation (more than the tolerated 10%)"; !strings.Contains(f.Cause, want) {
		t.Errorf("cause = %q, want it to contain %q", f.Cause, want)
	}

	// The report itself, read from the local bucket.
	rt, err := local.Open(context.Background(), local.Config{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rt.ReadReport(context.Background(), f.Report)
	rt.Close()
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	type problem struct{ Line, Row, Field, Code string }
	var got []problem
	errs, _ := rep["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		field, _ := m["field"].(string)
		code, _ := m["code"].(string)
		got = append(got, problem{Line: jsonString(m["line"]), Row: jsonString(m["row"]), Field: field, Code: code})
	}
	want := []problem{
		{"3", "2", "order_date", "type"},
		{"4", "3", "quantity", "min"},
		{"5", "4", "quantity", "type"},
		{"6", "5", "unit_price", "min"},
		{"7", "6", "currency", "enum"},
		{"8", "7", "status", "enum"},
		{"9", "8", "customer_id", "required"},
		{"10", "9", "", "ragged_row"},
		{"11", "10", "pk", "duplicate_key"},
		{"12", "11", "unit_price", "scale"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report problems (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"12", "10"}, []string{jsonString(rep["rows"]), jsonString(rep["badRows"])}); diff != "" {
		t.Errorf("report rows, badRows (-want +got):\n%s", diff)
	}

	// The printed problems (text mode, a fresh state so it runs again).
	code2, stdout, stderr := runCLI(t, "", "run", "--state-dir", t.TempDir(), "--dataset", "orders", example("orders", "orders_bad.csv"))
	if code2 != 0 {
		t.Fatalf("exit %d: %s", code2, stderr)
	}
	var printed []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "  → ") || strings.HasPrefix(l, "    incoming/orders/orders_bad.csv:") {
			printed = append(printed, l)
		}
	}
	wantPrinted := []string{
		`  → REJECTED: 10 of 12 rows failed validation (more than the tolerated 10%)`,
		`    incoming/orders/orders_bad.csv:3: row 2, field order_date (value "2026-02-30"): not a date in layout 2006-01-02 or 02/01/2006 [type]`,
		`    incoming/orders/orders_bad.csv:4: row 3, field quantity (value "0"): less than the minimum 1 [min]`,
		`    incoming/orders/orders_bad.csv:5: row 4, field quantity (value "two"): not an integer [type]`,
		`    incoming/orders/orders_bad.csv:6: row 5, field unit_price (value "-3.10"): less than the minimum 0 [min]`,
		`    incoming/orders/orders_bad.csv:7: row 6, field currency (value "JPY"): not one of USD, EUR, GBP [enum]`,
		`    incoming/orders/orders_bad.csv:8: row 7, field status (value "LOST"): not one of NEW, SHIPPED, CANCELLED [enum]`,
		`    incoming/orders/orders_bad.csv:9: row 8, field customer_id: value is required [required]`,
		`    incoming/orders/orders_bad.csv:10: row 9, row has 7 fields, the header has 8 [ragged_row]`,
		`    incoming/orders/orders_bad.csv:11: row 10, field pk (value "ORDER#ORD-2001 / ORDER"): an earlier row of the file has the same key [duplicate_key]`,
		`    incoming/orders/orders_bad.csv:12: row 11, field unit_price (value "3.105"): more than 2 decimal places [scale]`,
	}
	if diff := cmp.Diff(wantPrinted, printed); diff != "" {
		t.Errorf("printed outcome and problems (-want +got):\n%s\nstdout:\n%s", diff, stdout)
	}
	if !strings.Contains(stdout, "    report: "+f.Report[:len("reports/orders/")]) {
		t.Errorf("stdout does not name the report:\n%s", stdout)
	}
	if items := scan(t, state, "orders"); len(items) != 0 {
		t.Errorf("a rejected file loaded %d items", len(items))
	}
}

func jsonString(v any) string {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRunTwice sends a valid file twice: LOADED, then DUPLICATE, and the
// table holds each item once.
func TestRunTwice(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	file := example("readings", "readings.jsonl")
	code, first := runJSON(t, state, "--dataset", "readings", file)
	if code != ExitOK {
		t.Fatalf("first run: exit %d", code)
	}
	before := scan(t, state, "readings")
	code, second := runJSON(t, state, "--dataset", "readings", file)
	if code != ExitOK {
		t.Fatalf("second run: exit %d", code)
	}
	if diff := cmp.Diff([]string{"LOADED", "DUPLICATE"}, statuses(append(first, second...))); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if second[0].VersionID != first[0].VersionID || !second[0].Reused {
		t.Errorf("second run: version %s (reused %v), want the first's %s delivered again", second[0].VersionID, second[0].Reused, first[0].VersionID)
	}
	if second[0].RecordsLoaded != 0 {
		t.Errorf("duplicate loaded %d records", second[0].RecordsLoaded)
	}
	after := scan(t, state, "readings")
	if len(after) != 6 {
		t.Errorf("after two runs: %d items, want 6", len(after))
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the duplicate changed the table (-before +after):\n%s", diff)
	}
	// Both in one command: the second occurrence is the duplicate.
	code, both := runJSON(t, t.TempDir(), "--dataset", "readings", file, file)
	if code != ExitOK {
		t.Fatalf("one command, same file twice: exit %d", code)
	}
	if diff := cmp.Diff([]string{"LOADED", "DUPLICATE"}, statuses(both)); diff != "" {
		t.Errorf("one command, same file twice: statuses (-want +got):\n%s", diff)
	}
}

// TestRunAfterInjectedFailure: an injected Load failure makes the run
// FAILED (exit 1) with nothing loaded; a clean re-run of the same file then
// loads exactly the expected items, once each.
func TestRunAfterInjectedFailure(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	file := example("readings", "readings.jsonl")
	code, failed := runJSON(t, state, "--inject", "task:Load=Lambda.ServiceException", "--dataset", "readings", file)
	if code != ExitFailure {
		t.Errorf("injected failure: exit %d, want %d", code, ExitFailure)
	}
	if len(failed) != 1 || failed[0].Status != "FAILED" || failed[0].Error != "Sluice.FileFailed" || !strings.Contains(failed[0].Cause, "Lambda.ServiceException") {
		t.Fatalf("injected failure: got %+v, want FAILED with Sluice.FileFailed caused by Lambda.ServiceException", failed)
	}
	if n := len(scan(t, state, "readings")); n != 0 {
		t.Errorf("after the failed run: %d items, want 0", n)
	}
	code, again := runJSON(t, state, "--dataset", "readings", file)
	if code != ExitOK || len(again) != 1 || again[0].Status != "LOADED" || again[0].RecordsLoaded != 6 {
		t.Errorf("clean re-run: exit %d, %+v; want LOADED with 6 records", code, again)
	}
	// The reference: the same file run once on a fresh state.
	_, _ = runJSON(t, t.TempDir(), "--dataset", "readings", file)
	got := scan(t, state, "readings")
	if len(got) != 6 {
		t.Errorf("after the re-run: %d items, want 6", len(got))
	}
	keys := map[string]bool{}
	for _, it := range decodeItems(t, got) {
		k := jsonString(it["pk"]) + "|" + jsonString(it["sk"])
		if keys[k] {
			t.Errorf("item %s twice", k)
		}
		keys[k] = true
	}
}

// TestRunChunkedPath: --chunk-records 3 sends the orders through the
// Distributed Map (LoadChunks) and loads the same items as the inline path.
func TestRunChunkedPath(t *testing.T) {
	t.Parallel()
	type run struct {
		name    string
		flags   []string
		states  []string // states that must appear in the history
		absent  []string // states that must not
		history string
		items   string
	}
	runs := []*run{
		{name: "inline", states: []string{"Load"}, absent: []string{"LoadChunks", "LoadChunk"}},
		{name: "distributed", flags: []string{"--chunk-records", "3"}, states: []string{"LoadChunks", "LoadChunk"}, absent: []string{"Load"}},
	}
	for _, r := range runs {
		state := t.TempDir()
		if code, f := runJSON(t, state, "--dataset", "customers", example("customers", "customers.csv")); code != ExitOK || f[0].Status != "LOADED" {
			t.Fatalf("%s: customers: exit %d %+v", r.name, code, f)
		}
		code, f := runJSON(t, state, append(r.flags, "--dataset", "orders", example("orders", "orders.csv"))...)
		if code != ExitOK || f[0].Status != "LOADED" || f[0].RecordsLoaded != 20 {
			t.Fatalf("%s: orders: exit %d %+v; want LOADED with 20 records", r.name, code, f)
		}
		entered, counts := historyStates(t, f[0].History)
		for _, s := range r.states {
			if !entered[s] {
				t.Errorf("%s: state %s not entered", r.name, s)
			}
		}
		for _, s := range r.absent {
			if entered[s] {
				t.Errorf("%s: state %s entered", r.name, s)
			}
		}
		if r.name == "distributed" && counts["LoadChunk"] != 7 {
			t.Errorf("distributed: LoadChunk ran %d times, want 7 (20 records in chunks of 3)", counts["LoadChunk"])
		}
		r.items = normalize(t, scan(t, state, "orders"))
	}
	if diff := cmp.Diff(runs[0].items, runs[1].items); diff != "" {
		t.Errorf("items differ (-inline +distributed):\n%s", diff)
	}
}

// historyStates reads an execution history and returns the states entered
// and how often (every Map iteration counts).
func historyStates(t *testing.T, path string) (map[string]bool, map[string]int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Events engine.History `json:"events"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("history %s: %v", path, err)
	}
	entered, counts := map[string]bool{}, map[string]int{}
	for _, s := range local.TimelineAt(h.Events, nil) {
		entered[s.State] = true
		counts[s.State] = s.Entries
	}
	if len(entered) == 0 {
		t.Fatalf("history %s: no states entered", path)
	}
	return entered, counts
}

// TestRunCPUProfile checks --cpuprofile writes a profile pprof can read
// (a gzip stream with at least a header).
func TestRunCPUProfile(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "cpu.out")
	var stdout, stderr bytes.Buffer
	code := Run([]string{"run", "--fast", "--json", "--state-dir", filepath.Join(dir, "state"), "--cpuprofile", prof, "../examples/readings/readings.jsonl"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("--cpuprofile wrote %d bytes that are not a gzipped profile", len(b))
	}
}
