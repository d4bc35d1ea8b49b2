package integrations

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Outbox records what the pipeline published (SNS notifications,
// EventBridge events) as JSON Lines, and keeps them for inspection.
type Outbox struct {
	mu      sync.Mutex
	path    string
	entries []OutboxEntry
}

// OutboxEntry is one publication.
type OutboxEntry struct {
	// Time is when it was published.
	Time time.Time `json:"time"`
	// Kind is "sns:publish" or "events:putEvents".
	Kind string `json:"kind"`
	// State is the Task state that published it.
	State string `json:"state"`
	// Message is the task's input: the publication's parameters.
	Message any `json:"message"`
	// Events are the events of an events:putEvents as the targets of a
	// rule on their bus would receive them.
	Events []Event `json:"events,omitempty"`
}

// NewOutbox returns an outbox appending to path ("" keeps entries in memory).
func NewOutbox(path string) *Outbox { return &Outbox{path: path} }

func (o *Outbox) add(kind, state string, msg any) error {
	return o.addEntry(OutboxEntry{Time: time.Now().UTC(), Kind: kind, State: state, Message: msg})
}

// addEvents records the events a PutEvents task put.
func (o *Outbox) addEvents(state string, msg any, events []Event) error {
	return o.addEntry(OutboxEntry{Time: time.Now().UTC(), Kind: "events:putEvents", State: state, Message: msg, Events: events})
}

func (o *Outbox) addEntry(e OutboxEntry) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = append(o.entries, e)
	if o.path == "" {
		return nil
	}
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(e)
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Events returns the EventBridge events recorded since the outbox was
// created, in order.
func (o *Outbox) Events() []Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Event
	for _, e := range o.entries {
		out = append(out, e.Events...)
	}
	return out
}

// Entries returns the publications recorded since the outbox was created.
func (o *Outbox) Entries() []OutboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OutboxEntry(nil), o.entries...)
}

// ReadEvents returns the EventBridge events an outbox file recorded, in
// order; a missing file has none. A line that is not an outbox entry is
// an error naming the file and line.
func ReadEvents(path string) ([]Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		var e OutboxEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not an outbox entry: %w", path, line, err)
		}
		out = append(out, e.Events...)
	}
	return out, sc.Err()
}
