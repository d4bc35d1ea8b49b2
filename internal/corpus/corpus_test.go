package corpus_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/corpus"
)

func TestReadCorpus(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"b/two.json": `{"name":"two","expect":{"status":"FAILED","error":"States.Runtime","cause":"boom"}}`,
		"a/one.json": `{"name":"one","expect":{"status":"SUCCEEDED","output":{"x":1},"error":null}}`,
		"a/note.txt": `not a case`,
	} {
		p := filepath.Join(dir, "cases", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(corpus.Env, dir)
	files, err := corpus.Files(corpus.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cases", "a", "one.json"), filepath.Join(dir, "cases", "b", "two.json")}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Fatalf("Files (-want +got):\n%s", diff)
	}
	type summary struct{ Name, Status, Output, Error, Cause string }
	var got []summary
	for _, f := range files {
		c, err := corpus.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, summary{c.Name, c.Expect.Status, string(c.Expect.Output), c.Expect.ErrorName(), c.Expect.CauseText()})
	}
	wantCases := []summary{
		{Name: "one", Status: "SUCCEEDED", Output: `{"x":1}`},
		{Name: "two", Status: "FAILED", Error: "States.Runtime", Cause: "boom"},
	}
	if diff := cmp.Diff(wantCases, got); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
	if _, err := corpus.Read(filepath.Join(dir, "cases", "a", "note.txt")); err == nil {
		t.Error("Read of a non-JSON file: no error")
	}
}
