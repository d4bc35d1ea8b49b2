package dataset

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// arithDataset has calculated fields of every Arith form: each operator,
// Int and Decimal operands, exact, scaled and integer results.
func arithDataset(t testing.TB) *Dataset {
	t.Helper()
	d := &Dataset{
		Name: "arith", Prefix: "incoming/arith/", Suffixes: []string{".csv"}, MinSize: 1, MaxSize: 1 << 20,
		Format: Format{Kind: CSV},
		Fields: []Field{
			{Name: "id", Type: String, Required: true},
			{Name: "n", Type: Int},
			{Name: "x", Type: Decimal},
			{Name: "y", Type: Decimal},
		},
		Key: Key{Partition: "A#{id}", Sort: "A"},
		Enrichment: Enrichment{Calculated: []Calculated{
			{Name: "nx2", Type: Decimal, Scale: 2, Expr: "n * x"},
			{Name: "xn0", Type: Decimal, Expr: "x * n"},
			{Name: "xy", Type: Decimal, Expr: "x * y"},
			{Name: "xy1", Type: Decimal, Scale: 1, Expr: "x * y"},
			{Name: "sum3", Type: Decimal, Scale: 3, Expr: "x + y"},
			{Name: "diff", Type: Decimal, Expr: "x - n"},
			{Name: "diff0", Type: Decimal, Scale: 20, Expr: "n - y"},
			{Name: "nn", Type: Int, Expr: "n * n"},
			{Name: "two", Type: Decimal, Expr: "x * y * n"},
		}},
	}
	if err := d.Compile(); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestArithForms(t *testing.T) {
	t.Parallel()
	d := arithDataset(t)
	var got []string
	for i, cf := range d.Enrichment.Calculated {
		if a := d.Arith(i); a != nil {
			got = append(got, fmt.Sprintf("%s: %s %c %s", cf.Name, a.X, a.op, a.Y))
		} else {
			got = append(got, cf.Name+": none")
		}
	}
	want := []string{"nx2: n * x", "xn0: x * n", "xy: x * y", "xy1: x * y", "sum3: x + y", "diff: x - n", "diff0: n - y", "nn: none", "two: none"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// checkArith fails t unless Calculate, which computes the Arith fields
// with Arith, stores and returns exactly what the expression machine alone
// does (calculate's machineOnly) for a record of n, x and y, as JSON
// numbers and as strings; and unless every Arith's AppendValue gives the
// machine's text or declines. It returns the number of fields AppendValue
// computed.
func checkArith(t *testing.T, d *Dataset, n, x, y string) (computed int) {
	t.Helper()
	var machine map[string]any
	for _, text := range []func(string) any{
		func(s string) any { return json.Number(s) },
		func(s string) any { return s },
	} {
		rec := func() map[string]any { return map[string]any{"n": text(n), "x": text(x), "y": text(y)} }
		got, want := rec(), rec()
		gotErrs, wantErrs := d.Calculate(got), d.calculate(want, false, true)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("n=%q x=%q y=%q (%T): Calculate's record (-machine +Calculate):\n%s", n, x, y, got["n"], diff)
		}
		if diff := cmp.Diff(fmt.Sprint(wantErrs), fmt.Sprint(gotErrs)); diff != "" {
			t.Errorf("n=%q x=%q y=%q (%T): Calculate's errors (-machine +Calculate):\n%s", n, x, y, got["n"], diff)
		}
		if machine == nil {
			machine = want
		}
	}
	for i, cf := range d.Enrichment.Calculated {
		a := d.Arith(i)
		if a == nil {
			continue
		}
		val := map[string]string{"n": n, "x": x, "y": y}
		got, ok := a.AppendValue(nil, []byte(val[a.X]), []byte(val[a.Y]))
		if !ok {
			continue
		}
		computed++
		want, _ := machine[cf.Name].(json.Number)
		if string(got) != string(want) {
			t.Errorf("%s (%s) with n=%s x=%s y=%s: Arith %q, the machine %q", cf.Name, cf.Expr, n, x, y, got, want)
		}
	}
	return computed
}

func TestArithMatchesCalculate(t *testing.T) {
	t.Parallel()
	d := arithDataset(t)
	for _, c := range [][3]string{
		{"3", "19.99", "0.10"}, {"-7", "1.005", "-1.005"}, {"0", "0", "0"}, {"-0", "-0.0", "0.00"},
		{"1", "0.05", "0.5"}, {"1", "-0.05", "-0.004"}, {"2", "2.5", "-2.5"}, {"999999999999999999", "9.99", "1"},
		{"123456789", "123456789.123456789", "0.000000001"}, {"5", "0.999", "0.001"}, {"1", "1.", ".5"},
		{"01", "007", "1e2"}, {"3.0", "+1", "1"}, {"-3", "-0.15", "0.25"},
	} {
		checkArith(t, d, c[0], c[1], c[2])
	}
}

// TestArithRandomNumbers compares Arith with Calculate on numbers in the
// normalised form of every length Arith takes (and a little beyond),
// drawn from a fixed seed.
func TestArithRandomNumbers(t *testing.T) {
	t.Parallel()
	d := arithDataset(t)
	r := rand.New(rand.NewPCG(1, 2))
	num := func(places int) string {
		digits := 1 + r.IntN(12)
		s := fmt.Sprint(r.Int64N(int64(pow10[min(digits, 18)])))
		if places > 0 {
			s += "." + fmt.Sprintf("%0*d", places, r.Int64N(int64(pow10[places])))
		}
		if r.IntN(3) == 0 && strings.Trim(s, "0.") != "" {
			s = "-" + s
		}
		return s
	}
	const cases = 3000
	computed := 0
	for range cases {
		computed += checkArith(t, d, num(0), num(r.IntN(10)), num(r.IntN(10)))
	}
	// 7 Arith fields a case; most operands fit 64 bits.
	if computed < cases*7/2 {
		t.Errorf("Arith computed %d of %d values: the comparison proves little", computed, cases*7)
	}
}

// FuzzArith: whenever Arith computes a value, it is Calculate's.
func FuzzArith(f *testing.F) {
	f.Add("3", "19.99", "0.10")
	f.Add("-7", "1.005", "-0.5")
	f.Add("999999999999999999", "0.000000000000000001", "-99.95")
	d := arithDataset(f)
	f.Fuzz(func(t *testing.T, n, x, y string) {
		if len(n)+len(x)+len(y) > 80 {
			return
		}
		checkArith(t, d, n, x, y)
	})
}
