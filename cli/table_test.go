package cli

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/golden"
)

// TestTableScanExamples loads every example file into one state directory,
// customers before orders (the orders join them), and compares each
// dataset's `sluice table scan` with testdata/table/<dataset>.jsonl. The
// upload time inside _source_order is replaced by <uploaded> (see
// normalize); everything else, version ids included, is exact because the
// files run one after another.
func TestTableScanExamples(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	tests := []struct {
		dataset, file string
		wantIn        int64
		wantLoaded    int64
		wantRejected  int64
	}{
		{"customers", "customers.csv", 8, 8, 0},
		{"orders", "orders.csv", 20, 20, 0},
		{"readings", "readings.jsonl", 6, 6, 0},
		{"catalog", "catalog.xml", 4, 4, 0},
	}
	for _, tt := range tests {
		code, files := runJSON(t, state, "--dataset", tt.dataset, example(tt.dataset, tt.file))
		if code != ExitOK || len(files) != 1 {
			t.Fatalf("%s: exit %d, %+v", tt.file, code, files)
		}
		f := files[0]
		got := fileJSON{Status: f.Status, RecordsIn: f.RecordsIn, RecordsLoaded: f.RecordsLoaded, RecordsRejected: f.RecordsRejected}
		want := fileJSON{Status: "LOADED", RecordsIn: tt.wantIn, RecordsLoaded: tt.wantLoaded, RecordsRejected: tt.wantRejected}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s\n(error %s: %s)", tt.file, diff, f.Error, f.Cause)
		}
	}
	for _, tt := range tests {
		t.Run(tt.dataset, func(t *testing.T) {
			lines := scan(t, state, tt.dataset)
			if int64(len(lines)) != tt.wantLoaded {
				t.Errorf("%d items, want %d", len(lines), tt.wantLoaded)
			}
			golden.Check(t, "testdata/table/"+tt.dataset+".jsonl", []byte(normalize(t, lines)))
		})
	}
	t.Run("typed lists", func(t *testing.T) {
		checkTypedLists(t, state)
	})
	t.Run("orders enrichment", func(t *testing.T) {
		checkOrderEnrichment(t, decodeItems(t, scan(t, state, "orders")), decodeItems(t, scan(t, state, "customers")))
	})
}

// checkTypedLists reads the catalog and readings with table scan --typed
// and checks the DynamoDB type each list field is stored as: the catalog's
// tags a String Set and sizes a Number Set (an empty <tags/> not written:
// DynamoDB has no empty set), the readings' alerts a List of strings (an
// empty array not written either).
func checkTypedLists(t *testing.T, state string) {
	t.Helper()
	typed := func(ds string) map[string]map[string]any {
		code, stdout, stderr := runCLI(t, "", "table", "scan", "--state-dir", state, "--dataset", ds, "--typed")
		if code != 0 {
			t.Fatalf("table scan --typed: exit %d: %s", code, stderr)
		}
		out := map[string]map[string]any{}
		for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var item map[string]any
			if err := json.Unmarshal([]byte(l), &item); err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			pk, _ := item["pk"].(map[string]any)
			sk, _ := item["sk"].(map[string]any)
			out[fmt.Sprint(pk["S"], " ", sk["S"])] = item
		}
		return out
	}
	catalog := typed("catalog")
	want := map[string]map[string]any{
		"PRODUCT#SKU-TEA-01 PRODUCT": {"tags": map[string]any{"SS": []any{"tea", "black", "breakfast"}}, "sizes": map[string]any{"NS": []any{"250", "500", "1000"}}, "product_id": map[string]any{"N": "1001"}},
		"PRODUCT#SKU-MUG-02 PRODUCT": {"tags": map[string]any{"SS": []any{"mug"}}, "sizes": nil, "product_id": map[string]any{"N": "1002"}},
		"PRODUCT#SKU-POT-03 PRODUCT": {"tags": nil, "sizes": nil, "product_id": map[string]any{"N": "1003"}},
		"PRODUCT#SKU-KET-07 PRODUCT": {"tags": map[string]any{"SS": []any{"kitchen", "steel"}}, "sizes": nil, "product_id": map[string]any{"N": "1004"}},
	}
	got := map[string]map[string]any{}
	for k, item := range catalog {
		got[k] = map[string]any{"tags": item["tags"], "sizes": item["sizes"], "product_id": item["product_id"]}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catalog list attributes (-want +got):\n%s", diff)
	}
	alerts := map[string]any{}
	for k, item := range typed("readings") {
		alerts[k] = item["alerts"]
	}
	l := func(s ...string) map[string]any {
		var es []any
		for _, e := range s {
			es = append(es, map[string]any{"S": e})
		}
		return map[string]any{"L": es}
	}
	wantAlerts := map[string]any{
		"DEVICE#sensor-01 TS#2026-01-05T10:00:00.000Z": nil,
		"DEVICE#sensor-01 TS#2026-01-05T10:05:00.000Z": nil, // "alerts": []
		"DEVICE#sensor-02 TS#2026-01-05T09:00:00.000Z": l("TAMPER"),
		"DEVICE#sensor-02 TS#2026-01-05T09:05:00.250Z": nil,
		"DEVICE#sensor-03 TS#2026-01-05T10:00:00.000Z": l("LOW_BATTERY", "OUT_OF_RANGE"),
		"DEVICE#sensor-03 TS#2026-01-05T10:05:00.000Z": l("LOW_BATTERY"),
	}
	if diff := cmp.Diff(wantAlerts, alerts); diff != "" {
		t.Errorf("readings alerts (-want +got):\n%s", diff)
	}
}

