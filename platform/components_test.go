package platform_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/audit"
	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/data"
	"github.com/sluicehq/sluice/platform/events"
	"github.com/sluicehq/sluice/platform/monitoring"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/orchestration"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/platform/reconciler"
	"github.com/sluicehq/sluice/platform/security"
	"github.com/sluicehq/sluice/platform/storage"
)

// TestComponentsRejectBadArgs checks that every component returns an error,
// rather than panicking or registering anything, for nil and invalid Args.
func TestComponentsRejectBadArgs(t *testing.T) {
	key := pulumi.String("arn:aws:kms:us-east-1:000000000000:key/k")
	pattern := func(string) map[string]any { return map[string]any{"source": []any{"aws.s3"}} }
	unrouted := func(string) (map[string]any, error) { return map[string]any{"source": []any{"aws.s3"}}, nil }
	tests := []struct {
		name string
		make func(ctx *pulumi.Context) error
		want string
	}{
		{"security nil", func(ctx *pulumi.Context) error { _, err := security.New(ctx, "s", nil); return err }, "nil Args"},
		{"security window", func(ctx *pulumi.Context) error {
			_, err := security.New(ctx, "s", &security.Args{AccountID: "1", Partition: "aws", Region: "r", DeletionWindowDays: 3})
			return err
		}, "DeletionWindowDays"},
		{"security cidr", func(ctx *pulumi.Context) error {
			_, err := security.New(ctx, "s", &security.Args{AccountID: "1", Partition: "aws", Region: "r", DeletionWindowDays: 7,
				Network: &security.NetworkArgs{CIDR: "nonsense", AvailabilityZones: []string{"a"}}})
			return err
		}, "CIDR"},
		{"storage nil", func(ctx *pulumi.Context) error { _, err := storage.New(ctx, "s", nil); return err }, "nil Args"},
		{"storage prefix", func(ctx *pulumi.Context) error {
			_, err := storage.New(ctx, "s", &storage.Args{KeyArn: key, IncomingPrefixes: []string{"incoming"}})
			return err
		}, "must end in '/'"},
		{"data nil", func(ctx *pulumi.Context) error { _, err := data.New(ctx, "d", nil); return err }, "nil Args"},
		{"data mode", func(ctx *pulumi.Context) error {
			_, err := data.New(ctx, "d", &data.Args{KeyArn: key, Tables: []data.Table{{Logical: "t", HashKey: "pk"}}, CapacityMode: "cheap"})
			return err
		}, "capacity mode"},
		{"data duplicate", func(ctx *pulumi.Context) error {
			_, err := data.New(ctx, "d", &data.Args{KeyArn: key, CapacityMode: data.OnDemand, Tables: []data.Table{{Logical: "t", HashKey: "pk"}, {Logical: "t", HashKey: "pk"}}})
			return err
		}, "twice"},
		{"compute nil", func(ctx *pulumi.Context) error { _, err := compute.New(ctx, "c", nil); return err }, "nil Args"},
		{"compute no package", func(ctx *pulumi.Context) error {
			_, err := compute.New(ctx, "c", &compute.Args{KeyArn: key, MemoryMB: 128, TimeoutSeconds: 1, ReservedConcurrency: -1, LogRetentionDays: 1,
				Functions: []compute.Function{{Name: "f", Policy: policy.Document{Statement: []policy.Statement{policy.Allow("x", []string{"s3:GetObject"}, []string{"a"})}}}}})
			return err
		}, "no package"},
		{"orchestration nil", func(ctx *pulumi.Context) error { _, err := orchestration.New(ctx, "o", nil); return err }, "nil Args"},
		{"orchestration no compile", func(ctx *pulumi.Context) error {
			_, err := orchestration.New(ctx, "o", &orchestration.Args{KeyArn: key, AccountID: "1", Partition: "aws", Region: "r", Type: "STANDARD", LogLevel: "ALL"})
			return err
		}, "Compile is required"},
		{"events nil", func(ctx *pulumi.Context) error { _, err := events.New(ctx, "e", nil); return err }, "nil Args"},
		{"events no pattern", func(ctx *pulumi.Context) error {
			_, err := events.New(ctx, "e", &events.Args{Datasets: []events.Dataset{{Name: "x"}}, BucketName: pulumi.String("b"), StateMachineArn: pulumi.String("m"),
				KeyArn: key, AccountID: "1", MaxEventAgeSeconds: 60, DLQRetentionDays: 1})
			return err
		}, "no Pattern"},
		{"events no unrouted pattern", func(ctx *pulumi.Context) error {
			_, err := events.New(ctx, "e", &events.Args{Datasets: []events.Dataset{{Name: "x", Pattern: pattern}}, BucketName: pulumi.String("b"), StateMachineArn: pulumi.String("m"),
				KeyArn: key, AccountID: "1", MaxEventAgeSeconds: 60, DLQRetentionDays: 1})
			return err
		}, "UnroutedPattern is required"},
		{"events reserved name", func(ctx *pulumi.Context) error {
			_, err := events.New(ctx, "e", &events.Args{Datasets: []events.Dataset{{Name: "unrouted-queue", Pattern: pattern}}, UnroutedPattern: unrouted,
				BucketName: pulumi.String("b"), StateMachineArn: pulumi.String("m"), KeyArn: key, AccountID: "1", MaxEventAgeSeconds: 60, DLQRetentionDays: 1})
			return err
		}, "reserved"},
		{"reconciler nil", func(ctx *pulumi.Context) error { _, err := reconciler.New(ctx, "r", nil); return err }, "nil Args"},
		{"reconciler schedule", func(ctx *pulumi.Context) error {
			_, err := reconciler.New(ctx, "r", &reconciler.Args{Function: compute.Function{Name: "reconcile"}, Schedule: "hourly"})
			return err
		}, "schedule"},
		{"reconciler no package", func(ctx *pulumi.Context) error {
			_, err := reconciler.New(ctx, "r", &reconciler.Args{Function: compute.Function{Name: "reconcile"}, Schedule: "rate(1 hour)",
				MaxEventAgeSeconds: 60, DLQRetentionDays: 1, StateMachineArn: key,
				Settings: compute.Args{KeyArn: key, MemoryMB: 128, TimeoutSeconds: 1, ReservedConcurrency: 1, LogRetentionDays: 1}})
			return err
		}, "no package"},
		{"reconciler no machine", func(ctx *pulumi.Context) error {
			_, err := reconciler.New(ctx, "r", &reconciler.Args{Function: compute.Function{Name: "reconcile"}, Schedule: "rate(1 hour)",
				MaxEventAgeSeconds: 60, DLQRetentionDays: 1,
				Settings: compute.Args{KeyArn: key, MemoryMB: 128, TimeoutSeconds: 1, ReservedConcurrency: 1, LogRetentionDays: 1}})
			return err
		}, "StateMachineArn"},
		{"alerts nil", func(ctx *pulumi.Context) error { _, err := monitoring.NewAlerts(ctx, "a", nil); return err }, "nil AlertsArgs"},
		{"monitoring nil", func(ctx *pulumi.Context) error { _, err := monitoring.New(ctx, "m", nil); return err }, "nil Args"},
		{"monitoring percent", func(ctx *pulumi.Context) error {
			_, err := monitoring.New(ctx, "m", &monitoring.Args{TopicArn: key, StateMachineArn: key, DLQName: key, UnroutedQueue: key, Region: "r", DurationPercent: 0,
				Functions: map[string]monitoring.Function{"f": {Name: pulumi.String("f"), TimeoutSeconds: 1}}})
			return err
		}, "duration percent"},
		{"monitoring reconciler without bucket", func(ctx *pulumi.Context) error {
			_, err := monitoring.New(ctx, "m", &monitoring.Args{TopicArn: key, StateMachineArn: key, DLQName: key, UnroutedQueue: key, Region: "r", DurationPercent: 50,
				Functions: map[string]monitoring.Function{"f": {Name: pulumi.String("f"), TimeoutSeconds: 1}}, Reconciler: &monitoring.Reconciler{FunctionName: key, DLQName: key}})
			return err
		}, "Reconciler needs the bucket"},
		{"monitoring reconciler interval", func(ctx *pulumi.Context) error {
			_, err := monitoring.New(ctx, "m", &monitoring.Args{TopicArn: key, StateMachineArn: key, DLQName: key, UnroutedQueue: key, Region: "r", DurationPercent: 50,
				Functions:  map[string]monitoring.Function{"f": {Name: pulumi.String("f"), TimeoutSeconds: 1}},
				Reconciler: &monitoring.Reconciler{Bucket: key, FunctionName: key, DLQName: key, IntervalSeconds: 90}})
			return err
		}, "whole minutes"},
		{"reconciler retention", func(ctx *pulumi.Context) error {
			_, err := reconciler.New(ctx, "r", &reconciler.Args{Function: compute.Function{Name: "reconcile"}, Schedule: "rate(1 hour)", MaxEventAgeSeconds: 60, DLQRetentionDays: 15, StateMachineArn: key})
			return err
		}, "retention"},
		{"monitoring no unrouted queue", func(ctx *pulumi.Context) error {
			_, err := monitoring.New(ctx, "m", &monitoring.Args{TopicArn: key, StateMachineArn: key, DLQName: key, Region: "r", DurationPercent: 50,
				Functions: map[string]monitoring.Function{"f": {Name: pulumi.String("f"), TimeoutSeconds: 1}}})
			return err
		}, "UnroutedQueue"},
		{"audit nil", func(ctx *pulumi.Context) error { _, err := audit.New(ctx, "a", nil); return err }, "nil Args"},
		{"audit no tables", func(ctx *pulumi.Context) error {
			_, err := audit.New(ctx, "a", &audit.Args{AccountID: "1", Partition: "aws", Region: "r", BucketArn: key, TopicArn: key,
				PipelineRoleArns: map[string]pulumi.StringInput{"f": key}, LogRetentionDays: 1, ArchiveDays: 1, AccessDeniedThreshold: 1, KeyDeletionWindowDays: 7})
			return err
		}, "no table"},
		{"audit no roles", func(ctx *pulumi.Context) error {
			_, err := audit.New(ctx, "a", &audit.Args{AccountID: "1", Partition: "aws", Region: "r", BucketArn: key, TopicArn: key,
				TableArns: map[string]pulumi.StringInput{"t": key}, LogRetentionDays: 1, ArchiveDays: 1, AccessDeniedThreshold: 1, KeyDeletionWindowDays: 7})
			return err
		}, "no pipeline role"},
		{"audit threshold", func(ctx *pulumi.Context) error {
			_, err := audit.New(ctx, "a", &audit.Args{AccountID: "1", Partition: "aws", Region: "r", BucketArn: key, TopicArn: key,
				TableArns: map[string]pulumi.StringInput{"t": key}, PipelineRoleArns: map[string]pulumi.StringInput{"f": key},
				LogRetentionDays: 1, ArchiveDays: 1, KeyDeletionWindowDays: 7})
			return err
		}, "AccessDeniedThreshold 0 must be positive"},
		{"audit key window", func(ctx *pulumi.Context) error {
			_, err := audit.New(ctx, "a", &audit.Args{AccountID: "1", Partition: "aws", Region: "r", BucketArn: key, TopicArn: key,
				TableArns: map[string]pulumi.StringInput{"t": key}, PipelineRoleArns: map[string]pulumi.StringInput{"f": key},
				LogRetentionDays: 1, ArchiveDays: 1, AccessDeniedThreshold: 1, KeyDeletionWindowDays: 31})
			return err
		}, "KeyDeletionWindowDays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &offline.Recorder{Project: "sluice", Stack: "test"}
			var got error
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				got = tt.make(ctx)
				return nil
			}, pulumi.WithMocks("sluice", "test", rec))
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !strings.Contains(got.Error(), tt.want) {
				t.Errorf("error %v, want one mentioning %q", got, tt.want)
			}
			if n := len(rec.Resources()); n != 0 {
				t.Errorf("%d resources registered despite the error", n)
			}
		})
	}
}
