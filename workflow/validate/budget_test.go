package validate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
	"github.com/sluicehq/sluice/workflow/validate"
)

type report struct {
	Key  string `json:"key" maxBytes:"1024"`
	Body string `json:"body" maxBytes:"300000"`
}

type small struct {
	Key string `json:"key" maxBytes:"1024"`
}

type batch struct {
	Items [5000]small `json:"items"`
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	work := func(next string) string {
		return `{"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
			"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], ` + next + `}`
	}
	bounded := validate.Types{
		Input:      shape.MustOf(reflect.TypeFor[small]()),
		TaskOutput: map[string]*shape.Shape{"Work": shape.MustOf(reflect.TypeFor[small]())},
	}
	tests := []struct {
		name    string
		def     string
		types   validate.Types
		want    []flowIssue
		wantMsg string
	}{
		{
			name:  "a declared bound over 256 KiB",
			def:   `{"StartAt": "Work", "States": {"Work": ` + work(`"ResultPath": "$.report", "End": true`) + `}}`,
			types: validate.Types{Input: bounded.Input, TaskOutput: map[string]*shape.Shape{"Work": shape.MustOf(reflect.TypeFor[report]())}},
			want:  []flowIssue{{"States.Work", validate.CodePayloadTooLarge}},
			// The message names the part that crosses.
			wantMsg: "the largest part is $.report.body (up to 300002 bytes)",
		},
		{
			name:  "bounded and small",
			def:   `{"StartAt": "Work", "States": {"Work": ` + work(`"ResultPath": "$.r", "End": true`) + `}}`,
			types: bounded,
		},
		{
			name: "unbounded is unchecked",
			def:  `{"StartAt": "Work", "States": {"Work": ` + work(`"End": true`) + `}}`,
		},
		{
			name: "inline Map iterations over a known number of items",
			def: `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
				"ItemProcessor": {"StartAt": "Work", "States": {"Work": ` + work(`"End": true`) + `}}, "End": true}}}`,
			types:   validate.Types{Input: shape.MustOf(reflect.TypeFor[batch]())},
			want:    []flowIssue{{"", validate.CodeHistoryTooLong}},
			wantMsg: "the execution can emit 35006 history events or more, over the 25000 quota, along M (×5000 items)",
		},
		{
			name: "a loop over its declared bound",
			def: `{"StartAt": "Work", "States": {"Work": ` + work(`"Next": "Again"`) + `,
				"Again": {"Type": "Choice", "Choices": [{"Variable": "$.more", "BooleanEquals": true, "Next": "Work"}], "Default": "Done"},
				"Done": {"Type": "Succeed"}}}`,
			types:   validate.Types{MaxIterations: map[string]int{"Again": 5000}},
			want:    []flowIssue{{"", validate.CodeHistoryTooLong}},
			wantMsg: "(loop Work, Again ×5000) → Done",
		},
		{
			name: "a loop within its declared bound",
			def: `{"StartAt": "Work", "States": {"Work": ` + work(`"Next": "Again"`) + `,
				"Again": {"Type": "Choice", "Choices": [{"Variable": "$.more", "BooleanEquals": true, "Next": "Work"}], "Default": "Done"},
				"Done": {"Type": "Succeed"}}}`,
			types: validate.Types{MaxIterations: map[string]int{"Again": 100}},
		},
		{
			name: "retries count",
			def: `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
				"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 9000}], "End": true}}}`,
			want: []flowIssue{{"", validate.CodeHistoryTooLong}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := flowIssues(t, tt.def, tt.types)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if tt.wantMsg == "" {
				return
			}
			m, _ := asl.Unmarshal([]byte(tt.def))
			var msgs []string
			for _, is := range validate.Machine(m, validate.WithTypes(tt.types)) {
				msgs = append(msgs, is.Msg)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.wantMsg) {
				t.Errorf("no message with %q in:\n%s", tt.wantMsg, strings.Join(msgs, "\n"))
			}
		})
	}
}

func TestHistoryNotCheckedForExpress(t *testing.T) {
	t.Parallel()
	def := `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
		"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 9000}], "End": true}}}`
	m, err := asl.Unmarshal([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range validate.Machine(m, validate.WithType("EXPRESS")) {
		if is.Code == validate.CodeHistoryTooLong {
			t.Errorf("Express machine got %s", is)
		}
	}
}
