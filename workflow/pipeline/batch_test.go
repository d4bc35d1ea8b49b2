package pipeline

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

// expressOnly are the states of the Express children's per-file stages
// that the per-file machine has not (the release of a file of many
// chunks); perFileOnly are the per-file machine's that the Express stages
// have not (its nested Distributed Map and what only it leads to); and
// changed are those both have, defined differently: the claim's lease is
// Express's five minutes, and Route releases a file of many chunks.
var (
	expressOnly = []string{"Release", "TooLarge"}
	perFileOnly = []string{"LoadChunks", "SummarizeChunks"}
	changed     = []string{"Lease", "Route"}
)

// TestBatchRunsThePerFileStages checks that a batch's child runs the
// per-file machine's states unchanged but for the Express differences
// listed above: same start, same states, same definitions, so a file in a
// batch is claimed, validated, loaded and recorded exactly as one started
// by its event.
func TestBatchRunsThePerFileStages(t *testing.T) {
	for _, stack := range stacks {
		perFile := synthetic(t, stack).Machine
		_, branch := batchStages(t, syntheticBatch(t, stack).Machine)
		if branch.StartAt != perFile.StartAt {
			t.Errorf("%s: branch starts at %q, the per-file machine at %q", stack, branch.StartAt, perFile.StartAt)
		}
		enc := func(g asl.States, drop []string) map[string]string {
			out := map[string]string{}
			for _, ns := range g {
				if slices.Contains(drop, ns.Name) || slices.Contains(changed, ns.Name) {
					continue
				}
				b, err := json.Marshal(ns.State)
				if err != nil {
					t.Fatal(err)
				}
				out[ns.Name] = string(b)
			}
			return out
		}
		if d := cmp.Diff(enc(perFile.States, perFileOnly), enc(branch.States, expressOnly)); d != "" {
			t.Errorf("%s: the batch's per-file states differ from the per-file machine's (-per-file +batch):\n%s", stack, d)
		}
		for _, name := range slices.Concat(expressOnly, changed) {
			if _, ok := branch.States.Get(name); !ok {
				t.Errorf("%s: the batch's per-file stages have no %s", stack, name)
			}
		}
		for _, name := range perFileOnly {
			if _, ok := branch.States.Get(name); ok {
				t.Errorf("%s: the batch's per-file stages have %s, which an Express child cannot run", stack, name)
			}
		}
	}
}

// TestBatchChildIsExpress checks the child executions' type and what it
// implies: no nested Distributed Map, no .sync integration, claims leased
// for Express's five minutes, a file of many chunks released and handed
// to the per-file machine.
func TestBatchChildIsExpress(t *testing.T) {
	for _, stack := range stacks {
		c := syntheticBatch(t, stack)
		child, branch := batchStages(t, c.Machine)
		if got := child.ProcessorConfig.ExecutionType; got != Express {
			t.Errorf("%s: child ExecutionType %q, want EXPRESS", stack, got)
		}
		if is := validate.Machine(c.Machine); len(is) > 0 {
			t.Errorf("%s: validate.Machine: %v", stack, is)
		}
		st, _ := branch.States.Get("Lease")
		lease, _ := json.Marshal(st)
		if want := fmt.Sprintf("$fromMillis($t + %d)", ExpressMaxSeconds*1000); !strings.Contains(string(lease), want) {
			t.Errorf("%s: Lease %s: want a lease of %d s (%s)", stack, lease, ExpressMaxSeconds, want)
		}
		st, _ = branch.States.Get("Route")
		route := st.(*asl.Choice)
		if !slices.ContainsFunc(route.Choices, func(r asl.ChoiceRule) bool { return r.Next == "Release" }) {
			t.Errorf("%s: Route never releases a file of many chunks", stack)
		}
		st, _ = child.States.Get("Outcome")
		outcome := st.(*asl.Choice)
		if !slices.ContainsFunc(outcome.Choices, func(r asl.ChoiceRule) bool { return r.Next == "HandOff" }) {
			t.Errorf("%s: Outcome never hands a released file off", stack)
		}
		st, _ = child.States.Get("HandOff")
		if h, ok := st.(*asl.Task); !ok || h.Resource != "arn:aws:states:::states:startExecution" {
			t.Errorf("%s: HandOff is %v, want an asynchronous states:startExecution", stack, st)
		}
		if !slices.ContainsFunc(c.Resources, func(r workflow.Resource) bool {
			return r.Name == MachinePipeline && slices.Contains(r.Actions, "states:StartExecution")
		}) {
			t.Errorf("%s: resources grant no states:StartExecution on the per-file machine: %+v", stack, c.Resources)
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
	for _, b := range []BatchOptions{{MaxFiles: -1}, {MaxFiles: 1001}, {MaxConcurrency: -2}, {ExpressMaxBytes: -1}, {ExpressMaxBytes: MaxExpressMaxBytes + 1}} {
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
