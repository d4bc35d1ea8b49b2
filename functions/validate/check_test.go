package validate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/records"
)

const ordersHeader = "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n"

// cycle is the period of mixedOrders' bad rows: seven bad rows in 101
// stay within the orders dataset's tolerated 10%.
const cycle = 101

// mixedOrders returns an orders CSV of n rows in which some rows are bad
// in each way a row can be (a pattern, a date, a bound, an enum, a
// ragged line, a duplicate key, a total beyond DynamoDB's number limits)
// and some take the general path without being bad (a non-ASCII value,
// quotes, white space to trim).
// Each kind comes once in every cycle rows.
func mixedOrders(n int) []byte {
	var b strings.Builder
	b.WriteString(ordersHeader)
	for i := 1; i <= n; i++ {
		id, date, qty, price, cur := fmt.Sprint("O-", i), "2026-01-02", fmt.Sprint(1+i%40), fmt.Sprintf("%d.%02d", i%300, i%100), "usd"
		switch i % cycle {
		case 5:
			id = "O 5" // pattern
		case 9:
			date = "2026-02-30"
		case 14:
			qty = "0" // min
		case 20:
			cur = "CHF"
		case 23:
			fmt.Fprintf(&b, "%s,C1,%s\n", id, date) // ragged
			continue
		case 31:
			id = fmt.Sprint("O-", i-1) // a duplicate key
		case 37:
			// A total of 56 digits: no DynamoDB number holds it.
			qty, price = "999999999999999999", strings.Repeat("9", 36)+".99"
		case 41:
			// A total of 38 significant digits: at the limit, good.
			qty, price = "99", strings.Repeat("9", 33)+".99"
		case 44:
			id = `"` + id + `"`
		case 47:
			cur = " EUR\t"
		case 50:
			date = "03/02/2026"
		}
		sku := "SKU-1"
		if i%97 == 3 {
			sku = "SKÜ-1"
		}
		fmt.Fprintf(&b, "%s,C%d,%s,%s,%s,%s,%s,shipped\n", id, i%17, date, sku, qty, price, cur)
	}
	return []byte(b.String())
}

