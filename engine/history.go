package engine

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"
)

// EventType is a history event type as GetExecutionHistory reports it.
type EventType string

// The history event types the engine records.
const (
	ExecutionStarted        EventType = "ExecutionStarted"
	ExecutionSucceeded      EventType = "ExecutionSucceeded"
	ExecutionFailed         EventType = "ExecutionFailed"
	ExecutionTimedOut       EventType = "ExecutionTimedOut"
	ExecutionAborted        EventType = "ExecutionAborted"
	TaskScheduled           EventType = "TaskScheduled"
	TaskStarted             EventType = "TaskStarted"
	TaskSucceeded           EventType = "TaskSucceeded"
	TaskFailed              EventType = "TaskFailed"
	TaskTimedOut            EventType = "TaskTimedOut"
	LambdaFunctionScheduled EventType = "LambdaFunctionScheduled"
	LambdaFunctionStarted   EventType = "LambdaFunctionStarted"
	LambdaFunctionSucceeded EventType = "LambdaFunctionSucceeded"
	LambdaFunctionFailed    EventType = "LambdaFunctionFailed"
	LambdaFunctionTimedOut  EventType = "LambdaFunctionTimedOut"
	MapStateStarted         EventType = "MapStateStarted"
	MapStateSucceeded       EventType = "MapStateSucceeded"
	MapStateFailed          EventType = "MapStateFailed"
	MapStateAborted         EventType = "MapStateAborted"
	MapIterationStarted     EventType = "MapIterationStarted"
	MapIterationSucceeded   EventType = "MapIterationSucceeded"
	MapIterationFailed      EventType = "MapIterationFailed"
	MapIterationAborted     EventType = "MapIterationAborted"
	MapRunStarted           EventType = "MapRunStarted"
	MapRunSucceeded         EventType = "MapRunSucceeded"
	MapRunFailed            EventType = "MapRunFailed"
	ParallelStateStarted    EventType = "ParallelStateStarted"
	ParallelStateSucceeded  EventType = "ParallelStateSucceeded"
	ParallelStateFailed     EventType = "ParallelStateFailed"
	ParallelStateAborted    EventType = "ParallelStateAborted"
	WaitStateAborted        EventType = "WaitStateAborted"
	FailStateEntered        EventType = "FailStateEntered"
	EvaluationFailed        EventType = "EvaluationFailed"
)

