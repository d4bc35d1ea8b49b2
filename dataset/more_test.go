package dataset

import (
	"fmt"
	"testing"
)

func TestTolerates(t *testing.T) {
	tests := []struct {
		p         RowErrors
		rows, bad int64
		want      bool
	}{
		{RowErrors{}, 10, 0, true},
		{RowErrors{}, 10, 1, false},
		{RowErrors{Mode: SkipBadRows}, 10, 9, true},
		{RowErrors{Mode: SkipBadRows}, 10, 10, false},
		{RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.1}, 10, 1, true},
		{RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.1}, 10, 2, false},
		{RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.05}, 41, 2, true},
		{RowErrors{Mode: SkipBadRows, MaxErrorRate: 0.05}, 41, 3, false},
	}
	for _, tt := range tests {
		if got := tt.p.Tolerates(tt.rows, tt.bad); got != tt.want {
			t.Errorf("%+v.Tolerates(%d, %d) = %v", tt.p, tt.rows, tt.bad, got)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in, str, two string
	}{
		{"19.99", "19.99", "19.99"},
		{"-0.005", "-0.005", "-0.01"},
		{"0.005", "0.005", "0.01"},
		{"+007.50", "7.5", "7.50"},
		{".5", "0.5", "0.50"},
	}
	for _, tt := range tests {
		n, err := ParseNumber(tt.in)
		if err != nil {
			t.Fatalf("ParseNumber(%q): %v", tt.in, err)
		}
		if n.String() != tt.str || n.Format(2) != tt.two {
			t.Errorf("%q: String %q Format(2) %q; want %q %q", tt.in, n.String(), n.Format(2), tt.str, tt.two)
		}
	}
	for _, bad := range []string{"", "1e3", "1,5", "--1", ".", "0x10", "1.2.3"} {
		if _, err := ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) succeeded", bad)
		}
	}
	third, _ := decQuo(NumberFromInt(1), NumberFromInt(3))
	if got := third.Format(4); got != "0.3333" {
		t.Errorf("1/3 = %s", got)
	}
	if _, err := decQuo(NumberFromInt(1), Number{}); err == nil {
		t.Error("division by zero succeeded")
	}
}

func TestCalculateWithLookupFields(t *testing.T) {
	ref := Customers()
	ref.Fields = append(ref.Fields, Field{Name: "discount", Type: Decimal, Min: "0", Max: "1"})
	o := Orders()
	o.Enrichment.Lookups[0].Copy["discount"] = "discount"
	o.Enrichment.Calculated = append(o.Enrichment.Calculated,
		Calculated{Name: "net", Type: Decimal, Scale: 2, Expr: "total - total * discount"},
		Calculated{Name: "big", Type: Bool, Expr: "total > 100"},
		Calculated{Name: "label", Type: String, Expr: `sku + "/" + status`},
		Calculated{Name: "units", Type: Int, Expr: "quantity * 2"},
	)
	s, err := NewSet(ref, o)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := s.Lookup("orders")
	rec, errs := d.Normalize(map[string]any{"order_id": "A", "customer_id": "C", "order_date": "2026-01-01", "sku": "S", "quantity": "7", "unit_price": "19.99", "currency": "EUR", "status": "NEW"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rec["discount"] = 0.15 // as an enricher might copy it: a float

	if errs := d.Calculate(rec); len(errs) > 0 {
		t.Fatal(errs)
	}
	got := fmt.Sprint(rec["total"], " ", rec["net"], " ", rec["big"], " ", rec["label"], " ", rec["units"])
	// 7 × 19.99 = 139.93; 139.93 × 0.85 = 118.9405 → 118.94.
	if want := "139.93 118.94 true S/NEW 14"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A missing input leaves the field absent and reports why.
	delete(rec, "discount")
	delete(rec, "net")
	if errs := d.Calculate(rec); len(errs) != 1 || rec["net"] != nil {
		t.Errorf("missing discount: errs %v, net %v", errs, rec["net"])
	}
}

func ExampleSet_ForKey() {
	s := Builtin()
	for _, key := range []string{"incoming/orders/2026/01/batch-7.csv.gz", "incoming/readings/r.jsonl", "incoming/orders/notes.txt"} {
		d, ok := s.ForKey(key)
		if !ok {
			fmt.Printf("%s: no dataset\n", key)
			continue
		}
		fmt.Printf("%s: %s (%s, table %s)\n", key, d.Name, d.Format.Kind, d.TargetTable())
	}
	// Output:
	// incoming/orders/2026/01/batch-7.csv.gz: orders (csv, table items)
	// incoming/readings/r.jsonl: readings (jsonl, table items)
	// incoming/orders/notes.txt: no dataset
}

func ExampleDataset_Compile() {
	d := &Dataset{
		Name:   "shipments",
		Prefix: "incoming/shipments/",
		Format: Format{Kind: CSV},
		Fields: []Field{
			{Name: "shipment_id", Type: String, Required: true},
			{Name: "weight", Type: Decimal, Min: "heavy"},
		},
		Key:        Key{Partition: "SHIPMENT#{shipment_id}", Sort: "{carrier}"},
		Transforms: Transforms{Filters: []string{"weight > 'x'"}},
	}
	err := d.Compile()
	for _, is := range err.(Issues) {
		fmt.Println(is.Path, is.Code)
	}
	// Output:
	// Fields[weight].Min BadBound
	// Key.Sort UnknownField
	// Transforms.Filters[0] BadExpr
}

// FuzzCompareDecimal: the allocation-free comparison of canonical decimals
// agrees with big.Rat.
func FuzzCompareDecimal(f *testing.F) {
	f.Add("1.50", "1.5")
	f.Add("-0.01", "0")
	f.Add("10", "9.999")
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, err1 := canonicalDecimal(a, 0)
		cb, err2 := canonicalDecimal(b, 0)
		if err1 != nil || err2 != nil || len(a) > 64 || len(b) > 64 {
			return
		}
		ra, _ := ParseNumber(ca)
		rb, _ := ParseNumber(cb)
		if got, want := cmpCanonical(ca, cb), ra.Cmp(rb); got != want {
			t.Fatalf("cmp(%s, %s) = %d, big.Rat says %d", ca, cb, got, want)
		}
	})
}