// ordersRejectFile is the orders dataset with the RejectFile policy: its
// report stops at the first MaxReportErrors problems (Partial).
func ordersRejectFile(t testing.TB) *dataset.Dataset {
	t.Helper()
	ds := dataset.Orders()
	ds.Enrichment.Lookups = nil
	ds.RowErrors = dataset.RowErrors{}
	if err := ds.Compile(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// reportBytes checks content as the object key of ds, on the fast path or
// the general path alone, and returns the report as the handler writes
// it.
func reportBytes(t testing.TB, content []byte, ds *dataset.Dataset, key string, cfg Config, general bool) string {
	t.Helper()
	rep, err := check(bytes.NewReader(content), contract.Object{Bucket: bucket, Key: key, Size: int64(len(content))}, ds, cfg, general)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	b, err := MarshalReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCheckFastPathReportsAsGeneral: Check's fast path gives, byte for
// byte, the report the general path alone gives, on every example, on
// files with every kind of bad row, under both row-error policies.
func TestCheckFastPathReportsAsGeneral(t *testing.T) {
	set := dataset.Builtin()
	lookup := func(name string) *dataset.Dataset {
		ds, err := set.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	orders := lookup("orders")
	tests := []struct {
		name    string
		ds      *dataset.Dataset
		key     string
		content []byte
		cfg     Config
	}{
		{"orders example", orders, "incoming/orders/orders.csv", example(t, "orders/orders.csv"), Config{}},
		{"orders_bad example", orders, "incoming/orders/orders_bad.csv", example(t, "orders/orders_bad.csv"), Config{}},
		{"orders_bad gzip", orders, "incoming/orders/orders_bad.csv.gz", gz(example(t, "orders/orders_bad.csv")), Config{}},
		{"customers example", lookup("customers"), "incoming/customers/customers.csv", example(t, "customers/customers.csv"), Config{}},
		{"readings example", lookup("readings"), "incoming/readings/r.jsonl", example(t, "readings/readings.jsonl"), Config{}},
		{"catalog example", lookup("catalog"), "incoming/catalog/c.xml", example(t, "catalog/catalog.xml"), Config{}},
		{"catalog_bad example", lookup("catalog"), "incoming/catalog/c.xml", example(t, "catalog/catalog_bad.xml"), Config{}},
		{"mixed orders", orders, "incoming/orders/m.csv", mixedOrders(3000), Config{}},
		{"mixed orders, short list", orders, "incoming/orders/m.csv", mixedOrders(3000), Config{MaxReportErrors: 7}},
		{"mixed orders, few keys", orders, "incoming/orders/m.csv", mixedOrders(3000), Config{MaxKeys: 100}},
		{"mixed orders, reject-file", ordersRejectFile(t), "incoming/orders/m.csv", mixedOrders(3000), Config{MaxReportErrors: 5}},
		{"every kind of field", kindsDataset(t), "incoming/kinds/k.csv", []byte(kindsHeader +
			"abc,lo,AB1,yes,2026-01-02T03:04:05Z,2026-01-02,5,1.25,0.5,ünï,ON,\n" +
			"b,,,F,,02.01.2026,,,,X,off,given\nc,toolong,ab1,maybe,x,Jan 2 2026,-6,-2,1.2345,y,On,\n" +
			"d,é,AB1,1,,2026-02-29,1000000,99999999999999999999999999999999999999,1,x,oN,\"q\"\"\"\n" +
			"e,ab,AB1,TRUE,,31.12.2026,-0,00.10,-0,X,OFF,\nabc,lo,AB1,yes,,2026-01-02,5,1.25,0.5,x,ON,\n"), Config{}},
		{"header only", orders, "incoming/orders/h.csv", []byte(ordersHeader), Config{}},
		{"missing column", orders, "incoming/orders/h.csv", []byte("order_id\nA1\n"), Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := reportBytes(t, tt.content, tt.ds, tt.key, tt.cfg, true)
			got := reportBytes(t, tt.content, tt.ds, tt.key, tt.cfg, false)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("report (-general +fast):\n%s", diff)
			}
		})
	}
}

// TestCheckMixedOrdersReport pins what the mixed file's report finds, so
// that the differential test above cannot pass on two equally wrong
// paths.
func TestCheckMixedOrdersReport(t *testing.T) {
	orders, _ := dataset.Builtin().Lookup("orders")
	content := mixedOrders(3000)
	rep, err := Check(bytes.NewReader(content), contract.Object{Bucket: bucket, Key: "incoming/orders/m.csv", Size: int64(len(content))}, orders, Config{MaxReportErrors: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// The rows of each kind: those whose index i ≡ r (mod cycle).
	count := func(r int) int64 { return int64((3000-r)/cycle + 1) }
	wantCounts := map[string]int64{
		dataset.CodePattern: count(5), dataset.CodeType: count(9), dataset.CodeMin: count(14), dataset.CodeEnum: count(20),
		records.CodeRagged: count(23), CodeDuplicateKey: count(31), dataset.CodeNumberLimit: count(37),
	}
	var bad int64
	for _, n := range wantCounts {
		bad += n
	}
	if rep.Rows != 3000 || rep.BadRows != bad || rep.Status != StatusAccepted {
		t.Errorf("rows %d bad %d status %s, want 3000, %d, accepted", rep.Rows, rep.BadRows, rep.Status, bad)
	}
	if diff := cmp.Diff(wantCounts, rep.CountsByCode); diff != "" {
		t.Errorf("counts by code (-want +got):\n%s", diff)
	}
	for _, p := range rep.Errors {
		if p.Code == dataset.CodeNumberLimit && (p.Field != "total" || p.Row%cycle != 37 || !strings.Contains(p.Reason, "quantity * unit_price")) {
			t.Errorf("number limit problem %+v: want row ≡ 37 (mod cycle), field total, the expression in the reason", p)
		}
	}
}

// TestCheckTakesTheFastPath: Check allocates per batch of rows, not per
// row, on a clean CSV file: its rows take the fast path (a differential
// test alone would pass with a Check that never does).
func TestCheckTakesTheFastPath(t *testing.T) {
	orders, _ := dataset.Builtin().Lookup("orders")
	const rows = 4000
	var b strings.Builder
	b.WriteString(ordersHeader)
	for i := range rows {
		fmt.Fprintf(&b, "O-%d,C1,2026-01-02,SKU-1,%d,%d.%02d,EUR,NEW\n", i, 1+i%40, i%300, i%100)
	}
	content := []byte(b.String())
	src := contract.Object{Bucket: bucket, Key: "incoming/orders/c.csv", Size: int64(len(content))}
	for _, general := range []bool{false, true} {
		allocs := testing.AllocsPerRun(3, func() {
			rep, err := check(bytes.NewReader(content), src, orders, Config{}, general)
			if err != nil || rep.Rows != rows || rep.BadRows != 0 {
				t.Fatalf("report %+v, err %v", rep, err)
			}
		})
		switch {
		case !general && allocs > rows/4:
			t.Errorf("Check made %.0f allocations for %d clean rows: not the fast path", allocs, rows)
		case general && allocs < rows:
			// The control: the general path does allocate per row.
			t.Errorf("the general path made %.0f allocations for %d rows: the test no longer tells the paths apart", allocs, rows)
		}
	}
}

// TestProvenCalculationAtTheItemLimit: with the row-only total proven
// storable from the declared bounds, the validator skips computing it
// except where the item could exceed DynamoDB's limit; there it computes
// it, so the verdicts at the limit, byte for byte, are those of the same
// dataset whose total is not proven.
func TestProvenCalculationAtTheItemLimit(t *testing.T) {
	notes := func(priceMax string) *dataset.Dataset {
		ds := &dataset.Dataset{Name: "notes", Prefix: "incoming/notes/", Format: dataset.Format{Kind: dataset.JSONL},
			Fields: []dataset.Field{{Name: "id", Type: dataset.String, Required: true}, {Name: "text", Type: dataset.String},
				{Name: "qty", Type: dataset.Int, Min: "0", Max: "1000"}, {Name: "price", Type: dataset.Decimal, Scale: 2, Min: "0", Max: priceMax}},
			Key:        dataset.Key{Partition: "NOTE#{id}"},
			Enrichment: dataset.Enrichment{Calculated: []dataset.Calculated{{Name: "total", Type: dataset.Decimal, Scale: 2, Expr: "qty * price"}}},
			RowErrors:  dataset.RowErrors{Mode: dataset.SkipBadRows},
		}
		if err := ds.Compile(); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	proven, unproven := notes("1000"), notes("")
	if _, ok := proven.Enrichment.Calculated[0].ProvenSize(); !ok {
		t.Fatal("total is not proven")
	}
	if _, ok := unproven.Enrichment.Calculated[0].ProvenSize(); ok {
		t.Fatal("total is proven without a Max on price")
	}
	file := func(textLen int) []byte {
		return fmt.Appendf(nil, "{\"id\":\"a\",\"qty\":999,\"price\":999.99}\n{\"id\":\"b\",\"text\":%q,\"qty\":999,\"price\":999.99}\n{\"id\":\"c\",\"qty\":1}\n",
			strings.Repeat("x", textLen))
	}
	const key = "incoming/notes/n.jsonl"
	bad := func(textLen int) bool {
		rep, err := Check(bytes.NewReader(file(textLen)), contract.Object{Bucket: bucket, Key: key}, unproven, Config{})
		if err != nil {
			t.Fatal(err)
		}
		return rep.BadRows > 0
	}
	// The longest text whose item fits, found with the unproven total.
	lo, hi := 0, dataset.MaxItemBytes
	for lo+1 < hi {
		if mid := (lo + hi) / 2; bad(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	// Below lo by more than the proven total's largest size, the total
	// is not computed; nearer, it is.
	for textLen := lo - 24; textLen <= lo+2; textLen++ {
		content := file(textLen)
		want := reportBytes(t, content, unproven, key, Config{}, true)
		got := reportBytes(t, content, proven, key, Config{}, true)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("text of %d bytes (the longest that fits: %d): report (-unproven +proven):\n%s", textLen, lo, diff)
		}
		if textLen > lo && !strings.Contains(got, CodeItemTooLarge) {
			t.Errorf("text of %d bytes: no %s", textLen, CodeItemTooLarge)
		}
	}
}
