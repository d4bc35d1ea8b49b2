package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/records"
)

// kindsDataset declares a CSV dataset with every field type, optional
// fields, defaults, case, a drop, a non-ASCII enum and a row-only
// calculated field, to drive the fast path (dataset.RowPlan) through each
// of its conversions.
func kindsDataset(t testing.TB) *dataset.Dataset {
	t.Helper()
	ds := &dataset.Dataset{
		Name:     "kinds",
		Prefix:   "incoming/kinds/",
		Suffixes: []string{".csv"},
		Format:   dataset.Format{Kind: dataset.CSV},
		Fields: []dataset.Field{
			{Name: "id", Type: dataset.String, Required: true, Pattern: `[a-z0-9]+`, MaxLength: 6},
			{Name: "label", Type: dataset.String, MaxLength: 4},
			{Name: "code", Type: dataset.String, Pattern: `[A-Z]{2}\d`},
			{Name: "flag", Type: dataset.Bool},
			{Name: "at", Type: dataset.Timestamp},
			{Name: "day", Type: dataset.Date, Layouts: []string{"2006-01-02", "02.01.2006", "Jan 2 2006"}},
			{Name: "n", Type: dataset.Int, Min: "-5", Max: "1000000"},
			{Name: "d", Type: dataset.Decimal, Min: "-1.5", Max: "99999999999999999999999999999999999999"},
			{Name: "p", Type: dataset.Decimal, Scale: 3},
			{Name: "e", Type: dataset.Enum, Values: []string{"Ünï", "x"}, CaseInsensitive: true},
			{Name: "f", Type: dataset.Enum, Values: []string{"on", "OFF"}, CaseInsensitive: true, Pattern: `[a-zA-Z]+`},
			{Name: "g", Type: dataset.String},
		},
		Key:        dataset.Key{Partition: "K#{id}", Sort: "{{x}}"},
		Transforms: dataset.Transforms{Trim: true, Case: map[string]dataset.Case{"label": dataset.Upper}, Drop: []string{"code"}, Defaults: map[string]string{"g": "dflt"}},
		Enrichment: dataset.Enrichment{Calculated: []dataset.Calculated{
			{Name: "total", Type: dataset.Decimal, Scale: 2, Expr: "n * d + p"},
			{Name: "twice", Type: dataset.Int, Expr: "n * 2"},
		}},
		RowErrors: dataset.RowErrors{Mode: dataset.SkipBadRows},
	}
	if err := ds.Compile(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// scanAll runs AppendNext to the end and returns the output and the rows
// (or the file-level error).
func scanAll(t testing.TB, content []byte, ds *dataset.Dataset, noPlan bool) (string, []Row, string) {
	return scanReader(t, bytes.NewReader(content), len(content), ds, noPlan)
}

// scanReader is scanAll of the content of r, of at most size bytes.
func scanReader(t testing.TB, r io.Reader, size int, ds *dataset.Dataset, noPlan bool) (string, []Row, string) {
	content := make([]byte, size) // for the bound on the reads below
	sc, err := NewScanner(r, "f.csv", ds, Config{})
	if err != nil {
		return "", nil, fmt.Sprint(err)
	}
	sc.noPlan = noPlan
	var out []byte
	var rows []Row
	for i := 0; i < len(content)+10; i++ {
		var row Row
		out, row, err = sc.AppendNext(out)
		if errors.Is(err, io.EOF) {
			return string(out), rows, ""
		}
		if err != nil {
			return string(out), rows, fmt.Sprint(err)
		}
		rows = append(rows, row)
	}
	t.Fatalf("scanner did not stop")
	return "", nil, ""
}

// TestFastPathReadFailure: when the input fails part way (an S3 stream
// cut), the fast path, with the file cut into blocks of lines, hands out
// the same rows and then the same error as the general path, wherever
// the failure falls (inside a line, at a line end, in the header).
func TestFastPathReadFailure(t *testing.T) {
	orders, _ := dataset.Builtin().Lookup("orders")
	var b strings.Builder
	b.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := range 300 {
		fmt.Fprintf(&b, "O%d,C1,2026-01-%02d,S,%d,1.%02d,USD,NEW\n", i, 1+i%28, 1+i%5, i%100)
	}
	content := []byte(b.String())
	boom := errors.New("the stream was cut")
	defer func(n int) { blockBytes = n }(blockBytes)
	for _, at := range []int{0, 40, 75, 76, 500, 4321, len(content) / 2, len(content) - 1} {
		failing := func() io.Reader {
			return io.MultiReader(bytes.NewReader(content[:at]), iotest.ErrReader(boom))
		}
		wantOut, wantRows, wantErr := scanReader(t, failing(), len(content), orders, true)
		if wantErr == "" {
			t.Fatalf("cut at %d: the general path saw no error", at)
		}
		for _, block := range []int{1, 100, 1 << 10, 64 << 10} {
			blockBytes = block
			gotOut, gotRows, gotErr := scanReader(t, failing(), len(content), orders, false)
			if gotErr != wantErr || gotOut != wantOut {
				t.Errorf("cut at %d, blocks of %d: error %q and %d bytes out, want %q and %d", at, block, gotErr, len(gotOut), wantErr, len(wantOut))
			}
			if diff := cmp.Diff(wantRows, gotRows); diff != "" {
				t.Errorf("cut at %d, blocks of %d: rows (-general +fast):\n%s", at, block, diff)
			}
		}
	}
}

// scanRuns reads like transform.Run: runs of good rows with AppendGood
// (at most maxRows rows, stopping at maxBytes), the others with
// AppendNext. It returns the output, the rows AppendNext returned, the
// number of rows AppendGood took, and the file-level error.
func scanRuns(t testing.TB, content []byte, ds *dataset.Dataset, maxRows, maxBytes int) (string, []Row, int, string) {
	sc, err := NewScanner(bytes.NewReader(content), "f.csv", ds, Config{})
	if err != nil {
		return "", nil, 0, fmt.Sprint(err)
	}
	defer sc.Close()
	var out []byte
	var rows []Row
	good := 0
	for i := 0; i < len(content)+10; i++ {
		var n int
		if out, n = sc.AppendGood(out, maxRows, len(out)+maxBytes); n > 0 {
			if n > maxRows {
				t.Fatalf("AppendGood took %d rows, at most %d asked", n, maxRows)
			}
			good += n
			continue
		}
		var row Row
		out, row, err = sc.AppendNext(out)
		if errors.Is(err, io.EOF) {
			return string(out), rows, good, ""
		}
		if err != nil {
			return string(out), rows, good, fmt.Sprint(err)
		}
		rows = append(rows, row)
	}
	t.Fatalf("scanner did not stop")
	return "", nil, 0, ""
}

const kindsHeader = "id,label,code,flag,at,day,n,d,p,e,f,g\n"

// FuzzFastPath: the fast path (dataset.RowPlan) and the general path give
// the same staged bytes, the same rows and the same problems for any CSV
// content, for the orders dataset and one with every field type; the
// orders content also with tabs and commas swapped, as a tab-separated
// orders dataset (a delimiter that is not plain text).
func FuzzFastPath(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "..", "examples", "orders", "orders.csv")); err == nil {
		f.Add(false, b)
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "examples", "orders", "orders_bad.csv")); err == nil {
		f.Add(false, b)
	}
	const ordersHeader = "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n"
	for _, body := range []string{
		"A1,C1,2026-02-28,S,3,19.99,usd,New\nA2,C1,29/02/2024,S,+0003,-0.00,EUR,shipped\n",
		"A3,C1,29/02/2026,S,3,1.999,USD,NEW\nA3,C1,2026-01-01,S,3,1,USD,NEW\n A4 ,\"C1\",2026-01-01,\" S\t\",1,.5,GBP,CANCELLED\n",
		"A5,C1,2026-13-01,S,0,5.,XXX,NEW\nA6,C1,2026-01-01,S,99999999999999999999,1e3,USD,NEW\n",
		"A7,C1,2026-01-01,S,9223372036854775807,99999999999999999999999999999999999999,USD,NEW\n",
		"A8,C1,2026-01-01,Ü\u00a0,1,1,USD,NEW\nA9,C\x01,2026-01-01,S,1,1,USD,NEW\n",
		// No line end at the end, CRLF, blank lines, a ragged row.
		"B1,C1,2026-01-01,S,1,1,USD,NEW\r\n\r\nB2,C1,2026-01-01,S,1,1,USD,NEW\n\nB3,C1\nB4,C1,2026-01-01,S,1,1,USD,NEW",
		// Invalid UTF-8 after good rows; a quote after many.
		"B5,C1,2026-01-01,S,1,1,USD,NEW\nB6,C1,2026-01-01,S\xff,1,1,USD,NEW\nB7,C1,2026-01-01,S,1,1,USD,NEW\n",
		"B8,C1,2026-01-01,S,1,1,USD,NEW\nB9,C1,2026-01-01,S,1,1,USD,NEW\nC1,C1,2026-01-01,S,1,1,USD,NEW\nC2,\"C\n1\",2026-01-01,S,1,1,USD,NEW\nC3,C1,2026-01-01,S,1,1,USD,NEW\n",
		// Quoted fields where they belong (cut into blocks by the
		// reader), then quotes out of place (read by one reader).
		"D1,\"C,1\",\"2026-01-01\",S,1,\"1.5\",USD,NEW\r\nD2,C1,2026-01-01,\"S \"\"x\"\"\",1,1,USD,NEW\nD3,\"C\r\n1\",2026-01-01,S,1,1,USD,NEW\nD4,C1,2026-01-01,S,1,1,USD,\"NEW\"\n",
		"E1,C1,2026-01-01,S,1,1,USD,NEW\nE2,C\"1,2026-01-01,S,1,1,USD,NEW\nE3,\"C1\"x,2026-01-01,S,1,1,USD,NEW\nE4,C1,2026-01-01,S,1,1,USD,NEW\n",
		"F1,C1,2026-01-01,S,1,1,USD,NEW\nF2,\"C1\r,2026-01-01,S,1,1,USD,NEW\nF3,C1,2026-01-01,S,1,1,USD,NEW\n\"F4",
	} {
		f.Add(false, []byte(ordersHeader+body))
	}
	for _, body := range []string{
		"abc,lo,AB1,yes,2026-01-02T03:04:05Z,2026-01-02,5,1.25,0.5,ünï,ON,\n",
		"b,,,F,,02.01.2026,,,,X,off,given\nc,toolong,ab1,maybe,x,Jan 2 2026,-6,-2,1.2345,y,On,\n",
		"d,é,AB1,1,,2026-02-29,1000000,99999999999999999999999999999999999999,1,x,oN,\"q\"\"\"\n",
		"e,ab,AB1,TRUE,,31.12.2026,-0,00.10,-0,X,OFF,\n",
	} {
		f.Add(true, []byte(kindsHeader+body))
	}
	orders, _ := dataset.Builtin().Lookup("orders")
	tabbed := dataset.Orders()
	tabbed.Format.Delimiter = '\t'
	if err := tabbed.Compile(); err != nil {
		f.Fatal(err)
	}
	kinds := kindsDataset(f)
	f.Fuzz(func(t *testing.T, useKinds bool, content []byte) {
		if len(content) > 8192 {
			return
		}
		if useKinds {
			checkFastPath(t, kinds, content)
			return
		}
		checkFastPath(t, orders, content)
		swapped := bytes.Map(func(r rune) rune {
			switch r {
			case ',':
				return '\t'
			case '\t':
				return ','
			}
			return r
		}, content)
		if utf8.Valid(content) {
			checkFastPath(t, tabbed, swapped)
		}
	})
}

