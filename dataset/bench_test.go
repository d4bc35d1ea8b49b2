package dataset

import "testing"

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

func BenchmarkCalculate(b *testing.B) {
	o, _ := Builtin().Lookup("orders")
	rec, _ := o.Normalize(map[string]any{"order_id": "ORD-1", "customer_id": "C1", "order_date": "2026-01-05", "sku": "S", "quantity": "3", "unit_price": "19.99", "currency": "USD", "status": "NEW"})
	b.ReportAllocs()
	for b.Loop() {
		if errs := o.Calculate(rec); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
