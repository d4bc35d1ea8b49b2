package asl_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/asl"
)

// corpusDir is the shared ASL conformance corpus; tests that need it skip
// with a message when it is absent (a fork without ../shared).
const corpusDir = "../../../shared/conformance/asl/cases"

// TestCorpusRoundTrip decodes every definition recorded on AWS, encodes it
// again and checks that nothing was lost or invented, and that a second
// encode gives identical bytes.
func TestCorpusRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.json"))
	if len(files) == 0 {
		t.Skip("conformance corpus not found at " + corpusDir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Definition json.RawMessage `json:"definition"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		m, err := asl.Unmarshal(c.Definition)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		out, err := asl.Marshal(m)
		if err != nil {
			t.Errorf("%s: marshal: %v", filepath.Base(f), err)
			continue
		}
		var want, got any
		_ = json.Unmarshal(c.Definition, &want)
		dropEmptyHandlers(want)
		_ = json.Unmarshal(out, &got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: round trip changed the document (-want +got):\n%s", filepath.Base(f), d)
			continue
		}
		m2, err := asl.Unmarshal(out)
		if err != nil {
			t.Fatalf("%s: re-decode: %v", filepath.Base(f), err)
		}
		out2, _ := asl.Marshal(m2)
		if !bytes.Equal(out, out2) {
			t.Errorf("%s: encoding is not stable", filepath.Base(f))
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		wantPath string
		syntax   bool
	}{
		{"unknown top field", `{"StartAt":"A","Bogus":1,"States":{"A":{"Type":"Succeed"}}}`, "", false},
		{"unknown state field", `{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B","End":true}}}`, "States.A", false},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Nope"}}}`, "States.A.Type", false},
		{"missing type", `{"StartAt":"A","States":{"A":{"End":true}}}`, "States.A", false},
		{"bad choice field", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","StringEqual":"a","Next":"A"}]}}}`, "States.A", false},
		{"syntax", "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := asl.Unmarshal([]byte(tt.doc))
			if err == nil {
				t.Fatal("want an error")
			}
			var se *asl.SyntaxError
			if tt.syntax {
				if !errors.As(err, &se) {
					t.Fatalf("want *SyntaxError, got %T %v", err, err)
				}
				if se.Line != 3 {
					t.Errorf("line = %d, want 3", se.Line)
				}
				return
			}
			var fe *asl.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("want *FieldError, got %T %v", err, err)
			}
			if len(fe.Path) < len(tt.wantPath) || fe.Path[:len(tt.wantPath)] != tt.wantPath {
				t.Errorf("path = %q, want prefix %q (%v)", fe.Path, tt.wantPath, err)
			}
		})
	}
}

func TestMarshalOrderAndNulls(t *testing.T) {
	m := &asl.StateMachine{
		StartAt: "A",
		States: asl.States{
			{Name: "A", State: &asl.Pass{ResultPath: asl.NullPath(), Output: json.RawMessage(`"{% $x < 3 %}"`), Transition: asl.Transition{Next: "B"}}},
			{Name: "B", State: &asl.Succeed{}},
		},
	}
	got, err := asl.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "StartAt": "A",
  "States": {
    "A": {
      "Type": "Pass",
      "ResultPath": null,
      "Output": "{% $x < 3 %}",
      "Next": "B"
    },
    "B": {
      "Type": "Succeed"
    }
  }
}
`
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// dropEmptyHandlers removes empty Retry and Catch arrays, which the model
// canonicalises to absent: both mean "no retriers/catchers".
func dropEmptyHandlers(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range []string{"Retry", "Catch"} {
			if a, ok := x[k].([]any); ok && len(a) == 0 {
				delete(x, k)
			}
		}
		for _, e := range x {
			dropEmptyHandlers(e)
		}
	case []any:
		for _, e := range x {
			dropEmptyHandlers(e)
		}
	}
}