// checkFastPath is FuzzFastPath's comparison on one dataset and content.
func checkFastPath(t *testing.T, ds *dataset.Dataset, content []byte) {
	t.Helper()
	wantOut, wantRows, wantErr := scanAll(t, content, ds, true)
	// The fast path with the file cut into blocks of lines of several
	// sizes (a block is at least one line: 1 cuts at every line end).
	defer func(n int) { blockBytes = n }(blockBytes)
	for _, block := range []int{1, 1 + len(content)%61, 256, 64 << 10} {
		blockBytes = block
		gotOut, gotRows, gotErr := scanAll(t, content, ds, false)
		if diff := cmp.Diff(wantErr, gotErr); diff != "" {
			t.Fatalf("blocks of %d bytes: file error (-general +fast):\n%s", block, diff)
		}
		if diff := cmp.Diff(wantRows, gotRows); diff != "" {
			t.Fatalf("blocks of %d bytes: rows (-general +fast):\n%s", block, diff)
		}
		if diff := cmp.Diff(strings.Split(wantOut, "\n"), strings.Split(gotOut, "\n")); diff != "" {
			t.Fatalf("blocks of %d bytes: staged records (-general +fast):\n%s", block, diff)
		}
	}
	blockBytes = 1 + len(content)%97
	// In runs (AppendGood): the same bytes, the same other rows, and
	// the good rows counted.
	maxRows, maxBytes := 1+len(content)%3, 1+len(content)%300
	runOut, runRows, good, runErr := scanRuns(t, content, ds, maxRows, maxBytes)
	var others []Row
	for _, r := range wantRows {
		if r.Bad() || r.Filtered || r.Record != nil {
			others = append(others, r)
		}
	}
	var runOthers []Row
	for _, r := range runRows {
		if r.Bad() || r.Filtered || r.Record != nil {
			runOthers = append(runOthers, r)
		}
	}
	if diff := cmp.Diff(wantErr, runErr); diff != "" {
		t.Fatalf("file error in runs (-general +runs):\n%s", diff)
	}
	if diff := cmp.Diff(others, runOthers); diff != "" {
		t.Fatalf("bad and filtered rows in runs (-general +runs):\n%s", diff)
	}
	if len(runRows)+good != len(wantRows) {
		t.Fatalf("runs: %d rows from AppendNext + %d from AppendGood, want %d", len(runRows), good, len(wantRows))
	}
	if diff := cmp.Diff(strings.Split(wantOut, "\n"), strings.Split(runOut, "\n")); diff != "" {
		t.Fatalf("staged records in runs (-general +runs):\n%s", diff)
	}
}

