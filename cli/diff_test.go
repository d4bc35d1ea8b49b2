package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffExitCodes(t *testing.T) {
	const td = "../workflow/diff/testdata/"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"equal", []string{td + "base.asl.json", td + "base.asl.json"}, 0, "no changes"},
		{"different", []string{td + "base.asl.json", td + "retry_changed.asl.json"}, 1, "now retries up to 6 times instead of 3"},
		{"markdown", []string{"--format", "markdown", td + "base.asl.json", td + "state_added.asl.json"}, 1, "#### Added states"},
		{"json", []string{"--format=json", td + "base.asl.json", td + "state_renamed.asl.json"}, 1, `"kind": "renamed"`},
		{"missing side", []string{td + "base.asl.json", "no-such-file-or-rev"}, 2, ""},
		{"one arg", []string{td + "base.asl.json"}, 2, ""},
		{"bad format", []string{"--format", "html", td + "base.asl.json", td + "base.asl.json"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(append([]string{"diff"}, tt.args...), nil, &out, &errb)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out.String())
			}
		})
	}
}

// TestDiffCompilesEachRevision builds a throwaway git repository whose
// cmd/sluice prints a machine made from a constant in workflow/, changes
// that constant without refreshing the golden file, and checks that
// `sluice diff BASE HEAD` shows the change, says the golden file is stale,
// and leaves no worktree behind; then that a change outside the Go of the
// machine takes the fast path.
func TestDiffCompilesEachRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required")
	}
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, content string) {
		t.Helper()
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	machine := func(result string) string {
		return `{
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Pass",
      "Result": "` + result + `",
      "End": true
    }
  }
}
`
	}
	write("go.mod", "module example.com/mini\n\ngo 1.22\n")
	write("workflow/result.go", "package workflow\n\n// Result is the Pass result.\nconst Result = \"one\"\n")
	write("cmd/sluice/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n\n\t\"example.com/mini/workflow\"\n)\n\n"+
		"func main() { fmt.Print(strings.ReplaceAll(`"+machine("RESULT")+"`, \"RESULT\", workflow.Result)) }\n")
	write("workflow/pipeline/testdata/dev.asl.json", machine("one"))
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-qm", "base")
	base := git("rev-parse", "HEAD")
	// The Go changes; the golden file is not refreshed.
	write("workflow/result.go", "package workflow\n\n// Result is the Pass result.\nconst Result = \"two\"\n")
	git("commit", "-qam", "change the Go only")
	head := git("rev-parse", "HEAD")
	t.Chdir(dir)

	var out, errb bytes.Buffer
	code := Run([]string{"diff", "--format", "markdown", base, head}, nil, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (different); stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"Hello", "two", "is stale"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.String())
		}
	}
	if got := git("worktree", "list"); strings.Count(got, "\n") != 0 {
		t.Errorf("worktrees left behind:\n%s", got)
	}

	// Against the committed golden files the change is invisible.
	out.Reset()
	if code := Run([]string{"diff", base + ":workflow/pipeline/testdata/dev.asl.json", head + ":workflow/pipeline/testdata/dev.asl.json"}, nil, &out, &errb); code != 0 {
		t.Fatalf("golden files differ (exit %d); the test no longer shows what compiling adds:\n%s", code, out.String())
	}

	// A change outside the machine's Go: the fast path, no compile.
	write("README.md", "docs only\n")
	git("add", "README.md")
	git("commit", "-qm", "docs")
	docs := git("rev-parse", "HEAD")
	out.Reset()
	errb.Reset()
	if code := Run([]string{"diff", head, docs}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "no changes") {
		t.Errorf("stdout lacks \"no changes\":\n%s", out.String())
	}
	// Compiling would have found head's golden file stale; the fast path
	// compares the golden file with itself and compiles nothing.
	if strings.Contains(errb.String(), "stale") {
		t.Errorf("the fast path compiled anyway:\n%s", errb.String())
	}
}
