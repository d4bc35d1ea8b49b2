package transitions_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/cli/transitions"
	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/workflow/asl"
)

// machine is Start (Task) → Chunks (Distributed Map of Each (Task)) → Done.
func machine(t *testing.T, childType string) *asl.StateMachine {
	t.Helper()
	def := `{"StartAt": "Start", "States": {
	  "Start": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Next": "Chunks"},
	  "Chunks": {"Type": "Map", "ItemProcessor": {
	    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "` + childType + `"},
	    "StartAt": "Each", "States": {"Each": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:g", "End": true}}},
	    "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`
	m, err := asl.Unmarshal([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// history builds events from (type, state or map name, previous event)
// triples, numbering them from 1.
func history(evs ...[3]any) engine.History {
	var h engine.History
	for i, e := range evs {
		ev := engine.Event{ID: int64(i + 1), Type: engine.EventType(e[0].(string)), PreviousEventID: int64(e[2].(int))}
		name := e[1].(string)
		switch ev.Type {
		case engine.MapIterationStarted:
			ev.MapIterationStartedEventDetails = &engine.MapIterationDetails{Name: name}
		case "TaskStateEntered", "MapStateEntered", "SucceedStateEntered":
			ev.StateEnteredEventDetails = &engine.StateEnteredDetails{Name: name}
		}
		h = append(h, ev)
	}
	return h
}

func TestOf(t *testing.T) {
	// Start is retried once; two chunks run concurrently (their events
	// interleave), the second retries Each once.
	h := history(
		[3]any{"ExecutionStarted", "", 0},          // 1
		[3]any{"TaskStateEntered", "Start", 1},     // 2
		[3]any{"LambdaFunctionScheduled", "", 2},   // 3
		[3]any{"LambdaFunctionFailed", "", 3},      // 4
		[3]any{"LambdaFunctionScheduled", "", 4},   // 5: retry
		[3]any{"LambdaFunctionSucceeded", "", 5},   // 6
		[3]any{"TaskStateExited", "", 6},           // 7
		[3]any{"MapStateEntered", "Chunks", 7},     // 8
		[3]any{"MapRunStarted", "", 8},             // 9
		[3]any{"MapIterationStarted", "Chunks", 9}, // 10
		[3]any{"MapIterationStarted", "Chunks", 9}, // 11
		[3]any{"TaskStateEntered", "Each", 10},     // 12
		[3]any{"TaskStateEntered", "Each", 11},     // 13
		[3]any{"LambdaFunctionScheduled", "", 12},  // 14
		[3]any{"LambdaFunctionScheduled", "", 13},  // 15
		[3]any{"LambdaFunctionFailed", "", 15},     // 16
		[3]any{"LambdaFunctionScheduled", "", 16},  // 17: retry in a child
		[3]any{"MapRunSucceeded", "", 9},           // 18
		[3]any{"SucceedStateEntered", "Done", 18},  // 19
	)
	tests := []struct {
		name       string
		childType  string
		want       transitions.Count
		wantBilled int
	}{
		// Parent: Start, Chunks, Done and Start's retry; children: two
		// Each and one retry.
		{"express children", "EXPRESS", transitions.Count{Parent: 4, Children: 3, ChildExecutions: 2, ChildType: "EXPRESS"}, 4},
		{"standard children", "STANDARD", transitions.Count{Parent: 4, Children: 3, ChildExecutions: 2, ChildType: "STANDARD"}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := transitions.Of(machine(t, tt.childType), h)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Of (-want +got):\n%s", diff)
			}
			if b := got.Billed(); b != tt.wantBilled {
				t.Errorf("Billed() = %d, want %d", b, tt.wantBilled)
			}
		})
	}
}