// TestFastPathTakesCleanRows checks that clean rows do take the fast path
// (a differential test alone would pass with a plan that never says yes).
func TestFastPathTakesCleanRows(t *testing.T) {
	orders, _ := dataset.Builtin().Lookup("orders")
	tests := []struct {
		name string
		ds   *dataset.Dataset
		csv  string
	}{
		{"orders", orders, "order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\nA1, C1 ,06/01/2026,S-1,3,19.9,usd,New\n"},
		{"kinds", kindsDataset(t), kindsHeader + "abc,lo,AB1,yes,2026-01-02T03:04:05Z,2026-01-02,5,1.25,0.5,ünï,ON,x\nb,,,F,,02.01.2026,,,,X,off,y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := NewScanner(strings.NewReader(tt.csv), "f.csv", tt.ds, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if err := sc.begin(); err != nil || sc.plan == nil {
				t.Fatalf("no plan (%v)", err)
			}
			line, _, fields, err := sc.csv.NextFields()
			for ; err == nil; line, _, fields, err = sc.csv.NextFields() {
				if _, ok := sc.plan.Stage(nil, fields, line); !ok {
					t.Errorf("line %d: the fast path did not take a clean row", line)
				}
			}
		})
	}
}

// TestAppendGoodRuns checks how AppendGood cuts a file into runs: it
// stops before a duplicate and a bad row (which AppendNext then returns),
// at maxRows, and after the row that reaches maxBytes.
func TestAppendGoodRuns(t *testing.T) {
	orders, _ := dataset.Builtin().Lookup("orders")
	var csv strings.Builder
	csv.WriteString("order_id,customer_id,order_date,sku,quantity,unit_price,currency,status\n")
	for i := 1; i <= 10; i++ {
		id := fmt.Sprint("A", i)
		switch i {
		case 6:
			id = "A2" // a duplicate
		case 8:
			id = "A 8" // bad: the pattern
		}
		fmt.Fprintf(&csv, "%s,C1,2026-01-02,S,1,1.00,USD,NEW\n", id)
	}
	// The staged line of each of the first nine rows.
	line := len(`{"_line":2,"currency":"USD","customer_id":"C1","order_date":"2026-01-02","order_id":"A1","pk":"ORDER#A1","quantity":1,"sk":"ORDER","sku":"S","status":"NEW","unit_price":1.00}` + "\n")
	tests := []struct {
		name              string
		maxRows, maxBytes int
		want              []string // per call: "run N" or the row AppendNext returned
	}{
		{"unbounded", 100, 1 << 20, []string{"run 5", "row 6 " + CodeDuplicateKey, "run 1", "row 8 " + dataset.CodePattern, "run 2", "EOF"}},
		{"two rows", 2, 1 << 20, []string{"run 2", "run 2", "run 1", "row 6 " + CodeDuplicateKey, "run 1", "row 8 " + dataset.CodePattern, "run 2", "EOF"}},
		{"bytes", 100, 2*line + 1, []string{"run 3", "run 2", "row 6 " + CodeDuplicateKey, "run 1", "row 8 " + dataset.CodePattern, "run 2", "EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := NewScanner(strings.NewReader(csv.String()), "f.csv", orders, Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			var got []string
			var out []byte
			for len(got) < 20 {
				var n int
				if out, n = sc.AppendGood(out[:0], tt.maxRows, tt.maxBytes); n > 0 {
					if lines := bytes.Count(out, []byte("\n")); lines != n {
						t.Errorf("a run of %d rows has %d lines:\n%s", n, lines, out)
					}
					got = append(got, fmt.Sprint("run ", n))
					continue
				}
				_, row, err := sc.AppendNext(nil)
				if errors.Is(err, io.EOF) {
					got = append(got, "EOF")
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				desc := fmt.Sprint("row ", row.Row)
				for _, p := range row.Problems {
					desc += " " + p.Code
				}
				got = append(got, desc)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzCutBlock: where cutBlock says a block may end, one reader of the
// whole text and two readers of the text cut there (the second starting
// at the cut's line) read the same rows, values and errors: the cut ends
// a record. The checks of the quotes are what make that hold for quotes
// out of place (FuzzFastPath's inputs seldom put one before a quoted
// field that spans lines).
func FuzzCutBlock(f *testing.F) {
	for _, s := range []string{
		"a,\"b\nc\",d\ne,f,g\n",
		"a,b\"c,\"x\ny\",z\nq,r,s\n",
		"\"a\"x,\"b\n\",c\nd,e,f\n",
		"a,\"b\"\"\n\"\"c\",d\r\ne,\"f\"\r\ng\n",
		"a,b,c\n\"d\ne\",\"f\"\"\",g\nh",
	} {
		f.Add([]byte(s))
	}
	read := func(t *testing.T, b []byte, line int64) []string {
		c := records.NewCSVAt(bytes.NewReader(b), []string{"x", "y", "z"}, line, records.CSVOptions{})
		var got []string
		for range len(b) + 2 {
			line, _, rec, ends, err := c.AppendRow(nil, nil)
			if err != nil {
				if errors.Is(err, io.EOF) {
					return got
				}
				if re, ok := err.(*records.RowError); ok {
					// Rows are counted by each reader (the pipeline
					// numbers them in file order): compare the rest.
					got = append(got, fmt.Sprintf("row error line %d %s %s %q", re.Line, re.Code, re.Msg, re.Excerpt))
					continue
				}
				return append(got, fmt.Sprintf("error %v", err))
			}
			got = append(got, fmt.Sprintf("line %d %q %v", line, rec, ends))
		}
		t.Fatal("the reader did not stop")
		return nil
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) || bytes.IndexByte(b, 0xEF) >= 0 {
			return
		}
		cut, regular := cutBlock(b, '"', ',')
		if !regular || cut < 0 {
			return
		}
		if b[cut] != '\n' {
			t.Fatalf("cut at %d, not a line end", cut)
		}
		whole := read(t, b, 1)
		split := append(read(t, b[:cut+1], 1), read(t, b[cut+1:], 1+int64(bytes.Count(b[:cut+1], []byte{'\n'})))...)
		if diff := cmp.Diff(whole, split); diff != "" {
			t.Fatalf("cut at %d of %q (-whole +cut):\n%s", cut, b, diff)
		}
	})
}

// TestCutBlock: where blocks of quoted CSV end, and which quotes send the
// rest of a file to one reader (FuzzCutBlock checks that every cut ends a
// record; this, that quoted files are cut at all).
func TestCutBlock(t *testing.T) {
	tests := []struct {
		in      string
		cut     int
		regular bool
	}{
		{"a,b\nc,d\ne", 7, true},
		{"a,b", -1, true},
		{"a,\"b\nc\",d\ne", 9, true},                   // a line end inside a quoted field ends no record
		{"a,\"b\"\"\nc\",d\ne,f\n", 15, true},          // a doubled quote stays inside the field
		{"\"a\",\"b\"\r\nc\n", 10, true},               // a closing quote before CRLF
		{"a,\"b\nc", -1, true},                         // the field goes on past the block
		{"a,\"b\"", -1, true},                          // the record goes on past the block
		{"x\na,\"b\"\r", 1, true},                      // a \r that may start a CRLF
		{"x\na,b\"c\nd\n", 1, false},                   // a quote inside an unquoted field
		{"x\na,\"b\"c\nd\n", 1, false},                 // text after a closing quote
		{"x\na,\"b\"\rc\n", 1, false},                  // a \r that is no line end
		{"x\n\"a\",\"b\"\n\"c\"\"\",\"\"\n", 18, true}, // quoted fields everywhere
	}
	for _, tt := range tests {
		cut, regular := cutBlock([]byte(tt.in), '"', ',')
		if cut != tt.cut || regular != tt.regular {
			t.Errorf("cutBlock(%q) = %d, %v; want %d, %v", tt.in, cut, regular, tt.cut, tt.regular)
		}
	}
}
