package intrinsic_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/internal/jsontest"
	"github.com/sluicehq/sluice/internal/jsonvalue"
	"github.com/sluicehq/sluice/workflow/intrinsic"
	"github.com/sluicehq/sluice/workflow/jsonpath"
)

// decode decodes a raw corpus value; absent is nil.
func decode(t *testing.T, raw []byte) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	return jsontest.Decode(t, string(raw))
}

// passCase is a machine of one JSONPath Pass state.
type passCase struct {
	InputPath, ResultPath, OutputPath *string
	Parameters                        map[string]any
	Result                            any
	HasResult                         bool
	Intrinsic                         bool
	State                             string
}

// singlePass extracts the Pass state, or reports false.
func singlePass(def any) (passCase, bool) {
	m, _ := def.(map[string]any)
	if m == nil || m["QueryLanguage"] != nil {
		return passCase{}, false
	}
	states, _ := m["States"].(map[string]any)
	if len(states) != 1 {
		return passCase{}, false
	}
	var pc passCase
	for name, s := range states {
		pc.State = name
		st, _ := s.(map[string]any)
		if st["Type"] != "Pass" || st["Assign"] != nil || st["QueryLanguage"] != nil {
			return passCase{}, false
		}
		if params, ok := st["Parameters"].(map[string]any); ok {
			pc.Parameters = params
			pc.Intrinsic = hasIntrinsic(params)
		}
		pc.Result, pc.HasResult = st["Result"]
		for key, dst := range map[string]**string{"InputPath": &pc.InputPath, "ResultPath": &pc.ResultPath, "OutputPath": &pc.OutputPath} {
			if v, ok := st[key]; ok {
				s, ok := v.(string)
				if !ok {
					return passCase{}, false // null paths are the engine's business
				}
				*dst = &s
			}
		}
	}
	return pc, true
}

func hasIntrinsic(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && strings.HasSuffix(k, ".$") && intrinsic.IsCall(s) {
				return true
			}
			if hasIntrinsic(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasIntrinsic(e) {
				return true
			}
		}
	}
	return false
}

// env resolves $ against the effective input and $$ against a context
// object.
type env struct {
	input, context any
}

func (e env) Resolve(p *jsonpath.Path) (any, error) {
	if p.IsContext() {
		return p.Get(e.context)
	}
	if p.Variable() != "" {
		return nil, errors.New("no variables here")
	}
	return p.Get(e.input)
}

