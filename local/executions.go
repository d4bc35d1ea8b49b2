package local

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/workflow/asl"
)

// executionRecord is <state-dir>/executions/<name>.result.json: what
// `sluice report` renders besides the history.
type executionRecord struct {
	Result  *FileResult       `json:"result"`
	Machine *asl.StateMachine `json:"machine"`
	Output  any               `json:"output"`
	// Started and Ended are the wall-clock bounds of the execution (also
	// under --fast, where the history's timestamps are virtual). Records
	// written before they existed have neither.
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
	// WallTimes are the wall-clock times of the history's events (by id)
	// when it ran on virtual time (--fast), so the report's timings are
	// real ones.
	WallTimes map[int64]time.Time `json:"wallTimes,omitempty"`
}

// ExecutionInfo describes one recorded execution for a listing.
type ExecutionInfo struct {
	// Name is the execution's name.
	Name string
	// Key and Dataset are the file it ran on; Status how it ended.
	Key     string
	Dataset string
	Status  Status
	// Start is when the execution started (wall clock); Duration is zero
	// when the record does not say.
	Start    time.Time
	Duration time.Duration
}

// ExecutionList lists the recorded executions, newest first, with the
// file each ran on, its outcome and when it ran. A record that cannot be
// read is listed by name only.
func (r *Runtime) ExecutionList() ([]ExecutionInfo, error) {
	names, err := r.Executions()
	if err != nil {
		return nil, err
	}
	out := make([]ExecutionInfo, 0, len(names))
	for _, n := range names {
		info := ExecutionInfo{Name: n}
		var rec struct {
			Result  FileResult `json:"result"`
			Started time.Time  `json:"started"`
			Ended   time.Time  `json:"ended"`
		}
		if b, err := os.ReadFile(filepath.Join(r.dir, "executions", n+".result.json")); err == nil && json.Unmarshal(b, &rec) == nil {
			info.Key, info.Dataset, info.Status = rec.Result.Key, rec.Result.Dataset, rec.Result.Status
			info.Start = rec.Started
			if !rec.Ended.IsZero() {
				info.Duration = rec.Ended.Sub(rec.Started)
			}
		}
		if info.Start.IsZero() {
			// The name starts with the UTC start time.
			if len(n) >= 22 {
				if t, err := time.Parse("20060102T150405.000000", n[:22]); err == nil {
					info.Start = t
				}
			}
		}
		out = append(out, info)
	}
	return out, nil
}
