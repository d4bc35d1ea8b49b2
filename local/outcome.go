package local

import "github.com/sluicehq/sluice/engine"

// Publication says what became of an execution's outcome event: whether
// the execution tried to publish one (a run that failed before its
// terminal path did not), whether it was published, and after how many
// failed attempts, with the last error.
type Publication struct {
	Attempted, Published bool
	Failures             int
	LastError            string
}

// OutcomePublication reads an execution's history for its outcome
// event's events:putEvents task.
func OutcomePublication(h engine.History) Publication {
	var p Publication
	for _, e := range h {
		switch {
		case e.TaskScheduledEventDetails != nil && e.TaskScheduledEventDetails.ResourceType == "events" && e.TaskScheduledEventDetails.Resource == "putEvents":
			p.Attempted = true
		case e.TaskSucceededEventDetails != nil && e.TaskSucceededEventDetails.ResourceType == "events" && e.TaskSucceededEventDetails.Resource == "putEvents":
			p.Published = true
		case e.TaskFailedEventDetails != nil && e.TaskFailedEventDetails.ResourceType == "events" && e.TaskFailedEventDetails.Resource == "putEvents":
			p.Failures++
			if e.TaskFailedEventDetails.Error != nil {
				p.LastError = *e.TaskFailedEventDetails.Error
			}
		}
	}
	return p
}
