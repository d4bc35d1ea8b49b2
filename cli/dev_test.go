package cli

import (
	"os"
	"path/filepath"
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
// runs.
func TestDevOnce(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
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

// TestDevOnceFailure: a FAILED file makes dev --once exit 1.
func TestDevOnceFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyInto(t, filepath.Join(dir, "incoming", "readings"), example("readings", "readings.jsonl"))
	code, stdout, _ := runCLI(t, "", "dev", "--once", "--fast", "--inject", "task:Load=Lambda.ServiceException", "--dir", dir, "--state-dir", t.TempDir())
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

// TestDevBatch runs `sluice dev --once --batch readings`: the readings
// files wait and then run in one batch execution, the orders file runs on
// its own; a second pass uploads nothing again and its batch finds
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

	code, stdout, stderr := runCLI(t, "", "dev", "--once", "--batch", "readings", "--dir", dir, "--state-dir", state)
	if code != 0 {
		t.Fatalf("dev --once --batch readings: exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
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
