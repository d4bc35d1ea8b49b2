package pipeline

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/validate"
)

func syntheticBatch(t *testing.T, stack string) *workflow.Compiled {
	t.Helper()
	c, err := SyntheticBatch(stack)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBatchGolden(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			got, err := syntheticBatch(t, stack).ASL()
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckASL(t, "testdata/batch-"+stack+".asl.json", got)
		})
	}
}

func TestBatchValidates(t *testing.T) {
	for _, stack := range stacks {
		c := syntheticBatch(t, stack)
		if len(c.Warnings) > 0 {
			t.Errorf("%s: warnings:\n%v", stack, c.Warnings)
		}
		if is := validate.Machine(c.Machine, validate.WithType(Standard), validate.WithTypes(c.Types)); len(is) > 0 {
			t.Errorf("%s: validate.Machine with the declared types:\n%v", stack, is)
		}
	}
}

// batchStages returns the batch machine's child graph and, in it, the File
// Parallel's branch.
func batchStages(t *testing.T, m *asl.StateMachine) (child *asl.Graph, branch *asl.Graph) {
	t.Helper()
	st, _ := m.States.Get("Files")
	files, ok := st.(*asl.Map)
	if !ok || !files.Distributed() {
		t.Fatalf("Files is %T, want a Distributed Map", st)
	}
	child = files.Processor()
	st, _ = child.States.Get("File")
	par, ok := st.(*asl.Parallel)
	if !ok || len(par.Branches) != 1 {
		t.Fatalf("File is %T, want a Parallel with one branch", st)
	}
	return child, &par.Branches[0]
}

// TestBatchRunsThePerFileStages checks that a batch's child runs the
// per-file machine's states unchanged: same start, same states, same
// definitions, so a file in a batch is claimed, validated, loaded and
// recorded exactly as one started by its event.
func TestBatchRunsThePerFileStages(t *testing.T) {
	for _, stack := range stacks {
		perFile := synthetic(t, stack).Machine
		_, branch := batchStages(t, syntheticBatch(t, stack).Machine)
		if branch.StartAt != perFile.StartAt {
			t.Errorf("%s: branch starts at %q, the per-file machine at %q", stack, branch.StartAt, perFile.StartAt)
		}
		enc := func(g asl.States) map[string]string {
			out := map[string]string{}
			for _, ns := range g {
				b, err := json.Marshal(ns.State)
				if err != nil {
					t.Fatal(err)
				}
				out[ns.Name] = string(b)
			}
			return out
		}
		if d := cmp.Diff(enc(perFile.States), enc(branch.States)); d != "" {
			t.Errorf("%s: the batch's per-file states differ from the per-file machine's (-per-file +batch):\n%s", stack, d)
		}
	}
}

// TestBatchChildIsStandard checks the child executions' type: the stages
// describe their claim's owner (DescribeExecution answers only for
// Standard executions) and nest the chunk Distributed Map (Standard only).
func TestBatchChildIsStandard(t *testing.T) {
	for _, stack := range stacks {
		child, branch := batchStages(t, syntheticBatch(t, stack).Machine)
		if got := child.ProcessorConfig.ExecutionType; got != Standard {
			t.Errorf("%s: child ExecutionType %q, want STANDARD", stack, got)
		}
		if _, ok := branch.States.Get("DescribeOwner"); !ok {
			t.Errorf("%s: the branch has no DescribeOwner", stack)
		}
		if st, _ := branch.States.Get("LoadChunks"); !isDistributed(st) {
			t.Errorf("%s: the branch has no nested Distributed Map LoadChunks", stack)
		}
	}
}

// TestBatchSettlesWithoutHidingNewerVersions checks that a settled file
// leaves the pending prefix by deleting its own version (never a delete
// marker, which would hide a version uploaded during the batch) after a
// copy is kept.
func TestBatchSettlesWithoutHidingNewerVersions(t *testing.T) {
	child, _ := batchStages(t, syntheticBatch(t, "dev").Machine)
	st, _ := child.States.Get("Settle")
	settle, ok := st.(*asl.Task)
	if !ok {
		t.Fatal("no Settle task")
	}
	var p map[string]any
	if err := json.Unmarshal(settle.Parameters, &p); err != nil {
		t.Fatal(err)
	}
	if p["VersionId.$"] != "$.versionId" {
		t.Errorf("Settle deletes %v, want the processed version ($.versionId)", p["VersionId.$"])
	}
	st, _ = child.States.Get("Archive")
	if archive, ok := st.(*asl.Task); !ok || archive.Next != "Settle" {
		t.Errorf("Archive must lead to Settle")
	}
}

func TestBatchOptions(t *testing.T) {
	o, _ := StackOptions("dev")
	res := workflow.SyntheticResolver(SyntheticAccount, SyntheticRegion, "sluice-dev")
	for _, b := range []BatchOptions{{MaxFiles: -1}, {MaxFiles: 1001}, {MaxConcurrency: -2}} {
		if _, err := BuildBatch(res, o, b); err == nil {
			t.Errorf("BuildBatch(%+v): no error", b)
		}
	}
	c, err := BuildBatch(res, o, BatchOptions{MaxFiles: 50, MaxConcurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := c.Machine.States.Get("Files")
	files := st.(*asl.Map)
	if got := files.ItemReader.ReaderConfig.MaxItems.Int; got != 50 {
		t.Errorf("MaxItems %d, want 50", got)
	}
	if got := files.MaxConcurrency; got == nil || got.Int != 3 {
		t.Errorf("MaxConcurrency %v, want 3", got)
	}
	if !slices.ContainsFunc(c.Resources, func(r workflow.Resource) bool {
		return slices.Contains(r.Actions, "s3:DeleteObjectVersion")
	}) {
		t.Errorf("resources grant no s3:DeleteObjectVersion: %+v", c.Resources)
	}
}

func isDistributed(s asl.State) bool {
	m, ok := s.(*asl.Map)
	return ok && m.Distributed()
}
