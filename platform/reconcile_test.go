package platform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/reconcile"
)

// TestReconcileEnvironmentFitsLambda: the builtin datasets' rules fit
// Lambda's 4 KB of environment with room to spare; twenty datasets do not,
// and the deployment says so.
func TestReconcileEnvironmentFitsLambda(t *testing.T) {
	cfg := DefaultConfig("sluice", "dev")
	cfg.ReconcileRedrive = true
	static := map[string]string{contract.EnvReconcileGrace: "15m", contract.EnvReconcileLookback: "168h", contract.EnvReconcileRedrive: "true"}
	bucket := "storage-bucket-" + strings.Repeat("x", 40) // a long auto-name
	machine := "arn:aws:states:eu-west-1:123456789012:stateMachine:pipeline-machine-" + strings.Repeat("y", 20)
	rules, err := reconcileRulesEnv(cfg, dataset.Builtin().All(), static, bucket, "data-ledger-1234567", machine)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.ParseRules(rules); err != nil {
		t.Errorf("the function would not parse its rules: %v", err)
	}
	if n := len(rules); n > LambdaEnvironmentLimit/2 {
		t.Errorf("the builtin rules take %d bytes, more than half of Lambda's %d", n, LambdaEnvironmentLimit)
	}
	var many []*dataset.Dataset
	for i := range 20 {
		many = append(many, &dataset.Dataset{Name: fmt.Sprintf("dataset%02d", i), Prefix: fmt.Sprintf("incoming/dataset%02d/", i), Format: dataset.Format{Kind: dataset.CSV}})
	}
	if _, err := reconcileRulesEnv(cfg, many, static, bucket, "data-ledger", machine); err == nil || !strings.Contains(err.Error(), "over Lambda's 4096") {
		t.Errorf("20 datasets: err %v, want one naming Lambda's limit", err)
	}
}

func TestReconcileLogLevel(t *testing.T) {
	for in, want := range map[string]string{"TRACE": "TRACE", "DEBUG": "DEBUG", "INFO": "INFO", "WARN": "INFO", "ERROR": "INFO", "FATAL": "INFO"} {
		if got := reconcileLogLevel(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestNotRunningInterval(t *testing.T) {
	for schedule, want := range map[string]int{
		"rate(1 hour)": 3600, "rate(15 minutes)": 900, "rate(12 hours)": 43200,
		"rate(13 hours)": 0, "rate(1 day)": 0, "cron(0 * * * ? *)": 0, "nonsense": 0,
	} {
		if got := notRunningInterval(schedule); got != want {
			t.Errorf("%s: %d, want %d", schedule, got, want)
		}
	}
}
