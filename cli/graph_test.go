package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

const graphTestdata = "../workflow/graph/testdata/"

func TestGraphFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(graphTestdata + "pipeline.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := asl.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"default mermaid", []string{"graph", graphTestdata + "pipeline.asl.json"}, graph.Mermaid(m)},
		{"mermaid", []string{"graph", "--format", "mermaid", graphTestdata + "pipeline.asl.json"}, graph.Mermaid(m)},
		{"dot", []string{"graph", graphTestdata + "pipeline.asl.json", "--format", "dot"}, graph.Dot(m)},
		{"stdin", []string{"graph", "-"}, graph.Mermaid(m)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, string(b), tt.args...)
			if code != int(ExitOK) {
				t.Fatalf("exit code %d: %s", code, errOut)
			}
			if out != tt.want {
				t.Errorf("output differs from the graph package's:\n%s", out)
			}
		})
	}
}

func TestGraphErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   ExitCode
		wantStderr string
	}{
		{"bad format", []string{"graph", "--format", "svg", graphTestdata + "pipeline.asl.json"}, ExitUsage, "svg"},
		{"unreadable", []string{"graph", "testdata/lint/no-such-file.json"}, ExitUsage, "no-such-file.json"},
		{"syntax error", []string{"graph", validateTestdata + "syntax-error.asl.json"}, ExitUsage, "syntax-error.asl.json:5:3: SyntaxError"},
		{"schema error", []string{"graph", validateTestdata + "schema-error.asl.json"}, ExitUsage, "States.A"},
		{"stack with file", []string{"graph", "--stack", "dev", graphTestdata + "pipeline.asl.json"}, ExitUsage, "--stack"},
		{"two files", []string{"graph", "a.json", "b.json"}, ExitUsage, "one FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, "", tt.args...)
			if ExitCode(code) != tt.wantCode {
				t.Errorf("exit code: want %d, got %d", tt.wantCode, code)
			}
			if out != "" {
				t.Errorf("want no output, got:\n%s", out)
			}
			if !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, errOut)
			}
		})
	}
}
