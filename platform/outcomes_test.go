package platform_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/offline"
)

// TestOutcomeEvents, under mocks for dev and prod: the outcome bus exists,
// the state machine's role may put events on it and on no other bus, prod
// archives its outcome events for outcomeArchiveDays (dev has no
// archive), validate and load name their stack for the metrics' Stack
// dimension, the dashboard graphs every dataset's records and the outcome
// events, and the alarm on failed publications watches the account's
// events:putEvents integration.
func TestOutcomeEvents(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			bus := one(t, r, "aws:cloudwatch/eventBus:EventBus", "outcomes-bus")
			busArn := bus.Outputs["arn"].(string)
			if r.Outputs["outcomeBusArn"] != busArn || r.Outputs["outcomeBusName"] != bus.Outputs["name"] {
				t.Errorf("outputs outcomeBusArn %v, outcomeBusName %v; the bus is %s", r.Outputs["outcomeBusArn"], r.Outputs["outcomeBusName"], busArn)
			}

			// PutEvents: exactly this bus, for the machines' roles only
			// (the batch machine runs the per-file stages too).
			var puts []string
			for _, rp := range byType(r, "aws:iam/rolePolicy:RolePolicy") {
				for _, st := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
					if slices.Contains(st.Action, "events:PutEvents") {
						puts = append(puts, rp.Name+" "+strings.Join(st.Resource, ","))
					}
				}
			}
			want := []string{"pipeline-policy " + busArn}
			if len(r.Config.BatchDatasets) > 0 {
				want = append([]string{"batch-policy " + busArn}, want...)
			}
			slices.Sort(puts)
			if d := cmp.Diff(want, puts); d != "" {
				t.Errorf("events:PutEvents grants (-want +got):\n%s", d)
			}

			archives := byType(r, "aws:cloudwatch/eventArchive:EventArchive")
			if days := r.Config.OutcomeArchiveDays; days == 0 {
				if len(archives) != 0 {
					t.Errorf("%d archives with outcomeArchiveDays 0", len(archives))
				}
			} else {
				if len(archives) != 1 {
					t.Fatalf("%d archives, want 1", len(archives))
				}
				a := archives[0].Inputs
				var pattern map[string]any
				if err := json.Unmarshal([]byte(str(a, "eventPattern")), &pattern); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{"source": []any{contract.OutcomeSource}, "detail-type": []any{contract.OutcomeDetailType}}
				if a["eventSourceArn"] != busArn || a["retentionDays"] != float64(days) || !cmp.Equal(want, pattern) {
					t.Errorf("archive %v, want the bus's outcome events for %d days", a, days)
				}
			}

			for _, fn := range []string{"compute-validate", "compute-load"} {
				f := one(t, r, "aws:lambda/function:Function", fn)
				if got := str(f.Inputs, "environment", "variables", contract.EnvStack); got != stack {
					t.Errorf("%s: %s = %q, want %q", fn, contract.EnvStack, got, stack)
				}
			}

			region := r.Config.Region
			if region == "" {
				region = offline.Region
			}
			integration := "arn:" + offline.Partition + ":states:" + region + ":" + offline.Account + ":events:putEvents"
			alarm := one(t, r, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-outcome-events-failed")
			if str(alarm.Inputs, "namespace") != "AWS/States" || str(alarm.Inputs, "metricName") != "ServiceIntegrationsFailed" ||
				str(alarm.Inputs, "dimensions", "ServiceIntegrationResourceArn") != integration {
				t.Errorf("publication alarm %v, want ServiceIntegrationsFailed of %s", alarm.Inputs, integration)
			}
			dash := str(one(t, r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").Inputs, "dashboardBody")
			for _, ds := range dataset.Builtin().All() {
				for _, m := range []string{contract.MetricRecordsIn, contract.MetricRecordsLoaded, contract.MetricRecordsRejected} {
					line := `["Sluice","` + m + `","Dataset","` + ds.Name + `","Stack","` + stack + `"`
					if !strings.Contains(dash, line) {
						t.Errorf("the dashboard has no %s line", line)
					}
				}
			}
			if !strings.Contains(dash, `"ServiceIntegrationResourceArn","`+integration+`"`) {
				t.Errorf("the dashboard does not graph the outcome events' publication")
			}
		})
	}
}
