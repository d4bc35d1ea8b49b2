package transform

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/validate"
)

func TestGzipGivesSameRecords(t *testing.T) {
	plain := example(t, "orders/orders.csv")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(plain)
	zw.Close()
	s1, out1, err := run(t, dataset.Builtin(), "orders", "incoming/orders/o.csv", plain, Config{})
	if err != nil {
		t.Fatal(err)
	}
	s2, out2, err := run(t, dataset.Builtin(), "orders", "incoming/orders/o.csv.gz", zipped.Bytes(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, a := staged(t, s1, out1)
	_, b := staged(t, s2, out2)
	if !bytes.Equal(a, b) {
		t.Errorf("gzip output differs:\n%s", cmp.Diff(string(a), string(b)))
	}
}

// TestJSONArrayDataset reads the readings as one JSON array: the records
// equal the JSON Lines ones but for _line.
func TestJSONArrayDataset(t *testing.T) {
	d := dataset.Readings()
	d.Name, d.Prefix, d.Suffixes = "readings-json", "incoming/readings-json/", nil
	d.Format = dataset.Format{Kind: dataset.JSON}
	set := dataset.MustNewSet(d, dataset.Readings())
	var objs []string
	for _, l := range strings.Split(string(example(t, "readings/readings.jsonl")), "\n") {
		if strings.TrimSpace(l) != "" {
			objs = append(objs, l)
		}
	}
	body := "[\n" + strings.Join(objs, ",\n") + "\n]\n"
	s, out, err := run(t, set, "readings-json", "incoming/readings-json/r.json", []byte(body), Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, got := staged(t, s, out)
	want := example(t, "../functions/transform/testdata/readings.jsonl")
	strip := func(b []byte) []map[string]any {
		var out []map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			delete(m, "_line")
			out = append(out, m)
		}
		return out
	}
	if diff := cmp.Diff(strip(want), strip(got)); diff != "" {
		t.Errorf("(-jsonl +json):\n%s", diff)
	}
	if !strings.Contains(string(got), `"_line":2,`) {
		t.Errorf("first element should be on line 2:\n%s", got)
	}
}

// TestItemTooLargeNotStaged: a row valid by its schema whose item would be
// over DynamoDB's 400 KB is a bad row for the transformer as for the
// validator (one Scanner): observed with its problem, not staged.
func TestItemTooLargeNotStaged(t *testing.T) {
	d := &dataset.Dataset{Name: "notes", Prefix: "incoming/notes/", Format: dataset.Format{Kind: dataset.JSONL},
		Fields: []dataset.Field{{Name: "id", Type: dataset.String, Required: true}, {Name: "text", Type: dataset.String}},
		Key:    dataset.Key{Partition: "NOTE#{id}"}, RowErrors: dataset.RowErrors{Mode: dataset.SkipBadRows}}
	if err := d.Compile(); err != nil {
		t.Fatal(err)
	}
	body := `{"id":"a","text":"short"}` + "\n" + `{"id":"b","text":"` + strings.Repeat("x", 400<<10) + `"}` + "\n" + `{"id":"c"}` + "\n"
	var codes []string
	var out bytes.Buffer
	st, err := Run(strings.NewReader(body), "n.jsonl", d, Config{Observe: func(r validate.Row) {
		for _, p := range r.Problems {
			codes = append(codes, fmt.Sprintf("line %d row %d %s %s", p.Line, p.Row, p.Field, p.Code))
		}
	}}, func(_ int, data []byte, _ int64) error { out.Write(data); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"line 2 row 2 text " + validate.CodeItemTooLarge}, codes); diff != "" {
		t.Errorf("observed problems (-want +got):\n%s", diff)
	}
	if st.Records != 2 || st.Rejected != 1 || strings.Contains(out.String(), `"NOTE#b"`) {
		t.Errorf("stats %+v; staged %d bytes", st, out.Len())
	}
}

// TestCSVListCell: a CSV dataset with a list field (a cell split on its
// Delimiter) takes the general path and stages the list as a JSON array;
// a bad element is a bad row naming field[index]; the same rows as JSON
// Lines arrays stage the same records.
func TestCSVListCell(t *testing.T) {
	decl := func(kind dataset.Kind) *dataset.Dataset {
		return &dataset.Dataset{Name: "labels-" + string(kind), Prefix: "incoming/labels-" + string(kind) + "/", Format: dataset.Format{Kind: kind},
			Fields: []dataset.Field{
				{Name: "id", Type: dataset.String, Required: true},
				{Name: "labels", Type: dataset.String, MaxLength: 5, List: &dataset.List{Delimiter: "|", Set: true}},
				{Name: "scores", Type: dataset.Int, List: &dataset.List{Delimiter: "|"}},
			},
			Key: dataset.Key{Partition: "L#{id}"}, Transforms: dataset.Transforms{Trim: true}, RowErrors: dataset.RowErrors{Mode: dataset.SkipBadRows}}
	}
	csv, jsonl := decl(dataset.CSV), decl(dataset.JSONL)
	if err := csv.Compile(); err != nil {
		t.Fatal(err)
	}
	if csv.RowPlan([]string{"id", "labels", "scores"}) != nil {
		t.Error("a dataset with a list field has a fast-path plan")
	}
	set := dataset.MustNewSet(csv, jsonl)
	run1 := func(d *dataset.Dataset, body string) (string, []string) {
		var problems []string
		var out bytes.Buffer
		_, err := Run(strings.NewReader(body), "f"+d.Format.Extension(), d, Config{Observe: func(r validate.Row) {
			for _, p := range r.Problems {
				problems = append(problems, fmt.Sprintf("row %d %s %s", p.Row, p.Field, p.Code))
			}
		}}, func(_ int, data []byte, _ int64) error { out.Write(data); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), problems
	}
	d, _ := set.Lookup(csv.Name)
	gotCSV, problems := run1(d, "id,labels,scores\na, x | y ,1|2\nb,,\nc,toolong,3\n")
	want := `{"_line":2,"id":"a","labels":["x","y"],"pk":"L#a","scores":[1,2],"sk":"#"}` + "\n" + `{"_line":3,"id":"b","pk":"L#b","sk":"#"}` + "\n"
	if diff := cmp.Diff(want, gotCSV); diff != "" {
		t.Errorf("csv staged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"row 3 labels[0] max_length"}, problems); diff != "" {
		t.Errorf("csv problems (-want +got):\n%s", diff)
	}
	d, _ = set.Lookup(jsonl.Name)
	gotJSONL, problems := run1(d, `{"id":"a","labels":["x","y"],"scores":[1,"2"]}`+"\n"+`{"id":"b","labels":[],"scores":null}`+"\n"+`{"id":"c","scores":[3,"x"]}`+"\n")
	want = strings.ReplaceAll(want, `"_line":3`, `"_line":2`)
	want = strings.Replace(want, `"_line":2,"id":"a"`, `"_line":1,"id":"a"`, 1)
	if diff := cmp.Diff(want, gotJSONL); diff != "" {
		t.Errorf("jsonl staged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"row 3 scores[1] type"}, problems); diff != "" {
		t.Errorf("jsonl problems (-want +got):\n%s", diff)
	}
}
