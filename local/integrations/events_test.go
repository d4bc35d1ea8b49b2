package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/engine"
)

const testExecution = "arn:aws:states:us-east-1:000000000000:execution:sluice-local-pipeline:run-1"

func putEventsRequest(entries ...any) engine.TaskRequest {
	return engine.TaskRequest{State: "Publish", Resource: "arn:aws:states:::events:putEvents", ExecutionARN: testExecution,
		Input: map[string]any{"Entries": entries}}
}

// TestPutEvents: an entry becomes the event a rule's target receives,
// with the execution and its state machine appended to its resources as
// Step Functions does, into the outbox file, read back by ReadEvents.
func TestPutEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	out := NewOutbox(path)
	inv := NewInvoker(InvokerConfig{Region: "us-east-1", Account: "000000000000", Outbox: out})
	res, err := inv.Invoke(context.Background(), putEventsRequest(map[string]any{
		"Source": "sluice.pipeline", "DetailType": "Sluice File Outcome", "EventBusName": "arn:aws:events:us-east-1:000000000000:event-bus/b",
		"Detail": map[string]any{"status": "LOADED", "loaded": json.Number("3")}, "Resources": []any{"arn:aws:s3:::bucket"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	evs := out.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	if d := cmp.Diff(map[string]any{"Entries": []any{map[string]any{"EventId": ev.ID}}, "FailedEntryCount": json.Number("0")}, res); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	want := Event{Version: "0", ID: ev.ID, DetailType: "Sluice File Outcome", Source: "sluice.pipeline", Account: "000000000000", Time: ev.Time, Region: "us-east-1",
		Resources:    []string{"arn:aws:s3:::bucket", testExecution, "arn:aws:states:us-east-1:000000000000:stateMachine:sluice-local-pipeline"},
		Detail:       json.RawMessage(`{"loaded":3,"status":"LOADED"}`),
		EventBusName: "arn:aws:events:us-east-1:000000000000:event-bus/b"}
	if d := cmp.Diff(want, ev); d != "" {
		t.Errorf("event (-want +got):\n%s", d)
	}
	read, err := ReadEvents(path)
	if err != nil {
		t.Fatal(err)
	}
	want.EventBusName = "" // kept in the entry's message, not in the event
	if d := cmp.Diff([]Event{want}, read); d != "" {
		t.Errorf("ReadEvents (-want +got):\n%s", d)
	}
	if none, err := ReadEvents(filepath.Join(t.TempDir(), "missing.jsonl")); err != nil || none != nil {
		t.Errorf("a missing outbox: %v, %v", none, err)
	}
}

// TestPutEventsRefuses: entries EventBridge refuses fail the task as the
// optimized integration does, and nothing is recorded.
func TestPutEventsRefuses(t *testing.T) {
	ok := map[string]any{"Source": "s", "DetailType": "d", "Detail": map[string]any{}}
	with := func(k string, v any) map[string]any { // ok with k set to v, or without k for nil
		m := maps.Clone(ok)
		m[k] = v
		if v == nil {
			delete(m, k)
		}
		return m
	}
	tests := []struct {
		name    string
		entries []any
		want    string
	}{
		{"no entries", nil, "EventBridge.AmazonEventBridgeException"},
		{"eleven entries", []any{ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}, "EventBridge.AmazonEventBridgeException"},
		{"no source", []any{with("Source", nil)}, "EventBridge.FailedEntry"},
		{"no detail", []any{with("Detail", nil)}, "EventBridge.FailedEntry"},
		{"detail not an object", []any{with("Detail", "[1]")}, "EventBridge.FailedEntry"},
		{"an aws. source", []any{with("Source", "aws.s3")}, "EventBridge.FailedEntry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := NewOutbox("")
			inv := NewInvoker(InvokerConfig{Region: "us-east-1", Account: "000000000000", Outbox: out})
			_, err := inv.Invoke(context.Background(), putEventsRequest(tt.entries...))
			var te *engine.TaskError
			if !errors.As(err, &te) || te.Name != tt.want {
				t.Errorf("error %v, want %s", err, tt.want)
			}
			if n := len(out.Entries()); n != 0 {
				t.Errorf("%d entries recorded", n)
			}
		})
	}
}
