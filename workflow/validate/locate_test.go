package validate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/validate"
)

func TestOffsets(t *testing.T) {
	t.Parallel()
	doc := []byte(`{
  "StartAt": "A",
  "States": {
    "A": {"Type": "Pass", "Parameters": {"x.$": "$.y"}, "Next": "B"},
    "B": {"Type": "Task", "Retry": [{"ErrorEquals": ["E"]}, {"ErrorEquals": []}], "End": true}
  }
}`)
	o := validate.NewOffsets(doc)
	tests := []struct {
		path string
		want string // the text at the offset
	}{
		{"", "{"},
		{"StartAt", `"A"`},
		{"States.A.Next", `"B"`},
		{"States.A.Parameters.x.$", `"$.y"`},
		{"States.B.Retry[1].ErrorEquals", `[]`},
		{"States.B.Retry[1]", `{"ErrorEquals": []}`},
		{"States.B.Retry[1].MaxAttempts", `{"ErrorEquals": []}`}, // absent: the enclosing retrier
		{"States.C", `{`},                                        // absent: States
	}
	for _, tt := range tests {
		off, ok := o.Offset(tt.path)
		if !ok {
			t.Errorf("%q: not found", tt.path)
			continue
		}
		got := string(doc[off:min(off+len(tt.want), len(doc))])
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.path, diff)
		}
	}
	if _, ok := validate.NewOffsets([]byte("{")).Offset("StartAt"); ok {
		t.Error("invalid JSON: want no offsets")
	}
}
