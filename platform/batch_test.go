package platform_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/offline"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// TestBatchMachine checks, for dev and prod under mocks, the batch state
// machine the stack files' batchDatasets deploy: its definition is the
// golden batch ASL with the deployed ARNs, its role carries the settling
// tag and may delete object versions under the batched prefixes only,
// the stack exports it, and the bucket policy lets that role alone delete
// a version there.
func TestBatchMachine(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			if len(r.Config.BatchDatasets) == 0 {
				t.Fatalf("Pulumi.%s.yaml batches no dataset: nothing to check", stack)
			}
			sm := one(t, r, "aws:sfn/stateMachine:StateMachine", "batch-machine")
			if r.Outputs["batchStateMachineArn"] != sm.Outputs["arn"] {
				t.Errorf("output batchStateMachineArn %v, machine %v", r.Outputs["batchStateMachineArn"], sm.Outputs["arn"])
			}
			synth, err := pipeline.SyntheticBatch(stack)
			if err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(filepath.Join("..", "workflow", "pipeline", "testdata", "batch-"+stack+".asl.json"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(substitute(t, r, synth, string(golden)), str(sm.Inputs, "definition")); diff != "" {
				t.Errorf("definition differs from workflow/pipeline/testdata/batch-%s.asl.json with ARNs substituted (-want +got):\n%s", stack, diff)
			}

			role := one(t, r, "aws:iam/role:Role", "batch-role")
			if str(role.Inputs, "tags", naming.TagRole) != naming.RolePipeline || str(role.Inputs, "tags", naming.TagSettles) != naming.SettlesBatches {
				t.Errorf("batch role tags %v", role.Inputs["tags"])
			}
			for _, other := range byType(r, "aws:iam/role:Role") {
				if other.Name != role.Name && str(other.Inputs, "tags", naming.TagSettles) != "" {
					t.Errorf("%s also carries %s", other.Name, naming.TagSettles)
				}
			}
			barn := "arn:aws:s3:::" + r.Outputs["bucketName"].(string)
			var batchKeys []string
			for _, d := range dataset.Builtin().All() {
				if slices.Contains(r.Config.BatchDatasets, d.Name) {
					batchKeys = append(batchKeys, barn+"/"+d.Prefix+"*")
				}
			}
			rp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "batch-policy")
			deletes := 0
			for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
				if !slices.Contains(s.Action, "s3:DeleteObjectVersion") {
					continue
				}
				deletes++
				if !cmp.Equal(s.Action, []string{"s3:DeleteObjectVersion"}) || !cmp.Equal(s.Resource, batchKeys) {
					t.Errorf("batch role deletes versions with %s on %v, want only s3:DeleteObjectVersion on %v", s.Sid, s.Resource, batchKeys)
				}
			}
			if deletes != 1 {
				t.Errorf("%d statements grant s3:DeleteObjectVersion, want 1", deletes)
			}
			// It starts executions of itself (its Distributed Map's
			// children) and of the per-file machine (a large file's
			// hand-off), and of no other machine.
			var starts []string
			for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
				if slices.Contains(s.Action, "states:StartExecution") {
					starts = append(starts, s.Resource...)
				}
			}
			slices.Sort(starts)
			wantStarts := []string{r.Outputs["batchStateMachineArn"].(string), r.Outputs["stateMachineArn"].(string)}
			slices.Sort(wantStarts)
			if !cmp.Equal(starts, wantStarts) {
				t.Errorf("batch role starts executions of %v, want %v (itself and the per-file machine)", starts, wantStarts)
			}
			// It describes the per-file execution a file it handed off is
			// claimed by, when the next batch finds the claim RUNNING.
			perFileExecs := strings.Replace(r.Outputs["stateMachineArn"].(string), ":stateMachine:", ":execution:", 1) + ":*"
			describes := false
			for _, s := range parsePolicy(t, rp.Name, str(rp.Inputs, "policy")).Statement {
				describes = describes || slices.Contains(s.Action, "states:DescribeExecution") && slices.Contains(s.Resource, perFileExecs)
			}
			if !describes {
				t.Errorf("batch role may not describe the per-file machine's executions (%s)", perFileExecs)
			}
			pp := one(t, r, "aws:iam/rolePolicy:RolePolicy", "pipeline-policy")
			for _, s := range parsePolicy(t, pp.Name, str(pp.Inputs, "policy")).Statement {
				if slices.ContainsFunc(s.Action, func(a string) bool { return strings.HasPrefix(a, "s3:Delete") }) {
					t.Errorf("the per-file machine may delete: %s %v", s.Sid, s.Action)
				}
			}

			bp := one(t, r, "aws:s3/bucketPolicy:BucketPolicy", "storage-policy")
			var settle *policy.Statement
			for _, s := range parsePolicy(t, bp.Name, str(bp.Inputs, "policy")).Statement {
				if s.Sid == "OnlyTheBatchSettlesBatchIncoming" {
					settle = &s
				}
			}
			want := map[string]map[string][]string{
				"StringEquals":    {"aws:PrincipalTag/" + naming.TagRole: {naming.RolePipeline}},
				"StringNotEquals": {"aws:PrincipalTag/" + naming.TagSettles: {naming.SettlesBatches}},
			}
			if settle == nil || settle.Effect != "Deny" || !cmp.Equal(settle.Action, []string{"s3:DeleteObjectVersion"}) ||
				!cmp.Equal(settle.Resource, batchKeys) || !cmp.Equal(settle.Condition, want) {
				t.Errorf("bucket policy: no Deny of version deletes under %v to pipeline roles but the batch's: %+v", batchKeys, settle)
			}
		})
	}
}

// TestBatchExpressMaxKb: the stack's batchExpressMaxKb is the file size
// above which the deployed batch machine's Sized choice hands a file to
// the per-file machine (1 MiB when unset).
func TestBatchExpressMaxKb(t *testing.T) {
	for _, tt := range []struct {
		set  string // the config value ("": unset)
		want float64
	}{{"", 1 << 20}, {"4096", 4096 << 10}} {
		cfg, err := offline.LoadStackFile("../Pulumi.dev.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if tt.set != "" {
			cfg["sluice:batchExpressMaxKb"] = tt.set
		}
		runMu.Lock()
		r, err := offline.Run("dev", cfg, platform.Options{Packager: packager(t)})
		runMu.Unlock()
		if err != nil {
			t.Fatalf("batchExpressMaxKb %q: %v", tt.set, err)
		}
		sm := one(t, r, "aws:sfn/stateMachine:StateMachine", "batch-machine")
		var def struct {
			States map[string]struct {
				ItemProcessor struct {
					States map[string]struct {
						Choices []struct {
							Variable           string
							NumericGreaterThan *float64
						}
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(str(sm.Inputs, "definition")), &def); err != nil {
			t.Fatal(err)
		}
		choices := def.States["Files"].ItemProcessor.States["Sized"].Choices
		if len(choices) != 1 || choices[0].Variable != "$.size" || choices[0].NumericGreaterThan == nil || *choices[0].NumericGreaterThan != tt.want {
			t.Errorf("batchExpressMaxKb %q: Sized's choices %+v, want $.size > %v", tt.set, choices, tt.want)
		}
	}
}