// Event is one history event, shaped as in GetExecutionHistory's JSON.
// At most one details field is set, matching Type (none for the events AWS
// records without details, such as LambdaFunctionStarted or
// ParallelStateStarted).
type Event struct {
	// Timestamp is when the event was recorded, on the engine's clock.
	Timestamp time.Time `json:"timestamp"`
	// Type is the event type.
	Type EventType `json:"type"`
	// ID numbers the events of an execution from 1.
	ID int64 `json:"id"`
	// PreviousEventID is the id of the event before this one in the same
	// thread of execution (branch, iteration); 0 for ExecutionStarted.
	PreviousEventID int64 `json:"previousEventId"`

	// The details fields are named as in GetExecutionHistory.

	ExecutionStartedEventDetails    *ExecutionStartedDetails `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceededEventDetails  *OutputDetails           `json:"executionSucceededEventDetails,omitempty"`
	ExecutionFailedEventDetails     *ErrorDetails            `json:"executionFailedEventDetails,omitempty"`
	ExecutionTimedOutEventDetails   *ErrorDetails            `json:"executionTimedOutEventDetails,omitempty"`
	ExecutionAbortedEventDetails    *ErrorDetails            `json:"executionAbortedEventDetails,omitempty"`
	StateEnteredEventDetails        *StateEnteredDetails     `json:"stateEnteredEventDetails,omitempty"`
	StateExitedEventDetails         *StateExitedDetails      `json:"stateExitedEventDetails,omitempty"`
	TaskScheduledEventDetails       *TaskScheduledDetails    `json:"taskScheduledEventDetails,omitempty"`
	TaskStartedEventDetails         *TaskResource            `json:"taskStartedEventDetails,omitempty"`
	TaskSucceededEventDetails       *TaskOutputDetails       `json:"taskSucceededEventDetails,omitempty"`
	TaskFailedEventDetails          *TaskErrorDetails        `json:"taskFailedEventDetails,omitempty"`
	TaskTimedOutEventDetails        *TaskErrorDetails        `json:"taskTimedOutEventDetails,omitempty"`
	LambdaFunctionScheduledDetails  *LambdaScheduledDetails  `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaFunctionSucceededDetails  *OutputDetails           `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFunctionFailedDetails     *ErrorDetails            `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaFunctionTimedOutDetails   *ErrorDetails            `json:"lambdaFunctionTimedOutEventDetails,omitempty"`
	MapStateStartedEventDetails     *MapStateStartedDetails  `json:"mapStateStartedEventDetails,omitempty"`
	MapIterationStartedEventDetails *MapIterationDetails     `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceededDetails    *MapIterationDetails     `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailedEventDetails  *MapIterationDetails     `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationAbortedEventDetails *MapIterationDetails     `json:"mapIterationAbortedEventDetails,omitempty"`
	MapRunStartedEventDetails       *MapRunStartedDetails    `json:"mapRunStartedEventDetails,omitempty"`
	MapRunFailedEventDetails        *ErrorDetails            `json:"mapRunFailedEventDetails,omitempty"`
	EvaluationFailedEventDetails    *EvaluationFailedDetails `json:"evaluationFailedEventDetails,omitempty"`
}

// PayloadDetails says whether a payload was truncated (never, locally).
type PayloadDetails struct {
	Truncated bool `json:"truncated"`
}

// ExecutionStartedDetails describes ExecutionStarted.
type ExecutionStartedDetails struct {
	Input        string         `json:"input"`
	InputDetails PayloadDetails `json:"inputDetails"`
	RoleARN      string         `json:"roleArn"`
}

// OutputDetails carries an output payload.
type OutputDetails struct {
	Output        string         `json:"output"`
	OutputDetails PayloadDetails `json:"outputDetails"`
}

// ErrorDetails carries an error and its cause.
type ErrorDetails struct {
	Error *string `json:"error,omitempty"`
	Cause *string `json:"cause,omitempty"`
}

// StateEnteredDetails describes a XxxStateEntered event.
type StateEnteredDetails struct {
	Name         string         `json:"name"`
	Input        string         `json:"input"`
	InputDetails PayloadDetails `json:"inputDetails"`
}

// StateExitedDetails describes a XxxStateExited event.
type StateExitedDetails struct {
	Name                     string            `json:"name"`
	Output                   string            `json:"output"`
	OutputDetails            PayloadDetails    `json:"outputDetails"`
	AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *PayloadDetails   `json:"assignedVariablesDetails,omitempty"`
}

// TaskResource names a task's resource.
type TaskResource struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskScheduledDetails describes TaskScheduled.
type TaskScheduledDetails struct {
	ResourceType       string `json:"resourceType"`
	Resource           string `json:"resource"`
	Region             string `json:"region"`
	Parameters         string `json:"parameters"`
	TimeoutInSeconds   *int64 `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64 `json:"heartbeatInSeconds,omitempty"`
}

// TaskOutputDetails describes TaskSucceeded.
type TaskOutputDetails struct {
	ResourceType  string         `json:"resourceType"`
	Resource      string         `json:"resource"`
	Output        string         `json:"output"`
	OutputDetails PayloadDetails `json:"outputDetails"`
}

// TaskErrorDetails describes TaskFailed and TaskTimedOut.
type TaskErrorDetails struct {
	ResourceType string  `json:"resourceType"`
	Resource     string  `json:"resource"`
	Error        *string `json:"error,omitempty"`
	Cause        *string `json:"cause,omitempty"`
}

