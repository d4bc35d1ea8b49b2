package local

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluicehq/sluice/engine"
)

// history builds an execution history from (id, previous id, seconds,
// kind, name) rows; kind is entered, exited, scheduled, failed or
// succeeded.
func history(rows ...[5]any) engine.History {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	var h engine.History
	for _, r := range rows {
		e := engine.Event{ID: int64(r[0].(int)), PreviousEventID: int64(r[1].(int)), Timestamp: t0.Add(time.Duration(r[2].(int)) * time.Second)}
		name := r[4].(string)
		switch r[3].(string) {
		case "entered":
			e.Type = "TaskStateEntered"
			e.StateEnteredEventDetails = &engine.StateEnteredDetails{Name: name}
		case "choice":
			e.Type = "ChoiceStateEntered"
			e.StateEnteredEventDetails = &engine.StateEnteredDetails{Name: name}
		case "exited":
			e.Type = "TaskStateExited"
			e.StateExitedEventDetails = &engine.StateExitedDetails{Name: name}
		case "scheduled":
			e.Type = "LambdaFunctionScheduled"
			e.LambdaFunctionScheduledDetails = &engine.LambdaScheduledDetails{}
		case "failed":
			e.Type = "LambdaFunctionFailed"
			e.LambdaFunctionFailedDetails = &engine.ErrorDetails{Error: &name}
		case "succeeded":
			e.Type = "LambdaFunctionSucceeded"
			e.LambdaFunctionSucceededDetails = &engine.OutputDetails{Output: `{"written": 10}`}
		}
		h = append(h, e)
	}
	return h
}

// TestTimelineParallelEntries: three Map iterations of LoadChunk overlap
// (0-10 s, 2-6 s, 20-23 s): the wall time counts the overlap once (13 s,
// not 17 s), and min/median/max describe single entries. A Choice entered
// in each iteration takes no time, however far apart its entries are.
func TestTimelineParallelEntries(t *testing.T) {
	t.Parallel()
	h := history(
		[5]any{1, 0, 0, "choice", "ChunkRoute"}, [5]any{2, 1, 0, "exited", "ChunkRoute"},
		[5]any{3, 2, 0, "entered", "LoadChunk"},
		[5]any{4, 0, 2, "choice", "ChunkRoute"}, [5]any{5, 4, 2, "exited", "ChunkRoute"},
		[5]any{6, 5, 2, "entered", "LoadChunk"},
		[5]any{7, 6, 2, "scheduled", ""}, [5]any{8, 7, 3, "failed", "Lambda.ServiceException"},
		[5]any{9, 8, 4, "scheduled", ""}, [5]any{10, 9, 6, "succeeded", ""}, [5]any{11, 10, 6, "exited", "LoadChunk"},
		[5]any{12, 3, 1, "scheduled", ""}, [5]any{13, 12, 10, "succeeded", ""}, [5]any{14, 13, 10, "exited", "LoadChunk"},
		[5]any{15, 0, 20, "choice", "ChunkRoute"}, [5]any{16, 15, 20, "exited", "ChunkRoute"},
		[5]any{17, 16, 20, "entered", "LoadChunk"}, [5]any{18, 17, 20, "scheduled", ""}, [5]any{19, 18, 23, "succeeded", ""},
		[5]any{20, 19, 23, "exited", "LoadChunk"},
	)
	want := []Step{
		{State: "ChunkRoute", Type: "Choice", Entries: 3, Records: -1},
		{State: "LoadChunk", Type: "Task", Duration: 13 * time.Second, Entries: 3, Min: 3 * time.Second, Median: 4 * time.Second, Max: 10 * time.Second,
			Retries: 1, Errors: []string{"Lambda.ServiceException"}, Records: 30},
	}
	got := TimelineAt(h, nil)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Step{}, "Start")); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

// TestTimelineCaughtIsNotAFailedAttempt: an error a Catcher handles (a
// duplicate's Claim) is the state's outcome, not a retried attempt; an
// error neither retried nor caught is the failure.
func TestTimelineCaughtIsNotAFailedAttempt(t *testing.T) {
	t.Parallel()
	h := history(
		[5]any{1, 0, 0, "entered", "Claim"}, [5]any{2, 1, 0, "scheduled", ""},
		[5]any{3, 2, 1, "failed", "DynamoDB.ConditionalCheckFailedException"}, [5]any{4, 3, 1, "exited", "Claim"},
		[5]any{5, 4, 1, "entered", "Load"}, [5]any{6, 5, 1, "scheduled", ""}, [5]any{7, 6, 2, "failed", "States.TaskFailed"},
	)
	want := []Step{
		{State: "Claim", Type: "Task", Duration: time.Second, Entries: 1, Min: time.Second, Median: time.Second, Max: time.Second,
			Caught: []string{"DynamoDB.ConditionalCheckFailedException"}, Records: -1},
		{State: "Load", Type: "Task", Duration: time.Second, Entries: 1, Min: time.Second, Median: time.Second, Max: time.Second,
			Failed: "States.TaskFailed", Records: -1},
	}
	if diff := cmp.Diff(want, TimelineAt(h, nil), cmpopts.IgnoreFields(Step{}, "Start")); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}
