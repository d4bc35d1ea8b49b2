package iamproof

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/platform/offline"
)

// Record runs local.RunScenario for stack on a fresh state directory under
// tmp, with the examples of the module at root, and returns its calls.
// Log, when set, receives the scenario's progress.
//
// The reconciler runs with redrive when the stack deploys it so.
func Record(ctx context.Context, root, stack string, redrive bool, batch []string, tmp string, log func(string, ...any)) ([]awsapi.Call, error) {
	dir, err := os.MkdirTemp(tmp, "sluice-iam-scenario-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	calls := awsapi.NewCallLog(local.Region, local.Account)
	if _, err := local.RunScenario(ctx, local.ScenarioConfig{StateDir: dir, Stack: stack, Examples: filepath.Join(root, "examples"), Calls: calls, Log: log, Redrive: redrive, Batch: batch}); err != nil {
		return nil, err
	}
	return calls.Calls(), nil
}

// LoadOffline reads the deployment of an offline run with the local
// runtime's names.
func LoadOffline(res *offline.Result) (*Deployment, error) {
	n, err := local.ResourceNames()
	if err != nil {
		return nil, err
	}
	return Load(res, LocalNames{Region: n.Region, Account: n.Account, Bucket: n.Bucket, Tables: n.Tables, Functions: n.Functions, StateMachine: n.StateMachine, BatchMachine: n.BatchMachine, Topic: n.Topic, OutcomeBus: n.OutcomeBus})
}

// Check records the scenario's calls for res's stack and proves them
// against res's deployment with sim.
func Check(ctx context.Context, root string, res *offline.Result, sim Simulator, log func(string, ...any)) (*Report, error) {
	d, err := LoadOffline(res)
	if err != nil {
		return nil, err
	}
	calls, err := Record(ctx, root, res.Stack, res.Config.ReconcileRedrive, res.Config.BatchDatasets, "", log)
	if err != nil {
		return nil, fmt.Errorf("iamproof: recording the local run: %w", err)
	}
	return Prove(ctx, d, calls, sim)
}
