package validate_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// TestCorpusHasNoErrors: every definition in the corpus was accepted and run
// by Step Functions, so none may get an Error-severity issue.
func TestCorpusHasNoErrors(t *testing.T) {
	t.Parallel()
	dir := corpus.Dir(t)
	files, err := corpus.Files(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases under %s: %v", dir, err)
	}
	warnings := map[string]int{}
	for _, f := range files {
		c, err := corpus.Read(f)
		if err != nil {
			t.Fatal(err)
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
