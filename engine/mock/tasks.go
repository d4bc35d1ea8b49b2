package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/internal/jsonvalue"
)

// Entry is one canned task result.
type Entry struct {
	// State is the Task state's name.
	State string `json:"state"`
	// Input is the input the task is expected to get; strings of the form
	// "<...>" match any value.
	Input json.RawMessage `json:"input,omitempty"`
	// Return is the raw task result; absent when Throw is set.
	Return json.RawMessage `json:"return,omitempty"`
	// Throw fails the task.
	Throw *Throw `json:"throw,omitempty"`
}

// Throw is a canned task failure.
type Throw struct {
	// Error is the error name.
	Error string `json:"error"`
	// Cause is the cause; nil reports no cause.
	Cause *string `json:"cause"`
}

// Tasks replays canned results keyed by Resource. Each entry is used once.
type Tasks struct {
	mu      sync.Mutex
	entries map[string][]*tasksEntry
}

type tasksEntry struct {
	Entry
	input any
	ret   any
	used  bool
}

// ParseTasks decodes the JSON of a conformance case's "tasks" field:
// {"<Resource>": [Entry, ...]}.
func ParseTasks(b []byte) (*Tasks, error) {
	var m map[string][]Entry
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mock: tasks: %w", err)
	}
	return NewTasks(m)
}

// NewTasks builds a Tasks from entries keyed by Resource.
func NewTasks(m map[string][]Entry) (*Tasks, error) {
	t := &Tasks{entries: map[string][]*tasksEntry{}}
	for res, list := range m {
		for i, e := range list {
			te := &tasksEntry{Entry: e}
			var err error
			if len(e.Input) > 0 {
				if te.input, err = engine.DecodeJSON(e.Input); err != nil {
					return nil, fmt.Errorf("mock: tasks[%q][%d].input: %w", res, i, err)
				}
			}
			if e.Throw == nil {
				raw := e.Return
				if len(raw) == 0 {
					raw = json.RawMessage("null")
				}
				if te.ret, err = engine.DecodeJSON(raw); err != nil {
					return nil, fmt.Errorf("mock: tasks[%q][%d].return: %w", res, i, err)
				}
			}
			t.entries[res] = append(t.entries[res], te)
		}
	}
	return t, nil
}

// Invoke returns the first unused entry for the resource and state whose
// input matches, else the next unused entry for that state.
func (t *Tasks) Invoke(_ context.Context, req engine.TaskRequest) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.entries[req.Resource]
	var pick *tasksEntry
	for _, e := range list {
		if !e.used && e.State == req.State && (len(e.Input) == 0 || Match(e.input, req.Input)) {
			pick = e
			break
		}
	}
	if pick == nil {
		for _, e := range list {
			if !e.used && e.State == req.State {
				pick = e
				break
			}
		}
	}
	if pick == nil {
		return nil, &engine.TaskError{Name: "States.TaskFailed", Cause: fmt.Sprintf("mock: no canned result left for state %q and resource %s", req.State, req.Resource)}
	}
	pick.used = true
	if pick.Throw != nil {
		te := &engine.TaskError{Name: pick.Throw.Error, NoCause: pick.Throw.Cause == nil}
		if pick.Throw.Cause != nil {
			te.Cause = *pick.Throw.Cause
		}
		return nil, te
	}
	return pick.ret, nil
}

// Match compares want and got by JSON value; a want string "<...>" matches
// anything.
func Match(want, got any) bool {
	return jsonvalue.EqualFunc(want, got, matchLeaf)
}

// matchLeaf compares a want value that is neither object nor array: a
// "<...>" placeholder matches anything, numbers compare as float64, other
// values by ==.
func matchLeaf(want, got any) bool {
	switch w := want.(type) {
	case string:
		if strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">") {
			return true
		}
		g, ok := got.(string)
		return ok && g == w
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		a, err1 := w.Float64()
		b, err2 := g.Float64()
		return err1 == nil && err2 == nil && a == b
	}
	return want == got
}
