package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzDocs returns the ASL documents of the repository (goldens, test
// cases) and, when present, of the shared conformance corpus.
func fuzzDocs(tb testing.TB) map[string][]byte {
	tb.Helper()
	docs := map[string][]byte{}
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".cache" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".asl.json") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs[p] = b
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	cases, _ := filepath.Glob("../../../shared/conformance/asl/cases/*/*.json")
	for _, p := range cases {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var c struct {
			Definition json.RawMessage `json:"definition"`
		}
		if json.Unmarshal(b, &c) == nil && len(c.Definition) > 0 {
			docs[p] = c.Definition
		}
	}
	return docs
}

// statesOf returns every state object in doc, nested graphs included.
func statesOf(doc []byte) [][]byte {
	var out [][]byte
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for k, v := range obj {
				if k == "States" {
					var states map[string]json.RawMessage
					if json.Unmarshal(v, &states) == nil {
						for _, st := range states {
							out = append(out, st)
						}
					}
				}
				walk(v)
			}
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			for _, v := range arr {
				walk(v)
			}
		}
	}
	walk(doc)
	return out
}

// fastSeeds are shapes the fast path must decline or get exactly right.
var fastSeeds = []string{
	`{"Type":"Pass","End":true}`,
	` {"Type" : "Pass" , "Next" : "B"} `,
	`{"Type":"Pass","type":"Pass","End":true}`,
	`{"type":"Pass","End":true}`,
	`{"Type":"Pass","end":true}`,
	`{"Type":"Pass","End":true,"End":false}`,
	`{"Type":"Pass","Next":"A","Next":"B"}`,
	`{"Type":"Pass","End":null,"Next":null,"Comment":null}`,
	`{"Type":"Pass","InputPath":null,"OutputPath":null,"ResultPath":null,"End":true}`,
	`{"Type":"Pass","InputPath":"$.a","ResultPath":"$.b\u0041","End":true}`,
	`{"Type":"Pass","Parameters":null,"Result":null,"End":true}`,
	`{"Type":"Pass","Parameters":{"a.$":"$.b","c":[1,2.5e3,true,null,"\"}"]},"End":true}`,
	`{"Type":"Pass","Result":"x","End":true}`, `{"Type":"Pass","Result":-0.5E-3,"End":true}`,
	`{"Type":"Pass","Result":01,"End":true}`, `{"Type":"Pass","Result":{"a":},"End":true}`,
	`{"Type":"Pass","Comment":"caf\u00e9 \ud83d\ude00 é \t","End":true}`,
	"{\"Type\":\"Pass\",\"Comment\":\"bad \xff utf8\",\"End\":true}",
	"{\"Type\":\"Pass\",\"Comment\":\"ctl \x01\",\"End\":true}",
	`{"Type":"Pass","End":"true"}`, `{"Type":"Pass","End":1}`, `{"Type":"Pass","Next":1}`,
	`{"Type":"Pass","Next":"B"} x`, `{"Type":"Pass","Next":"B"}{}`, `{"Type":"Pass",}`, `{"Type":"Pass" "End":true}`,
	`{"Type":"Pass","Bogus":1}`, `{"Type":"P\u0061ss","End":true}`, `{"Type":"pass","End":true}`, `{"Type":null}`, `{}`, `[]`, `null`,
	`{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","TimeoutSeconds":30,"HeartbeatSeconds":"{% $x %}","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2.0,"JitterStrategy":"FULL"}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"F"}],"End":true}`,
	`{"Type":"Task","Resource":"r","TimeoutSeconds":1.0,"End":true}`, `{"Type":"Task","Resource":"r","TimeoutSeconds":1.5,"End":true}`,
	`{"Type":"Task","Resource":"r","TimeoutSeconds":null,"End":true}`, `{"Type":"Task","Resource":"r","Retry":null,"Catch":[],"End":true}`,
	`{"Type":"Task","Resource":"r","Retry":[null],"End":true}`, `{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":[null],"MaxAttempts":1e2}],"End":true}`,
	`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["a"],"maxattempts":1}],"End":true}`,
	`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["a"],"MaxAttempts":99999999999999999999}],"End":true}`,
	`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["a"],"BackoffRate":1e999}],"End":true}`,
	`{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["a"],"Next":"B","ResultPath":"$.e","Bogus":1}],"End":true}`,
	`{"Type":"Choice","Choices":[{"Variable":"$.a","StringEquals":"x","Next":"B"},{"Not":{"Variable":"$.a","IsNull":true},"Next":"C"}],"Default":"D"}`,
	`{"Type":"Choice","Choices":[null],"Default":"D"}`, `{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"B"}]}`,
	`{"Type":"Wait","Seconds":5,"Next":"B"}`, `{"Type":"Wait","Timestamp":"2026-01-01T00:00:00Z","End":true}`,
	`{"Type":"Succeed","OutputPath":null}`, `{"Type":"Fail","Error":"E","Cause":"C"}`,
	`{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}],"ResultPath":"$.r","End":true}`,
	`{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":null,"End":true}}}],"End":true}`,
	`{"Type":"Parallel","Branches":[{"StartAt":"A","States":null}],"End":true}`,
	`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"A","States":{"A":{"Type":"Succeed"}}},"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaders":["a","b"],"MaxItems":10}},"ItemBatcher":{"MaxItemsPerBatch":5},"MaxConcurrency":10,"ToleratedFailurePercentage":2.5,"End":true}`,
	`{"Type":"Map","Iterator":{"StartAt":"A","States":{"A":{"Type":"Succeed"}}},"ItemsPath":"$.items","ResultWriter":null,"End":true}`,
	`{"Comment":"c","StartAt":"A","TimeoutSeconds":60,"Version":"1.0","States":{"A":{"Type":"Pass","End":true}}}`,
	`{"StartAt":"A","TimeoutSeconds":-1.5,"States":{"A":{"Type":"Pass","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}},"States":{}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}},"startAt":"B"}`,
	`{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"F"}`,
	`{"ErrorEquals":["States.ALL"],"ResultPath":null,"ResultPath":"$.x","Next":"F"}`,
}

