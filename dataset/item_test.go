package dataset

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestItemSize: sizes as the DynamoDB developer guide counts them ("Item
// sizes and formats"): names and strings in UTF-8 bytes, 1 for a bool or
// null, 3 plus 1 per element for a list or map; a number as its text plus 1
// (an upper bound of 1 byte per two significant digits plus 1).
func TestItemSize(t *testing.T) {
	tests := []struct {
		name string
		rec  map[string]any
		want int
		most string
	}{
		{"string", map[string]any{"a": "xyz"}, 1 + 3, "a"},
		{"utf-8", map[string]any{"né": "é€😀"}, 3 + 2 + 3 + 4, "né"},
		{"bool and null", map[string]any{"b": true, "n": nil}, 1 + 1 + 1 + 1, "b"},
		{"numbers", map[string]any{"d": json.Number("-12.50"), "_line": int64(7)}, 1 + 6 + 1 + 5 + 1 + 1, "d"},
		{"list and map", map[string]any{"l": []any{"ab", json.Number("1")}, "m": map[string]any{"k": false}}, 1 + 3 + 1 + 2 + 1 + 2 + 1 + 3 + 1 + 1 + 1, "l"},
		{"tie in name order", map[string]any{"b": "x", "a": "y"}, 4, "a"},
		{"empty", map[string]any{}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size, most := ItemSize(tt.rec)
			if size != tt.want || most != tt.most {
				t.Errorf("ItemSize = %d, %q; want %d, %q", size, most, tt.want, tt.most)
			}
		})
	}
}

// TestItemAllowance: the orders allowance, from the attributes the
// enricher and the loader add (docs/functions.md) and their largest
// values: an S3 key and a version id of 1,024 bytes, the loader's order
// (30 characters of time, "/", a version id), a 24-character timestamp, an
// execution ARN of 256; the customer's name (200 characters of up to 4
// bytes), the longest segment (WHOLESALE) and the missing flag. The total
// is computed by the validator itself (row-only), so it takes no room.
func TestItemAllowance(t *testing.T) {
	o, _ := Builtin().Lookup("orders")
	want := ItemAllowance{
		Parts: []AllowancePart{
			{"_source_key", 11 + 1024, "enrich or load"},
			{"_source_version", 15 + 1024, "enrich or load"},
			{"_source_order", 13 + 30 + 1 + 1024, "load"},
			{"_ingested_at", 12 + 24, "enrich or load"},
			{"_execution", 10 + 256, "enrich or load"},
			{"customer_name", 13 + 4*200, "enrich"},
			{"segment", 7 + 9, "enrich"},
			{"customer_missing", 16 + 1, "enrich"},
		},
	}
	for _, p := range want.Parts {
		want.Bytes += p.Bytes
	}
	if diff := cmp.Diff(want, o.ItemAllowance()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	r, _ := Builtin().Lookup("readings")
	if got := r.ItemAllowance(); got.Bytes != 1035+1039+1068+36+266 || len(got.Unbounded) > 0 {
		t.Errorf("readings: %+v, want the metadata alone", got)
	}
}

// enriched returns a set of a reference dataset and one that looks it up,
// with the given calculated fields and HTTP enrichment.
func enriched(t *testing.T, calcs []Calculated, http []HTTPEnrichment) *Dataset {
	t.Helper()
	ref := &Dataset{Name: "rates", Prefix: "rates/", Format: Format{Kind: JSONL}, Reference: true,
		Fields: []Field{{Name: "currency", Type: String, Required: true}, {Name: "rate", Type: Decimal, Scale: 4}, {Name: "label", Type: String}},
		Key:    Key{Partition: "RATE#{currency}"}}
	d := &Dataset{Name: "sales", Prefix: "sales/", Format: Format{Kind: JSONL},
		Fields: []Field{{Name: "id", Type: String, Required: true}, {Name: "currency", Type: String, Required: true},
			{Name: "amount", Type: Decimal}, {Name: "n", Type: Int}},
		Key: Key{Partition: "SALE#{id}"},
		Enrichment: Enrichment{
			Lookups:    []Lookup{{From: "rates", On: "currency", Copy: map[string]string{"rate": "rate", "label": "label"}, MissingFlag: "rate_missing"}},
			HTTP:       http,
			Calculated: calcs,
		},
	}
	if _, err := NewSet(ref, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRowOnly: a calculated field is the validator's to compute when it
// reads the record's own fields only, directly or through row-only
// calculated fields; anything that reads a lookup, an HTTP result, a flag
// or $env is the enricher's alone.
func TestRowOnly(t *testing.T) {
	d := enriched(t, []Calculated{
		{Name: "double", Type: Decimal, Expr: "amount * 2"},
		{Name: "quad", Type: Decimal, Expr: "double * 2"},
		{Name: "local", Type: Decimal, Scale: 2, Expr: "amount * rate"},
		{Name: "twice_local", Type: Decimal, Expr: "local * 2"},
		{Name: "flagged", Type: Bool, Expr: "rate_missing"},
		{Name: "geo", Type: String, Expr: "country ?? currency"},
		{Name: "env", Type: Int, Expr: "$env.n ?? 0"},
		{Name: "let", Type: Int, Expr: "let x = n; x + 1"},
		{Name: "text", Type: String, Expr: `upper(currency) + "-" + id`},
	}, []HTTPEnrichment{{Name: "geo", URL: "https://geo.example/{id}", Copy: map[string]string{"country": "country"}}})
	want := map[string]bool{"double": true, "quad": true, "local": false, "twice_local": false, "flagged": false, "geo": false, "env": false, "let": true, "text": true}
	got := map[string]bool{}
	for i := range d.Enrichment.Calculated {
		got[d.Enrichment.Calculated[i].Name] = d.Enrichment.Calculated[i].RowOnly()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RowOnly (-want +got):\n%s", diff)
	}
	a := d.ItemAllowance()
	var parts []string
	for _, p := range a.Parts[5:] {
		parts = append(parts, p.Attr)
	}
	if diff := cmp.Diff([]string{"rate", "rate_missing", "local", "twice_local", "flagged", "env"}, parts); diff != "" {
		t.Errorf("allowance parts after the metadata (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"label", "country", "geo"}, a.Unbounded); diff != "" {
		t.Errorf("unbounded (-want +got):\n%s", diff)
	}
	// The longest number text: a sign, "0.", 129 zeros and 38 digits
	// (1E-130 at full precision), plus 1.
	if p := a.Parts[5]; p.Bytes != len("rate")+1+2+129+38+1 {
		t.Errorf("rate (Scale 4) takes %d", p.Bytes)
	}
}

// TestCalculateRow computes the row-only fields and leaves the others to
// the enricher.
func TestCalculateRow(t *testing.T) {
	d := enriched(t, []Calculated{
		{Name: "double", Type: Decimal, Expr: "amount * 2"},
		{Name: "local", Type: Decimal, Scale: 2, Expr: "amount * rate"},
		{Name: "huge", Type: Decimal, Expr: `amount * decimal("` + strings.Repeat("9", 38) + `")`},
	}, nil)
	rec := map[string]any{"id": "S1", "currency": "EUR", "amount": json.Number("1.5")}
	errs := d.CalculateRow(rec)
	if len(errs) != 1 {
		t.Fatalf("errors %v, want the one of huge", errs)
	}
	if fe, ok := errs[0].(FieldError); !ok || fe.Field != "huge" || fe.Code != CodeNumberLimit {
		t.Errorf("error %#v", errs[0])
	}
	want := map[string]any{"id": "S1", "currency": "EUR", "amount": json.Number("1.5"), "double": json.Number("3")}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}
