package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/local"
)

// TestRunRejectedListElements: examples/catalog/catalog_bad.xml is
// rejected, and both the report and the printed lines name each bad list
// element as field[index] with its row: an element of the wrong type, an
// element repeated in a set, a wrapper of mixed children.
func TestRunRejectedListElements(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	code, files := runJSON(t, state, "--dataset", "catalog", example("catalog", "catalog_bad.xml"))
	if code != ExitOK || len(files) != 1 {
		t.Fatalf("exit %d, %d files", code, len(files))
	}
	f := files[0]
	if f.Status != "REJECTED" || f.RecordsIn != 3 || f.RecordsRejected != 3 {
		t.Errorf("status %s, in %d, rejected %d; want REJECTED, 3, 3", f.Status, f.RecordsIn, f.RecordsRejected)
	}
	rt, err := local.Open(context.Background(), local.Config{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rt.ReadReport(context.Background(), f.Report)
	rt.Close()
	if err != nil {
		t.Fatalf("read report: %v", err)
	}
	type problem struct{ Line, Row, Field, Column, Value, Code string }
	var got []problem
	errs, _ := rep["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		s := func(k string) string { v, _ := m[k].(string); return v }
		got = append(got, problem{jsonString(m["line"]), jsonString(m["row"]), s("field"), s("column"), s("value"), s("code")})
	}
	want := []problem{
		{"3", "1", "sizes[1]", "sizes", "large", "type"},
		{"10", "2", "tags[2]", "tags", "tea", "duplicate_item"},
		{"16", "3", "product_id", "@id", "two-thousand-three", "type"},
		{"16", "3", "tags", "tags", "label, tag", "type"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report problems (-want +got):\n%s", diff)
	}

	code2, stdout, stderr := runCLI(t, "", "run", "--state-dir", t.TempDir(), "--dataset", "catalog", example("catalog", "catalog_bad.xml"))
	if code2 != 0 {
		t.Fatalf("exit %d: %s", code2, stderr)
	}
	var printed []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "    incoming/catalog/catalog_bad.xml:") {
			printed = append(printed, l)
		}
	}
	wantPrinted := []string{
		`    incoming/catalog/catalog_bad.xml:3: row 1, field sizes[1] (value "large"): not an integer [type]`,
		`    incoming/catalog/catalog_bad.xml:10: row 2, field tags[2] (value "tea"): the same as element 0 (a set holds each value once) [duplicate_item]`,
		`    incoming/catalog/catalog_bad.xml:16: row 3, field product_id (value "two-thousand-three"): not an integer [type]`,
		`    incoming/catalog/catalog_bad.xml:16: row 3, field tags (value "label, tag"): expected a list of string: the element's children must all have one name, found <label>, <tag> [type]`,
	}
	if diff := cmp.Diff(wantPrinted, printed); diff != "" {
		t.Errorf("printed problems (-want +got):\n%s", diff)
	}
}
