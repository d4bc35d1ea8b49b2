package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
)

// FuzzCheck: any content, for any example dataset, yields a consistent
// report and never a panic, and the fast path's report is byte for byte
// the general path's.
func FuzzCheck(f *testing.F) {
	files := map[string]string{"orders": "orders/orders.csv", "customers": "customers/customers.csv", "readings": "readings/readings.jsonl", "catalog": "catalog/catalog.xml"}
	names := []string{"orders", "customers", "readings", "catalog"}
	for i, n := range names {
		if b, err := os.ReadFile(filepath.Join("..", "..", "examples", files[n])); err == nil {
			f.Add(uint8(i), b)
		}
	}
	if b, err := os.ReadFile("../../examples/orders/orders_bad.csv"); err == nil {
		f.Add(uint8(0), b)
	}
	f.Add(uint8(0), mixedOrders(120))
	set := dataset.Builtin()
	f.Fuzz(func(t *testing.T, which uint8, content []byte) {
		if len(content) > 8192 {
			return
		}
		ds, _ := set.Lookup(names[int(which)%len(names)])
		key := "incoming/" + ds.Name + "/f" + ds.FileSuffixes()[0]
		cfg := Config{MaxReportErrors: 10}
		rep, err := Check(bytes.NewReader(content), contract.Object{Bucket: "b", Key: key, Size: int64(len(content))}, ds, cfg)
		if err != nil {
			t.Fatalf("Check: %v", err)
		}
		if want, got := reportBytes(t, content, ds, key, cfg, true), reportBytes(t, content, ds, key, cfg, false); want != got {
			t.Fatalf("report (-general +fast):\n%s", cmp.Diff(want, got))
		}
		if rep.BadRows > rep.Rows || len(rep.Errors) > 11 || rep.Rows > int64(len(content)) {
			t.Fatalf("inconsistent report: rows %d bad %d errors %d", rep.Rows, rep.BadRows, len(rep.Errors))
		}
		if rep.Status != StatusAccepted && rep.Status != StatusRejected {
			t.Fatalf("status %q", rep.Status)
		}
		if rep.Status == StatusAccepted && !ds.Policy().Tolerates(rep.Rows, rep.BadRows) {
			t.Fatalf("accepted beyond the policy: %d of %d", rep.BadRows, rep.Rows)
		}
	})
}
