package validate_test

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

// TestHistoryMatchesTheEngine runs small machines on the local engine
// (whose histories follow the conformance recordings) along their longest
// path and compares the number of events with the static bound: equal when
// the run takes the counted path with every retry, never above it.
func TestHistoryMatchesTheEngine(t *testing.T) {
	t.Parallel()
	const fn = "arn:aws:lambda:us-east-1:123456789012:function:work"
	tests := []struct {
		name  string
		def   string
		fails int  // how many calls of the function fail first
		exact bool // the run takes the counted path
	}{
		{
			name: "pass, task, choice, succeed",
			def: `{"StartAt": "P", "States": {
				"P": {"Type": "Pass", "Next": "T"},
				"T": {"Type": "Task", "Resource": "` + fn + `", "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], "Next": "C"},
				"C": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "S"}], "Default": "F"},
				"S": {"Type": "Succeed"},
				"F": {"Type": "Fail"}}}`,
			exact: true,
		},
		{
			name: "every retry used",
			def: `{"StartAt": "T", "States": {
				"T": {"Type": "Task", "Resource": "` + fn + `", "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}], "End": true}}}`,
			fails: 2, exact: true,
		},
		{
			name: "inline map over known items",
			def: `{"StartAt": "Items", "States": {
				"Items": {"Type": "Pass", "Result": [1, 2, 3], "Next": "M"},
				"M": {"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {
					"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			exact: true,
		},
		{
			name: "parallel",
			def: `{"StartAt": "Par", "States": {
				"Par": {"Type": "Parallel", "Branches": [
					{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
					{"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "Next": "B2"}, "B2": {"Type": "Pass", "End": true}}}],
					"End": true}}}`,
			exact: true,
		},
		{
			name: "caught error",
			def: `{"StartAt": "T", "States": {
				"T": {"Type": "Task", "Resource": "` + fn + `", "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
					"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true},
				"H": {"Type": "Pass", "End": true}}}`,
			fails: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := asl.Unmarshal([]byte(tt.def))
			if err != nil {
				t.Fatal(err)
			}
			bound, ok := validate.History(m)
			if !ok || bound.Unknown {
				t.Fatalf("no bound: %+v %v", bound, ok)
			}
			calls := 0
			work := func(context.Context, any) (any, error) {
				calls++
				if calls <= tt.fails {
					return nil, &engine.LambdaError{ErrorType: "Boom", ErrorMessage: "failed"}
				}
				return map[string]any{"ok": true}, nil
			}
			eng, err := engine.New(m,
				engine.WithInvoker(engine.InvokerFunc(func(ctx context.Context, req engine.TaskRequest) (any, error) { return work(ctx, req.Input) })))
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Run(context.Background(), map[string]any{},
				engine.WithClock(engine.NewVirtualClock(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))))
			if err != nil {
				t.Fatal(err)
			}
			got := int64(len(res.History))
			switch {
			case tt.exact && got != bound.Events:
				t.Errorf("engine recorded %d events, the bound is %d (along %v)", got, bound.Events, bound.Path)
			case got > bound.Events:
				t.Errorf("engine recorded %d events, more than the bound %d", got, bound.Events)
			}
		})
	}
}
