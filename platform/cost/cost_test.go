package cost

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// root is the module root, where Pulumi.yaml and the stack files live.
const root = "../.."

func model(t *testing.T, stack string) *Model {
	t.Helper()
	s, err := LoadStack(root, stack)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(s, DefaultPrices(), DefaultTimings())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// within1 reports whether got is within 1% of want.
func within1(got, want float64) bool {
	return math.Abs(got-want) <= 0.01*math.Abs(want)
}

// TestScenarioDev is the first documented scenario (docs/cost.md): the dev
// stack, 50 files a day of 200 records of 200 bytes, enrichment declared,
// no retries, the first month. Every figure below is worked out by hand
// from the stack files (Pulumi.dev.yaml over Pulumi.yaml's defaults), the
// prices file and timings.json, not from the model.
func TestScenarioDev(t *testing.T) {
	t.Parallel()
	b, err := model(t, "dev").Estimate(Workload{FilesPerDay: 50, RecordsPerFile: 200, RecordBytes: 200, Enrich: true, RetryRate: 0, Months: 1})
	if err != nil {
		t.Fatal(err)
	}
	const (
		F    = 50 * 730 / 24.0 // files a month: 1,520.83
		gib  = 1 << 30
		runs = 730 // reconcileSchedule rate(1 hour)
	)
	// Step Functions: one chunk, so the inline path with Enrich:
	// Versioned, Lease, Claim, Validate, Transform, Route, Enrich, Load,
	// SummarizeChunk, Record, PublishLoaded, Loaded = 12 transitions a
	// file.
	sfn := F * 12 * 0.000025 // 18,250 × $0.000025 = $0.4563
	// Lambda at 512 MB (0.5 GB); CPU-bound times × 1769/512 = 3.4551.
	validate := F * (3 + 200*0.035*1769/512) / 1000 * 0.5               // 27.19 ms → 20.67 GB-s
	transform := F * (16 + 200*0.008*1769/512) / 1000 * 0.5             // 21.53 ms → 16.37 GB-s
	enrich := F * (6 + 200*0.034*1769/512) / 1000 * 0.5                 // 29.49 ms → 22.43 GB-s
	load := F * (111 + 200*0.488) / 1000 * 0.5                          // 208.6 ms (I/O, unscaled) → 158.62 GB-s
	reconcile := runs * 500.0 / 1000 * 0.25                             // reconcileMemoryMb 256: 91.25 GB-s
	lambda := (validate+transform+enrich+load+reconcile)*0.0000133334 + // 309.34 GB-s × $0.0000133334 = $0.004125
		(F*4+runs)*0.0000002 // 6,813 requests × $0.0000002 = $0.001363
	// DynamoDB on demand: 500-byte items (200 + 300 of metadata) = 1 WRU,
	// 1 RRU for the loader's version read; the ledger's Claim and Record.
	dynamo := F*200*0.000000625 + // 304,167 WRU = $0.1901
		F*2*0.000000625 + // 3,042 WRU = $0.0019
		F*200*0.000000125 + // 304,167 RRU = $0.0380
		(F*200*600+F*600)/gib*0.25 // 0.1708 GB-month (one month of items, 100 B index overhead each; ledger items) = $0.0427
	// S3: PUT upload, 1 chunk, manifest, enriched chunk = 4; GET validate,
	// transform, load, enrich = 4; LIST (the top level, then 1,521
	// incoming files → 1 + 2 pages) × 730 runs; 2 MB a day (50 files of
	// 40,000 B) in STANDARD for 30 days plus 2 days of staged chunks;
	// 0.4167 days in STANDARD_IA at the 128 KB minimum; F transitions.
	s3 := F*4*0.000005 + F*4*0.0000004 + 3*runs*0.000005 +
		(2e6*30+2e6*2)/gib*0.023 +
		50*131072*(730/24.0-30)/gib*0.0125 + F*0.00001
	// CloudWatch Logs: DEBUG functions (350 + 2,000 B an invocation) and
	// executions logged at ALL with data (2 events × 1,500 B per state).
	ingest := ((F*4+runs)*2350 + F*12*2*1500) / gib // 0.0659 GB
	logs := ingest*0.5 + ingest*7/(730/24.0)*0.03   // 7 days of retention
	// KMS: the key, 1% of 8 S3 object requests a file, 2 tables × 12 an hour.
	kmsRequests := (F*8*0.01 + 2*12*730) * 0.000003
	kms := 1 + kmsRequests
	// EventBridge: one outcome event a file (a custom event).
	events := F * 0.000001 // $0.0015
	want := map[string]float64{"stepfunctions": sfn, "lambda": lambda, "dynamodb": dynamo, "s3": s3, "cloudwatch_logs": logs, "kms": kms, "eventbridge": events}
	total := sfn + lambda + dynamo + s3 + logs + kms + events // ≈ $1.88
	checkBill(t, b, want, total)
	// The small lines, which the services' 1% would hide.
	byPrice := map[string]float64{}
	for _, sv := range b.Services {
		for _, l := range sv.Lines {
			byPrice[l.Price] += l.USD
		}
	}
	for price, w := range map[string]float64{
		PriceKMSRequest: kmsRequests, PriceLambdaRequest: (F*4 + runs) * 0.0000002,
		PriceS3Get: F * 4 * 0.0000004, PriceLogsStore: ingest * 7 / (730 / 24.0) * 0.03,
		PriceS3ToStandardIA: F * 0.00001, PriceDynamoRead: F * 200 * 0.000000125,
		PriceEventBridgeEvent: events,
	} {
		if !within1(byPrice[price], w) {
			t.Errorf("%s lines: $%.6f, hand calculation $%.6f", price, byPrice[price], w)
		}
	}
	if b.Facts.Distributed || b.Facts.Chunks != 1 || len(b.Facts.States) != 12 {
		t.Errorf("facts: %+v, want the inline path of 12 states", b.Facts)
	}
}

func checkBill(t *testing.T, b *Bill, want map[string]float64, total float64) {
	t.Helper()
	for name, w := range want {
		got := b.Services[name].USD
		if w == 0 && got != 0 || w != 0 && !within1(got, w) {
			t.Errorf("%s: $%.6f, hand calculation $%.6f (lines %+v)", name, got, w, b.Services[name].Lines)
		}
	}
	if !within1(b.TotalUSD, total) {
		t.Errorf("total: $%.4f, hand calculation $%.4f", b.TotalUSD, total)
	}
}

func TestLoadStackErrors(t *testing.T) {
	t.Parallel()
	proj, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, stackFile string
		want            []string // substrings of the error
	}{
		{"unknown key", "config:\n  sluice:memoryMB: 256\n", []string{"Pulumi.x.yaml: sluice:memoryMB: unknown key"}},
		{"not an integer", "config:\n  sluice:memoryMb: lots\n", []string{"Pulumi.x.yaml: sluice:memoryMb: \"lots\" is not an integer"}},
		{"not a boolean", "config:\n  sluice:pointInTimeRecovery: maybe\n", []string{"sluice:pointInTimeRecovery: \"maybe\" is not a boolean"}},
		{"out of range", "config:\n  sluice:memoryMb: 64\n", []string{"sluice:memoryMb: 64 is out of Lambda's range"}},
		{"two problems", "config:\n  sluice:memoryMb: x\n  sluice:memorySize: 1\n", []string{"\"x\" is not an integer", "sluice:memorySize: unknown key"}},
		{"bad yaml", "config: [", []string{"Pulumi.x.yaml: yaml:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.x.yaml"), []byte(tt.stackFile), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadStack(dir, "x")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := LoadStack(root, "nosuch"); err == nil || !strings.Contains(err.Error(), "Pulumi.nosuch.yaml") {
		t.Errorf("missing stack file: %v", err)
	}
}

func TestDefaultFiles(t *testing.T) {
	t.Parallel()
	p, err := ParsePrices(defaultPrices, "prices-us-east-1.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.Region != "us-east-1" || p.Checked == "" {
		t.Errorf("prices: region %q, checked %q", p.Region, p.Checked)
	}
	// Every price names its source and says whether it was confirmed.
	var doc struct {
		Prices map[string]struct {
			Source string `json:"source"`
			Status string `json:"status"`
		} `json:"prices"`
	}
	if err := json.Unmarshal(defaultPrices, &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range doc.Prices {
		if !strings.Contains(v.Source, "https://") || v.Status == "" {
			t.Errorf("prices.%s: source %q, status %q: want a URL and a status", k, v.Source, v.Status)
		}
	}
	if _, err := ParseTimings(defaultTimings, "timings.json"); err != nil {
		t.Fatal(err)
	}
}

func TestParsePricesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"not json", "{", "p.json: unexpected end of JSON input"},
		{"missing price", `{"region":"r","checked":"2026-01-01","prices":{}}`, "prices.sfn.standard.transition.usd: missing"},
		{"negative", `{"region":"r","checked":"2026-01-01","prices":{"kms.request":{"usd":-1}}}`, "prices.kms.request.usd: -1 is not a price"},
		{"unknown", `{"region":"r","checked":"2026-01-01","prices":{"kms.requests":{"usd":1}}}`, "prices.kms.requests: unknown price"},
		{"no date", `{"region":"r","prices":{}}`, "checked: \"\" is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePrices([]byte(tt.doc), "p.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// TestTransitionsFollowTheMachine checks that the transitions come from
// the compiled machine: the stack's options change the path, and a state
// added to the machine adds a transition a file.
func TestTransitionsFollowTheMachine(t *testing.T) {
	t.Parallel()
	m := model(t, "prod")
	w := Workload{FilesPerDay: 100, RecordsPerFile: 10000, RetryRate: 0}
	base, err := m.Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	wantStates := []string{"Versioned", "Lease", "Claim", "Validate", "Transform", "Route", "LoadChunks", "SummarizeChunks", "Record", "PublishLoaded", "Loaded"}
	if diff := cmp.Diff(wantStates, base.Facts.States); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ChunkRoute", "LoadChunk"}, base.Facts.ChunkStates); diff != "" {
		t.Errorf("chunk states (-want +got):\n%s", diff)
	}
	if got, want := base.Facts.TransitionsPerFile, 11.0+2*2; got != want {
		t.Errorf("transitions a file: %v, want %v", got, want)
	}

	// Loading up to 2 chunks inline takes the inline path instead.
	machine, o, err := Machine(m.Stack)
	if err != nil {
		t.Fatal(err)
	}
	o.InlineMaxChunks = 2
	compiled, err := pipeline.Build(workflow.SyntheticResolver(pipeline.SyntheticAccount, pipeline.SyntheticRegion, resourcePrefix), o)
	if err != nil {
		t.Fatal(err)
	}
	inline, err := m.WithMachine(compiled.Machine, o).Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if inline.Facts.Distributed || inline.Facts.TransitionsPerFile != 11 {
		t.Errorf("InlineMaxChunks 2: distributed %v, %v transitions a file; want the inline path's 11", inline.Facts.Distributed, inline.Facts.TransitionsPerFile)
	}

	// One more state on the path: Record → Audit → PublishLoaded.
	edited := addPassBefore(t, machine, "Record", "PublishLoaded", "Audit")
	more, err := m.WithMachine(edited, o).Estimate(w)
	if err != nil {
		t.Fatal(err)
	}
	if got := more.Facts.TransitionsPerFile - base.Facts.TransitionsPerFile; got != 1 {
		t.Errorf("a state added: %v more transitions a file, want 1", got)
	}
	F := 100 * DaysPerMonth
	if got, want := more.Services["stepfunctions"].USD-base.Services["stepfunctions"].USD, F*DefaultPrices().USD(PriceTransition); !within1(got, want) {
		t.Errorf("a state added: $%.4f more, want $%.4f (one transition a file)", got, want)
	}
}

// addPassBefore returns a copy of machine (through its JSON) whose state
// from transitions to a new Pass state name, which goes on to to.
func addPassBefore(t *testing.T, machine *asl.StateMachine, from, to, name string) *asl.StateMachine {
	t.Helper()
	b, err := asl.Marshal(machine)
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := m.States.Get(from)
	task, isTask := st.(*asl.Task)
	if !ok || !isTask || task.Next != to {
		t.Fatalf("%s is not a task going to %s", from, to)
	}
	task.Next = name
	m.States = append(m.States, asl.NamedState{Name: name, State: &asl.Pass{Transition: asl.Transition{Next: to}}})
	return m
}

func TestTakePath(t *testing.T) {
	t.Parallel()
	m := model(t, "dev")
	tests := []struct {
		name                   string
		chunks                 int
		enrich                 bool
		wantStates, wantChunk  []string
		wantInvocations        map[string]int
		wantChunkInvocations   map[string]int
		wantTransitionsStd     int
		wantMapReads, wantPuts int
	}{
		{"inline", 1, false,
			[]string{"Versioned", "Lease", "Claim", "Validate", "Transform", "Route", "Load", "SummarizeChunk", "Record", "PublishLoaded", "Loaded"}, nil,
			map[string]int{"validate": 1, "transform": 1, "load": 1}, map[string]int{}, 11, 0, 0},
		{"inline enriched", 1, true,
			[]string{"Versioned", "Lease", "Claim", "Validate", "Transform", "Route", "Enrich", "Load", "SummarizeChunk", "Record", "PublishLoaded", "Loaded"}, nil,
			map[string]int{"validate": 1, "transform": 1, "enrich": 1, "load": 1}, map[string]int{}, 12, 0, 0},
		{"distributed enriched", 3, true,
			[]string{"Versioned", "Lease", "Claim", "Validate", "Transform", "Route", "LoadChunks", "SummarizeChunks", "Record", "PublishLoaded", "Loaded"},
			[]string{"ChunkRoute", "EnrichChunk", "LoadChunk"},
			map[string]int{"validate": 1, "transform": 1}, map[string]int{"enrich": 1, "load": 1}, 11 + 3*3, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := TakePath(m.machine, tt.chunks, tt.enrich)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantStates, p.States); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantChunk, p.ChunkStates); diff != "" {
				t.Errorf("chunk states (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantInvocations, p.Invocations); diff != "" {
				t.Errorf("invocations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantChunkInvocations, p.ChunkInvocations); diff != "" {
				t.Errorf("chunk invocations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int{"dynamodb:putItem": 1, "dynamodb:updateItem": 1, "events:putEvents": 1}, p.Calls); diff != "" {
				t.Errorf("service calls (-want +got):\n%s", diff)
			}
			if got := p.Transitions(true); got != tt.wantTransitionsStd {
				t.Errorf("transitions with Standard chunks: %d, want %d", got, tt.wantTransitionsStd)
			}
			if p.MapReads != tt.wantMapReads || p.MapWrites != tt.wantPuts {
				t.Errorf("Map S3 calls: %d reads, %d writes; want %d, %d", p.MapReads, p.MapWrites, tt.wantMapReads, tt.wantPuts)
			}
		})
	}
	if _, err := TakePath(m.machine, 0, false); err == nil {
		t.Error("0 chunks: no error")
	}
	if _, err := TakePath(nil, 1, false); err == nil {
		t.Error("no machine: no error")
	}
}

func TestBudgetRecommendation(t *testing.T) {
	t.Parallel()
	w := Workload{FilesPerDay: 1000, RecordsPerFile: 10000}
	tests := []struct {
		name          string
		budget, alert int
		want          string // a recommendation starting so; "" for none about the budget
	}{
		{"none", 0, 80, "budget: the stack has none; pulumi config set sluice:monthlyBudgetUsd "},
		{"past the alert", 1100, 80, "budget: this estimate is "},
		{"room", 5000, 80, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := model(t, "prod")
			m.Stack.MonthlyBudgetUSD, m.Stack.BudgetAlertPercent = tt.budget, tt.alert
			r, err := m.Compare(w)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, rec := range r.Recommendations {
				if strings.HasPrefix(rec, "budget: ") {
					got = rec
				}
			}
			if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
				t.Errorf("budget recommendation %q, want one starting %q", got, tt.want)
			}
			if r.BudgetUSD != tt.budget {
				t.Errorf("budget_usd %d, want %d", r.BudgetUSD, tt.budget)
			}
		})
	}
}
