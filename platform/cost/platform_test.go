package cost

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/offline"
)

// TestLoadStackAgreesWithPlatform reads each stack both ways: LoadStack
// (no Pulumi, for the CLI) and the Pulumi program's own LoadConfigMap over
// the stack file; the estimate must price what the program deploys.
func TestLoadStackAgreesWithPlatform(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			got, err := LoadStack(root, stack)
			if err != nil {
				t.Fatal(err)
			}
			values, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := platform.LoadConfigMap(offline.Project, stack, values)
			if err != nil {
				t.Fatal(err)
			}
			want := Stack{
				Name: stack, Region: c.Region, MemoryMB: c.MemoryMB, FunctionLogLevel: c.FunctionLogLevel,
				LogRetentionDays: c.LogRetentionDays, StateMachineLogLevel: c.StateMachineLogLevel,
				IncludeExecutionData: c.IncludeExecutionData, MapExecutionType: c.MapExecutionType,
				MapMaxConcurrency: c.MapMaxConcurrency, CapacityMode: c.CapacityMode,
				ReadCapacity: c.ReadCapacity, WriteCapacity: c.WriteCapacity,
				MaxReadCapacity: c.MaxReadCapacity, MaxWriteCapacity: c.MaxWriteCapacity,
				AutoscalingTarget: c.AutoscalingTarget, PointInTimeRecovery: c.PointInTimeRecovery,
				IncomingIADays: c.IncomingIADays, IncomingGlacierDays: c.IncomingGlacierDays,
				StagingExpireDays: c.StagingExpireDays, ResultsExpireDays: c.ResultsExpireDays,
				ReconcileSchedule: c.ReconcileSchedule, ReconcileTimeoutSeconds: c.ReconcileTimeoutSeconds,
				MonthlyBudgetUSD: c.MonthlyBudgetUSD, BudgetAlertPercent: c.BudgetAlertPercent,
				BatchDatasets: c.BatchDatasets, BatchSchedule: c.BatchSchedule, BatchMaxFiles: c.BatchMaxFiles,
				BatchMaxConcurrency: c.BatchMaxConcurrency, VPC: c.VPC, Egress: c.Egress,
			}
			want.FunctionMemoryMB = map[string]int{}
			for _, fn := range append(platform.FunctionNames, platform.FunctionReconcile) {
				want.FunctionMemoryMB[fn] = c.FunctionMemoryMB(fn)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LoadStack vs platform.LoadConfigMap (-platform +cost):\n%s", diff)
			}
			// The machine priced is the one the program deploys.
			opts, err := platform.PipelineOptions(c)
			if err != nil {
				t.Fatal(err)
			}
			_, o, err := Machine(got)
			if err != nil {
				t.Fatal(err)
			}
			if o.MapExecutionType != opts.MapExecutionType && opts.MapExecutionType != "" || o.MaxConcurrency != opts.MaxConcurrency {
				t.Errorf("options: cost %+v, platform %+v", o, opts)
			}
		})
	}
}
