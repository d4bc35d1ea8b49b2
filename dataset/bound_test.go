package dataset

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// boundsDataset declares numbers with declared bounds and row-only
// calculated fields over them, proven or not.
func boundsDataset(t testing.TB, calcs ...Calculated) *Dataset {
	t.Helper()
	ds := &Dataset{
		Name:   "bounds",
		Prefix: "incoming/bounds/",
		Format: Format{Kind: JSONL},
		Fields: []Field{
			{Name: "id", Type: String, Required: true},
			{Name: "q", Type: Int, Min: "-999999", Max: "999999"},
			{Name: "p", Type: Decimal, Scale: 4, Min: "-99999999999999.9999", Max: "99999999999999.9999"},
			{Name: "n", Type: Int},
			{Name: "open", Type: Decimal, Scale: 2, Min: "0"},
			{Name: "exact", Type: Decimal, Min: "0", Max: "10"},
			{Name: "sizes", Type: Int, Min: "1", Max: "9", List: &List{}},
		},
		Key:        Key{Partition: "B#{id}"},
		Enrichment: Enrichment{Calculated: calcs},
	}
	if err := ds.Compile(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestProvenSize: which row-only calculated fields the declared bounds
// prove storable, and the size then counted for them.
func TestProvenSize(t *testing.T) {
	tests := []struct {
		name string
		cf   Calculated
		// want is the proven size (0: not proven).
		want int
	}{
		// q*p+q: digits from 10^20 to 10^-4, written with 2 places (one
		// more integer digit for rounding up): "total", the sign, 22
		// integer digits, the point, 2 places and 1.
		{"bounded product", Calculated{Name: "total", Type: Decimal, Scale: 2, Expr: "q * p + q"}, len("total") + 1 + 22 + 1 + 2 + 1},
		{"int of a bounded product", Calculated{Name: "v", Type: Int, Expr: "-q * 3 - 7"}, len("v") + 1 + 9 + 1 + 0 + 1},
		{"an int without bounds", Calculated{Name: "v", Type: Int, Expr: "n + 1"}, len("v") + 1 + 21 + 1 + 0 + 1},
		{"two ints without bounds", Calculated{Name: "v", Type: Int, Expr: "n * n"}, 0},
		{"a decimal without Max", Calculated{Name: "v", Type: Decimal, Scale: 2, Expr: "q * open"}, 0},
		// exact has no Scale, but the field is written with 2 places.
		{"a decimal without Scale, written with places", Calculated{Name: "v", Type: Decimal, Scale: 2, Expr: "q * exact"}, len("v") + 1 + 9 + 1 + 2 + 1},
		{"a decimal without Scale, written exactly", Calculated{Name: "v", Type: Decimal, Expr: "q * exact"}, 0},
		{"division", Calculated{Name: "v", Type: Decimal, Scale: 2, Expr: "p / 2"}, 0},
		{"a string", Calculated{Name: "v", Type: String, Expr: "id + 'x'"}, 0},
		{"a bool", Calculated{Name: "v", Type: Bool, Expr: "q > 0"}, 0},
		{"a conditional", Calculated{Name: "v", Type: Int, Expr: "q > 0 ? q : 0"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := boundsDataset(t, tt.cf)
			cf := &ds.Enrichment.Calculated[0]
			got, ok := cf.ProvenSize()
			if ok != (tt.want > 0) || got != tt.want {
				t.Errorf("ProvenSize() = %d, %v; want %d", got, ok, tt.want)
			}
		})
	}
	t.Run("orders", func(t *testing.T) {
		// unit_price declares no Max: its total is computed row by row.
		o, _ := Builtin().Lookup("orders")
		if size, ok := o.Enrichment.Calculated[0].ProvenSize(); ok {
			t.Errorf("orders' total proven (%d bytes) without a Max on unit_price", size)
		}
		o = Orders()
		o.Enrichment.Lookups = nil
		o.Fields[5].Max = "100000"
		if err := o.Compile(); err != nil {
			t.Fatal(err)
		}
		if _, ok := o.Enrichment.Calculated[0].ProvenSize(); !ok {
			t.Error("orders' total not proven with unit_price at most 100000")
		}
	})
	t.Run("chained", func(t *testing.T) {
		// twice reads total as written: 22 integer digits, 2 places.
		ds := boundsDataset(t, Calculated{Name: "total", Type: Decimal, Scale: 2, Expr: "q * p + q"},
			Calculated{Name: "twice", Type: Decimal, Expr: "total * 2"},
			Calculated{Name: "huge", Type: Decimal, Scale: 2, Expr: "twice * twice"})
		want := []int{len("total") + 1 + 22 + 1 + 2 + 1, len("twice") + 1 + 24 + 1 + 2 + 1, 0}
		for i, w := range want {
			if got, _ := ds.Enrichment.Calculated[i].ProvenSize(); got != w {
				t.Errorf("%s: ProvenSize() = %d, want %d", ds.Enrichment.Calculated[i].Name, got, w)
			}
		}
	})
}

// FuzzProvenSize: a proven calculated field never fails DynamoDB's number
// limits and never takes more than its proven size, for any values the
// fields' declarations accept.
func FuzzProvenSize(f *testing.F) {
	for _, s := range [][2]string{
		{"999999", "99999999999999.9999"}, {"-999999", "99999999999999.9999"}, {"-999999", "-99999999999999.9999"},
		{"999999", "0.0001"}, {"0", "0"}, {"1", "-0.0050"}, {"000999999", "+099999999999999.99990"}, {"9223372036854775807", "1"},
	} {
		f.Add(s[0], s[1], "9223372036854775807")
	}
	ds := boundsDataset(f,
		Calculated{Name: "total", Type: Decimal, Scale: 2, Expr: "q * p + q"},
		Calculated{Name: "net", Type: Int, Expr: "-q * 3 - 7"},
		Calculated{Name: "twice", Type: Decimal, Expr: "total * 2"},
		Calculated{Name: "rounded", Type: Decimal, Scale: 1, Expr: "p * q - p"},
		Calculated{Name: "next", Type: Int, Expr: "n + 1"},
		Calculated{Name: "product", Type: Decimal, Scale: 2, Expr: "q * p"}, // Arith forms
		Calculated{Name: "less", Type: Decimal, Expr: "p - q"})
	for _, cf := range ds.Enrichment.Calculated {
		if _, ok := cf.ProvenSize(); !ok {
			f.Fatalf("%s is not proven: the fuzz test would prove nothing", cf.Name)
		}
	}
	if ds.Arith(5) == nil || ds.Arith(6) == nil {
		f.Fatal("product and less are not Arith: the comparison with the machine would prove nothing")
	}
	f.Fuzz(func(t *testing.T, q, p, n string) {
		if len(q)+len(p)+len(n) > 200 {
			return
		}
		norm, errs := ds.Normalize(map[string]any{"id": "x", "q": q, "p": p, "n": n})
		if len(errs) > 0 {
			return // values the declarations refuse
		}
		machine := maps.Clone(norm)
		calcErrs := ds.CalculateRow(norm)
		machineErrs := ds.calculate(machine, true, true)
		if diff := cmp.Diff(machine, norm); diff != "" {
			t.Errorf("q=%s p=%s n=%s: CalculateRow's record (-machine +CalculateRow):\n%s", q, p, n, diff)
		}
		if diff := cmp.Diff(fmt.Sprint(machineErrs), fmt.Sprint(calcErrs)); diff != "" {
			t.Errorf("q=%s p=%s n=%s: CalculateRow's errors (-machine +CalculateRow):\n%s", q, p, n, diff)
		}
		for _, err := range calcErrs {
			// An absent input fails the expression; nothing else may.
			if fe, ok := err.(FieldError); ok && fe.Code == CodeNumberLimit || !strings.Contains(err.Error(), "<nil>") {
				t.Fatalf("q=%s p=%s n=%s: %v", q, p, n, err)
			}
		}
		for _, cf := range ds.Enrichment.Calculated {
			v, ok := norm[cf.Name]
			if !ok {
				continue // an input is absent
			}
			size, _ := cf.ProvenSize()
			if got := len(cf.Name) + AttrSize(v); got > size {
				t.Errorf("q=%s p=%s n=%s: %s = %v takes %d bytes, proven at most %d", q, p, n, cf.Name, v, got, size)
			}
		}
	})
}

// TestProvenSizeTight: the proven size of q*p+q is reached within one
// byte of its bound's rounding digit by the largest values.
func TestProvenSizeTight(t *testing.T) {
	ds := boundsDataset(t, Calculated{Name: "total", Type: Decimal, Scale: 2, Expr: "q * p + q"})
	norm, errs := ds.Normalize(map[string]any{"id": "x", "q": "-999999", "p": "99999999999999.9999"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := ds.CalculateRow(norm); len(errs) > 0 {
		t.Fatal(errs)
	}
	got := len("total") + AttrSize(norm["total"])
	size, _ := ds.Enrichment.Calculated[0].ProvenSize()
	// The value has 20 integer digits; the bound allows 22 (the sum's
	// carry and the rounding digit).
	if want := size - 2; got != want {
		t.Errorf("total %v takes %d bytes, want %d (proven %d)", norm["total"], got, want, size)
	}
	if s := fmt.Sprint(norm["total"]); !strings.HasPrefix(s, "-9999") {
		t.Errorf("total = %s", s)
	}
}
