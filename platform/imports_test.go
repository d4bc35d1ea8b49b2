package platform

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoHandler: the platform names the functions' environment,
// metrics and ledger through functions/contract, never by importing a
// handler package (go list over the packages' own imports; platform/iamproof
// reaches the handlers only through the local runtime it runs).
func TestImportsNoHandler(t *testing.T) {
	t.Parallel()
	const module = "github.com/sluicehq/sluice/"
	allowed := map[string]bool{
		module + "functions/contract":     true,
		module + "functions/fnerr":        true,
		module + "functions/awsapi":       true, // the SDK call log iamproof replays
		module + "functions/load/loadenv": true, // the load function's dataset environment; imports only dataset and contract
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		n++
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, module+"functions/") && !allowed[imp] {
				t.Errorf("%s imports %s: name what it needs through functions/contract", f[0], imp)
			}
		}
	}
	if n < 5 {
		t.Fatalf("go list listed %d packages under platform/:\n%s", n, out)
	}
}
