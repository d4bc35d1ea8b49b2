package platform

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/reconciler"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// reconcilerInputs are the deployed resources the reconciler refers to.
type reconcilerInputs struct {
	bucketName, bucketArn, ledgerName, ledgerArn, keyArn, machineArn pulumi.StringOutput
	network                                                          *compute.Network
	// batchPrefixes are the batched datasets' prefixes, left to the
	// batches (contract.EnvReconcileBatchPrefixes).
	batchPrefixes []string
}

// reconcilerArgs returns the Reconciler component's arguments: the
// function with its environment (functions/reconcile.ParseConfig reads
// it) and policy (ReconcilePolicy), its settings and its schedule.
func reconcilerArgs(cfg Config, pkg Package, ds []*dataset.Dataset, in reconcilerInputs) *reconciler.Args {
	env := map[string]string{
		contract.EnvReconcileGrace:    strconv.Itoa(cfg.ReconcileGraceMinutes) + "m",
		contract.EnvReconcileLookback: strconv.Itoa(cfg.ReconcileLookbackDays*24) + "h",
		contract.EnvReconcileRedrive:  strconv.FormatBool(cfg.ReconcileRedrive),
	}
	environment := map[string]pulumi.StringInput{
		contract.EnvBucket:      in.bucketName,
		contract.EnvTableLedger: in.ledgerName,
	}
	if len(in.batchPrefixes) > 0 {
		b, _ := json.Marshal(in.batchPrefixes)
		env[contract.EnvReconcileBatchPrefixes] = string(b)
	}
	for k, v := range env {
		environment[k] = pulumi.String(v)
	}
	if cfg.ReconcileRedrive {
		environment[contract.EnvStateMachineARN] = in.machineArn
	}
	// The rules depend on the bucket's name, and the size check on every
	// value: both happen once they are known.
	environment[contract.EnvReconcileRules] = pulumi.All(in.bucketName, in.ledgerName, in.machineArn).ApplyT(func(v []any) (string, error) {
		return reconcileRulesEnv(cfg, ds, env, v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)

	refs := map[string]pulumi.StringInput{
		"bucket":                        in.bucketArn,
		"table:" + pipeline.TableLedger: in.ledgerArn,
		"key":                           in.keyArn,
		"machine":                       in.machineArn,
		"executions":                    ExecutionsArn(in.machineArn),
	}
	return &reconciler.Args{
		Function: compute.Function{
			Name:           FunctionReconcile,
			Description:    functionDescriptions[FunctionReconcile],
			ZipPath:        pkg.ZipPath,
			SourceCodeHash: pkg.SourceCodeHash,
			Environment:    environment,
			Policy:         ReconcilePolicy(cfg.ReconcileRedrive),
			Refs:           refs,
		},
		Settings: compute.Args{
			KeyArn:         in.keyArn,
			MemoryMB:       cfg.FunctionMemoryMB(FunctionReconcile),
			TimeoutSeconds: cfg.ReconcileTimeoutSeconds,
			// One run at a time: a run that outlasts the interval makes
			// the next invocation wait (Lambda retries throttled
			// asynchronous invocations) and the throttles alarm tell.
			ReservedConcurrency: 1,
			LogRetentionDays:    cfg.LogRetentionDays,
			LogLevel:            reconcileLogLevel(cfg.FunctionLogLevel),
			Network:             in.network,
		},
		Schedule:           cfg.ReconcileSchedule,
		StateMachineArn:    in.machineArn,
		MaxEventAgeSeconds: cfg.EventMaxAgeSeconds,
		RetryAttempts:      cfg.EventRetryAttempts,
		DLQRetentionDays:   cfg.DLQRetentionDays,
	}
}

// ExecutionsArn returns the ARN pattern of a state machine's executions
// ("arn:aws:states:REGION:ACCOUNT:execution:NAME:*"), the resource of
// states:DescribeExecution.
func ExecutionsArn(machineArn pulumi.StringInput) pulumi.StringOutput {
	return machineArn.ToStringOutput().ApplyT(func(arn string) string {
		return strings.Replace(arn, ":stateMachine:", ":execution:", 1) + ":*"
	}).(pulumi.StringOutput)
}

// reconcileLogLevel is the reconciler's application log level: the
// functions' own, but never above INFO, because its metrics are log lines
// without a level, which Lambda counts as INFO
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
func reconcileLogLevel(level string) string {
	switch level {
	case "WARN", "ERROR", "FATAL":
		return "INFO"
	}
	return level
}

// reconcileRulesEnv returns SLUICE_RECONCILE_RULES for the bucket, after
// checking that the reconciler's whole environment (static holds the
// values known before deployment) fits Lambda's limit, so the deployment
// fails with a reason rather than when Lambda refuses the function.
func reconcileRulesEnv(cfg Config, ds []*dataset.Dataset, static map[string]string, bucket, ledger, machine string) (string, error) {
	rules, err := ReconcileRules(bucket, ds)
	if err != nil {
		return "", err
	}
	all := map[string]string{contract.EnvBucket: bucket, contract.EnvTableLedger: ledger, contract.EnvReconcileRules: rules}
	for k, v := range static {
		all[k] = v
	}
	if cfg.ReconcileRedrive {
		all[contract.EnvStateMachineARN] = machine
	}
	if n := environmentSize(all); n > LambdaEnvironmentLimit {
		return "", fmt.Errorf("platform: the reconciler's environment holds %d bytes (the rules of %d datasets), over Lambda's %d", n, len(ds), LambdaEnvironmentLimit)
	}
	return rules, nil
}

// notRunningInterval is the interval, in seconds, of the alarm on a
// reconciler not invoked for two intervals: the schedule's rate, when it
// is one and two of it fit CloudWatch's one-day evaluation range; 0 (no
// such alarm) otherwise.
func notRunningInterval(schedule string) int {
	s, err := ParseSchedule(schedule)
	if err != nil || s.Rate == 0 || s.Rate > 12*time.Hour {
		return 0
	}
	return int(s.Rate / time.Second)
}
