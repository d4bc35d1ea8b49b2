package packager_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/packager"
)

// BenchmarkPeakMemory reports, per function, the peak resident memory of
// its process over one invoke of a representative workload under the
// Lambda Runtime Interface Emulator (SLUICE_RIE): what Lambda reports as
// "Max Memory Used" and what the function's memory setting must cover.
// The workload is one file taken through the pipeline as the state
// machine does: validate and transform read an orders CSV of
// SLUICE_BENCH_MEM_ROWS rows (default 100,000, about 5.8 MB, staged as
// chunks of contract.DefaultChunkRecords), enrich and load handle the
// transform's first chunk (a full one), and reconcile checks the bucket
// the run leaves behind. Each function runs in a new emulator: the figure
// is the bootstrap process's VmHWM (Linux /proc) after its first invoke,
// start-up included. scripts/bench.sh runs it:
//
//	SLUICE_RIE=... go test -run='^$' -bench=PeakMemory -benchtime=1x ./platform/packager
func BenchmarkPeakMemory(b *testing.B) {
	rie := os.Getenv("SLUICE_RIE")
	if rie == "" {
		b.Skip("SLUICE_RIE is not set; run scripts/setup.d/20-rie.sh")
	}
	if runtime.GOOS != "linux" {
		b.Skip("peak memory is read from /proc")
	}
	rows := 100000
	if s := os.Getenv("SLUICE_BENCH_MEM_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("SLUICE_BENCH_MEM_ROWS=%q: want a positive number of rows", s)
		}
		rows = n
	}
	root := moduleRoot(b)
	svc := startServices(b)
	src := contract.Object{Bucket: "pipeline", Key: "incoming/orders/bench.csv"}
	csv := ordersCSV(rows)
	src.Size = int64(len(csv))
	svc.put(b, src.Key, csv)
	bins := map[string]string{}
	for _, fn := range functions(b, root) {
		bin, err := packager.Binary(b.Context(), root, fn, filepath.Join(b.TempDir(), fn), packager.Options{GOARCH: runtime.GOARCH})
		if err != nil {
			b.Fatal(err)
		}
		bins[fn] = bin
	}
	// The pipeline's order: each function's input is what the one before
	// it returned.
	var transformed, enriched contract.Chunk
	steps := []struct {
		fn    string
		event func() any
		done  func(out []byte) error
	}{
		{"validate", func() any {
			return contract.FileEvent{Dataset: "orders", Bucket: src.Bucket, Key: src.Key, Size: src.Size}
		}, func(out []byte) error {
			var v contract.ValidateOutput
			if err := json.Unmarshal(out, &v); err != nil || v.Rows != int64(rows) {
				return fmt.Errorf("validate: want %d rows, got %s", rows, out)
			}
			return nil
		}},
		{"transform", func() any {
			return contract.TransformInput{Dataset: "orders", Source: src, ExecutionID: "bench"}
		}, func(out []byte) error {
			var v contract.TransformOutput
			if err := json.Unmarshal(out, &v); err != nil || v.Records != int64(rows) {
				return fmt.Errorf("transform: want %d records, got %.300s", rows, out)
			}
			transformed = v.First
			return nil
		}},
		{"enrich", func() any { return transformed }, func(out []byte) error {
			if err := json.Unmarshal(out, &enriched); err != nil || enriched.Records != transformed.Records {
				return fmt.Errorf("enrich: want %d records, got %s", transformed.Records, out)
			}
			return nil
		}},
		{"load", func() any { return enriched }, func(out []byte) error {
			var v contract.LoadOutput
			if err := json.Unmarshal(out, &v); err != nil || v.Written != enriched.Records {
				return fmt.Errorf("load: want %d written, got %s", enriched.Records, out)
			}
			return nil
		}},
		{"reconcile", func() any {
			return map[string]any{"id": "e1", "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-26T10:00:00Z"}
		}, func(out []byte) error {
			var v struct {
				Checked *int `json:"checked"`
			}
			if err := json.Unmarshal(out, &v); err != nil || v.Checked == nil {
				return fmt.Errorf("reconcile: want a report, got %s", out)
			}
			return nil
		}},
	}
	for _, st := range steps {
		bin, ok := bins[st.fn]
		if !ok {
			b.Fatalf("no function %s under functions/cmd", st.fn)
		}
		b.Run(st.fn, func(b *testing.B) {
			var peak float64
			for b.Loop() {
				em := startEmulator(b, rie, bin, svc.env())
				got := em.invoke(b, st.event())
				if e, failed := got["errorType"]; failed {
					b.Fatalf("%s: %v: %v", st.fn, e, got["errorMessage"])
				}
				out, err := json.Marshal(got)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.done(out); err != nil {
					b.Fatal(err)
				}
				kib, err := bootstrapPeakKiB(em.cmd.Process.Pid)
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, float64(kib)/1024)
			}
			b.ReportMetric(peak, "peak-rss-MiB")
		})
	}
}

// ordersCSV is n valid orders rows, as scripts/bench.sh's gen_orders makes
// them (unique ids; customers C001-C008).
func ordersCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	cur, st := []string{"USD", "EUR", "GBP"}, []string{"NEW", "SHIPPED", "CANCELLED"}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "ORD-%08d,C%03d,2026-%02d-%02d,SKU-%04d,%d,%d.%02d,%s,%s\n",
			i, 1+i%8, 1+i%12, 1+i%28, i%1000, 1+i%20, i%200, i%100, cur[i%3], st[i%3])
	}
	return sb.String()
}

// bootstrapPeakKiB returns the peak resident set (VmHWM, KiB) of the one
// process the emulator rie started: the function's bootstrap.
func bootstrapPeakKiB(rie int) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", rie))
	if err != nil {
		return 0, err
	}
	var pids []string
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		pids = append(pids, strings.Fields(string(b))...)
	}
	if len(pids) != 1 {
		return 0, fmt.Errorf("emulator %d has %d child processes (%v), want the bootstrap alone", rie, len(pids), pids)
	}
	f, err := os.Open("/proc/" + pids[0] + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("/proc/%s/status: no VmHWM", pids[0])
}
