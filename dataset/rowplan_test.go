package dataset

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// planNumbersDataset declares CSV int and decimal fields with every shape
// of bounds and scale the plan's number conversions distinguish.
func planNumbersDataset(t testing.TB) *Dataset {
	t.Helper()
	ds := &Dataset{
		Name:   "numbers",
		Prefix: "incoming/numbers/",
		Format: Format{Kind: CSV},
		Fields: []Field{
			{Name: "id", Type: String, Required: true},
			{Name: "i", Type: Int},
			{Name: "ipos", Type: Int, Min: "1"},
			{Name: "irange", Type: Int, Min: "-150", Max: "2500"},
			{Name: "ineg", Type: Int, Max: "-10"},
			{Name: "d", Type: Decimal},
			{Name: "d2", Type: Decimal, Scale: 2, Min: "0"},
			{Name: "drange", Type: Decimal, Scale: 3, Min: "-12.5", Max: "99.25"},
			{Name: "dneg", Type: Decimal, Max: "-0.5"},
			{Name: "dsmall", Type: Decimal, Min: "0.001", Max: "0.9"},
		},
		Key: Key{Partition: "N#{id}"},
	}
	if err := ds.Compile(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// planNumberValues are the texts TestPlanNumbers converts: canonical and
// not, signs, leading zeros, dots without digits, bounds and their
// neighbours, DynamoDB's limits, and junk.
var planNumberValues = []string{
	"0", "1", "9", "10", "99", "100", "2500", "2501", "-150", "-151", "-10", "-11", "-9",
	"+0", "-0", "+7", "007", "-007", "00", "0000000000000000001", "123456789012345678",
	"1234567890123456789", "-999999999999999999",
	"0.0", "0.00", "-0.00", "0.5", ".5", "5.", "-.5", "+.5", "1.01", "1.1", "1.010", "1.001",
	"01.01", "00.10", "-0.5", "-0.50", "-0.499", "-0.501", "12.5", "-12.5", "-12.500", "-12.501",
	"99.25", "99.250", "99.251", "99.2500", "0.001", "0.0010", "0.0009", "0.9", "0.90", "0.901",
	"1e5", "1.2.3", "-", "+", ".", "--1", "1-", " 1", "1 ", "١", "0x10",
	"12345678901234567890123456789012345678", "123456789012345678901234567890123456789",
	"0.00000000000000000000000000000000000001", "100000000000000000000000000000000000000000000",
}

// TestPlanNumbers checks the plan's int and decimal conversions against
// Field.convert, the definition: where the plan takes a value it gives
// the same canonical text and the bound of that text (decimalBound), and
// where the definition refuses a value the plan does not take it. The
// plan must take every value already canonical (ints of up to 18
// digits), which clean files are made of.
func TestPlanNumbers(t *testing.T) {
	ds := planNumbersDataset(t)
	header := make([]string, len(ds.Fields))
	for i, f := range ds.Fields {
		header[i] = f.Name
	}
	p := ds.RowPlan(header)
	if p == nil {
		t.Fatal("no plan for the numbers dataset")
	}
	for i := range p.fields {
		pf := &p.fields[i]
		if pf.kind != kindInt && pf.kind != kindDecimal {
			continue
		}
		for _, v := range planNumberValues {
			t.Run(fmt.Sprintf("%s=%q", pf.f.Name, v), func(t *testing.T) {
				p.val = p.val[:0]
				got, ok := p.convert(i, pf, []byte(v), PlainText([]byte(v)))
				want, fe := pf.f.convert(v, pf.cs)
				if !ok {
					// Ints of more than 18 digits go the general way by design.
					if fe == nil && string(want.(json.Number)) == v && !(pf.kind == kindInt && len(strings.TrimLeft(v, "+-")) > 18) {
						t.Errorf("the plan did not take %q, canonical already", v)
					}
					return
				}
				if fe != nil {
					t.Fatalf("the plan took %q as %q; the definition refuses it: %v", v, got, fe)
				}
				if w := string(want.(json.Number)); string(got) != w {
					t.Fatalf("the plan gave %q, the definition %q", got, w)
				}
				if b := decimalBound(got); p.bnd[i] != b {
					t.Errorf("bound %+v, want %+v (of %q)", p.bnd[i], b, got)
				}
			})
		}
	}
}

// FuzzPlanDate: the plan's date conversion (the layouts' digits read in
// place) takes a text only as Field.convert (time.Parse) does, and gives
// the same normalised date.
func FuzzPlanDate(f *testing.F) {
	for _, v := range []string{"2026-02-28", "2024-02-29", "2026-02-29", "2100-02-29", "2000-02-29", "2026-13-01", "2026-00-10",
		"2026-04-31", "2026-12-31", "29/02/2024", "31/04/2026", "2026-1-01", "0000-01-01", "2026/01/01", "2026-01-0a", "20260101", "-026-01-01"} {
		f.Add(v)
	}
	ds := &Dataset{
		Name:   "dates",
		Prefix: "incoming/dates/",
		Format: Format{Kind: CSV},
		Fields: []Field{{Name: "id", Type: String, Required: true}, {Name: "d", Type: Date, Layouts: []string{"2006-01-02", "02/01/2006", "2006.01.02"}}},
		Key:    Key{Partition: "D#{id}"},
	}
	if err := ds.Compile(); err != nil {
		f.Fatal(err)
	}
	p := ds.RowPlan([]string{"id", "d"})
	pf := &p.fields[1]
	if pf.kind != kindDate {
		f.Fatalf("the date field is not planned as a date (kind %d)", pf.kind)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if v == "" {
			return
		}
		p.val = p.val[:0]
		got, ok := p.convert(1, pf, []byte(v), PlainText([]byte(v)))
		want, fe := pf.f.convert(v, pf.cs)
		switch {
		case ok && fe != nil:
			t.Fatalf("the plan took %q as %q; the definition refuses it: %v", v, got, fe)
		case ok && string(got) != want.(string):
			t.Fatalf("the plan gave %q for %q, the definition %q", got, v, want)
		case !ok && fe == nil && len(v) == 10 && PlainText([]byte(v)):
			t.Fatalf("the plan did not take %q, which the definition gives as %q", v, want)
		}
	})
}
