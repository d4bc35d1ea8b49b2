package cli

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/workflow/graph"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

func TestGraphPipeline(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"", "dev", "prod"} {
		name := stack
		if name == "" {
			name = defaultStack
		}
		c, err := pipeline.Synthetic(name)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"graph", "--format", "dot"}
		if stack != "" {
			args = append(args, "--stack", stack)
		}
		code, out, errOut := runCLI(t, "", args...)
		if code != int(ExitOK) {
			t.Fatalf("%v: exit code %d: %s", args, code, errOut)
		}
		if out != graph.Dot(c.Machine) {
			t.Errorf("%v: output is not the drawing of pipeline.Synthetic(%q)", args, name)
		}
	}
	code, _, errOut := runCLI(t, "", "graph", "--stack", "nope")
	if ExitCode(code) != ExitUsage || !strings.Contains(errOut, "nope") {
		t.Errorf("unknown stack: want exit %d naming it, got %d: %s", ExitUsage, code, errOut)
	}
}
