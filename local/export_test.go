package local

import (
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sluicehq/sluice/local/integrations"
)

// Test hooks for the external tests (package local_test).

// FunctionsAt is Functions with the ingest clock (_ingested_at) of the
// enricher and the loader set to now, for reproducible items:
// Config{Functions: FunctionsAt(func() time.Time { return t0 })}.
func FunctionsAt(now func() time.Time) func(d Deps) ([]*integrations.FunctionSpec, error) {
	return func(d Deps) ([]*integrations.FunctionSpec, error) { return functions(d, now) }
}

// Outbox returns the notifications and events published so far.
func (r *Runtime) Outbox() *integrations.Outbox { return r.outbox }

// NewDynamoDBClient is the runtime's DynamoDB client for an external
// endpoint (over TCP).
func NewDynamoDBClient(endpoint string) *dynamodb.Client { return newDynamoDBClient(endpoint, nil) }

// WriteJSONLines writes items one JSON object per line.
func WriteJSONLines(w io.Writer, items []map[string]any) error {
	for _, it := range items {
		if err := WriteJSONLine(w, it); err != nil {
			return err
		}
	}
	return nil
}
