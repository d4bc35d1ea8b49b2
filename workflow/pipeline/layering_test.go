package pipeline_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/modroot"
)

// TestLibraryDoesNotImportTheApplication checks the rule of the package
// documentation over the real import graph (`go list -deps`): no package of
// the workflow library depends on functions/... or on this package, and of
// functions/ this package depends only on functions/contract and
// functions/fnerr.
func TestLibraryDoesNotImportTheApplication(t *testing.T) {
	t.Parallel()
	root, err := modroot.Dir()
	if err != nil {
		t.Fatal(err)
	}
	const (
		module   = "github.com/sluicehq/sluice/"
		pipeline = module + "workflow/pipeline"
	)
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./workflow/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		seen++
		for _, dep := range deps {
			switch {
			case pkg == pipeline:
				if strings.HasPrefix(dep, module+"functions/") && dep != module+"functions/contract" && dep != module+"functions/fnerr" {
					t.Errorf("%s depends on %s: of functions/, the pipeline may use only functions/contract and functions/fnerr", pkg, dep)
				}
			case dep == pipeline || strings.HasPrefix(dep, module+"functions/"):
				t.Errorf("%s (the workflow library) depends on %s", pkg, dep)
			}
		}
	}
	if seen < 9 {
		t.Fatalf("go list listed %d packages under workflow/, want the library and the pipeline:\n%s", seen, out)
	}
}
