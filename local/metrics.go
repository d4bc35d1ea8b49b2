package local

import (
	"os"
	"sync"
)

// MetricsFile is the file of the state directory the functions' embedded
// metric format lines go to (functions/emf): what CloudWatch Logs would
// turn into the Sluice metrics, one JSON object a line.
const MetricsFile = "metrics.jsonl"

// appendFile is an io.Writer that appends each Write to a file, opening
// it for that write only (as the outbox does), so a runtime holds no file
// open between executions. It is safe for concurrent use.
type appendFile struct {
	mu   sync.Mutex
	path string
}

func (a *appendFile) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := f.Write(p)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}
