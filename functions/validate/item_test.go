package validate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/golden"
)

// itemLimit is DynamoDB's item limit, 400 KB (the developer guide,
// "Service, account, and table quotas").
const itemLimit = 400 * 1024

// metadataRoom is what the enricher and the loader add to every item,
// from docs/functions.md and the largest values of each: an S3 key and
// version id of at most 1,024 bytes, the loader's version order (a
// 30-character time, "/", the version id), a 24-character timestamp and a
// Step Functions execution ARN of at most 256 characters. An attribute
// takes its name's bytes plus its value's.
const metadataRoom = len("_source_key") + 1024 +
	len("_source_version") + 1024 +
	len("_source_order") + 30 + 1 + 1024 +
	len("_ingested_at") + 24 +
	len("_execution") + 256

// notesSet declares notes, a dataset whose text has no MaxLength (so a
// valid row can make an item DynamoDB refuses) and whose row-only total
// can overflow a DynamoDB number; and priced, whose cost needs a price
// looked up in a reference dataset.
func notesSet(t *testing.T, policy dataset.RowErrors) *dataset.Set {
	t.Helper()
	notes := &dataset.Dataset{Name: "notes", Prefix: "incoming/notes/", Format: dataset.Format{Kind: dataset.JSONL},
		Fields: []dataset.Field{{Name: "id", Type: dataset.String, Required: true}, {Name: "text", Type: dataset.String},
			{Name: "qty", Type: dataset.Int}, {Name: "price", Type: dataset.Decimal}},
		Key:        dataset.Key{Partition: "NOTE#{id}"},
		Enrichment: dataset.Enrichment{Calculated: []dataset.Calculated{{Name: "total", Type: dataset.Decimal, Scale: 2, Expr: "qty * price"}}},
		RowErrors:  policy,
	}
	prices := &dataset.Dataset{Name: "prices", Prefix: "incoming/prices/", Format: dataset.Format{Kind: dataset.JSONL}, Reference: true,
		Fields: []dataset.Field{{Name: "sku", Type: dataset.String, Required: true, MaxLength: 32}, {Name: "price", Type: dataset.Decimal, Scale: 2}},
		Key:    dataset.Key{Partition: "PRICE#{sku}"}}
	priced := &dataset.Dataset{Name: "priced", Prefix: "incoming/priced/", Format: dataset.Format{Kind: dataset.JSONL},
		Fields: []dataset.Field{{Name: "id", Type: dataset.String, Required: true}, {Name: "sku", Type: dataset.String, Required: true, MaxLength: 32},
			{Name: "qty", Type: dataset.Int}},
		Key: dataset.Key{Partition: "ORDER#{id}"},
		Enrichment: dataset.Enrichment{
			Lookups:    []dataset.Lookup{{From: "prices", On: "sku", Copy: map[string]string{"list_price": "price"}}},
			Calculated: []dataset.Calculated{{Name: "cost", Type: dataset.Decimal, Scale: 2, Expr: "qty * list_price"}},
		},
	}
	set, err := dataset.NewSet(notes, prices, priced)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// noteOfSize returns a notes row (JSON Lines, on line line) whose item
// takes exactly size bytes before the metadata: pk "NOTE#<id>", sk "#",
// _line, id and text, sized as DynamoDB counts them (UTF-8 bytes of names
// and strings; a number of one digit takes 2 bytes). The text mixes
// two-byte characters in: bytes count, not characters.
func noteOfSize(t *testing.T, id string, line int64, size int) string {
	t.Helper()
	if line > 9 {
		t.Fatal("one-digit lines only")
	}
	fixed := len("pk") + len("NOTE#"+id) + len("sk") + len("#") + len("_line") + 2 + len("id") + len(id) + len("text")
	n := size - fixed
	text := strings.Repeat("é", 1000) + strings.Repeat("x", n-2000)
	b, err := json.Marshal(map[string]any{"id": id, "text": text})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkNotes(t *testing.T, set *dataset.Set, name string, lines ...string) *Report {
	t.Helper()
	ds, err := set.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Join(lines, "\n") + "\n"
	rep, err := Check(strings.NewReader(body), contract.Object{Bucket: bucket, Key: "incoming/" + name + "/n.jsonl", Size: int64(len(body))}, ds, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// located is a problem's place, code and the start of its value.
type located struct {
	Line, Row   int64
	Field, Code string
	Column      string
	ValuePrefix string
}

func locate(ps []Problem) []located {
	var out []located
	for _, p := range ps {
		out = append(out, located{p.Line, p.Row, p.Field, p.Code, p.Column, strings.TrimSuffix(dataset.Excerpt(p.Value, 3), "…")})
	}
	return out
}

// TestItemJustUnderAndOverTheLimit: a row whose item, with the metadata's
// room, takes exactly 400 KB is good; one byte more is a bad row naming
// its line, row and largest field, handled by the policy like any other.
func TestItemJustUnderAndOverTheLimit(t *testing.T) {
	room := itemLimit - metadataRoom
	if ds, _ := notesSet(t, dataset.RowErrors{}).Lookup("notes"); ds.ItemAllowance().Bytes != metadataRoom {
		t.Errorf("notes keeps %d bytes for the metadata, the rules say %d", ds.ItemAllowance().Bytes, metadataRoom)
	}
	tests := []struct {
		name   string
		policy dataset.RowErrors
		over   int
		want   []located
		status string
	}{
		{"at the limit", dataset.RowErrors{}, 0, nil, StatusAccepted},
		{"one byte over, reject-file", dataset.RowErrors{}, 1, []located{{2, 2, "text", CodeItemTooLarge, "text", "ééé"}}, StatusRejected},
		{"one byte over, skip-bad-rows", dataset.RowErrors{Mode: dataset.SkipBadRows}, 1, []located{{2, 2, "text", CodeItemTooLarge, "text", "ééé"}}, StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := checkNotes(t, notesSet(t, tt.policy), "notes", `{"id":"a","text":"short"}`, noteOfSize(t, "b", 2, room+tt.over), `{"id":"c"}`)
			if diff := cmp.Diff(tt.want, locate(rep.Errors)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if rep.Status != tt.status || rep.Rows != 3 {
				t.Errorf("status %s rows %d, want %s of 3 rows", rep.Status, rep.Rows, tt.status)
			}
		})
	}
}

// TestItemAllowanceCountsEnrichment: a dataset with a lookup keeps room
// for the copied field and for a calculated field that needs it.
func TestItemAllowanceCountsEnrichment(t *testing.T) {
	set := notesSet(t, dataset.RowErrors{})
	priced, _ := set.Lookup("priced")
	// list_price (copied) and cost (calculated from it), both decimals of
	// Scale 2: at most a sign, "0.", 129 zeros and 38 digits (DynamoDB's
	// 1E-130 at full precision) as text, plus 1.
	number := 1 + 2 + 129 + 38 + 1
	want := metadataRoom + len("list_price") + number + len("cost") + number
	if got := priced.ItemAllowance().Bytes; got != want {
		t.Errorf("priced keeps %d bytes, want %d", got, want)
	}
}

// TestRowOnlyCalculatedOverflow: a calculated field computed from the row
// alone whose value no DynamoDB number holds is a bad row (number_limit,
// naming the field); one that needs a lookup is the enricher's business.
func TestRowOnlyCalculatedOverflow(t *testing.T) {
	set := notesSet(t, dataset.RowErrors{Mode: dataset.SkipBadRows})
	huge := `"qty":9223372036854775807,"price":` + strings.Repeat("9", 30) + ".99"
	rep := checkNotes(t, set, "notes", `{"id":"a","qty":2,"price":1.25}`, `{"id":"b",`+huge+`}`, `{"id":"c","qty":1}`)
	want := []located{{2, 2, "total", dataset.CodeNumberLimit, "", "922"}}
	if diff := cmp.Diff(want, locate(rep.Errors)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(rep.Errors) == 1 && !strings.Contains(rep.Errors[0].Reason, "qty * price") {
		t.Errorf("reason %q does not give the expression", rep.Errors[0].Reason)
	}
	if rep.Status != StatusAccepted || rep.BadRows != 1 {
		t.Errorf("status %s, %d bad rows", rep.Status, rep.BadRows)
	}
	rep = checkNotes(t, set, "priced", `{"id":"a","sku":"S","qty":9223372036854775807}`)
	if len(rep.Errors) > 0 || rep.Rejected() {
		t.Errorf("a calculation that needs a lookup was judged by the validator: %+v", rep.Errors)
	}
}

// TestStagedRecordUnchanged: the validator computes a row-only calculated
// field to check it, and leaves the staged record as it was (the enricher
// computes the field).
func TestStagedRecordUnchanged(t *testing.T) {
	set := notesSet(t, dataset.RowErrors{})
	ds, _ := set.Lookup("notes")
	sc, err := NewScanner(strings.NewReader(`{"id":"a","qty":2,"price":1.25}`+"\n"), "n.jsonl", ds, Config{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := sc.Next()
	if err != nil || row.Bad() {
		t.Fatalf("row %+v, err %v", row, err)
	}
	want := map[string]any{"pk": "NOTE#a", "sk": "#", "_line": int64(1), "id": "a", "qty": json.Number("2"), "price": json.Number("1.25")}
	if diff := cmp.Diff(want, row.Record); diff != "" {
		t.Errorf("staged (-want +got):\n%s", diff)
	}
}

// TestItemLimitsReport: the report of both problems, golden.
func TestItemLimitsReport(t *testing.T) {
	set := notesSet(t, dataset.RowErrors{Mode: dataset.SkipBadRows})
	huge := `"qty":9223372036854775807,"price":` + strings.Repeat("9", 30) + ".99"
	rep := checkNotes(t, set, "notes", `{"id":"a","qty":2,"price":1.25}`, noteOfSize(t, "b", 2, itemLimit-metadataRoom+1), `{"id":"c",`+huge+`}`, `{"id":"d"}`)
	b, err := MarshalReport(rep)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/item_limits.report.json", b)
}
