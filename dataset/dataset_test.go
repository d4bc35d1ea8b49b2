package dataset

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuiltinCompiles(t *testing.T) {
	s := Builtin()
	if diff := cmp.Diff([]string{"catalog", "customers", "orders", "readings"}, s.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	for _, d := range s.All() {
		if !d.Compiled() {
			t.Errorf("%s not compiled", d.Name)
		}
	}
	o, err := s.Lookup("orders")
	if err != nil {
		t.Fatal(err)
	}
	if !o.Enrichment.Enabled() || o.TargetTable() != TableItems {
		t.Errorf("orders: enrich %v table %s", o.Enrichment.Enabled(), o.TargetTable())
	}
	c, _ := s.Lookup("customers")
	if c.TargetTable() != TableReference {
		t.Errorf("customers table = %s", c.TargetTable())
	}
	var unk *UnknownDatasetError
	if _, err := s.Lookup("nope"); !errors.As(err, &unk) {
		t.Errorf("Lookup(nope) = %v", err)
	}
}

func TestForKey(t *testing.T) {
	s := Builtin()
	tests := []struct {
		key  string
		want string
	}{
		{"incoming/orders/2026/01/a.csv", "orders"},
		{"incoming/orders/a.CSV.GZ", "orders"},
		{"incoming/orders/a.json", ""},
		{"incoming/orders/", ""},
		{"incoming/readings/r.jsonl", "readings"},
		{"incoming/catalog/c.xml", "catalog"},
		{"incoming/customers/c.csv", "customers"},
		{"other/orders/a.csv", ""},
	}
	for _, tt := range tests {
		d, ok := s.ForKey(tt.key)
		got := ""
		if ok {
			got = d.Name
		}
		if got != tt.want {
			t.Errorf("ForKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	o, _ := Builtin().Lookup("orders")
	good := map[string]any{"order_id": "A1", "customer_id": "C1", "order_date": "2026-01-05", "sku": "S", "quantity": "3", "unit_price": "19.9", "currency": "usd", "status": "Shipped"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name      string
		raw       map[string]any
		wantField string
		wantValue any
		wantCode  string
	}{
		{"ok decimal padded", good, "unit_price", json.Number("19.90"), ""},
		{"enum upper", good, "status", "SHIPPED", ""},
		{"currency upper", good, "currency", "USD", ""},
		{"dd/mm/yyyy", with("order_date", "31/12/2025"), "order_date", "2025-12-31", ""},
		{"trimmed", with("sku", "  S9 "), "sku", "S9", ""},
		{"json number", with("quantity", json.Number("7")), "quantity", json.Number("7"), ""},
		{"bad date", with("order_date", "2025-13-01"), "order_date", nil, CodeType},
		{"quantity zero", with("quantity", "0"), "quantity", nil, CodeMin},
		{"quantity text", with("quantity", "three"), "quantity", nil, CodeType},
		{"negative price", with("unit_price", "-1"), "unit_price", nil, CodeMin},
		{"too many places", with("unit_price", "1.999"), "unit_price", nil, CodeScale},
		{"exponent", with("unit_price", "1e3"), "unit_price", nil, CodeType},
		{"bad currency", with("currency", "JPY"), "currency", nil, CodeEnum},
		{"missing sku", with("sku", nil), "sku", nil, CodeRequired},
		{"blank sku", with("sku", "   "), "sku", nil, CodeRequired},
		{"object", with("sku", map[string]any{"a": "b"}), "sku", nil, CodeNotScalar},
		{"pattern", with("order_id", "A 1"), "order_id", nil, CodePattern},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := o.Normalize(tt.raw)
			if tt.wantCode == "" {
				if len(errs) > 0 {
					t.Fatalf("errors: %v", errs)
				}
				if diff := cmp.Diff(tt.wantValue, rec[tt.wantField]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tt.wantField, diff)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.wantField || errs[0].Code != tt.wantCode {
				t.Fatalf("errors = %+v, want one %s on %s", errs, tt.wantCode, tt.wantField)
			}
		})
	}
}

func TestCalculateExact(t *testing.T) {
	o, _ := Builtin().Lookup("orders")
	tests := []struct{ q, p, want string }{
		{"3", "19.99", "59.97"},
		{"7", "0.10", "0.70"},
		{"100000", "1234567.89", "123456789000.00"},
		{"1", "0.01", "0.01"},
	}
	for _, tt := range tests {
		rec, errs := o.Normalize(map[string]any{"order_id": "A", "customer_id": "C", "order_date": "2026-01-01", "sku": "S", "quantity": tt.q, "unit_price": tt.p, "currency": "EUR", "status": "NEW"})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if errs := o.Calculate(rec); len(errs) > 0 {
			t.Fatal(errs)
		}
		if got := rec["total"]; got != json.Number(tt.want) {
			t.Errorf("%s × %s = %v, want %s", tt.q, tt.p, got, tt.want)
		}
	}
}

func TestStageAndLookupKeys(t *testing.T) {
	s := Builtin()
	r, _ := s.Lookup("readings")
	rec, errs := r.Normalize(map[string]any{"device_id": "d1", "ts": "2026-01-05T10:00:00+02:00", "temperature": json.Number("21.5")})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got, err := r.Stage(rec, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"device_id": "d1", "ts": "2026-01-05T08:00:00.000Z", "temperature": json.Number("21.5"),
		"pk": "DEVICE#d1", "sk": "TS#2026-01-05T08:00:00.000Z", "_line": int64(4),
		"expires_at": json.Number("1770192000"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stage (-want +got):\n%s", diff)
	}
	o, _ := s.Lookup("orders")
	pk, sk, err := o.Enrichment.Lookups[0].KeyFor("C7")
	if err != nil || pk != "CUSTOMER#C7" || sk != "CUSTOMER" {
		t.Errorf("KeyFor = %q %q %v", pk, sk, err)
	}
}

func TestCompileIssues(t *testing.T) {
	base := func() *Dataset {
		return &Dataset{
			Name: "t", Prefix: "incoming/t/", Format: Format{Kind: CSV},
			Fields: []Field{{Name: "id", Type: String, Required: true}, {Name: "n", Type: Int}, {Name: "p", Type: Decimal}},
			Key:    Key{Partition: "T#{id}"},
		}
	}
	tests := []struct {
		name     string
		mutate   func(d *Dataset)
		wantPath string
		wantCode string
	}{
		{"bad name", func(d *Dataset) { d.Name = "Bad Name" }, "Name", CodeBadName},
		{"prefix", func(d *Dataset) { d.Prefix = "x" }, "Prefix", CodeBadPrefix},
		{"kind", func(d *Dataset) { d.Format.Kind = "yaml" }, "Format.Kind", CodeBadFormat},
		{"xml element", func(d *Dataset) { d.Format.Kind = XML }, "Format.RecordElement", CodeBadFormat},
		{"type", func(d *Dataset) { d.Fields[1].Type = "float" }, "Fields[n].Type", CodeBadType},
		{"pattern", func(d *Dataset) { d.Fields[0].Pattern = "(" }, "Fields[id].Pattern", CodeBadPattern},
		{"min on string", func(d *Dataset) { d.Fields[0].Min = "1" }, "Fields[id].Min", CodeBadBound},
		{"min above max", func(d *Dataset) { d.Fields[1].Min, d.Fields[1].Max = "5", "1" }, "Fields[n].Max", CodeBadBound},
		{"dup field", func(d *Dataset) { d.Fields[1].Name = "id" }, "Fields[id]", CodeDuplicateField},
		{"reserved", func(d *Dataset) { d.Fields[1].Name = "pk" }, "Fields[pk].Name", CodeReservedName},
		{"key unknown", func(d *Dataset) { d.Key.Partition = "T#{nope}" }, "Key.Partition", CodeUnknownField},
		{"key optional", func(d *Dataset) { d.Key.Sort = "{n}" }, "Key.Sort", CodeOptionalKey},
		{"key syntax", func(d *Dataset) { d.Key.Partition = "T#{id" }, "Key.Partition", CodeBadTemplate},
		{"filter type", func(d *Dataset) { d.Transforms.Filters = []string{"n + 1"} }, "Transforms.Filters[0]", CodeBadExpr},
		{"filter field", func(d *Dataset) { d.Transforms.Filters = []string{"nope > 1"} }, "Transforms.Filters[0]", CodeBadExpr},
		{"calc type", func(d *Dataset) {
			d.Enrichment.Calculated = []Calculated{{Name: "x", Type: Decimal, Expr: "id + 'a'"}}
		}, "Enrichment.Calculated[x].Expr", CodeBadExpr},
		{"calc mismatch", func(d *Dataset) {
			d.Enrichment.Calculated = []Calculated{{Name: "x", Type: Decimal, Expr: "id * p"}}
		}, "Enrichment.Calculated[x].Expr", CodeBadExpr},
		{"ttl from", func(d *Dataset) { d.TTL = &TTL{Attribute: "exp", After: 1, From: "n"} }, "TTL.From", CodeBadTTL},
		{"policy", func(d *Dataset) { d.RowErrors.MaxErrorRate = 2 }, "RowErrors.MaxErrorRate", CodeBadPolicy},
		{"case on int", func(d *Dataset) { d.Transforms.Case = map[string]Case{"n": Upper} }, "Transforms.Case[n]", CodeBadOption},
		{"bad default", func(d *Dataset) { d.Transforms.Defaults = map[string]string{"n": "x"} }, "Transforms.Defaults[n]", CodeBadOption},
	}
	if err := base().Compile(); err != nil {
		t.Fatalf("base: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base()
			tt.mutate(d)
			err := d.Compile()
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("Compile = %v, want Issues", err)
			}
			for _, i := range is {
				if i.Path == tt.wantPath && i.Code == tt.wantCode && i.Dataset == d.Name {
					return
				}
			}
			t.Errorf("issues %+v lack %s at %s", is, tt.wantCode, tt.wantPath)
		})
	}
}

func TestNewSetIssues(t *testing.T) {
	o := Orders()
	_, err := NewSet(o)
	var is Issues
	if !errors.As(err, &is) || is[0].Code != CodeBadLookup {
		t.Errorf("orders without customers: %v", err)
	}
	a, b := Customers(), Customers()
	b.Name = "customers2"
	b.Prefix = "incoming/customers/x/"
	_, err = NewSet(a, b)
	if !errors.As(err, &is) || is[0].Code != CodeOverlappingKeys {
		t.Errorf("overlap: %v", err)
	}
}
