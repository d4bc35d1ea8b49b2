package validate_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
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

// TestCorpusDataFlow: with each recorded execution's input as the declared
// input shape, a data-flow finding (a path that selects nothing) must be a
// real mistake: the execution Step Functions recorded failed. So the check
// reports no path that exists, over 974 machines that ran on AWS.
func TestCorpusDataFlow(t *testing.T) {
	t.Parallel()
	dir := corpus.Dir(t)
	files, err := corpus.Files(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases under %s: %v", dir, err)
	}
	// Findings on a path the recorded execution did not take: the task
	// always raised, so its success path (whose OutputPath selects nothing)
	// never ran.
	untaken := map[string]bool{
		"error_handling/test_raise_exception_catch_output_path_.no.such.path.json": true,
	}
	found := 0
	for _, f := range files {
		c, err := corpus.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := asl.Unmarshal(c.Definition)
		if err != nil {
			continue
		}
		var in any
		if len(c.Input) > 0 {
			if err := json.Unmarshal(c.Input, &in); err != nil {
				continue
			}
		}
		opts := []validate.Option{validate.WithTypes(validate.Types{Input: shape.Literal(in)})}
		name := filepath.Join(filepath.Base(filepath.Dir(f)), filepath.Base(f))
		for _, is := range validate.Machine(m, opts...) {
			switch is.Code {
			case validate.CodeUnknownPathField, validate.CodePathTypeMismatch:
			default:
				continue
			}
			found++
			if c.Expect.Status == "SUCCEEDED" && !untaken[name] {
				t.Errorf("%s: the execution succeeded, yet: %s", name, is)
			}
		}
	}
	if found == 0 {
		t.Error("no data-flow finding in the whole corpus; is the check running?")
	}
	t.Logf("%d data-flow findings, all in executions that failed", found)
}
