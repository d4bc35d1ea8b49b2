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

type event struct {
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	Version string `json:"versionId,omitempty"`
}

type result struct {
	Count int      `json:"count"`
	First chunk    `json:"first"`
	Tags  []string `json:"tags"`
}

type chunk struct {
	Key   string `json:"key"`
	Index int    `json:"index"`
}

const lambdaARN = "arn:aws:lambda:us-east-1:000000000000:function:f"

// flowIssue is what a data-flow test compares: where and which code.
type flowIssue struct{ Path, Code string }

func flowIssues(t *testing.T, def string, types validate.Types) []flowIssue {
	t.Helper()
	m, err := asl.Unmarshal([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	var out []flowIssue
	for _, is := range validate.Machine(m, validate.WithTypes(types)) {
		switch is.Code {
		case validate.CodeUnknownPathField, validate.CodePathTypeMismatch, validate.CodeUnknownInputField,
			validate.CodeMissingInputField, validate.CodePayloadTooLarge, validate.CodeHistoryTooLong, validate.CodeUnboundedLoop:
			out = append(out, flowIssue{is.Path, is.Code})
		}
	}
	return out
}

func TestDataFlow(t *testing.T) {
	t.Parallel()
	ev := shape.MustOf(reflect.TypeFor[event]())
	res := shape.MustOf(reflect.TypeFor[result]())
	typed := validate.Types{Input: ev, TaskOutput: map[string]*shape.Shape{"Work": res}}
	task := func(extra string) string {
		return `"Work": {"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
			"Retry": [{"ErrorEquals": ["States.ALL"]}]` + extra + `}`
	}
	tests := []struct {
		name  string
		def   string
		types validate.Types
		want  []flowIssue
	}{
		{
			name: "result placed by ResultPath and read back",
			def: `{"StartAt": "Work", "States": {` + task(`, "ResultPath": "$.r", "Next": "Use"`) + `,
				"Use": {"Type": "Pass", "Parameters": {"k.$": "$.r.first.key", "b.$": "$.bucket", "n.$": "$.r.count"}, "End": true}}}`,
			types: typed,
		},
		{
			name: "misspelt member of the result",
			def: `{"StartAt": "Work", "States": {` + task(`, "ResultPath": "$.r", "Next": "Use"`) + `,
				"Use": {"Type": "Pass", "Parameters": {"k.$": "$.r.frist.key"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.k.$", validate.CodeUnknownPathField}},
		},
		{
			name: "input field misspelt in an intrinsic",
			def: `{"StartAt": "Use", "States": {
				"Use": {"Type": "Pass", "Parameters": {"k.$": "States.Format('{}/{}', $.bucket, $.kye)"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.k.$", validate.CodeUnknownPathField}},
		},
		{
			name: "unknown input is not checked",
			def: `{"StartAt": "Use", "States": {
				"Use": {"Type": "Pass", "Parameters": {"k.$": "$.anything.at.all"}, "End": true}}}`,
		},
		{
			name: "Pass Result literal is known",
			def: `{"StartAt": "Set", "States": {
				"Set": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.lit", "Next": "Use"},
				"Use": {"Type": "Pass", "InputPath": "$.lit.b", "End": true}}}`,
			want: []flowIssue{{"States.Use.InputPath", validate.CodeUnknownPathField}},
		},
		{
			name: "ResultPath replaces, OutputPath narrows",
			def: `{"StartAt": "Work", "States": {` + task(`, "OutputPath": "$.first", "Next": "Use"`) + `,
				"Use": {"Type": "Pass", "Parameters": {"b.$": "$.bucket"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.b.$", validate.CodeUnknownPathField}},
		},
		{
			name: "ResultSelector reshapes",
			def: `{"StartAt": "Work", "States": {` + task(`, "ResultSelector": {"n.$": "$.count", "x.$": "$.cuont"}, "Next": "Use"`) + `,
				"Use": {"Type": "Pass", "Parameters": {"n.$": "$.n", "c.$": "$.count"}, "End": true}}}`,
			types: typed,
			want: []flowIssue{
				{"States.Work.ResultSelector.x.$", validate.CodeUnknownPathField},
				{"States.Use.Parameters.c.$", validate.CodeUnknownPathField},
			},
		},
		{
			name: "a member set on one branch only is optional, not an error",
			def: `{"StartAt": "C", "States": {
				"C": {"Type": "Choice", "Choices": [{"Variable": "$.versionId", "IsPresent": true, "Next": "J"}], "Default": "Set"},
				"Set": {"Type": "Pass", "Result": "null", "ResultPath": "$.versionId", "Next": "J"},
				"J": {"Type": "Pass", "Parameters": {"v.$": "$.versionId", "x.$": "$.nope"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.J.Parameters.x.$", validate.CodeUnknownPathField}},
		},
		{
			name: "Catch ResultPath gives {Error, Cause}",
			def: `{"StartAt": "Work", "States": {` + task(`, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Oops"}], "End": true`) + `,
				"Oops": {"Type": "Fail", "CausePath": "$.err.Cuase"}}}`,
			types: typed,
			want:  []flowIssue{{"States.Oops.CausePath", validate.CodeUnknownPathField}},
		},
		{
			name: "context object",
			def: `{"StartAt": "Use", "States": {
				"Use": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id", "bad.$": "$$.Execution.ID", "in.$": "$$.Execution.Input.key"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.bad.$", validate.CodeUnknownPathField}},
		},
		{
			name: "dynamic timeout read from the state input",
			def: `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "` + lambdaARN + `",
				"TimeoutSecondsPath": "$.timeout", "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Work.TimeoutSecondsPath", validate.CodeUnknownPathField}},
		},
		{
			name: "a member of a string",
			def: `{"StartAt": "Use", "States": {
				"Use": {"Type": "Pass", "Parameters": {"x.$": "$.bucket.name"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.x.$", validate.CodePathTypeMismatch}},
		},
		{
			name: "variables",
			def: `{"StartAt": "Set", "States": {
				"Set": {"Type": "Pass", "Assign": {"v": {"a": 1}, "b.$": "$.bucket"}, "Next": "Use"},
				"Use": {"Type": "Pass", "Parameters": {"ok.$": "$v.a", "bad.$": "$v.c", "b.$": "$b"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.bad.$", validate.CodeUnknownPathField}},
		},
		{
			name: "Map items, ItemSelector and results",
			def: `{"StartAt": "Work", "States": {` + task(`, "ResultPath": "$.r", "Next": "M"`) + `,
				"M": {"Type": "Map", "ItemsPath": "$.r.tags", "ItemSelector": {"t.$": "$$.Map.Item.Value", "b.$": "$.bucket", "i.$": "$$.Map.Item.Index"},
					"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"t.$": "$.t", "bad.$": "$.tag"}, "End": true}}},
					"ResultPath": "$.out", "Next": "After"},
				"After": {"Type": "Pass", "Parameters": {"t.$": "$.out[0].t", "x.$": "$.out[0].b"}, "End": true}}}`,
			types: typed,
			want: []flowIssue{
				{"States.M.ItemProcessor.States.P.Parameters.bad.$", validate.CodeUnknownPathField},
				{"States.After.Parameters.x.$", validate.CodeUnknownPathField},
			},
		},
		{
			name: "Map items that are not an array",
			def: `{"StartAt": "M", "States": {
				"M": {"Type": "Map", "ItemsPath": "$.bucket",
					"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.M.ItemsPath", validate.CodePathTypeMismatch}},
		},
		{
			name: "Parallel result is an array of the branches' outputs",
			def: `{"StartAt": "P", "States": {
				"P": {"Type": "Parallel", "Branches": [
					{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"a": 1}, "End": true}}},
					{"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": {"a": 2}, "End": true}}}],
					"ResultPath": "$.both", "Next": "Use"},
				"Use": {"Type": "Pass", "Parameters": {"a.$": "$.both[1].a", "b.$": "$.both[0].b"}, "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Parameters.b.$", validate.CodeUnknownPathField}},
		},
		{
			name: "Choice Variable is checked, IsPresent is not",
			def: `{"StartAt": "C", "States": {
				"C": {"Type": "Choice", "Choices": [
					{"Variable": "$.maybe", "IsPresent": true, "Next": "D"},
					{"Variable": "$.buckit", "StringEquals": "x", "Next": "D"}], "Default": "D"},
				"D": {"Type": "Succeed"}}}`,
			types: typed,
			want:  []flowIssue{{"States.C.Choices[1].Variable", validate.CodeUnknownPathField}},
		},
		{
			name: "JSONata references",
			def: `{"QueryLanguage": "JSONata", "StartAt": "Lease", "States": {
				"Lease": {"Type": "Pass", "Output": "{% $merge([$states.input, {'lease': {'now': $now()}}]) %}", "Next": "Use"},
				"Use": {"Type": "Pass", "Output": "{% {'k': $states.input.key, 'n': $states.input.lease.now, 'x': $states.input.lease.until} %}", "End": true}}}`,
			types: typed,
			want:  []flowIssue{{"States.Use.Output", validate.CodeUnknownPathField}},
		},
		{
			name: "a loop converges and keeps what it knows",
			def: `{"StartAt": "Work", "States": {` + task(`, "ResultPath": "$.r", "Next": "C"`) + `,
				"C": {"Type": "Choice", "Choices": [{"Variable": "$.r.count", "NumericGreaterThan": 0, "Next": "Work"}], "Default": "Done"},
				"Done": {"Type": "Pass", "Parameters": {"x.$": "$.r.firts"}, "End": true}}}`,
			types: typed,
			want: []flowIssue{
				{"States.Work", validate.CodeUnboundedLoop},
				{"States.Done.Parameters.x.$", validate.CodeUnknownPathField},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := flowIssues(t, tt.def, tt.types)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTaskInput(t *testing.T) {
	t.Parallel()
	def := `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
		"Retry": [{"ErrorEquals": ["States.ALL"]}],
		"Parameters": {"bucket.$": "$.bucket", "kee.$": "$.key"}, "End": true}}}`
	types := validate.Types{TaskInput: map[string]*shape.Shape{"Work": shape.MustOf(reflect.TypeFor[event]())}}
	want := []flowIssue{
		{"States.Work.Parameters", validate.CodeMissingInputField},
		{"States.Work.Parameters.kee.$", validate.CodeUnknownInputField},
	}
	if diff := cmp.Diff(want, flowIssues(t, def, types)); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
	// Without Parameters, what InputPath selects must have the fields.
	passed := `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "` + lambdaARN + `", "TimeoutSeconds": 5,
		"Retry": [{"ErrorEquals": ["States.ALL"]}], "InputPath": "$.first", "End": true}}}`
	typed := validate.Types{Input: shape.MustOf(reflect.TypeFor[result]()), TaskInput: types.TaskInput}
	// $.first is a chunk {key, index}: the event's bucket is missing.
	want = []flowIssue{{"States.Work.InputPath", validate.CodeMissingInputField}}
	if diff := cmp.Diff(want, flowIssues(t, passed, typed)); diff != "" {
		t.Errorf("InputPath to a chunk (-want +got):\n%s", diff)
	}
	m, _ := asl.Unmarshal([]byte(def))
	for _, is := range validate.Machine(m, validate.WithTypes(types)) {
		if is.Code == validate.CodeUnknownInputField && !strings.Contains(is.Msg, `did you mean "key"?`) {
			t.Errorf("no suggestion: %s", is.Msg)
		}
	}
}
