package local

import (
	"encoding/json"
	"slices"
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
	// Start is the first entry.
	Start time.Time `json:"start"`
	// Duration is the wall time during which at least one entry of the
	// state was running: entries that overlap (parallel Map iterations)
	// count once, so it never exceeds the execution's duration.
	Duration time.Duration `json:"duration"`
	// Entries counts how often the state ran (once per Map iteration).
	Entries int `json:"entries"`
	// Min, Median and Max are the durations of single entries (equal to
	// Duration when the state ran once).
	Min    time.Duration `json:"min"`
	Median time.Duration `json:"median"`
	Max    time.Duration `json:"max"`
	// Retries counts failed attempts that were retried.
	Retries int `json:"retries"`
	// Errors lists the error names of the retried attempts.
	Errors []string `json:"errors,omitempty"`
	// Caught lists the errors a Catcher handled: the state's outcome,
	// not a failed attempt (a DUPLICATE's Claim, a REJECTED Validate).
	Caught []string `json:"caught,omitempty"`
	// Failed is the error of an attempt neither retried nor caught: the
	// execution failed on it.
	Failed string `json:"failed,omitempty"`
	// Records is the record count the state's task reported (rows read,
	// records staged, items written), summed over entries; -1 when none.
	Records int64 `json:"records"`
}

// entry is one run of a state, from StateEntered to StateExited.
type entry struct {
	step       *Step
	start, end time.Time
	failed     string // the error of the last attempt, while it failed
}

// TimelineAt folds an execution history into steps in order of first
// entry. Events are attributed to state entries through their
// previous-event links, so concurrent Map iterations are told apart. Event
// times come from at (by event id) where it has them, else from the
// history: under --fast the history carries virtual time, and the wall
// clock times recorded as the events happened show where time really went.
func TimelineAt(h engine.History, at map[int64]time.Time) []Step {
	entryOf := map[int64]*entry{}
	steps := map[string]*Step{}
	entries := map[*Step][]*entry{}
	var order []string
	var last time.Time
	for _, e := range h {
		if t, ok := at[e.ID]; ok {
			e.Timestamp = t
		}
		last = e.Timestamp
		en := entryOf[e.PreviousEventID]
		if d := e.StateEnteredEventDetails; d != nil {
			s := steps[d.Name]
			if s == nil {
				s = &Step{State: d.Name, Type: strings.TrimSuffix(string(e.Type), "StateEntered"), Start: e.Timestamp, Records: -1}
				steps[d.Name] = s
				order = append(order, d.Name)
			}
			s.Entries++
			en = &entry{step: s, start: e.Timestamp}
			entries[s] = append(entries[s], en)
		}
		entryOf[e.ID] = en
		if en == nil {
			continue
		}
		s := en.step
		if e.StateExitedEventDetails != nil && en.end.IsZero() {
			en.end = e.Timestamp
			if en.failed != "" {
				s.Caught = append(s.Caught, en.failed)
				en.failed = ""
			}
			continue
		}
		switch {
		case e.TaskScheduledEventDetails != nil, e.LambdaFunctionScheduledDetails != nil:
			// A new attempt: the failed one before it was retried.
			if en.failed != "" {
				s.Retries++
				s.Errors = append(s.Errors, en.failed)
				en.failed = ""
			}
		case e.TaskFailedEventDetails != nil:
			en.failed = errorName(e.TaskFailedEventDetails.Error)
		case e.LambdaFunctionFailedDetails != nil:
			en.failed = errorName(e.LambdaFunctionFailedDetails.Error)
		case e.TaskTimedOutEventDetails != nil, e.LambdaFunctionTimedOutDetails != nil:
			en.failed = "States.Timeout"
		case e.LambdaFunctionSucceededDetails != nil:
			addRecords(s, e.LambdaFunctionSucceededDetails.Output)
		case e.TaskSucceededEventDetails != nil:
			addRecords(s, e.TaskSucceededEventDetails.Output)
		}
	}
	out := make([]Step, 0, len(order))
	for _, name := range order {
		s := steps[name]
		var took []time.Duration
		for _, en := range entries[s] {
			if en.end.IsZero() {
				// Still running when the history ends (the execution
				// failed or was stopped inside it).
				en.end = last
			}
			if en.failed != "" && s.Failed == "" {
				s.Failed = en.failed
			}
			took = append(took, en.end.Sub(en.start))
		}
		s.Duration = busy(entries[s])
		slices.Sort(took)
		s.Min, s.Median, s.Max = took[0], took[len(took)/2], took[len(took)-1]
		if len(took)%2 == 0 {
			s.Median = (took[len(took)/2-1] + took[len(took)/2]) / 2
		}
		out = append(out, *s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// busy is the length of the union of the entries' intervals.
func busy(ens []*entry) time.Duration {
	sorted := slices.Clone(ens)
	slices.SortFunc(sorted, func(a, b *entry) int { return a.start.Compare(b.start) })
	var total time.Duration
	var curStart, curEnd time.Time
	for i, en := range sorted {
		switch {
		case i == 0:
			curStart, curEnd = en.start, en.end
		case en.start.After(curEnd):
			total += curEnd.Sub(curStart)
			curStart, curEnd = en.start, en.end
		case en.end.After(curEnd):
			curEnd = en.end
		}
	}
	if len(sorted) > 0 {
		total += curEnd.Sub(curStart)
	}
	return total
}

func errorName(p *string) string {
	if p == nil || *p == "" {
		return "(no error name)"
	}
	return *p
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
