package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// listDataset is a CSV dataset with a list of each kind: strings split on
// "|" and stored as a set, decimals kept as a list.
func listDataset(kind Kind) *Dataset {
	d := &Dataset{
		Name: "lists", Prefix: "incoming/lists/", Format: Format{Kind: kind},
		Fields: []Field{
			{Name: "id", Type: String, Required: true},
			{Name: "tags", Type: String, MaxLength: 8, List: &List{MaxItems: 3, Set: true, Delimiter: "|"}},
			{Name: "weights", Type: Decimal, Scale: 1, List: &List{MinItems: 2, Unique: true, Delimiter: "|"}},
			{Name: "flags", Type: Bool, Required: true, List: &List{Delimiter: "|"}},
		},
		Key:        Key{Partition: "L#{id}"},
		Transforms: Transforms{Trim: true, Case: map[string]Case{"tags": Upper}},
	}
	if kind == XML {
		d.Format.RecordElement = "item"
	}
	if err := d.Compile(); err != nil {
		panic(err)
	}
	return d
}

// TestNormalizeList: each element is read, trimmed, case-normalised and
// checked as a value of the field; a problem names the element
// (field[index], 0-based); the list's own bounds follow; an empty list is
// an empty value.
func TestNormalizeList(t *testing.T) {
	type fe struct{ Field, Code string }
	tests := []struct {
		name     string
		kind     Kind
		raw      map[string]any
		want     map[string]any
		wantErrs []fe
	}{
		{"csv cells split", CSV, map[string]any{"id": "a", "tags": " x| y ", "weights": "1.5|2", "flags": "yes|0"},
			map[string]any{"id": "a", "tags": []any{"X", "Y"}, "weights": []any{json.Number("1.5"), json.Number("2.0")}, "flags": []any{true, false}}, nil},
		{"json arrays", JSONL, map[string]any{"id": "a", "tags": []any{"x"}, "weights": []any{json.Number("1"), "2.25"}, "flags": []any{true}},
			nil, []fe{{"weights[1]", CodeScale}}},
		{"json string with delimiter", JSONL, map[string]any{"id": "a", "flags": "true|false"},
			map[string]any{"id": "a", "flags": []any{true, false}}, nil},
		{"json object is not a list", JSONL, map[string]any{"id": "a", "flags": map[string]any{"x": true}},
			nil, []fe{{"flags", CodeType}}},
		{"json number is not a list", JSONL, map[string]any{"id": "a", "flags": json.Number("1")},
			nil, []fe{{"flags", CodeType}}},
		{"element of the wrong type", JSONL, map[string]any{"id": "a", "flags": []any{true, "maybe", map[string]any{}}},
			nil, []fe{{"flags[1]", CodeType}, {"flags[2]", CodeNotScalar}}},
		{"empty and null elements", JSONL, map[string]any{"id": "a", "flags": []any{true, nil, " "}},
			nil, []fe{{"flags[1]", CodeRequired}, {"flags[2]", CodeRequired}}},
		{"empty list is absent", JSONL, map[string]any{"id": "a", "tags": []any{}, "flags": []any{}},
			nil, []fe{{"flags", CodeRequired}}},
		{"missing required list", CSV, map[string]any{"id": "a", "flags": ""},
			nil, []fe{{"flags", CodeRequired}}},
		{"max length per element", CSV, map[string]any{"id": "a", "tags": "short|much too long", "flags": "1"},
			nil, []fe{{"tags[1]", CodeMaxLength}}},
		{"too many", CSV, map[string]any{"id": "a", "tags": "a|b|c|d", "flags": "1"},
			nil, []fe{{"tags", CodeMaxItems}}},
		{"too few", CSV, map[string]any{"id": "a", "weights": "1", "flags": "1"},
			nil, []fe{{"weights", CodeMinItems}}},
		{"set after case", CSV, map[string]any{"id": "a", "tags": "a|A", "flags": "1"},
			nil, []fe{{"tags[1]", CodeDuplicateItem}}},
		{"unique by value", CSV, map[string]any{"id": "a", "weights": "1.0|1|2", "flags": "1"},
			nil, []fe{{"weights[1]", CodeDuplicateItem}}},
		{"xml wrapper", XML, map[string]any{"id": "a", "tags": map[string]any{"@lang": "en", "tag": []any{"x", "y"}}, "flags": map[string]any{"flag": "true"}},
			map[string]any{"id": "a", "tags": []any{"X", "Y"}, "flags": []any{true}}, nil},
		{"xml repeated under the record", XML, map[string]any{"id": "a", "flags": []any{"1", "0"}},
			map[string]any{"id": "a", "flags": []any{true, false}}, nil},
		{"xml one element", XML, map[string]any{"id": "a", "flags": "1"},
			map[string]any{"id": "a", "flags": []any{true}}, nil},
		{"xml wrapper of mixed children", XML, map[string]any{"id": "a", "flags": map[string]any{"flag": "1", "other": "0"}},
			nil, []fe{{"flags", CodeType}}},
		{"xml wrapper with text", XML, map[string]any{"id": "a", "flags": map[string]any{"flag": "1", "#text": "stray"}},
			nil, []fe{{"flags", CodeType}}},
		{"xml element with attributes", XML, map[string]any{"id": "a", "flags": map[string]any{"flag": map[string]any{"@x": "1", "#text": "true"}}},
			nil, []fe{{"flags[0]", CodeNotScalar}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := listDataset(tt.kind)
			rec, errs := d.Normalize(tt.raw)
			var got []fe
			for _, e := range errs {
				got = append(got, fe{e.Field, e.Code})
				if e.Column == "" {
					t.Errorf("%s: no column", e.Field)
				}
			}
			if diff := cmp.Diff(tt.wantErrs, got); diff != "" {
				t.Fatalf("errors (-want +got):\n%s\n%v", diff, errs)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, rec); diff != "" {
					t.Errorf("record (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestListDeclarationIssues: the lint rules of list declarations.
func TestListDeclarationIssues(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(d *Dataset)
		wantPath string
		wantCode string
	}{
		{"csv without delimiter", func(d *Dataset) { d.Fields[1].List.Delimiter = "" }, "Fields[tags].List.Delimiter", CodeBadOption},
		{"delimiter is the separator", func(d *Dataset) { d.Fields[1].List.Delimiter = "," }, "Fields[tags].List.Delimiter", CodeBadOption},
		{"set of bools in xml", func(d *Dataset) {
			d.Format = Format{Kind: XML, RecordElement: "r"}
			d.Fields[3].List.Set = true
		}, "Fields[flags].List.Set", CodeBadOption},
		{"negative bound", func(d *Dataset) { d.Fields[1].List.MinItems = -1 }, "Fields[tags].List.MinItems", CodeBadOption},
		{"max below min", func(d *Dataset) { d.Fields[1].List.MinItems = 5 }, "Fields[tags].List.MaxItems", CodeBadOption},
		{"bool set", func(d *Dataset) { d.Fields[3].List.Set = true }, "Fields[flags].List.Set", CodeBadOption},
		{"list in key", func(d *Dataset) { d.Key.Sort = "{tags}" }, "Key.Sort", CodeListField},
		{"list default", func(d *Dataset) { d.Transforms.Defaults = map[string]string{"tags": "a"} }, "Transforms.Defaults[tags]", CodeListField},
		{"list ttl", func(d *Dataset) {
			d.Fields = append(d.Fields, Field{Name: "days", Type: Date, List: &List{Delimiter: "|"}})
			d.TTL = &TTL{Attribute: "exp", After: 1, From: "days"}
		}, "TTL.From", CodeListField},
		{"list url", func(d *Dataset) {
			d.Enrichment.HTTP = []HTTPEnrichment{{Name: "h", URL: "https://x.example/{tags}", Copy: map[string]string{"y": "y"}}}
		}, "Enrichment.HTTP[0].URL", CodeListField},
		{"list lookup", func(d *Dataset) {
			d.Enrichment.Lookups = []Lookup{{From: "ref", On: "tags", MissingFlag: "missing"}}
		}, "Enrichment.Lookups[0].On", CodeListField},
		{"list compared as a string", func(d *Dataset) { d.Transforms.Filters = []string{`tags == "A"`} }, "Transforms.Filters[0]", CodeBadExpr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := listDataset(CSV)
			tt.mutate(d)
			err := d.Compile()
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("Compile = %v, want Issues", err)
			}
			for _, i := range is {
				if i.Path == tt.wantPath && i.Code == tt.wantCode {
					return
				}
			}
			t.Errorf("issues %+v lack %s at %s", is, tt.wantCode, tt.wantPath)
		})
	}
}

// TestListExpressions: filters and calculated fields see a list as a
// typed slice (an absent list as an empty one).
func TestListExpressions(t *testing.T) {
	d := listDataset(CSV)
	d.Transforms.Filters = []string{`"KEEP" in tags || len(weights) > 2`}
	d.Enrichment.Calculated = []Calculated{{Name: "first_weight", Type: Decimal, Expr: `len(weights) == 0 ? decimal("0") : weights[0] * 2`}}
	if err := d.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		raw      map[string]any
		wantKeep bool
		wantCalc any
	}{
		{map[string]any{"id": "a", "tags": "keep|x", "flags": "1"}, true, json.Number("0")},
		{map[string]any{"id": "a", "tags": "x", "weights": "1.5|2|3", "flags": "1"}, true, json.Number("3")},
		{map[string]any{"id": "a", "weights": "1|2", "flags": "1"}, false, json.Number("2")},
	}
	for _, tt := range tests {
		rec, errs := d.Normalize(tt.raw)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		keep, err := d.Keep(rec)
		if err != nil || keep != tt.wantKeep {
			t.Errorf("Keep(%v) = %v, %v; want %v", tt.raw, keep, err, tt.wantKeep)
		}
		if errs := d.Calculate(rec); len(errs) > 0 {
			t.Fatal(errs)
		}
		if diff := cmp.Diff(tt.wantCalc, rec["first_weight"]); diff != "" {
			t.Errorf("first_weight of %v (-want +got):\n%s", tt.raw, diff)
		}
	}
}

// TestSetAttributes: the fields the loader writes as sets, by type.
func TestSetAttributes(t *testing.T) {
	c, _ := Builtin().Lookup("catalog")
	if diff := cmp.Diff(map[string]SetType{"tags": StringSet, "sizes": NumberSet}, c.SetAttributes()); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
	r, _ := Builtin().Lookup("readings")
	if got := r.SetAttributes(); got != nil {
		t.Errorf("readings = %v, want none (alerts is a List)", got)
	}
	d := listDataset(CSV)
	d.Transforms.Drop = []string{"tags"}
	if err := d.Compile(); err != nil {
		t.Fatal(err)
	}
	if got := d.SetAttributes(); got != nil {
		t.Errorf("dropped set = %v, want none", got)
	}
	if reflect.TypeOf(listSample(Decimal)) != reflect.TypeOf([]Number(nil)) {
		t.Errorf("listSample(Decimal) = %T", listSample(Decimal))
	}
}

// TestListExpressionsOnCatalog: the documented forms over the built-in
// catalog's sets compile and evaluate.
func TestListExpressionsOnCatalog(t *testing.T) {
	c := Catalog()
	c.Transforms.Filters = []string{`"tea" in tags && any(sizes, # >= 500)`}
	if err := c.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		raw  map[string]any
		want bool
	}{
		{map[string]any{"sku": "A", "name": "n", "price": "1", "tags": map[string]any{"tag": []any{"Tea", "x"}}, "sizes": map[string]any{"size": []any{"250", "500"}}}, true},
		{map[string]any{"sku": "A", "name": "n", "price": "1", "tags": map[string]any{"tag": "tea"}, "sizes": map[string]any{"size": "250"}}, false},
		{map[string]any{"sku": "A", "name": "n", "price": "1"}, false},
	}
	for _, tt := range tests {
		rec, errs := c.Normalize(tt.raw)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if got, err := c.Keep(rec); err != nil || got != tt.want {
			t.Errorf("Keep(%v) = %v, %v; want %v", rec, got, err, tt.want)
		}
	}
}

// FuzzNormalizeList: any JSON value, given to each list field of a dataset
// of each format, normalises without panic; every problem names a declared
// field or one of its elements (field[i], i within the value's elements);
// a list written is non-empty, within its bounds, unique where declared,
// and normalising it again gives it back unchanged.
func FuzzNormalizeList(f *testing.F) {
	for _, s := range []string{`["a","b"]`, `"x|y| "`, `{"tag":["1","2"]}`, `{"@a":"1","tag":"t"}`, `[1.50,1.5,null]`, `[[1],{}]`, `{"a":"1","b":"2"}`, `"yes|no|0"`, `[]`, `true`} {
		f.Add([]byte(s))
	}
	kinds := []Kind{CSV, JSONL, XML}
	ds := map[Kind]*Dataset{}
	for _, k := range kinds {
		ds[k] = listDataset(k)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 4096 {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		for _, k := range kinds {
			d := ds[k]
			if s, ok := v.(string); k == CSV && !ok {
				v = string(in) // a CSV cell is text
			} else if ok {
				v = s
			}
			raw := map[string]any{"id": "a", "tags": v, "weights": v, "flags": v}
			rec, errs := d.Normalize(raw)
			for _, e := range errs {
				name, _, _ := strings.Cut(e.Field, "[")
				if fd, ok := d.Field(name); !ok || fd.List == nil && name != e.Field {
					t.Fatalf("%s: problem names %q", k, e.Field)
				}
			}
			for _, name := range []string{"tags", "weights", "flags"} {
				l, ok := rec[name]
				if !ok {
					continue
				}
				list, isList := l.([]any)
				fd, _ := d.Field(name)
				if !isList || len(list) == 0 || fd.List.MaxItems > 0 && len(list) > fd.List.MaxItems || len(list) < fd.List.MinItems {
					t.Fatalf("%s: %s = %#v", k, name, l)
				}
				if k == CSV {
					continue // a CSV cell is never an array
				}
				in := map[string]any{"id": "a", "flags": []any{true}}
				in[name] = list
				again, errs := d.Normalize(in)
				if len(errs) > 0 || !cmp.Equal(list, again[name]) {
					t.Fatalf("%s: %s = %#v normalises again to %#v, %v", k, name, list, again[name], errs)
				}
			}
		}
	})
}

// TestXMLColumnPath: an XML Column path reads inside a child element: an
// attribute, the text of an element with attributes, the repeated children
// of a wrapper.
func TestXMLColumnPath(t *testing.T) {
	d := &Dataset{Name: "p", Prefix: "incoming/p/", Format: Format{Kind: XML, RecordElement: "product"},
		Fields: []Field{
			{Name: "sku", Type: String, Required: true},
			{Name: "price", Type: Decimal, Column: "price/#text", Required: true},
			{Name: "currency", Type: Enum, Column: "price/@currency", Values: []string{"EUR", "USD"}},
			{Name: "tags", Type: String, Column: "tags/tag", List: &List{}},
		},
		Key: Key{Partition: "P#{sku}"},
	}
	if err := d.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  map[string]any
		want map[string]any
		errs []string
	}{
		{"attribute and text", map[string]any{"sku": "A", "price": map[string]any{"@currency": "EUR", "#text": "9.50"}, "tags": map[string]any{"tag": []any{"x", "y"}}},
			map[string]any{"sku": "A", "price": json.Number("9.50"), "currency": "EUR", "tags": []any{"x", "y"}}, nil},
		{"plain element", map[string]any{"sku": "A", "price": "3", "tags": map[string]any{"tag": "x"}},
			map[string]any{"sku": "A", "price": json.Number("3"), "tags": []any{"x"}}, nil},
		{"absent", map[string]any{"sku": "A", "price": map[string]any{"@currency": "EUR"}},
			map[string]any{"sku": "A", "currency": "EUR"}, []string{"price required"}},
		{"bad attribute", map[string]any{"sku": "A", "price": map[string]any{"@currency": "JPY", "#text": "1"}},
			map[string]any{"sku": "A", "price": json.Number("1")}, []string{"currency enum"}},
	}
	for _, tt := range tests {
		rec, errs := d.Normalize(tt.raw)
		var got []string
		for _, e := range errs {
			got = append(got, e.Field+" "+e.Code)
		}
		if diff := cmp.Diff(tt.errs, got); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.want, rec); diff != "" {
			t.Errorf("%s: record (-want +got):\n%s", tt.name, diff)
		}
	}
	d.Fields[1].Column = "price//x"
	var is Issues
	if err := d.Compile(); !errors.As(err, &is) || is[0].Code != CodeBadOption || is[0].Path != "Fields[price].Column" {
		t.Errorf("empty step: %v", err)
	}
}
