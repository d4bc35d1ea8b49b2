package local_test

// The crash harness: a real `sluice run` process (the binary, built once)
// is killed with SIGKILL at chosen points — mid-upload, as Claim,
// Validate, Transform or Record begin, after some items of an inline
// load, as a Distributed Map chunk starts, after some items of a chunk,
// on the rejection path — and at random times; then the same command runs
// again, plainly. The rule it proves: the re-run never says DUPLICATE for
// an unfinished file, ends LOADED or REJECTED with its report, and the
// table then holds exactly the file's valid records (computed from the
// generated input, never from the pipeline's counters), each once, all
// written by the execution the ledger records.
//
// The points are hit deterministically through the hidden hook
// local.EnvCrash. SLUICE_CRASH=long runs more files, more random kills and
// the README's example files at every point, and the 200,000-row orders
// file of TestCrashLargeOrders.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/local"
)

// longCrash reports whether the long crash sweep was asked for.
func longCrash() bool { return os.Getenv("SLUICE_CRASH") == "long" }

var (
	sluiceOnce sync.Once
	sluiceBin  string
	sluiceErr  error
)

// sluiceBinary builds cmd/sluice once per test process.
func sluiceBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the crash harness kills processes with SIGKILL")
	}
	sluiceOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-crash-bin")
		if err != nil {
			sluiceErr = err
			return
		}
		sluiceBin = filepath.Join(dir, "sluice")
		cmd := exec.Command("go", "build", "-o", sluiceBin, "./cmd/sluice")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			sluiceErr = fmt.Errorf("go build ./cmd/sluice: %v\n%s", err, out)
		}
	})
	if sluiceErr != nil {
		t.Fatal(sluiceErr)
	}
	return sluiceBin
}

// crashPoint is where a run is killed: by the hook (kill, an EnvCrash
// spec) or, when kill is empty, after a random delay.
type crashPoint struct {
	name  string
	kill  string
	chunk int  // --chunk-records (0: default, the inline path)
	bad   bool // the file is generated to be rejected
}

// crashPoints are the points every dataset is killed at. With 40 rows and
// --chunk-records 6, the Distributed Map has 7 chunks.
var crashPoints = []crashPoint{
	{name: "upload", kill: "upload:512"},
	{name: "claim", kill: "state:Claim"},
	{name: "validate", kill: "state:Validate"},
	{name: "transform", kill: "state:Transform"},
	{name: "inline-load", kill: "items:25"},
	{name: "record", kill: "state:Record"},
	{name: "map-start", kill: "state:LoadChunks", chunk: 6},
	{name: "map-chunk", kill: "state:LoadChunk@4", chunk: 6},
	{name: "map-items", kill: "items:12", chunk: 6},
	{name: "quarantine", kill: "state:Quarantine", bad: true},
	{name: "record-rejected", kill: "state:RecordRejected", bad: true},
	{name: "random-inline"},
	{name: "random-map", chunk: 6},
}

// cliResult is one file of `sluice run --json`.
type cliResult struct {
	Key       string       `json:"key"`
	Dataset   string       `json:"dataset"`
	VersionID string       `json:"versionId"`
	Status    local.Status `json:"status"`
	Report    string       `json:"report"`
	Error     string       `json:"error"`
	Cause     string       `json:"cause"`
	Execution string       `json:"execution"`
}

// crashRun is one `sluice run` process.
type crashRun struct {
	t     *testing.T
	bin   string
	state string
	// timeout bounds one process (a hang guard); 0 is runTimeout.
	timeout time.Duration
}