// TestFastPathTaken: every state of the repository's definitions and of the
// conformance corpus that is not refused decodes on the fast path. It names
// the shapes that fall back, so that a change which silently sends them
// all to the Decoder fails here.
func TestFastPathTaken(t *testing.T) {
	var total, fast int
	fell := map[string]int{}
	for name, doc := range fuzzDocs(t) {
		for _, st := range statesOf(doc) {
			if _, err := UnmarshalState(st); err != nil {
				continue
			}
			total++
			if _, ok := fastState(st); ok {
				fast++
				continue
			}
			fell[filepath.Base(name)]++
		}
	}
	if total == 0 {
		t.Fatal("no states found")
	}
	t.Logf("%d of %d states on the fast path; fell back: %v", fast, total, fell)
	if len(fell) > 0 {
		t.Errorf("%d states fell back to the Decoder: %v", total-fast, fell)
	}
}

// FuzzStrictDecode compares every public decoding entry point with the fast
// path on and off: the same values (cmp.Diff) and the same errors (text,
// type and FieldError path).
func FuzzStrictDecode(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	for _, doc := range fuzzDocs(f) {
		f.Add(doc)
		for _, st := range statesOf(doc) {
			f.Add([]byte(st))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 16<<10 {
			return
		}
		sameBothWays(t, "Unmarshal", b, func(b []byte) (any, error) { return Unmarshal(b) })
		if _, err := Unmarshal(b); err == nil && !json.Valid(b) {
			t.Fatalf("Unmarshal accepted invalid JSON %q", b)
		}
		sameBothWays(t, "UnmarshalState", b, func(b []byte) (any, error) { return UnmarshalState(b) })
		doc := append(append([]byte(`{"StartAt":"A","States":{"A":`), b...), "}}"...)
		sameBothWays(t, "Unmarshal(state)", doc, func(b []byte) (any, error) { return Unmarshal(b) })
		for _, newV := range []func() json.Unmarshaler{
			func() json.Unmarshaler { return new(Task) },
			func() json.Unmarshaler { return new(Pass) },
			func() json.Unmarshaler { return new(Choice) },
			func() json.Unmarshaler { return new(Wait) },
			func() json.Unmarshaler { return new(Succeed) },
			func() json.Unmarshaler { return new(Fail) },
			func() json.Unmarshaler { return new(Parallel) },
			func() json.Unmarshaler { return new(Map) },
			func() json.Unmarshaler { return new(Catcher) },
			func() json.Unmarshaler { return new(StateMachine) },
			func() json.Unmarshaler { return new(States) },
		} {
			sameBothWays(t, fmt.Sprintf("%T.UnmarshalJSON", newV()), b, func(b []byte) (any, error) {
				v := newV()
				err := v.UnmarshalJSON(b)
				return v, err
			})
		}
	})
}

// sameBothWays runs decode with the fast path on and off and fails on any
// difference.
func sameBothWays(t *testing.T, name string, b []byte, decode func([]byte) (any, error)) {
	t.Helper()
	got, gotErr := decode(b)
	fastPath = false
	want, wantErr := decode(b)
	fastPath = true
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%s(%q): error %v, the Decoder path's %v", name, b, gotErr, wantErr)
	}
	if gotErr != nil {
		if fmt.Sprintf("%T", gotErr) != fmt.Sprintf("%T", wantErr) {
			t.Fatalf("%s(%q): error type %T, the Decoder path's %T", name, b, gotErr, wantErr)
		}
		var gfe, wfe *FieldError
		if errors.As(gotErr, &gfe) != errors.As(wantErr, &wfe) || gfe != nil && gfe.Path != wfe.Path {
			t.Fatalf("%s(%q): FieldError %#v, the Decoder path's %#v", name, b, gfe, wfe)
		}
		return
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(ChoiceRule{})); d != "" {
		t.Fatalf("%s(%q) (-Decoder +fast):\n%s", name, b, d)
	}
}
