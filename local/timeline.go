package local

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
)

// Step is one state of an execution as the timeline shows it: every entry
// of the state (Map iterations included) folded together.
type Step struct {
	State string `json:"state"`
	Type  string `json:"type"`
	// Start is the first entry; Duration runs to the last exit.
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	// Entries counts how often the state ran (once per Map iteration).
	Entries int `json:"entries"`
	// Retries counts failed attempts that were retried or caught.
	Retries int `json:"retries"`
	// Records is the record count the state's task reported (rows read,
	// records staged, items written), summed over entries; -1 when none.
	Records int64 `json:"records"`
	// Errors lists the error names of failed attempts.
	Errors []string `json:"errors,omitempty"`
}

// Timeline folds an execution history into steps in order of first entry.
// Events are attributed to states through their previous-event links, so
// concurrent Map iterations are counted correctly.
func Timeline(h engine.History) []Step {
	return TimelineAt(h, nil)
}

// TimelineAt is Timeline with event times from at (by event id) where it
// has them: under --fast the history carries virtual time, and the wall
// clock times recorded as the events happened show where time really went.
func TimelineAt(h engine.History, at map[int64]time.Time) []Step {
	stateOf := map[int64]string{}
	steps := map[string]*Step{}
	var order []string
	for _, e := range h {
		if t, ok := at[e.ID]; ok {
			e.Timestamp = t
		}
		state := stateOf[e.PreviousEventID]
		if d := e.StateEnteredEventDetails; d != nil {
			state = d.Name
			s := steps[state]
			if s == nil {
				s = &Step{State: state, Type: strings.TrimSuffix(string(e.Type), "StateEntered"), Start: e.Timestamp, Records: -1}
				steps[state] = s
				order = append(order, state)
			}
			s.Entries++
		}
		if d := e.StateExitedEventDetails; d != nil {
			state = d.Name
			if s := steps[state]; s != nil {
				if dur := e.Timestamp.Sub(s.Start); dur > s.Duration {
					s.Duration = dur
				}
			}
		}
		stateOf[e.ID] = state
		s := steps[state]
		if s == nil {
			continue
		}
		switch {
		case e.TaskFailedEventDetails != nil:
			s.Retries++
			if e.TaskFailedEventDetails.Error != nil {
				s.Errors = append(s.Errors, *e.TaskFailedEventDetails.Error)
			}
		case e.LambdaFunctionFailedDetails != nil:
			s.Retries++
			if e.LambdaFunctionFailedDetails.Error != nil {
				s.Errors = append(s.Errors, *e.LambdaFunctionFailedDetails.Error)
			}
		case e.TaskTimedOutEventDetails != nil, e.LambdaFunctionTimedOutDetails != nil:
			s.Retries++
			s.Errors = append(s.Errors, "States.Timeout")
		case e.LambdaFunctionSucceededDetails != nil:
			addRecords(s, e.LambdaFunctionSucceededDetails.Output)
		case e.TaskSucceededEventDetails != nil:
			addRecords(s, e.TaskSucceededEventDetails.Output)
		}
	}
	out := make([]Step, 0, len(order))
	for _, name := range order {
		out = append(out, *steps[name])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// addRecords adds the record count a task output reports.
func addRecords(s *Step, output string) {
	var m map[string]any
	if json.Unmarshal([]byte(output), &m) != nil {
		return
	}
	if p, ok := m["Payload"].(map[string]any); ok {
		m = p
	}
	for _, k := range []string{"written", "records", "rows"} {
		if v, ok := m[k].(float64); ok {
			if s.Records < 0 {
				s.Records = 0
			}
			s.Records += int64(v)
			return
		}
	}
}
