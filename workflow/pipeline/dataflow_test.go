package pipeline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	fnenrich "github.com/sluicehq/sluice/functions/enrich"
	fnload "github.com/sluicehq/sluice/functions/load"
	fntransform "github.com/sluicehq/sluice/functions/transform"
	fnvalidate "github.com/sluicehq/sluice/functions/validate"
	"github.com/sluicehq/sluice/internal/modroot"
	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/shape"
	"github.com/sluicehq/sluice/workflow/validate"
)

// TestMisspeltPathIsACompileError edits the pipeline's source as a user would (one
// path renamed to a field no state produces) and runs `sluice asl` on the
// edited source (through go's -overlay, so the tree is not touched): the
// compile fails, naming the state, the path, the field that was meant and
// the fields that exist. (Load reads the same path, but only Enrich is
// reported: Enrich writes $.transform.frist before Load on one of Load's
// two incoming paths, and a field present on some paths is optional,
// which the check does not report.)
func TestMisspeltPathIsACompileError(t *testing.T) {
	t.Parallel()
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		file      string // under workflow/pipeline
		old, new  string
		wantLines []string
	}{
		{
			name: "InputPath of the inline path",
			file: "pipeline.go",
			old:  `pathFirst      = "$.transform.first"`,
			new:  `pathFirst      = "$.transform.frist"`,
			wantLines: []string{
				`States.Enrich.InputPath: UnknownPathField: $.transform.frist: $.transform (contract.TransformOutput) has no field "frist" (did you mean "first"?); it has: chunkCount, dataset, enrich, filtered, first, manifest, records, rejected, source`,
			},
		},
		{
			name: "Parameters field of a Lambda task",
			file: "stages.go",
			old:  `"source.$":      pathValidation + ".source",`,
			new:  `"sources.$":     pathValidation + ".source",`,
			wantLines: []string{
				`States.Transform.Parameters: MissingInputField: contract.TransformInput needs field "source"`,
				`States.Transform.Parameters.sources.$: UnknownInputField: contract.TransformInput has no field "sources" (did you mean "source"?)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join(root, "workflow", "pipeline", tt.file)
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(string(b), tt.old) != 1 {
				t.Fatalf("%s no longer has exactly one %q; update the test", tt.file, tt.old)
			}
			dir := t.TempDir()
			mutant := filepath.Join(dir, tt.file)
			if err := os.WriteFile(mutant, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{src: mutant}})
			ov := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(ov, overlay, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("go", "run", "-overlay", ov, "./cmd/sluice", "asl", "--stack", "dev")
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("sluice asl succeeded on the edited pipeline:\n%s", out)
			}
			for _, want := range tt.wantLines {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestDeclaresEveryTask: every Lambda task declares its handler's types,
// and the execution input is declared, so the data-flow check sees them.
func TestDeclaresEveryTask(t *testing.T) {
	t.Parallel()
	for _, stack := range stacks {
		c := synthetic(t, stack)
		if c.Types.Input == nil || c.Types.Input.Name != "contract.FileEvent" {
			t.Errorf("%s: execution input %v, want contract.FileEvent", stack, c.Types.Input)
		}
		lambdas := 0
		var walk func(prefix string, states asl.States)
		walk = func(prefix string, states asl.States) {
			for _, ns := range states {
				switch s := ns.State.(type) {
				case *asl.Task:
					if !strings.Contains(s.Resource, ":lambda:") {
						continue
					}
					lambdas++
					if c.Types.TaskInput[ns.Name] == nil || c.Types.TaskOutput[ns.Name] == nil {
						t.Errorf("%s: Lambda task %s declares no Go types (use workflow.LambdaTask)", stack, ns.Name)
					}
				case *asl.Map:
					walk(prefix, s.Processor().States)
					if s.ItemReader != nil && c.Types.MapItems[ns.Name] == nil {
						t.Errorf("%s: Map %s reads items of no declared type", stack, ns.Name)
					}
				}
			}
		}
		walk("", c.Machine.States)
		if lambdas != 6 {
			t.Errorf("%s: found %d Lambda tasks, want 6 (Validate, Transform, Enrich, Load, EnrichChunk, LoadChunk)", stack, lambdas)
		}
	}
}

// TestPayloadBudget: from the contract types and their maxBytes tags,
// every state outside the rejected path has a known payload bound, and
// every known bound is within the 256 KiB quota. (The rejected path
// carries the reason parsed out of the function's error message, which no
// type bounds.)
func TestPayloadBudget(t *testing.T) {
	t.Parallel()
	rejected := map[string]bool{"ParseRejection": true, "Quarantine": true, "NotifyRejected": true,
		"RecordRejected": true, "RejectedResult": true, "PublishRejected": true, "Rejected": true, "RejectionFailed": true}
	for _, stack := range stacks {
		c := synthetic(t, stack)
		payloads := validate.Payloads(c.Machine, validate.WithType(Standard), validate.WithTypes(c.Types))
		if len(payloads) < 25 {
			t.Fatalf("%s: only %d states analysed", stack, len(payloads))
		}
		var largest validate.Payload
		for _, p := range payloads {
			switch {
			case p.Bytes == shape.Unbounded && !rejected[p.State]:
				t.Errorf("%s: %s has no payload bound; bound the new field with a maxBytes tag", stack, p.Path)
			case p.Bytes > validate.MaxPayloadSize:
				t.Errorf("%s: %s can hold %d bytes, over the quota (%s)", stack, p.Path, p.Bytes, p.Largest)
			case p.Bytes > largest.Bytes:
				largest = p
			}
		}
		t.Logf("%s: largest bounded payload: %s %s, %d bytes (%s)", stack, largest.Path, largest.What, largest.Bytes, largest.Largest)
	}
}

// TestDeclaredTypesAreTheHandlers: the types each task declares are the
// ones its function's Handle method takes and returns.
func TestDeclaredTypesAreTheHandlers(t *testing.T) {
	t.Parallel()
	handlers := map[string]reflect.Type{
		"Validate":    reflect.TypeOf((*fnvalidate.Handler).Handle),
		"Transform":   reflect.TypeOf((*fntransform.Handler).Handle),
		"Enrich":      reflect.TypeOf((*fnenrich.Handler).Handle),
		"EnrichChunk": reflect.TypeOf((*fnenrich.Handler).Handle),
		"Load":        reflect.TypeOf((*fnload.Handler).Handle),
		"LoadChunk":   reflect.TypeOf((*fnload.Handler).Handle),
	}
	c := synthetic(t, "dev")
	for state, m := range handlers {
		// func(*Handler, context.Context, In) (Out, error)
		in, out := shape.MustOf(m.In(2)), shape.MustOf(m.Out(0))
		if !shape.Equal(in, c.Types.TaskInput[state]) {
			t.Errorf("%s declares input %v, its handler takes %v", state, c.Types.TaskInput[state].Describe(), in.Describe())
		}
		if !shape.Equal(out, c.Types.TaskOutput[state]) {
			t.Errorf("%s declares output %v, its handler returns %v", state, c.Types.TaskOutput[state].Describe(), out.Describe())
		}
	}
}

// TestEveryKindOfReadIsChecked misspells one read of each kind in the
// compiled pipeline (a JSONPath in Parameters, an intrinsic argument, a
// Choice Variable, the context object, a variable, a Map's ItemSelector,
// a JSONata $states.input and $states.context read, a Fail CausePath, a
// task's InputPath to a document of the wrong type) and checks that the
// data-flow check names the field that reads it.
func TestEveryKindOfReadIsChecked(t *testing.T) {
	t.Parallel()
	c := synthetic(t, "prod")
	b, err := c.ASL()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		old, new string
		wantPath string
		wantCode string // default UnknownPathField
	}{
		{`"InputPath": "$.transform.first"`, `"InputPath": "$.transform"`, "States.Enrich.InputPath", validate.CodeMissingInputField},
		{`"$.transform.records"`, `"$.transform.recrods"`, "States.NoRecords.Parameters.records.$", ""},
		{`States.Format('FILE#{}/{}#{}', $.bucket, $.key, $.versionId)`, `States.Format('FILE#{}/{}#{}', $.bucket, $.kye, $.versionId)`, "States.Claim.Parameters.Item.pk.S.$", ""},
		{`"$.transform.chunkCount"`, `"$.transform.chunks"`, "States.Route.Choices[0].Variable", ""},
		{`"$$.Execution.Id"`, `"$$.Execution.ID"`, "States.Claim.Parameters.Item.execution.S.$", ""},
		{`$failedState, $.error.Cause`, `$failedState, $.error.cause`, "States.Failed.CausePath", ""},
		{`"$$.Map.Item.Value"`, `"$$.Map.Item.Values"`, "States.LoadChunks.ItemSelector.chunk.$", ""},
		{`$states.input.dataset`, `$states.input.datset`, "States.ParseRejection.Output", ""},
		{`$states.context.State.EnteredTime`, `$states.context.State.Entered`, "States.Lease.Output", ""},
		{`"$.load.written"`, `"$.load.writen"`, "States.SummarizeChunk.Parameters.loaded.$", ""},
		{`"$.rejection.quarantineKey"`, `"$.rejection.quarantine"`, "States.Quarantine.Parameters.Key.$", ""},
	}
	for _, tt := range tests {
		if !strings.Contains(string(b), tt.old) {
			t.Errorf("the machine has no %s; update the test", tt.old)
			continue
		}
		m, err := asl.Unmarshal([]byte(strings.Replace(string(b), tt.old, tt.new, 1)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, is := range validate.Machine(m, validate.WithType(Standard), validate.WithTypes(c.Types)) {
			got = append(got, is.Path+" "+is.Code)
		}
		code := tt.wantCode
		if code == "" {
			code = validate.CodeUnknownPathField
		}
		want := tt.wantPath + " " + code
		if !slices.Contains(got, want) {
			t.Errorf("%s → %s: want %s, got %v", tt.old, tt.new, want, got)
		}
	}
}
