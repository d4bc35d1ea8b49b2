package load

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/functions/fnlog"
)

// TestMetrics: each chunk loaded writes one embedded metric format line
// of the items written and the stale records skipped, per dataset; a
// chunk that failed writes none (its retry will).
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	var out bytes.Buffer
	e.h.Metrics = fnlog.MetricsFromLambda(func(string) string { return "" }, &out)
	c := e.stage(t, "orders", "incoming/orders/a.csv", orderRecords("NEW", 7))
	if _, err := e.h.Handle(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	missing := c
	missing.Key += ".gone"
	if _, err := e.h.Handle(t.Context(), missing); err == nil {
		t.Fatal("a missing chunk loaded")
	}
	var doc map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Errorf("more than one line: the failed chunk wrote metrics")
	}
	delete(doc, "_aws")
	if d := cmp.Diff(map[string]any{"Dataset": "orders", "RecordsLoaded": 7.0, "RecordsStale": 0.0}, doc); d != "" {
		t.Errorf("metrics (-want +got):\n%s", d)
	}
}
