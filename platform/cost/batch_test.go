package cost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluicehq/sluice/workflow/asl"
)

// TestScenarioBatch prices the dev stack's batched dataset (readings, in
// sluice:batchDatasets, batchSchedule rate(5 minutes)): 288 files a day of
// 100 records (20,000 bytes: below ExpressMaxBytes, one chunk), no
// enrichment, no retries, month 1. The Step Functions and S3 figures are
// worked out by hand from the batch machine's states (the list below,
// checked against the compiled ASL) and the prices file; the per-file bill
// of the same workload differs by exactly the batch's additions.
func TestScenarioBatch(t *testing.T) {
	t.Parallel()
	m := model(t, "dev")
	w := Workload{FilesPerDay: 288, RecordsPerFile: 100, RecordBytes: 200, RetryRate: 0, Months: 1, Dataset: "readings"}
	b, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	const (
		F     = 288 * 730 / 24.0 // files a month: 8,760
		ticks = 730 * 60 / 5.0   // rate(5 minutes): 8,760 batches a month
		runs  = 730              // the reconciler's rate(1 hour)
	)
	// One file's EXPRESS child execution: Head, FileEvent, Sized, the
	// File branch (the per-file path of 11 states), Outcome, Locate,
	// Archive, Settle, Settled = 20 states, no Standard transition; the
	// batch's own Files, Summarize, BatchVerdict, BatchDone = 4.
	child := []string{"Head", "FileEvent", "Sized", "File",
		"Versioned", "Lease", "Claim", "Validate", "Transform", "Route", "Load", "SummarizeChunk", "Record", "PublishLoaded", "Loaded",
		"Outcome", "Locate", "Archive", "Settle", "Settled"}
	parent := []string{"Files", "Summarize", "BatchVerdict", "BatchDone"}
	if b.Facts.Batch == nil || b.Facts.Mode != ModeBatch {
		t.Fatalf("facts %+v: want batch mode", b.Facts)
	}
	if diff := cmp.Diff(child, b.Facts.Batch.ChildStates); diff != "" {
		t.Errorf("child states (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(parent, b.Facts.Batch.States); diff != "" {
		t.Errorf("batch states (-want +got):\n%s", diff)
	}
	// Standard transitions: the Map's one a child it starts, and the
	// batch's 4 (43,800 = $1.095). Express: a request a file ($0.00876),
	// and its duration at 64 MB: Lambda at 512 MB, CPU-bound times ×
	// 1769/512, validate 3 + 100 × 0.035 × 3.4551 = 15.09 ms, transform
	// 16 + 100 × 0.008 × 3.4551 = 18.76 ms, load 111 + 100 × 0.488 =
	// 159.8 ms, and 50 ms for each of its 6 other tasks (Head, Claim,
	// Record, PublishLoaded, Archive, Settle): 493.6 ms, billed 0.5 s
	// (273.75 GB-s = $0.00456).
	sfn := (F*1+ticks*4)*0.000025 + F*0.000001 + F*0.5*(64.0/1024)*0.0000166667
	if got := b.Facts.Batch.ChildSeconds; got != 0.5 {
		t.Errorf("child duration %v s, hand calculation 0.5 s", got)
	}
	byPrice := map[string]float64{}
	var items []string
	for _, sv := range b.Services {
		for _, l := range sv.Lines {
			byPrice[l.Price] += l.USD
			items = append(items, l.Item)
		}
	}
	if got := b.Services["stepfunctions"].USD; !within1(got, sfn) {
		t.Errorf("Step Functions: $%.4f, hand calculation $%.4f", got, sfn)
	}
	// S3 requests: PUT-class: the upload, 1 chunk, the manifest, the COPY
	// a file; a LIST a batch; the reconciler's top level and one page of
	// pending files a run. GET-class: validate, transform, load, the HEAD.
	put := (F*(3+1) + ticks + runs*2) * 0.000005
	get := F * 4 * 0.0000004
	if !within1(byPrice[PriceS3Put], put) || !within1(byPrice[PriceS3Get], get) {
		t.Errorf("S3 requests: PUT-class $%.4f, GET-class $%.5f; hand calculation $%.4f, $%.5f", byPrice[PriceS3Put], byPrice[PriceS3Get], put, get)
	}
	if !slicesContainPrefix(items, "DELETE: the child deletes the settled version") {
		t.Errorf("no free DELETE line among %q", items)
	}

	// The same files per file: 11 transitions a file, no batch, no HEAD,
	// COPY or batch LIST, and the reconciler lists a month of files.
	w.Dataset = "sensors-elsewhere"
	pf, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if pf.Facts.Batch != nil || len(pf.Facts.States) != 11 {
		t.Fatalf("per file: %+v", pf.Facts)
	}
	// Per file: 11 Standard transitions a file (2,409 a month = $2.409);
	// in batches the Express child replaces them: batching saves.
	if got, want := pf.Services["stepfunctions"].USD, F*11*0.000025; !within1(got, want) {
		t.Errorf("per file, Step Functions: $%.4f, hand calculation $%.4f", got, want)
	}
	if got, want := b.Services["stepfunctions"].USD-pf.Services["stepfunctions"].USD, sfn-F*11*0.000025; !within1(got, want) {
		t.Errorf("batch - per file, Step Functions: $%.4f, want $%.4f", got, want)
	}
	if got, want := b.Services["s3"].USD-pf.Services["s3"].USD, (F+ticks)*0.000005+F*0.0000004-(runs*(1+math.Ceil(F/1000))-runs*2)*0.000005; !within1(got, want) {
		t.Errorf("batch - per file, S3: $%.5f, want $%.5f", got, want)
	}
}

func slicesContainPrefix(items []string, prefix string) bool {
	for _, it := range items {
		if strings.HasPrefix(it, prefix) {
			return true
		}
	}
	return false
}

// TestBatchComparison: the comparison prices both ways as whole bills and
// marks the stack's setting for the dataset named.
func TestBatchComparison(t *testing.T) {
	t.Parallel()
	m := model(t, "prod")
	for _, tt := range []struct {
		dataset     string
		wantCurrent int // index of the current alternative
		wantChange  string
	}{
		{"readings", 1, "remove readings from sluice:batchDatasets"},
		{"orders", 0, "add orders to sluice:batchDatasets"},
		{"", 0, "add the dataset to sluice:batchDatasets"},
	} {
		t.Run(tt.dataset, func(t *testing.T) {
			t.Parallel()
			w := Workload{FilesPerDay: 2000, RecordsPerFile: 50, Dataset: tt.dataset}
			r, err := m.Compare(w)
			if err != nil {
				t.Fatal(err)
			}
			c := r.Comparisons[0]
			if c.Topic != "batch vs per file" || len(c.Alternatives) != 2 {
				t.Fatalf("comparison %+v", c)
			}
			cur := c.Alternatives[tt.wantCurrent]
			other := c.Alternatives[1-tt.wantCurrent]
			if !cur.Current || other.Current || cur.TotalUSD != r.TotalUSD {
				t.Errorf("current %+v (bill $%.2f), other %+v", cur, r.TotalUSD, other)
			}
			if !strings.HasPrefix(other.Change, tt.wantChange) {
				t.Errorf("change %q, want %q", other.Change, tt.wantChange)
			}
			// The other alternative is the same workload's bill the other way.
			s := m.Stack
			if tt.wantCurrent == 1 {
				s.BatchDatasets = nil
			} else {
				s.BatchDatasets = []string{"x"}
				w.Dataset = "x"
			}
			alt, err := NewModel(s, m.Prices, m.Timings)
			if err != nil {
				t.Fatal(err)
			}
			ab, err := alt.Estimate(w)
			if err != nil {
				t.Fatal(err)
			}
			if !within1(other.TotalUSD, ab.TotalUSD) {
				t.Errorf("other alternative $%.2f, its own estimate $%.2f", other.TotalUSD, ab.TotalUSD)
			}
		})
	}
}

// TestBatchBacklog: more files between two batches than a batch takes is
// said.
func TestBatchBacklog(t *testing.T) {
	t.Parallel()
	m := model(t, "prod") // every 15 minutes, 1,000 files a batch at most
	r, err := m.Compare(Workload{FilesPerDay: 200000, RecordsPerFile: 10, Dataset: "readings"})
	if err != nil {
		t.Fatal(err)
	}
	if !slicesContainPrefix(r.Recommendations, "batch: 2083 files arrive between two batches of readings but a batch takes at most 1000") {
		t.Errorf("recommendations %q: want the backlog", r.Recommendations)
	}
}

func TestScheduleRuns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		want    float64
		wantErr bool
	}{
		{"rate(1 hour)", 730, false},
		{"rate(5 minutes)", 8760, false},
		{"rate(1 day)", 730 / 24.0, false},
		{"cron(0/15 * * * ? *)", 2920, false},
		{"cron(0,30 8-17 * * ? *)", 2 * 10 * 730 / 24.0, false},
		{"cron(0 9 ? * MON-FRI *)", 730 / 24.0 * 5 / 7, false},
		{"cron(0 0 1 * ? *)", 1, false},
		{"cron(0 0 1 JAN,JUL ? *)", 2.0 / 12, false},
		{"rate(0 minutes)", 0, true},
		{"rate(5 fortnights)", 0, true},
		{"cron(0 0 * *)", 0, true},
		{"cron(61 * * * ? *)", 0, true},
		{"cron(5-1 * * * ? *)", 0, true},
		{"every hour", 0, true},
	}
	for _, tt := range tests {
		got, err := scheduleRuns(tt.expr)
		if (err != nil) != tt.wantErr || !tt.wantErr && math.Abs(got-tt.want) > 1e-9*tt.want {
			t.Errorf("scheduleRuns(%q) = %v, %v; want %v (error %v)", tt.expr, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestScheduleInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		want    time.Duration
		wantErr string
	}{
		{"rate(5 minutes)", 5 * time.Minute, ""},
		{"rate(1 hour)", time.Hour, ""},
		{"rate(2 days)", 48 * time.Hour, ""},
		{"cron(0/15 * * * ? *)", 15 * time.Minute, ""},
		// Five runs a week: a week's 168 hours over five.
		{"cron(0 9 ? * MON-FRI *)", 168 * time.Hour / 5, ""},
		{"rate(0 minutes)", 0, `"rate(0 minutes)": value "0" is not a positive integer`},
		{"every hour", 0, `"every hour"`},
	}
	for _, tt := range tests {
		got, err := ScheduleInterval(tt.expr)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ScheduleInterval(%q) = %v, %v; want an error containing %q", tt.expr, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ScheduleInterval(%q) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
}

// TestScenarioBatchLargeFiles prices prod's readings in files larger than
// ExpressMaxBytes (6,000 records of 200 bytes: 1.2 MB, two chunks): each
// is handed by an Express child to the per-file machine, whose execution
// costs what it costs per file, and settled by the next batch's child.
// The Step Functions bill is the per-file one plus, by hand: two Map
// transitions and two Express requests a file, the batch's own 4
// transitions a run, and the children's duration (the hand-off: Head,
// LargeLedger, HandOff, 150 ms billed 0.2 s; the settling: Head,
// LargeLedger, Archive, Settle, 200 ms billed 0.2 s).
func TestScenarioBatchLargeFiles(t *testing.T) {
	t.Parallel()
	m := model(t, "prod")
	w := Workload{FilesPerDay: 100, RecordsPerFile: 6000, RecordBytes: 200, Months: 1, Dataset: "readings"}
	b, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	bf := b.Facts.Batch
	if bf == nil || !bf.HandedOff || bf.ChildExecutions != 2 {
		t.Fatalf("batch facts %+v: want each file handed off (two children)", bf)
	}
	if diff := cmp.Diff([]string{"Head", "FileEvent", "Sized", "LargeLedger", "LargeState", "HandOff", "HandedOff"}, bf.ChildStates); diff != "" {
		t.Errorf("hand-off child states (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Head", "FileEvent", "Sized", "LargeLedger", "LargeState", "LargeOutcome", "Locate", "Archive", "Settle", "Settled"}, bf.SettleStates); diff != "" {
		t.Errorf("settling child states (-want +got):\n%s", diff)
	}
	if bf.ChildSeconds != 0.4 {
		t.Errorf("children's duration %v s a file, hand calculation 0.4 s", bf.ChildSeconds)
	}
	w.Dataset = "elsewhere"
	pf, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(pf.Facts.States, b.Facts.States); diff != "" || !b.Facts.Distributed {
		t.Errorf("the handed-off file's path differs from the per-file machine's (-per file +batch):\n%s", diff)
	}
	const (
		F     = 100 * 730 / 24.0
		ticks = 730 * 4.0 // prod: rate(15 minutes)
	)
	extra := F*2*0.000025 + ticks*4*0.000025 + F*2*0.000001 + F*0.4*(64.0/1024)*0.0000166667
	if got := b.Services["stepfunctions"].USD - pf.Services["stepfunctions"].USD; !within1(got, extra) {
		t.Errorf("batch - per file, Step Functions: $%.5f, hand calculation $%.5f", got, extra)
	}
}

// TestBatchExpressMaxKb: the stack's batchExpressMaxKb decides which
// files the priced batch hands to the per-file machine: readings files of
// 20 records of 200 bytes (4,000 bytes) stay in their Express child at the
// default 1 MiB and are handed off at 3 KiB, and the note says the limit.
func TestBatchExpressMaxKb(t *testing.T) {
	t.Parallel()
	w := Workload{FilesPerDay: 100, RecordsPerFile: 20, RecordBytes: 200, Months: 1, Dataset: "readings"}
	for _, tt := range []struct {
		kb         int
		wantHanded bool
		wantNote   string
	}{{1024, false, "a file over 1 MiB (sluice:batchExpressMaxKb) or"}, {3, true, "(over 3 KiB (sluice:batchExpressMaxKb), or"}} {
		s, err := LoadStack(root, "prod")
		if err != nil {
			t.Fatal(err)
		}
		s.BatchExpressMaxKB = tt.kb
		m, err := NewModel(s, DefaultPrices(), DefaultTimings())
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Estimate(w)
		if err != nil {
			t.Fatal(err)
		}
		if bf := b.Facts.Batch; bf == nil || bf.HandedOff != tt.wantHanded {
			t.Errorf("batchExpressMaxKb %d: batch facts %+v, want handed off %v", tt.kb, bf, tt.wantHanded)
		}
		rep, err := m.Compare(w)
		if err != nil {
			t.Fatal(err)
		}
		notes := ""
		for _, c := range rep.Comparisons {
			notes += c.Note + "\n"
		}
		if !strings.Contains(notes, tt.wantNote) {
			t.Errorf("batchExpressMaxKb %d: the comparisons' notes lack %q:\n%s", tt.kb, tt.wantNote, notes)
		}
	}
}

// TestBatchTransitionsFollowTheMachine: a state added to the batch
// execution itself is one more transition a batch, priced; one added to
// its Express child is one more child state and no transition.
func TestBatchTransitionsFollowTheMachine(t *testing.T) {
	t.Parallel()
	m := model(t, "dev")
	w := Workload{FilesPerDay: 100, RecordsPerFile: 10, Dataset: "readings"}
	base, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	b, err := asl.Marshal(m.batch)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := edited.States.Get("Files")
	child := files.(*asl.Map).Processor()
	archive, _ := child.States.Get("Archive")
	task, ok := archive.(*asl.Task)
	if !ok || task.Next != "Settle" {
		t.Fatalf("Archive: %#v, want a task going to Settle", archive)
	}
	task.Next = "Audit"
	child.States = append(child.States, asl.NamedState{Name: "Audit", State: &asl.Pass{Transition: asl.Transition{Next: "Settle"}}})
	more, err := m.WithBatchMachine(edited).Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(more.Facts.Batch.ChildStates)-len(base.Facts.Batch.ChildStates), 1; got != want {
		t.Errorf("a child state added: %d more child states, want %d", got, want)
	}
	if got := more.Services["stepfunctions"].USD - base.Services["stepfunctions"].USD; got != 0 {
		t.Errorf("a Pass state added to the Express child: $%.4f more, want none (Express is billed by request and duration)", got)
	}
	summarize, _ := edited.States.Get("Summarize")
	pass := summarize.(*asl.Pass)
	pass.Next = "Audit2"
	edited.States = append(edited.States, asl.NamedState{Name: "Audit2", State: &asl.Pass{Transition: asl.Transition{Next: "BatchVerdict"}}})
	parent, err := m.WithBatchMachine(edited).Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	ticks := HoursPerMonth * 60 / 5.0 // dev: rate(5 minutes)
	if got, want := parent.Services["stepfunctions"].USD-more.Services["stepfunctions"].USD, ticks*DefaultPrices().USD(PriceTransition); !within1(got, want) {
		t.Errorf("a state added to the batch: $%.4f more, want $%.4f (one transition a batch)", got, want)
	}
}

// TestLoadStackBatchDatasets: batchDatasets as YAML, as the JSON text
// Pulumi also accepts, and Pulumi.yaml's default (none).
func TestLoadStackBatchDatasets(t *testing.T) {
	t.Parallel()
	proj, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, stackFile string
		want            []string
	}{
		{"yaml", "config:\n  sluice:batchDatasets: [orders, readings]\n", []string{"orders", "readings"}},
		{"json text", "config:\n  sluice:batchDatasets: '[\"readings\"]'\n", []string{"readings"}},
		{"default", "config:\n  sluice:memoryMb: 256\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.x.yaml"), []byte(tt.stackFile), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := LoadStack(dir, "x")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.BatchDatasets, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("batchDatasets (-want +got):\n%s", diff)
			}
		})
	}
}