// checkOrderEnrichment checks every order item against its own fields and
// the customers: total is quantity × unit_price exactly, to 2 places;
// customer_name and segment are the customer's; an order of an unknown
// customer is flagged customer_missing and has neither.
func checkOrderEnrichment(t *testing.T, orders, customers []map[string]any) {
	t.Helper()
	byID := map[string]map[string]any{}
	for _, c := range customers {
		byID[jsonString(c["customer_id"])] = c
	}
	if len(orders) == 0 {
		t.Fatal("no orders")
	}
	missing := 0
	for _, o := range orders {
		id := jsonString(o["order_id"])
		qty, ok1 := new(big.Rat).SetString(jsonString(o["quantity"]))
		price, ok2 := new(big.Rat).SetString(jsonString(o["unit_price"]))
		if !ok1 || !ok2 {
			t.Errorf("%s: quantity %v, unit_price %v: not numbers", id, o["quantity"], o["unit_price"])
			continue
		}
		want := new(big.Rat).Mul(qty, price).FloatString(2)
		total, isNum := o["total"].(json.Number)
		if !isNum {
			t.Errorf("%s: total = %#v, want the number %s", id, o["total"], want)
		} else if got, _ := new(big.Rat).SetString(total.String()); got == nil || got.FloatString(2) != want || decimals(total.String()) > 2 {
			t.Errorf("%s: total = %s, want %s (%v × %v)", id, total, want, o["quantity"], o["unit_price"])
		}
		c, known := byID[jsonString(o["customer_id"])]
		if !known {
			missing++
			if o["customer_missing"] != true {
				t.Errorf("%s: customer %v is unknown but customer_missing = %v", id, o["customer_id"], o["customer_missing"])
			}
			for _, k := range []string{"customer_name", "segment"} {
				if v, ok := o[k]; ok && v != nil {
					t.Errorf("%s: unknown customer, yet %s = %v", id, k, v)
				}
			}
			continue
		}
		if v, ok := o["customer_missing"]; ok && v != false {
			t.Errorf("%s: known customer %v, yet customer_missing = %v", id, o["customer_id"], v)
		}
		got := []any{o["customer_name"], o["segment"]}
		want2 := []any{c["name"], c["segment"]}
		if diff := cmp.Diff(want2, got); diff != "" {
			t.Errorf("%s: customer_name, segment (-want +got):\n%s", id, diff)
		}
	}
	if missing != 1 {
		t.Errorf("%d orders of unknown customers, want 1 (ORD-1010, customer C999)", missing)
	}
}

// decimals counts the digits after the point of a decimal literal.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func TestTableScanUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantStderr string
	}{
		{"no subcommand", []string{"table"}, ExitUsage, "want a subcommand: scan"},
		{"unknown subcommand", []string{"table", "drop"}, ExitUsage, "unknown command \"drop\""},
		{"misspelt subcommand", []string{"table", "scna"}, ExitUsage, "did you mean scan?"},
		{"no --dataset", []string{"table", "scan"}, ExitUsage, "want --dataset"},
		{"unknown dataset", []string{"table", "scan", "--dataset", "invoices"}, ExitUsage, "(known: "},
		{"extra argument", []string{"table", "scan", "--dataset", "orders", "x"}, ExitUsage, "want --dataset and no arguments"},
		{"empty table", []string{"table", "scan", "--dataset", "orders"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, "", append(tt.args, "--state-dir", t.TempDir())...)
			if ExitCode(code) != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantStderr, stderr)
			}
			if tt.wantCode == ExitOK && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}
