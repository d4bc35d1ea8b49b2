package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/functions/awsapi"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// TestScenarioRecordsEveryPrincipal runs the IAM scenario and checks that
// every principal the deployment has made calls, each through its own
// clients: the four functions, the reconciler and the state machine.
func TestScenarioRecordsEveryPrincipal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline several times")
	}
	calls := awsapi.NewCallLog(Region, Account)
	_, err := RunScenario(context.Background(), ScenarioConfig{StateDir: t.TempDir(), Stack: "dev", Examples: filepath.Join("..", "examples"), Calls: calls, Log: t.Logf, Redrive: true, Batch: []string{"readings"}})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]map[string]bool{}
	for _, c := range calls.Calls() {
		if c.Unmapped != "" {
			t.Errorf("unmapped call: %+v", c)
		}
		if actions[c.Principal] == nil {
			actions[c.Principal] = map[string]bool{}
		}
		actions[c.Principal][c.Action] = true
	}
	want := map[string][]string{
		pipeline.FunctionValidate:  {"s3:GetObjectVersion", "s3:PutObject"},
		pipeline.FunctionTransform: {"s3:GetObjectVersion", "s3:PutObject"},
		pipeline.FunctionEnrich:    {"s3:GetObject", "s3:PutObject", "dynamodb:BatchGetItem"},
		pipeline.FunctionLoad:      {"s3:GetObject", "dynamodb:BatchWriteItem"},
		functionReconcile:          {"s3:ListBucketVersions", "dynamodb:BatchGetItem", "states:StartExecution"},
		awsapi.StateMachine:        {"lambda:InvokeFunction", "dynamodb:PutItem", "dynamodb:UpdateItem", "sns:Publish", "s3:GetObject", "s3:PutObject", "states:StartExecution"},
		// The batch: listing, reading the current version, the per-file
		// stages, the nested chunk map, the archive copy and the settling
		// delete.
		awsapi.BatchMachine: {"s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObjectVersion", "lambda:InvokeFunction", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "sns:Publish", "states:StartExecution"},
		EventsPrincipal:     {"states:StartExecution"},
	}
	for p, acts := range want {
		for _, a := range acts {
			if !actions[p][a] {
				t.Errorf("principal %s made no %s call; it made %v", p, a, actions[p])
			}
		}
	}
	for _, c := range calls.Calls() {
		t.Logf("%s %s %s %v", c.Principal, c.Action, c.Resource, c.Context)
	}
}