// template evaluates a payload template.
func template(t *testing.T, v any, e env) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if s, ok := x.(string); ok && strings.HasSuffix(k, ".$") {
				var r any
				var err error
				if intrinsic.IsCall(s) {
					c, perr := intrinsic.Parse(s)
					if perr != nil {
						return nil, perr
					}
					r, err = c.Eval(e)
				} else {
					p, perr := jsonpath.Parse(s)
					if perr != nil {
						return nil, perr
					}
					r, err = e.Resolve(p)
				}
				if err != nil {
					return nil, err
				}
				out[strings.TrimSuffix(k, ".$")] = r
				continue
			}
			r, err := template(t, x, e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			r, err := template(t, x, e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func runPass(t *testing.T, pc passCase, input any) (any, error) {
	ctx := map[string]any{
		"Execution": map[string]any{
			"Id": "arn:aws:states:us-east-1:111111111111:execution:machine-name:exec-name", "Name": "exec-name",
			"Input": input, "StartTime": "2026-01-01T00:00:00Z", "RoleArn": "arn:aws:iam::111111111111:role/r",
			"RedriveCount": json.Number("0"),
		},
		"StateMachine": map[string]any{"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:machine-name", "Name": "machine-name"},
		"State":        map[string]any{"Name": pc.State, "EnteredTime": "2026-01-01T00:00:00Z"},
	}
	resolve := func(expr string, doc any) (any, error) {
		p, err := jsonpath.Parse(expr)
		if err != nil {
			return nil, err
		}
		if p.IsContext() {
			return p.Get(ctx)
		}
		return p.Get(doc)
	}
	eff := input
	if pc.InputPath != nil {
		var err error
		if eff, err = resolve(*pc.InputPath, input); err != nil {
			return nil, err
		}
	}
	res := eff
	if pc.Parameters != nil {
		var err error
		if res, err = template(t, pc.Parameters, env{input: eff, context: ctx}); err != nil {
			return nil, err
		}
	}
	if pc.HasResult {
		res = pc.Result
	}
	out := res
	if pc.ResultPath != nil {
		p, err := jsonpath.ParseReference(*pc.ResultPath)
		if err != nil {
			return nil, err
		}
		if out, err = p.Set(input, res); err != nil {
			return nil, err
		}
	}
	if pc.OutputPath != nil {
		var err error
		if out, err = resolve(*pc.OutputPath, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dropPointer removes the value at a JSON Pointer ("" is the whole
// document) and reports whether it was there.
func dropPointer(doc *any, ptr string) bool {
	if ptr == "" {
		*doc = nil
		return true
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	cur := *doc
	for i, part := range parts {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[part]
		if !ok {
			return false
		}
		if i == len(parts)-1 {
			delete(m, part)
			return true
		}
		cur = v
	}
	return false
}

var placeholder = regexp.MustCompile(`<[^<>]+>`)

// matches compares got with want by JSON value. A want string holding a
// <placeholder> matches any string of that shape, and the recorded
// "RandomNumberGenerated" stands for any number.
func matches(want, got any) bool {
	return jsonvalue.EqualFunc(want, got, func(want, got any) bool {
		w, ok := want.(string)
		if !ok {
			return jsonpath.Equal(want, got)
		}
		if w == "RandomNumberGenerated" {
			_, ok := got.(json.Number)
			return ok
		}
		g, ok := got.(string)
		if !ok {
			return false
		}
		if placeholder.MatchString(w) {
			parts := placeholder.Split(w, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			return regexp.MustCompile(`^(?s)` + strings.Join(parts, ".*") + `$`).MatchString(g)
		}
		return w == g
	})
}

// TestConformancePass runs every corpus case that is a single JSONPath Pass
// state (InputPath, Parameters with paths and intrinsic functions, Result,
// ResultPath, OutputPath): the best check of this package and of jsonpath
// against what AWS recorded.
func TestConformancePass(t *testing.T) {
	files, err := corpus.Files(corpus.Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	total, passed, totalIntrinsic, passedIntrinsic := 0, 0, 0, 0
	for _, f := range files {
		c, err := corpus.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		pc, ok := singlePass(decode(t, c.Definition))
		if !ok {
			continue
		}
		if c.Expect.Status != "SUCCEEDED" && c.Expect.ErrorName() != "States.Runtime" {
			continue // limits and the like are the engine's business
		}
		total++
		if pc.Intrinsic {
			totalIntrinsic++
		}
		pass := func() {
			passed++
			if pc.Intrinsic {
				passedIntrinsic++
			}
		}
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			got, err := runPass(t, pc, decode(t, c.Input))
			if c.Expect.Status != "SUCCEEDED" {
				if err == nil {
					t.Fatalf("succeeded with %v; want failure %v", got, c.Expect.ErrorName())
				}
				var nf *jsonpath.NotFoundError
				if errors.As(err, &nf) && strings.Contains(c.Expect.CauseText(), "Invalid path") && !strings.HasSuffix(c.Expect.CauseText(), nf.Cause()) {
					t.Fatalf("cause %q does not end with %q", c.Expect.CauseText(), nf.Cause())
				}
				pass()
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			want := decode(t, c.Expect.Output)
			for _, ptr := range c.Ignore {
				rest, ok := strings.CutPrefix(ptr, "/output")
				if !ok {
					continue
				}
				if !dropPointer(&got, rest) {
					t.Fatalf("ignored field %s is missing from the output", ptr)
				}
				dropPointer(&want, rest)
			}
			if !matches(want, got) {
				g, _ := json.Marshal(got)
				t.Fatalf("output mismatch\nwant %s\ngot  %s", c.Expect.Output, g)
			}
			pass()
		})
	}
	if total == 0 {
		t.Fatal("no single-Pass cases found in the corpus")
	}
	t.Logf("conformance: %d of %d single-Pass cases pass (%d of %d with intrinsic functions)", passed, total, passedIntrinsic, totalIntrinsic)
}
