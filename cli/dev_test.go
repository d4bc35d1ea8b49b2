package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// copyInto copies an example file into dir, dated an hour ago so that it
// has settled.
func copyInto(t *testing.T, dir, src string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dst, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestDevOnce drops files into incoming/<dataset>/ and runs `sluice dev
// --once`: each is processed under its folder's dataset; a second pass
// finds the same versions already processed and only the new file
// runs. --batch= runs readings per file, where stack dev batches it.
func TestDevOnce(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	runCLI := func(t *testing.T, stdin string, args ...string) (int, string, string) {
		return runCLI(t, stdin, append(args, "--batch=")...)
	}
	copyInto(t, filepath.Join(dir, "incoming", "readings"), example("readings", "readings.jsonl"))
	copyInto(t, filepath.Join(dir, "incoming", "orders"), example("orders", "orders_bad.csv"))
	copyInto(t, filepath.Join(dir, "incoming", "catalog"), example("catalog", "catalog.xml"))
	// A hidden file (an editor's or a partial download) is left alone.
	if err := os.WriteFile(filepath.Join(dir, "incoming", "catalog", ".part.xml"), []byte("<catalog>"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, "", "dev", "--once", "--dir", dir, "--state-dir", state)
	if code != 0 {
		t.Fatalf("dev --once: exit %d: %s\n%s", code, stderr, stdout)
	}
	if diff := cmp.Diff([]string{
		"incoming/catalog/catalog.xml LOADED",
		"incoming/orders/orders_bad.csv REJECTED",
		"incoming/readings/readings.jsonl LOADED",
	}, outcomes(stdout)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s\nstdout:\n%s", diff, stdout)
	}
	for _, name := range []string{"customers", "orders", "readings", "catalog"} {
		if st, err := os.Stat(filepath.Join(dir, "incoming", name)); err != nil || !st.IsDir() {
			t.Errorf("incoming/%s not created: %v", name, err)
		}
	}
	if n := len(scan(t, state, "readings")); n != 6 {
		t.Errorf("readings: %d items, want 6", n)
	}
	if n := len(scan(t, state, "catalog")); n != 4 {
		t.Errorf("catalog: %d items, want 4", n)
	}

	// Files younger than the settle time (all of them under --settle 2h)
	// wait for a later pass.
	fresh := filepath.Join(dir, "incoming", "customers", "customers.csv")
	b, _ := os.ReadFile(example("customers", "customers.csv"))
	if err := os.WriteFile(fresh, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", "dev", "--once", "--settle", "2h", "--dir", dir, "--state-dir", state)
	if code != 0 {
		t.Fatalf("second pass: exit %d: %s", code, stderr)
	}
	if got := outcomes(stdout); len(got) != 0 {
		t.Errorf("--settle 2h: processed %q, want nothing (every file is younger than 2h)", got)
	}

	code, stdout, stderr = runCLI(t, "", "dev", "--once", "--settle", "1ms", "--dir", dir, "--state-dir", state)
	if code != 0 {
		t.Fatalf("third pass: exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff([]string{
		"incoming/catalog/catalog.xml DUPLICATE",
		"incoming/customers/customers.csv LOADED",
		"incoming/orders/orders_bad.csv DUPLICATE",
		"incoming/readings/readings.jsonl DUPLICATE",
	}, outcomes(stdout)); diff != "" {
		t.Errorf("third pass outcomes (-want +got):\n%s\nstdout:\n%s", diff, stdout)
	}
	if n := len(scan(t, state, "readings")); n != 6 {
		t.Errorf("readings after the second pass: %d items, want 6", n)
	}
}

// TestDevOnceFailure: a FAILED file makes dev --once exit 1 (readings
// per file: --batch=).
func TestDevOnceFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyInto(t, filepath.Join(dir, "incoming", "readings"), example("readings", "readings.jsonl"))
	code, stdout, _ := runCLI(t, "", "dev", "--once", "--batch=", "--fast", "--inject", "task:Load=Lambda.ServiceException", "--dir", dir, "--state-dir", t.TempDir())
	if code != int(ExitFailure) {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	if diff := cmp.Diff([]string{"incoming/readings/readings.jsonl FAILED"}, outcomes(stdout)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// outcomes pairs each printed file key with its outcome, in order.
func outcomes(stdout string) []string {
	var out []string
	key := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "incoming/") {
			key, _, _ = strings.Cut(l, " ")
		}
		if rest, ok := strings.CutPrefix(l, "  → "); ok {
			status, _, _ := strings.Cut(rest, ":")
			out = append(out, key+" "+status)
		}
	}
	return out
}

// TestDevBatch runs `sluice dev --once` in the repository, whose stack
// dev batches readings (Pulumi.dev.yaml): the readings files wait and then
// run in one batch execution, the orders file runs on its own; a second
// pass, with --batch readings, uploads nothing again and its batch finds
// nothing pending.
func TestDevBatch(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	readings := filepath.Join(dir, "incoming", "readings")
	for _, name := range []string{"r1.jsonl", "r2.jsonl", "r3.jsonl"} {
		copyInto(t, readings, example("readings", "readings.jsonl"))
		if err := os.Rename(filepath.Join(readings, "readings.jsonl"), filepath.Join(readings, name)); err != nil {
			t.Fatal(err)
		}
	}
	copyInto(t, filepath.Join(dir, "incoming", "orders"), example("orders", "orders_bad.csv"))

	code, stdout, stderr := runCLI(t, "", "dev", "--once", "--dir", dir, "--state-dir", state)
	if code != 0 {
		t.Fatalf("dev --once: exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"sluice dev: readings run in one batch after the files present are uploaded (stack dev's batchDatasets, ",
		string(filepath.Separator) + "Pulumi.dev.yaml)\n",
		"incoming/readings/r1.jsonl (version v",
		"): waits for the readings batch\n",
		"\nbatch readings: one execution ",
		"  → 3 pending file(s): 3 LOADED (",
		"incoming/readings/r3.jsonl (version v",
		") → LOADED: 6 records in, ",
		"  → REJECTED: 10 of 12 rows failed validation",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "batch readings: one execution"); n != 1 {
		t.Errorf("%d batch executions, want 1:\n%s", n, stdout)
	}

	code, stdout, _ = runCLI(t, "", "dev", "--once", "--batch", "readings", "--dir", dir, "--state-dir", state)
	if code != 0 || strings.Count(stdout, "unchanged since a batch took it") != 3 || !strings.Contains(stdout, "  → 0 pending file(s) (") {
		t.Errorf("second pass: exit %d, want the three readings not uploaded again and an empty batch:\n%s", code, stdout)
	}
}

// TestDevBatchFromStack: without --batch, `sluice dev` batches the
// datasets of the --stack's batchDatasets, read from --project's stack
// file (a YAML list or the JSON text Pulumi also stores) or the nearest
// Pulumi.yaml above the working directory; --batch overrides them, and
// --batch= batches none. The batched dataset's file waits for its batch,
// the other runs on its own. A stack file that names an unknown dataset,
// does not parse or is missing is a usage error naming the file, the key
// or the stack.
func TestDevBatchFromStack(t *testing.T) {
	t.Parallel()
	// project writes a Pulumi project whose stack dev has the given
	// batchDatasets line (none: no stack file).
	project := func(t *testing.T, line string) string {
		if line == "" {
			return devProject(t, "")
		}
		return devProject(t, "config:\n  "+line+"\n")
	}
	tests := []struct {
		name string
		// stackLine is the project's Pulumi.dev.yaml batchDatasets line
		// ("" with project: no stack file); no project: the repository's.
		project   bool
		stackLine string
		args      []string
		// wantBatched are the datasets that wait for a batch; wantFrom is
		// the source the banner names. wantErr, when set, is a usage error
		// the output must contain.
		wantBatched []string
		wantFrom    string
		wantErr     string
	}{
		{name: "the repository's stack prod", args: []string{"--stack", "prod"},
			wantBatched: []string{"readings"}, wantFrom: "stack prod's batchDatasets, "},
		{name: "a project batching orders, as JSON text", project: true, stackLine: `sluice:batchDatasets: '["orders"]'`,
			wantBatched: []string{"orders"}, wantFrom: "stack dev's batchDatasets, "},
		{name: "a project batching both, as a YAML list", project: true, stackLine: "sluice:batchDatasets: [orders, readings]",
			wantBatched: []string{"orders", "readings"}, wantFrom: "stack dev's batchDatasets, "},
		{name: "the stack file without the key: Pulumi.yaml's default", project: true, stackLine: "sluice:azCount: 2"},
		{name: "--batch overrides the stack", project: true, stackLine: `sluice:batchDatasets: '["orders"]'`, args: []string{"--batch", "readings"},
			wantBatched: []string{"readings"}, wantFrom: "--batch"},
		{name: "--batch= batches none", args: []string{"--batch="}},
		{name: "an unknown dataset", project: true, stackLine: "sluice:batchDatasets: [reedings]",
			wantErr: "sluice dev: batched datasets (stack dev's batchDatasets, "},
		{name: "a stack file that does not parse", project: true, stackLine: "sluice:batchDatasets: {readings: 1}",
			wantErr: "Pulumi.dev.yaml: sluice:batchDatasets: want a list of dataset names"},
		{name: "no stack file", project: true,
			wantErr: "sluice dev: the batched datasets of stack dev: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, state := t.TempDir(), t.TempDir()
			copyInto(t, filepath.Join(dir, "incoming", "readings"), example("readings", "readings.jsonl"))
			copyInto(t, filepath.Join(dir, "incoming", "orders"), example("orders", "orders.csv"))
			args := append([]string{"dev", "--once", "--dir", dir, "--state-dir", state}, tt.args...)
			var proj string
			if tt.project {
				proj = project(t, tt.stackLine)
				args = append(args, "--project", proj)
			}
			code, stdout, stderr := runCLI(t, "", args...)
			if tt.wantErr != "" {
				if code != int(ExitUsage) || !strings.Contains(stderr, tt.wantErr) {
					t.Fatalf("exit %d, want %d with %q:\n%s%s", code, ExitUsage, tt.wantErr, stderr, stdout)
				}
				if tt.stackLine != "" && !strings.Contains(stderr, filepath.Join(proj, "Pulumi.dev.yaml")) {
					t.Errorf("the error does not name the stack file %s:\n%s", filepath.Join(proj, "Pulumi.dev.yaml"), stderr)
				}
				if tt.stackLine == "" && !strings.Contains(stderr, filepath.Join(proj, "Pulumi.dev.yaml")+": no such file") {
					t.Errorf("the error does not name the missing stack file:\n%s", stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
			}
			if len(tt.wantBatched) == 0 {
				if strings.Contains(stdout, "run in one batch") || strings.Contains(stdout, "waits for the") {
					t.Errorf("no dataset should be batched:\n%s", stdout)
				}
			} else if banner := "sluice dev: " + strings.Join(tt.wantBatched, ", ") + " run in one batch after the files present are uploaded (" + tt.wantFrom; !strings.Contains(stdout, banner) {
				t.Errorf("output lacks %q:\n%s", banner, stdout)
			}
			for _, ds := range []string{"orders", "readings"} {
				batched := slices.Contains(tt.wantBatched, ds)
				if waits := strings.Contains(stdout, "): waits for the "+ds+" batch\n"); waits != batched {
					t.Errorf("%s waits for a batch: %v, want %v:\n%s", ds, waits, batched, stdout)
				}
				if ran := strings.Contains(stdout, "\nbatch "+ds+": one execution "); ran != batched {
					t.Errorf("a %s batch ran: %v, want %v:\n%s", ds, ran, batched, stdout)
				}
			}
			// Batched or not, every file is loaded.
			if n := len(scan(t, state, "readings")); n != 6 {
				t.Errorf("readings: %d items, want 6", n)
			}
		})
	}
}

// TestDevBatchEvery: how often `sluice dev` runs its batches comes from
// --batch-every when given, else from the --stack's batchSchedule (its
// mean interval: rate exactly, a cron over a month), else a minute; a
// schedule that cannot be read is a usage error naming the stack file.
func TestDevBatchEvery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stackFile string // Pulumi.dev.yaml ("": none)
		flags     batchFlags
		want      time.Duration
		wantFrom  string // a substring of where it came from
		wantErr   string
	}{
		{name: "rate", stackFile: "config:\n  sluice:batchSchedule: rate(7 minutes)\n",
			want: 7 * time.Minute, wantFrom: "stack dev's batchSchedule rate(7 minutes), "},
		{name: "cron", stackFile: "config:\n  sluice:batchSchedule: cron(0/15 * * * ? *)\n",
			want: 15 * time.Minute, wantFrom: "stack dev's batchSchedule cron(0/15 * * * ? *), "},
		{name: "Pulumi.yaml's default", stackFile: "config:\n  sluice:azCount: 2\n",
			want: 15 * time.Minute, wantFrom: "stack dev's batchSchedule rate(15 minutes), "},
		{name: "--batch-every wins", stackFile: "config:\n  sluice:batchSchedule: rate(7 minutes)\n",
			flags: batchFlags{every: 3 * time.Second, everySet: true}, want: 3 * time.Second, wantFrom: "--batch-every"},
		{name: "--batch without the stack's file", flags: batchFlags{stackBatchFlags: stackBatchFlags{set: true}},
			want: time.Minute, wantFrom: "--batch-every's default: "},
		{name: "a schedule EventBridge would refuse", stackFile: "config:\n  sluice:batchSchedule: every hour\n",
			wantErr: "Pulumi.dev.yaml: batchSchedule: \"every hour\""},
		{name: "a list", stackFile: "config:\n  sluice:batchSchedule: [rate(1 hour)]\n",
			wantErr: "Pulumi.dev.yaml: sluice:batchSchedule: want a single value"},
		{name: "no stack file", wantErr: "Pulumi.dev.yaml: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.flags
			f.project = devProject(t, tt.stackFile)
			if !f.everySet {
				f.every = defaultBatchEvery
			}
			got, from, err := f.interval("dev")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("interval() = %v, %q, %v; want an error containing %q", got, from, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || !strings.Contains(from, tt.wantFrom) {
				t.Errorf("interval() = %v, %q, %v; want %v from %q", got, from, err, tt.want, tt.wantFrom)
			}
		})
	}
}

// devProject writes a Pulumi project (this repository's Pulumi.yaml) into
// a temporary folder, with stackFile as its Pulumi.dev.yaml ("": none),
// and returns the folder.
func devProject(t *testing.T, stackFile string) string {
	t.Helper()
	proj, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
		t.Fatal(err)
	}
	if stackFile != "" {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(stackFile), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestDevBatchExpressMaxFromStack: `sluice dev` hands a batched file to
// the per-file machine as the --stack's batchExpressMaxKb says the
// deployed batch would: the orders example (1,146 bytes) goes to the
// per-file machine at 1 KiB and stays in its Express child at the default
// 1 MiB; a value out of range is a usage error naming the stack file.
func TestDevBatchExpressMaxFromStack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		limit      string // the stack's batchExpressMaxKb line ("": none)
		wantHanded bool
		wantErr    string
	}{
		{name: "1 KiB", limit: "sluice:batchExpressMaxKb: 1", wantHanded: true},
		{name: "the default", limit: ""},
		{name: "2 KiB", limit: "sluice:batchExpressMaxKb: 2"},
		{name: "zero", limit: "sluice:batchExpressMaxKb: 0", wantErr: `Pulumi.dev.yaml: batchExpressMaxKb: "0" is not a whole number of KiB from 1 to 1048576`},
		{name: "not a number", limit: "sluice:batchExpressMaxKb: 1MB", wantErr: `Pulumi.dev.yaml: batchExpressMaxKb: "1MB" is not`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, state := t.TempDir(), t.TempDir()
			copyInto(t, filepath.Join(dir, "incoming", "orders"), example("orders", "orders.csv"))
			proj := devProject(t, "config:\n  sluice:batchDatasets: [orders]\n  "+tt.limit+"\n")
			code, stdout, stderr := runCLI(t, "", "dev", "--once", "--dir", dir, "--state-dir", state, "--project", proj)
			if tt.wantErr != "" {
				if code != int(ExitUsage) || !strings.Contains(stderr, tt.wantErr) || !strings.Contains(stderr, filepath.Join(proj, "Pulumi.dev.yaml")) {
					t.Fatalf("exit %d, want %d with %q naming the stack file:\n%s%s", code, ExitUsage, tt.wantErr, stderr, stdout)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
			}
			if handed := strings.Contains(stdout, "handed to the per-file machine"); handed != tt.wantHanded {
				t.Errorf("handed to the per-file machine: %v, want %v:\n%s", handed, tt.wantHanded, stdout)
			}
			if n := len(scan(t, state, "orders")); n == 0 {
				t.Errorf("orders: no items loaded:\n%s", stdout)
			}
		})
	}
}
