package jsonata

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusDir finds the ASL conformance corpus: $SLUICE_CONFORMANCE, else
// ../shared/conformance/asl relative to the repository root. With CI=true a
// missing corpus fails the test; otherwise the test is skipped.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SLUICE_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance", "asl")
	}
	if _, err := os.Stat(filepath.Join(dir, "cases")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s (set SLUICE_CONFORMANCE): %v", dir, err)
		}
		t.Skipf("conformance corpus not found at %s: %v", dir, err)
	}
	return dir
}

type corpusCase struct {
	Name       string         `json:"name"`
	Definition map[string]any `json:"definition"`
	Input      any            `json:"input"`
	Expect     struct {
		Status string `json:"status"`
		Output any    `json:"output"`
		Error  any    `json:"error"`
		Cause  any    `json:"cause"`
	} `json:"expect"`
	Tasks map[string]any `json:"tasks"`
	Tags  []string       `json:"tags"`
}

func loadCorpus(t *testing.T) map[string]*corpusCase {
	t.Helper()
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "cases", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus cases in %s: %v", dir, err)
	}
	out := map[string]*corpusCase{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		var c corpusCase
		if err := d.Decode(&c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "cases"), f)
		out[rel] = &c
	}
	return out
}

// walkStrings calls fn for every string in v with its JSON-pointer-ish path.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		for k, e := range x {
			walkStrings(e, path+"/"+k, fn)
		}
	case []any:
		for i, e := range x {
			walkStrings(e, path+"/"+itoa(i), fn)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// errUndefined is what Step Functions reports when a field's expression
// returns nothing.
var errUndefined = errors.New("returned nothing (undefined)")

// TestCorpusExpressionsCompile compiles every {% %} string of every corpus
// state machine.
func TestCorpusExpressionsCompile(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	total, failed := 0, 0
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		walkStrings(cases[name].Definition, "", func(path, s string) {
			expr, ok := Strip(s)
			if !ok {
				return
			}
			total++
			if _, err := Compile(expr); err != nil {
				failed++
				t.Errorf("%s %s: Compile(%q): %v", name, path, expr, err)
			}
		})
	}
	if total < 200 {
		t.Errorf("found only %d expressions in the corpus; extraction is broken", total)
	}
	t.Logf("corpus expressions: %d compiled, %d failed", total-failed, failed)
}

// evalTemplate evaluates an ASL JSONata field value: strings that are
// {% %} expressions are evaluated, objects and arrays recursively.
func evalTemplate(v any, input any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		expr, ok := Strip(x)
		if !ok {
			return x, nil
		}
		e, err := Compile(expr)
		if err != nil {
			return nil, err
		}
		r, err := e.Eval(context.Background(), input, vars)
		if err == nil && r == Undefined {
			return nil, errUndefined
		}
		return r, err
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			r, err := evalTemplate(e, input, vars)
			if err != nil {
				return nil, err
			}
			if r == Undefined {
				return nil, errUndefined
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := []any{}
		for _, e := range x {
			r, err := evalTemplate(e, input, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

// TestCorpusSinglePass evaluates the corpus cases whose machine is one
// JSONata Pass state with an Output (and no Assign), comparing with what
// AWS returned.
func TestCorpusSinglePass(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	ran, passed := 0, 0
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := cases[name]
		states, _ := c.Definition["States"].(map[string]any)
		if len(states) != 1 {
			continue
		}
		var st map[string]any
		for _, s := range states {
			st, _ = s.(map[string]any)
		}
		ql, _ := c.Definition["QueryLanguage"].(string)
		if q, ok := st["QueryLanguage"].(string); ok {
			ql = q
		}
		if ql != "JSONata" || st["Type"] != "Pass" || st["Assign"] != nil {
			continue
		}
		output, ok := st["Output"]
		if !ok {
			continue
		}
		ran++
		vars := map[string]any{"states": map[string]any{"input": c.Input, "context": map[string]any{}}}
		got, err := evalTemplate(output, c.Input, vars)
		if c.Expect.Status == "FAILED" {
			if err != nil || got == Undefined {
				passed++
			} else {
				t.Errorf("%s: got %v, want failure %v", name, got, c.Expect.Cause)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := canonical(t, c.Expect.Output)
		if diff := cmp.Diff(want, canonical(t, got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
			continue
		}
		passed++
	}
	if ran == 0 {
		t.Fatal("no single-Pass JSONata cases found")
	}
	t.Logf("single-state JSONata Pass cases: %d/%d match AWS", passed, ran)
}
