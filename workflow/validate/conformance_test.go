package validate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// corpus returns the case files of the ASL conformance corpus: the folder
// named by SLUICE_CONFORMANCE, or ../shared/conformance/asl relative to the
// repository root. It fails under CI=true when the corpus is missing, and
// skips otherwise.
func corpus(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("SLUICE_CONFORMANCE")
	if dir == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "..", "shared", "conformance", "asl")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cases", "*", "*.json"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s (set SLUICE_CONFORMANCE)", dir)
		}
		t.Skipf("conformance corpus not found at %s (set SLUICE_CONFORMANCE)", dir)
	}
	return files
}

// TestCorpusHasNoErrors: every definition in the corpus was accepted and run
// by Step Functions, so none may get an Error-severity issue.
func TestCorpusHasNoErrors(t *testing.T) {
	t.Parallel()
	files := corpus(t)
	warnings := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Definition json.RawMessage `json:"definition"`
			Tags       []string        `json:"tags"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var opts []validate.Option
		if slices.Contains(c.Tags, "express") {
			opts = append(opts, validate.WithType("EXPRESS"))
		}
		name := filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f))
		_, issues, err := validate.Document(c.Definition, opts...)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, is := range issues.Errors() {
			t.Errorf("%s: %s", name, is)
		}
		for _, is := range issues.Warnings() {
			warnings[is.Code]++
		}
		m, err := asl.Unmarshal(c.Definition)
		if err != nil {
			continue
		}
		if errs := validate.Machine(m, opts...).Errors(); len(errs) > 0 {
			t.Errorf("%s: Machine disagrees with Document: %v", name, errs)
		}
	}
	t.Logf("%d definitions, warnings by code: %v", len(files), warnings)
}