// run runs `sluice run --json` on file; kill is the hook's spec ("" none),
// after (when > 0) kills the process from outside after that delay. It
// returns the results (none when killed) and whether the process was
// killed.
func (c *crashRun) run(file, ds string, chunk int, kill string, after time.Duration) (*cliResult, bool) {
	c.t.Helper()
	args := []string{"run", "--json", "--fast", "--state-dir", c.state, "--dataset", ds}
	if chunk > 0 {
		args = append(args, "--chunk-records", fmt.Sprint(chunk))
	}
	cmd := exec.Command(c.bin, append(args, file)...)
	cmd.Env = append(os.Environ(), local.EnvCrash+"="+kill)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	if after > 0 {
		timer := time.AfterFunc(after, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	limit := c.timeout
	if limit == 0 {
		limit = runTimeout
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		c.t.Fatalf("sluice %s: still running after %s (stuck)\n%s", strings.Join(args, " "), limit, stderr.String())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return nil, true
		}
	}
	if err != nil && (exit == nil || exit.ExitCode() != 1) {
		c.t.Fatalf("sluice %s %s: %v\n%s", strings.Join(args, " "), file, err, stderr.String())
	}
	var out struct {
		Files []cliResult `json:"files"`
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil || len(out.Files) != 1 {
		c.t.Fatalf("sluice run %s: output %q (%v)\nstderr: %s", file, stdout.String(), jerr, stderr.String())
	}
	return &out.Files[0], false
}

// scan returns `sluice table scan --dataset ds`'s items by source key,
// failing on any key listed twice.
func (c *crashRun) scan(ds string) map[string][]map[string]any {
	c.t.Helper()
	cmd := exec.Command(c.bin, "table", "scan", "--state-dir", c.state, "--dataset", ds)
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("sluice table scan --dataset %s: %v", ds, err)
	}
	bySource := map[string][]map[string]any{}
	seen := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	for dec.More() {
		var it map[string]any
		if err := dec.Decode(&it); err != nil {
			c.t.Fatalf("table scan: %v", err)
		}
		k := fmt.Sprint(it[dataset.AttrPK]) + " | " + fmt.Sprint(it[dataset.AttrSK])
		if seen[k] {
			c.t.Errorf("table scan --dataset %s lists %s twice", ds, k)
		}
		seen[k] = true
		src, _ := it[dataset.AttrSourceKey].(string)
		bySource[src] = append(bySource[src], it)
	}
	return bySource
}

// crashCase is a file killed at a point and run again.
type crashCase struct {
	c       fileCase
	point   crashPoint
	killed  bool
	first   *cliResult // the first run's result when it was not killed
	rerun   *cliResult
	dataset *dataset.Dataset
}

// TestCrashRerun kills `sluice run` at every point on a generated file of
// every built-in dataset, runs it again and checks the table.
func TestCrashRerun(t *testing.T) {
	t.Parallel()
	bin := sluiceBinary(t)
	seed := losslessSeed(t)
	rounds := 1
	if longCrash() {
		rounds = 3
	}
	for _, ds := range []string{"customers", "orders", "readings", "catalog"} {
		t.Run(ds, func(t *testing.T) {
			t.Parallel()
			d, err := dataset.Builtin().Lookup(ds)
			if err != nil {
				t.Fatal(err)
			}
			cr := &crashRun{t: t, bin: bin, state: t.TempDir()}
			files := t.TempDir()
			write := func(c fileCase) string {
				p := filepath.Join(files, c.file)
				if err := os.WriteFile(p, c.body, 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			if ds == "orders" {
				ref := customersCase()
				if res, _ := cr.run(write(ref), "customers", 0, "", 0); res.Status != local.Loaded {
					t.Fatalf("reference customers: %+v", res)
				}
			}
			rng := rand.New(rand.NewPCG(seed, uint64(len(ds))))
			var cases []*crashCase
			for round := 0; round < rounds; round++ {
				for i, p := range crashPoints {
					rate := 0.0
					if p.bad {
						rate = 1
					} else if rng.IntN(3) == 0 {
						rate = 0.02 // a few bad rows the policy may tolerate
					}
					tag := fmt.Sprintf("k%d%02d-%s", round, i, p.name)
					c := generators[ds].generate(rng, tag, 40, rate, false)
					if !p.bad && c.expected(d) != local.Loaded {
						// The point is on the loading path: a file the
						// policy rejects would never reach it.
						c = generators[ds].generate(rng, tag, 40, 0, false)
					}
					cc := &crashCase{c: c, point: p, dataset: d}
					file := write(c)
					var after time.Duration
					if p.kill == "" {
						after = time.Duration(50+rng.IntN(700)) * time.Millisecond
					}
					res, killed := cr.run(file, ds, p.chunk, p.kill, after)
					cc.killed, cc.first = killed, res
					if !killed && p.kill != "" {
						t.Errorf("%s: the run was not killed at %s: it ended %s (%s)", c.file, p.kill, res.Status, res.Cause)
					}
					cc.rerun, _ = cr.run(file, ds, p.chunk, "", 0)
					cases = append(cases, cc)
				}
			}
			checkCrashCases(t, cr, ds, cases)
		})
	}
}

// checkCrashCases checks the re-runs' outcomes, the table as `sluice table
// scan` lists it, and through a read-only runtime the values, reports,
// quarantined copies and ledger.
func checkCrashCases(t *testing.T, cr *crashRun, ds string, cases []*crashCase) {
	t.Helper()
	scanned := cr.scan(ds)
	rt, err := local.Open(context.Background(), local.Config{StateDir: cr.state, ReadOnly: true, Datasets: losslessSet()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	h := &harness{t: t, rt: rt}
	for _, cc := range cases {
		c, res := cc.c, cc.rerun
		want := c.expected(cc.dataset)
		switch {
		case !cc.killed:
			// A random kill that came after the run ended: the
			// re-run is a duplicate of a finished file.
			if res.Status != local.Duplicate {
				t.Errorf("%s ran to its end, but the re-run says %s", c.file, res.Status)
			}
			res = cc.first
		case res.Status == local.Duplicate && cc.point.kill == "":
			// Killed at random after Record: the ledger holds the
			// outcome and the table must hold the file.
			items := scanned[res.Key]
			if want == local.Loaded && len(items) != len(c.items) || want == local.Rejected && len(items) != 0 {
				t.Errorf("%s killed after its end: table scan lists %d items, want %d (%s)", c.file, len(items), len(c.items), want)
			}
			if st := h.ledgerStatus(&local.FileResult{Key: res.Key, VersionID: res.VersionID}); st != string(want) {
				t.Errorf("%s killed after its end: the ledger says %q, want %s", c.file, st, want)
			}
			continue
		case res.Status == local.Duplicate:
			t.Errorf("%s killed at %s: the re-run says DUPLICATE", c.file, cc.point.kill)
			continue
		}
		if res.Status != want {
			t.Errorf("%s (killed at %s %v): the run ended %s (%s %s), want %s", c.file, cc.point.name, cc.killed, res.Status, res.Error, excerpt(res.Cause, 300), want)
			continue
		}
		items := scanned[res.Key]
		fr := &local.FileResult{Key: res.Key, Dataset: ds, VersionID: res.VersionID, Status: res.Status, Report: res.Report, Cause: res.Cause, Execution: res.Execution}
		switch res.Status {
		case local.Loaded:
			if len(items) != len(c.items) {
				t.Errorf("%s (killed at %s): table scan lists %d items, want %d", c.file, cc.point.name, len(items), len(c.items))
			}
			if res.Execution != "" {
				for _, it := range items {
					if e, _ := it["_execution"].(string); !strings.HasSuffix(e, ":"+res.Execution) {
						t.Errorf("%s (killed at %s): item %v | %v was written by %s, not by the execution that loaded the file (%s): a stale partial load", c.file, cc.point.name, it[dataset.AttrPK], it[dataset.AttrSK], e, res.Execution)
						break
					}
				}
			}
			h.checkLoaded(c, fr)
		case local.Rejected:
			if len(items) != 0 {
				t.Errorf("%s REJECTED but table scan lists %d of its items", c.file, len(items))
			}
			// The notification went to the outbox of the process that
			// sent it; the read-only runtime has none in memory.
			h.checkRejected(c, fr, map[string]bool{"NotifyRejected": true})
		}
		if st := h.ledgerStatus(fr); st != string(res.Status) {
			t.Errorf("%s (killed at %s): the ledger says %q, the run %s", c.file, cc.point.name, st, res.Status)
		}
	}
}

// TestCrashLargeOrders is the scenario: on a fresh state
// directory load the customers, run an orders file, kill it while items
// are being loaded, run the same command again: it ends LOADED and `table
// scan` lists exactly every row. 200,000 rows with SLUICE_CRASH=long;
// 3,000 otherwise, killed by the hook after a third of the items.
func TestCrashLargeOrders(t *testing.T) {
	t.Parallel()
	bin := sluiceBinary(t)
	rows := 3000
	cr := &crashRun{t: t, bin: bin, state: t.TempDir()}
	if longCrash() {
		rows, cr.timeout = 200_000, 30*time.Minute
	}
	dir := t.TempDir()
	if res, _ := cr.run(filepath.Join("..", "examples", "customers", "customers.csv"), "customers", 0, "", 0); res.Status != local.Loaded {
		t.Fatalf("customers: %+v", res)
	}
	var b strings.Builder
	b.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "ORD-%07d,C00%d,2026-01-05,SKU-TEA-%02d,%d,19.99,USD,NEW\n", i, 1+i%8, i%50, 1+i%9)
	}
	file := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, killed := cr.run(file, "orders", 0, fmt.Sprintf("items:%d", rows/3), 0); !killed {
		t.Fatal("the first run was not killed while loading")
	}
	before := cr.scan("orders")["incoming/orders/orders.csv"]
	if len(before) == 0 || len(before) >= rows {
		t.Fatalf("after the kill the table holds %d of %d items: the kill did not come mid-load", len(before), rows)
	}
	res, _ := cr.run(file, "orders", 0, "", 0)
	if res.Status != local.Loaded {
		t.Fatalf("the re-run ended %s (%s %s), want LOADED", res.Status, res.Error, res.Cause)
	}
	items := cr.scan("orders")["incoming/orders/orders.csv"]
	got := make([]string, 0, len(items))
	for _, it := range items {
		got = append(got, fmt.Sprint(it[dataset.AttrPK]))
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if len(items) != rows || len(got) != rows {
		t.Fatalf("table scan lists %d items (%d distinct keys), want exactly %d", len(items), len(got), rows)
	}
	if got[0] != "ORDER#ORD-0000001" || got[rows-1] != fmt.Sprintf("ORDER#ORD-%07d", rows) {
		t.Errorf("keys run from %s to %s", got[0], got[rows-1])
	}
	t.Logf("killed with %d of %d items in the table; the re-run loaded all %d", len(before), rows, len(items))
}

// TestCrashExamples kills `sluice run` on the README's example files and
// checks that after a plain re-run the tables equal those of an
// uninterrupted run in another state directory (attributes the pipeline
// stamps per run, such as _execution and _ingested_at, aside). The short
// version kills each file at three points; SLUICE_CRASH=long at every
// point of crashPoints.
func TestCrashExamples(t *testing.T) {
	t.Parallel()
	bin := sluiceBinary(t)
	type example struct {
		file, dataset string
		want          local.Status
	}
	examples := []example{
		{"customers/customers.csv", "customers", local.Loaded},
		{"orders/orders.csv", "orders", local.Loaded},
		{"orders/orders_bad.csv", "orders", local.Rejected},
		{"readings/readings.jsonl", "readings", local.Loaded},
		{"catalog/catalog.xml", "catalog", local.Loaded},
	}
	points := []crashPoint{
		{name: "validate", kill: "state:Validate"},
		{name: "inline-load", kill: "items:1"},
		{name: "map-chunk", kill: "state:LoadChunk@2", chunk: 2},
	}
	if longCrash() {
		points = nil
		for _, p := range crashPoints {
			switch {
			case p.kill == "", p.bad:
			case strings.HasPrefix(p.kill, "items:"):
				p.kill = "items:3"
				points = append(points, p)
			case strings.HasPrefix(p.kill, "state:LoadChunk@"):
				p.kill, p.chunk = "state:LoadChunk@2", 2
				points = append(points, p)
			case p.chunk > 0:
				p.chunk = 2
				points = append(points, p)
			default:
				points = append(points, p)
			}
		}
	}
	ref := &crashRun{t: t, bin: bin, state: t.TempDir()}
	for _, e := range examples {
		if res, _ := ref.run(filepath.Join("..", "examples", e.file), e.dataset, 0, "", 0); res.Status != e.want {
			t.Fatalf("%s: %s (%s), want %s", e.file, res.Status, res.Cause, e.want)
		}
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			cr := &crashRun{t: t, bin: bin, state: t.TempDir()}
			for _, e := range examples {
				file := filepath.Join("..", "examples", e.file)
				kill := p.kill
				switch {
				case strings.HasPrefix(kill, "upload:"):
					kill = "upload:64" // the smallest example has 200 bytes
				case e.want == local.Rejected && !slices.Contains([]string{"state:Claim", "state:Validate", "state:Quarantine", "state:RecordRejected"}, kill):
					kill = "state:Quarantine" // a rejected file never gets to Transform
				}
				if _, killed := cr.run(file, e.dataset, p.chunk, kill, 0); !killed {
					t.Errorf("%s: the run was not killed at %s", e.file, kill)
				}
				res, _ := cr.run(file, e.dataset, p.chunk, "", 0)
				if res.Status != e.want {
					t.Errorf("%s killed at %s: the re-run ended %s (%s %s), want %s", e.file, kill, res.Status, res.Error, excerpt(res.Cause, 300), e.want)
				}
				if e.want == local.Rejected && res.Report == "" {
					t.Errorf("%s killed at %s: REJECTED without a report", e.file, kill)
				}
			}
			for _, ds := range []string{"customers", "orders", "readings", "catalog"} {
				want, got := stableItems(ref.scan(ds)), stableItems(cr.scan(ds))
				if d := cmpItems(want, got); d != "" {
					t.Errorf("dataset %s after the kills at %s differs from an uninterrupted run: %s", ds, p.name, d)
				}
			}
		})
	}
}

// stableItems returns the items as JSON texts without the attributes
// that differ between two runs of one file (who wrote it and when), sorted.
func stableItems(bySource map[string][]map[string]any) []string {
	var out []string
	for _, items := range bySource {
		for _, it := range items {
			cp := map[string]any{}
			for k, v := range it {
				switch k {
				case "_execution", "_ingested_at", "_source_order", "_source_version":
					continue
				}
				cp[k] = v
			}
			b, _ := json.Marshal(cp)
			out = append(out, string(b))
		}
	}
	slices.Sort(out)
	return out
}

// cmpItems describes how two sorted item lists differ ("" when equal).
func cmpItems(want, got []string) string {
	var missing, extra []string
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			missing = append(missing, excerpt(w, 200))
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			extra = append(extra, excerpt(g, 200))
		}
	}
	if len(missing) == 0 && len(extra) == 0 && len(want) == len(got) {
		return ""
	}
	return fmt.Sprintf("%d items, want %d; missing %s; unexpected %s", len(got), len(want), firstFew(missing), firstFew(extra))
}
