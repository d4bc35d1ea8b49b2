package cli

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTransformCommand(t *testing.T) {
	golden := func(name string) string {
		b, err := os.ReadFile("../functions/transform/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantStdout string   // exact, when set
		wantStderr []string // substrings
	}{
		{"orders", []string{"--dataset", "orders", "../examples/orders/orders.csv"}, ExitOK, golden("orders.jsonl"), []string{"20 records staged"}},
		{"orders small chunks", []string{"../examples/orders/orders.csv", "--dataset", "orders", "--chunk-records", "3"}, ExitOK, golden("orders.jsonl"), nil},
		{"readings", []string{"--dataset", "readings", "../examples/readings/readings.jsonl"}, ExitOK, golden("readings.jsonl"), nil},
		{"catalog", []string{"--dataset", "catalog", "../examples/catalog/catalog.xml"}, ExitOK, golden("catalog.jsonl"), nil},
		{"customers", []string{"--dataset", "customers", "../examples/customers/customers.csv"}, ExitOK, golden("customers.jsonl"), nil},
		{"bad orders", []string{"--dataset", "orders", "../examples/orders/orders_bad.csv"}, ExitFailure, "", []string{
			"orders_bad.csv: REJECTED (dataset orders): 10 of 12 rows failed validation",
			"line 3, row 2, field order_date:",
			"line 4, row 3, field quantity: less than the minimum 1",
			"line 5, row 4, field quantity: not an integer",
			"line 6, row 5, field unit_price:",
			"line 7, row 6, field currency:",
			"line 8, row 7, field status:",
			"line 9, row 8, field customer_id: value is required",
			"line 10, row 9: row has 7 fields",
			"line 11, row 10, field pk: an earlier row of the file has the same key",
			"line 12, row 11, field unit_price: more than 2 decimal places",
		}},
		{"wrong dataset", []string{"--dataset", "catalog", "../examples/orders/orders.csv"}, ExitFailure, "", []string{"REJECTED", "suffix"}},
		{"unknown dataset", []string{"--dataset", "nope", "../examples/orders/orders.csv"}, ExitUsage, "", []string{`unknown dataset "nope"`}},
		{"no dataset", []string{"../examples/orders/orders.csv"}, ExitUsage, "", []string{"--dataset is required"}},
		{"no file", []string{"--dataset", "orders"}, ExitUsage, "", []string{"want exactly one FILE"}},
		{"missing file", []string{"--dataset", "orders", "nope.csv"}, ExitUsage, "", []string{"nope.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := ExitCode(Run(append([]string{"transform"}, tt.args...), strings.NewReader(""), &stdout, &stderr))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout != "" {
				if diff := cmp.Diff(tt.wantStdout, stdout.String()); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
			} else if stdout.Len() > 0 {
				t.Errorf("unexpected stdout %q", stdout.String())
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestTransformCommandOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "orders.jsonl")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"transform", "--dataset", "orders", "-o", out, "../examples/orders/orders.csv"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("../functions/transform/testdata/orders.jsonl")
	if !bytes.Equal(got, want) || stdout.Len() != 0 {
		t.Errorf("-o wrote %d bytes (want %d), stdout %d bytes", len(got), len(want), stdout.Len())
	}
}

func TestTransformCommandToleratedBadRows(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, `{"device_id":"d","ts":"2026-01-01T00:00:`+string(rune('0'+i/10))+string(rune('0'+i%10))+`Z","temperature":1}`)
	}
	lines = append(lines, `{"device_id":"d","ts":"2026-01-01T00:01:00Z","temperature":"hot"}`)
	path := filepath.Join(dir, "r.jsonl")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"transform", "--dataset", "readings", path}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 30 {
		t.Errorf("%d records, want 30", n)
	}
	for _, s := range []string{"accepted with bad rows", "line 31, row 31, field temperature: not a decimal number"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
		}
	}
}

// TestTransformCommandCalculatedOverflow: an order whose total (computed
// from the row alone) no DynamoDB number holds is a bad row of the
// report, as the validator says, and is not staged.
func TestTransformCommandCalculatedOverflow(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"order_id,customer_id,order_date,sku,quantity,unit_price,currency,status"}
	for i := 1; i <= 30; i++ {
		qty, price := "2", "1.50"
		if i == 7 {
			qty, price = "9223372036854775807", strings.Repeat("9", 30)+".99"
		}
		lines = append(lines, fmt.Sprintf("ORD-%d,C1,2026-01-05,SKU-1,%s,%s,EUR,NEW", i, qty, price))
	}
	path := filepath.Join(dir, "o.csv")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"transform", "--dataset", "orders", path}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\n"); n != 29 || strings.Contains(stdout.String(), "ORD-7") {
		t.Errorf("%d records staged, want 29 without ORD-7", n)
	}
	if want := "line 8, row 7, field total: calculated as quantity * unit_price: 51 significant digits"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
}

func TestTransformCommandRejectedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"transform", "--dataset", "orders", "-o", out, "../examples/orders/orders_bad.csv"}, nil, &stdout, &stderr); code != int(ExitFailure) {
		t.Fatalf("exit %d, want %d", code, ExitFailure)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left %d files in the output folder (%s ...)", len(entries), entries[0].Name())
	}
}

// TestTransformCommandOutputDevice writes through a FIFO: -o must never
// rename the staged file over something that is not a regular file (that
// once replaced /dev/null with a regular file, as root).
func TestTransformCommandOutputDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "out.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"transform", "--dataset", "orders", "-o", fifo, "../examples/orders/orders.csv"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("-o replaced the FIFO: %v %v", st.Mode(), err)
	}
	want, _ := os.ReadFile("../functions/transform/testdata/orders.jsonl")
	// The records fit the pipe's buffer; with the writer gone, reading
	// drains them and then ends.
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("the FIFO received %d bytes, want %d", len(b), len(want))
	}
}
