package validate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/awsapi/awsapitest"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/fnlog"
)

// TestMetrics: validating a file, and rejecting one, writes one embedded
// metric format line of its rows in and rejected, per dataset and stack;
// a file that could not be read writes none (its retry will).
func TestMetrics(t *testing.T) {
	tests := []struct {
		name, ds, file string
		missing        bool
		want           map[string]any
	}{
		{name: "validated", ds: "orders", file: "orders/orders.csv",
			want: map[string]any{"Dataset": "orders", "Stack": "prod", "RecordsIn": 20.0, "RecordsRejected": 0.0}},
		{name: "rejected", ds: "orders", file: "orders/orders_bad.csv",
			want: map[string]any{"Dataset": "orders", "Stack": "prod", "RecordsIn": 12.0, "RecordsRejected": 10.0}},
		{name: "not found", ds: "orders", file: "orders/orders.csv", missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := awsapitest.New()
			key := "incoming/" + tt.file
			v := s.Put(bucket, key, example(t, tt.file))
			if tt.missing {
				key += ".gone"
			}
			var out bytes.Buffer
			env := map[string]string{contract.EnvStack: "prod"}
			h := &Handler{S3: s, Datasets: dataset.Builtin(), Metrics: fnlog.MetricsFromLambda(func(k string) string { return env[k] }, &out)}
			_, _ = h.Handle(t.Context(), contract.FileEvent{Dataset: tt.ds, Bucket: bucket, Key: key, VersionID: v})
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if tt.want == nil {
				if out.Len() != 0 {
					t.Errorf("wrote %q, want nothing", out.String())
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("%d lines, want 1: %q", len(lines), out.String())
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
				t.Fatal(err)
			}
			aws, _ := doc["_aws"].(map[string]any)
			delete(doc, "_aws")
			if d := cmp.Diff(tt.want, doc); d != "" {
				t.Errorf("metrics (-want +got):\n%s", d)
			}
			dir := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if dir["Namespace"] != contract.MetricNamespace || !cmp.Equal(dir["Dimensions"], []any{[]any{"Dataset", "Stack"}}) {
				t.Errorf("directive %v", dir)
			}
		})
	}
}
