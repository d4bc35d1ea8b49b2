package pipeline

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/modroot"
)

// TestMisspeltPathIsACompileError edits pipeline.go as a user would (one
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
	src := filepath.Join(root, "workflow", "pipeline", "pipeline.go")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		old, new  string
		wantLines []string
	}{
		{
			name: "InputPath of the inline path",
			old:  `pathFirst      = "$.transform.first"`,
			new:  `pathFirst      = "$.transform.frist"`,
			wantLines: []string{
				`States.Enrich.InputPath: UnknownPathField: $.transform.frist: $.transform (contract.TransformOutput) has no field "frist" (did you mean "first"?); it has: chunkCount, dataset, enrich, filtered, first, manifest, records, rejected, source`,
			},
		},
		{
			name: "Parameters field of a Lambda task",
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
			if strings.Count(string(b), tt.old) != 1 {
				t.Fatalf("pipeline.go no longer has exactly one %q; update the test", tt.old)
			}
			dir := t.TempDir()
			mutant := filepath.Join(dir, "pipeline.go")
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
