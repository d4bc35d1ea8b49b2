package dataset

import (
	"testing"

	"github.com/sluicehq/sluice/internal/benchcpu"
)

func BenchmarkNormalizeStage(b *testing.B) {
	o, _ := Builtin().Lookup("orders")
	raw := map[string]any{"order_id": "ORD-1", "customer_id": "C1", "order_date": "05/01/2026", "sku": "SKU-TEA-01", "quantity": "3", "unit_price": "19.9", "currency": "usd", "status": "Shipped"}
	b.ReportAllocs()
	for b.Loop() {
		rec, errs := o.Normalize(raw)
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		if _, err := o.Stage(rec, 2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCalculate computes the orders' total (quantity * unit_price)
// of a normalised record, as the enricher's map path and the validator's
// general path do for every row.
func BenchmarkCalculate(b *testing.B) {
	o, _ := Builtin().Lookup("orders")
	rec, _ := o.Normalize(map[string]any{"order_id": "ORD-1", "customer_id": "C1", "order_date": "2026-01-05", "sku": "S", "quantity": "3", "unit_price": "19.99", "currency": "USD", "status": "NEW"})
	b.ReportAllocs()
	benchcpu.Report(b)
	for b.Loop() {
		if errs := o.Calculate(rec); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkRowPlanStage stages one orders row on the fast path: the work
// per row of the transformer, without reading and the duplicate check.
func BenchmarkRowPlanStage(b *testing.B) {
	o, _ := Builtin().Lookup("orders")
	p := o.RowPlan([]string{"order_id", "customer_id", "order_date", "sku", "quantity", "unit_price", "currency", "status"})
	row := [][]byte{[]byte("ORD-00000001"), []byte("C002"), []byte("05/01/2026"), []byte("SKU-0001"), []byte("3"), []byte("19.9"), []byte("usd"), []byte("Shipped")}
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var ok bool
		if dst, ok = p.Stage(dst[:0], row, 2); !ok {
			b.Fatal("the plan did not take the row")
		}
	}
}

// BenchmarkDecimal is the decimal work of a row: canonical form, bounds,
// and the exact product of a calculated field.
func BenchmarkDecimal(b *testing.B) {
	q := NumberFromInt(3)
	b.ReportAllocs()
	for b.Loop() {
		c, err := canonicalDecimal("19.9", 2)
		if err != nil || cmpCanonical(c, "0") < 0 {
			b.Fatal(c, err)
		}
		p, _ := ParseNumber(c)
		if decMul(q, p).Format(2) != "59.70" {
			b.Fatal("product")
		}
	}
}

// BenchmarkRowPlanStagePlain stages the rows of scripts/bench.sh's orders
// file as the transformer does (values checked by PlainText first): the
// work per row of the CSV fast path, without reading and the duplicate
// check.
func BenchmarkRowPlanStagePlain(b *testing.B) {
	o, _ := Builtin().Lookup("orders")
	p := o.RowPlan([]string{"order_id", "customer_id", "order_date", "sku", "quantity", "unit_price", "currency", "status"})
	rows := [][][]byte{
		{[]byte("ORD-00000001"), []byte("C002"), []byte("2026-02-02"), []byte("SKU-0001"), []byte("2"), []byte("1.01"), []byte("EUR"), []byte("SHIPPED")},
		{[]byte("ORD-00000002"), []byte("C003"), []byte("2026-03-03"), []byte("SKU-0002"), []byte("3"), []byte("2.02"), []byte("GBP"), []byte("CANCELLED")},
		{[]byte("ORD-00000003"), []byte("C004"), []byte("2026-04-04"), []byte("SKU-0003"), []byte("4"), []byte("3.03"), []byte("USD"), []byte("NEW")},
		{[]byte("ORD-00000099"), []byte("C004"), []byte("2026-04-04"), []byte("SKU-0099"), []byte("20"), []byte("99.99"), []byte("USD"), []byte("NEW")},
	}
	// The values back to back in one buffer, as the transformer's
	// batches hold them (each slice's capacity runs on over the rest).
	var rec []byte
	for _, r := range rows {
		for _, v := range r {
			rec = append(rec, v...)
		}
	}
	at := 0
	for _, r := range rows {
		for j, v := range r {
			r[j] = rec[at : at+len(v)]
			at += len(v)
		}
	}
	var dst []byte
	line := int64(2)
	b.ReportAllocs()
	benchcpu.Report(b)
	for b.Loop() {
		var ok bool
		if dst, ok = p.StagePlain(dst[:0], rows[line&3], line, true); !ok {
			b.Fatal("the plan did not take the row")
		}
		line++
	}
}
