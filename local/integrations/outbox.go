package integrations

import (
	"encoding/json"
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
}

// NewOutbox returns an outbox appending to path ("" keeps entries in memory).
func NewOutbox(path string) *Outbox { return &Outbox{path: path} }

func (o *Outbox) add(kind, state string, msg any) error {
	if o == nil {
		return nil
	}
	e := OutboxEntry{Time: time.Now().UTC(), Kind: kind, State: state, Message: msg}
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

// Entries returns the publications recorded since the outbox was created.
func (o *Outbox) Entries() []OutboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]OutboxEntry(nil), o.entries...)
}