// LambdaScheduledDetails describes LambdaFunctionScheduled.
type LambdaScheduledDetails struct {
	Resource         string         `json:"resource"`
	Input            string         `json:"input"`
	InputDetails     PayloadDetails `json:"inputDetails"`
	TimeoutInSeconds *int64         `json:"timeoutInSeconds,omitempty"`
}

// MapStateStartedDetails describes MapStateStarted.
type MapStateStartedDetails struct {
	Length int `json:"length"`
}

// MapIterationDetails describes the MapIterationXxx events.
type MapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// MapRunStartedDetails describes MapRunStarted.
type MapRunStartedDetails struct {
	MapRunARN string `json:"mapRunArn"`
}

// EvaluationFailedDetails describes EvaluationFailed (JSONata errors).
type EvaluationFailedDetails struct {
	Error    string `json:"error"`
	Cause    string `json:"cause"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

// History is the list of events of one execution.
type History []Event

// MarshalJSON encodes the history as GetExecutionHistory does: {"events": [...]}.
func (h History) MarshalJSON() ([]byte, error) {
	type events struct {
		Events []Event `json:"events"`
	}
	ev := []Event(h)
	if ev == nil {
		ev = []Event{}
	}
	return json.Marshal(events{Events: ev})
}

// UnmarshalJSON decodes {"events": [...]} or a bare array of events.
func (h *History) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var events []Event
		if err := json.Unmarshal(b, &events); err != nil {
			return err
		}
		*h = events
		return nil
	}
	var v struct {
		Events []Event `json:"events"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = v.Events
	return nil
}

// recorder appends events. Concurrent branches share one recorder; each keeps
// its own previous-event id.
type recorder struct {
	mu sync.Mutex
	// chunks hold the events by value: an allocation per chunk rather
	// than per event, and no copying as the history grows.
	chunks   [][]Event
	n        int
	limit    int
	clock    Clock
	over     bool
	closed   bool
	observer func(Event)
	// discard drops the events once numbered and observed
	// (WithoutHistory).
	discard bool
}

// add appends ev after prev and returns its id. As on AWS, the last event
// the limit allows is kept for the execution's end: any other event beyond
// limit-1 is dropped and add reports false from then on.
// unread reports whether nobody reads the events: none is kept and none
// observed, so only their count matters (the history limit). It does not
// change during a run.
func (r *recorder) unread() bool { return r.discard && r.observer == nil }

func (r *recorder) add(prev int64, ev Event) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	final := ev.Type == ExecutionSucceeded || ev.Type == ExecutionFailed || ev.Type == ExecutionTimedOut || ev.Type == ExecutionAborted
	if r.closed {
		return int64(r.n), false
	}
	if r.limit > 0 && !final && (r.over || r.n >= r.limit-1) {
		r.over = true
		return int64(r.n), false
	}
	r.n++
	ev.ID = int64(r.n)
	if r.unread() {
		return ev.ID, true
	}
	ev.PreviousEventID = prev
	ev.Timestamp = r.clock.Now()
	if r.observer != nil {
		r.observer(ev)
	}
	if r.discard {
		return ev.ID, true
	}
	if len(r.chunks) == 0 || len(r.chunks[len(r.chunks)-1]) == cap(r.chunks[len(r.chunks)-1]) {
		// Chunks grow with the history (8, 8, 16, 32 ... events) up
		// to maxEventChunk: small executions stay small.
		r.chunks = append(r.chunks, make([]Event, 0, min(max(r.n, 8), maxEventChunk)))
	}
	last := &r.chunks[len(r.chunks)-1]
	*last = append(*last, ev)
	return ev.ID, true
}

// maxEventChunk is the most events the recorder allocates at a time.
const maxEventChunk = 256

// close ends the history and returns it; later events are dropped.
func (r *recorder) close() History {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.discard {
		return nil
	}
	out := make(History, 0, r.n)
	for _, c := range r.chunks {
		out = append(out, c...)
	}
	return out
}
