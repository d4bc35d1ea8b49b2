package integrations

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
)

// Event is an EventBridge event as a rule's target receives it: the
// envelope EventBridge builds around a PutEvents entry
// (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html).
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	// EventBusName is the bus the entry was put on: not part of what a
	// target receives (the outbox keeps it in the entry's Message).
	EventBusName string `json:"-"`
}

// maxEntrySize is PutEvents' limit on one entry (and on the whole
// request): 256 KiB.
const maxEntrySize = 256 * 1024

// putEvents runs the optimized EventBridge integration
// (arn:aws:states:::events:putEvents) as Step Functions does: it appends
// the execution's and the state machine's ARNs to each entry's Resources,
// sends an entry's Detail object as its JSON text, and fails the task with
// EventBridge.FailedEntry when an entry is refused. The events, as targets
// would receive them, go to the outbox.
func (inv *Invoker) putEvents(req engine.TaskRequest) (any, error) {
	in, _ := req.Input.(map[string]any)
	entries, _ := in["Entries"].([]any)
	if len(entries) == 0 || len(entries) > 10 {
		return nil, &engine.TaskError{Name: "EventBridge.AmazonEventBridgeException",
			Cause: fmt.Sprintf("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10 (%d entries)", len(entries))}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	var events []Event
	var results []any
	for i, e := range entries {
		ev, err := inv.event(e, req.ExecutionARN, now)
		if err != nil {
			return nil, &engine.TaskError{Name: "EventBridge.FailedEntry", Cause: fmt.Sprintf("entry %d: %v", i, err)}
		}
		events = append(events, ev)
		results = append(results, map[string]any{"EventId": ev.ID})
	}
	if err := inv.outbox.addEvents(req.State, req.Input, events); err != nil {
		return nil, err
	}
	return map[string]any{"Entries": results, "FailedEntryCount": json.Number("0")}, nil
}

// event checks one PutEvents entry and builds the event EventBridge would
// deliver for it.
func (inv *Invoker) event(entry any, execution, now string) (Event, error) {
	m, ok := entry.(map[string]any)
	if !ok {
		return Event{}, fmt.Errorf("an entry is an object, got %T", entry)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	ev := Event{Version: "0", ID: newID(), Source: str("Source"), DetailType: str("DetailType"), Time: now,
		Region: inv.lambda.region, Account: inv.lambda.account, EventBusName: str("EventBusName")}
	if ev.Source == "" || ev.DetailType == "" {
		return Event{}, fmt.Errorf("Source and DetailType are required (InvalidArgument)")
	}
	if strings.HasPrefix(ev.Source, "aws.") {
		return Event{}, fmt.Errorf("source %q: the aws. prefix is reserved (NotAuthorizedForSourceException)", ev.Source)
	}
	switch d := m["Detail"].(type) {
	case string:
		ev.Detail = json.RawMessage(d)
	case map[string]any:
		b, err := json.Marshal(d)
		if err != nil {
			return Event{}, err
		}
		ev.Detail = b
	default:
		return Event{}, fmt.Errorf("Detail is required (InvalidArgument)")
	}
	var obj map[string]any
	if json.Unmarshal(ev.Detail, &obj) != nil {
		return Event{}, fmt.Errorf("Detail is not a JSON object (MalformedDetail)")
	}
	if rs, ok := m["Resources"].([]any); ok {
		for _, r := range rs {
			s, _ := r.(string)
			ev.Resources = append(ev.Resources, s)
		}
	}
	if i := strings.LastIndexByte(execution, ':'); i > 0 {
		machine := strings.Replace(execution[:i], ":execution:", ":stateMachine:", 1)
		ev.Resources = append(ev.Resources, execution, machine)
	}
	if ev.Resources == nil {
		ev.Resources = []string{}
	}
	if n := len(ev.Source) + len(ev.DetailType) + len(ev.Detail) + len(strings.Join(ev.Resources, "")); n > maxEntrySize {
		return Event{}, fmt.Errorf("entry of %d bytes is over 256 KiB (EntrySizeExceeded)", n)
	}
	return ev, nil
}
