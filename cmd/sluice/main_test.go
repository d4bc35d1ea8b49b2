package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinary builds sluice as the README's `go install` would (static, no
// program interpreter) and runs it from the outside: --version names the checkout's revision, help goes to stdout,
// a misspelt command exits 2 with a suggestion, completion prints a script.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sluice")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	// As the README installs it: CGO_ENABLED=0, a static binary.
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s has a program interpreter: not the static binary the README installs", bin)
			}
		}
		f.Close()
	}
	run := func(args ...string) (code int, stdout, stderr string) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			code = ee.ExitCode()
		case err != nil:
			t.Fatalf("%v: %v", args, err)
		}
		return code, out.String(), errb.String()
	}

	code, stdout, stderr := run("--version")
	if code != 0 || !strings.HasPrefix(stdout, "sluice ") {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The go command stamps the revision of a clone (.git a directory),
	// not of a `git worktree` checkout (.git a file).
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if st, serr := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err == nil && serr == nil && st.IsDir() {
		rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := "revision " + string(rev[:12]); !strings.Contains(stdout, want) {
			t.Errorf("--version = %q, want it to contain %q", stdout, want)
		}
	} else {
		t.Logf("not a git clone (a worktree, or no git): the revision is not checked")
	}

	code, stdout, stderr = run("help", "run")
	if code != 0 || !strings.Contains(stdout, "--dataset string") || stderr != "" {
		t.Errorf("help run: exit %d, stdout %q, stderr %q; want run's flags on stdout", code, stdout, stderr)
	}
	code, stdout, stderr = run("rn")
	if code != 2 || !strings.Contains(stderr, "did you mean run?") || stdout != "" {
		t.Errorf("rn: exit %d, stdout %q, stderr %q; want 2 suggesting run", code, stdout, stderr)
	}
	// Not on PATH: the hints name the binary as it was started, so they
	// work when pasted.
	if _, err := exec.LookPath("sluice"); err != nil {
		state := filepath.Join(t.TempDir(), "state")
		code, stdout, stderr = run("run", "--state-dir", state, "../../examples/readings/readings.jsonl")
		if want := "report: " + bin + " report --state-dir " + state; code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("run: exit %d, stdout %q, stderr %q; want the hint %q", code, stdout, stderr, want)
		}
	}
	code, stdout, _ = run("completion", "bash")
	if code != 0 || !strings.Contains(stdout, "__start_sluice") {
		t.Errorf("completion bash: exit %d, stdout %.200q", code, stdout)
	}
}

// TestNoCgo backs the README's claim for CGO_ENABLED=0: with cgo enabled,
// the only packages of sluice's build that have C files are the standard
// library's resolver (net) and runtime/cgo, so the static build loses
// nothing of ours.
func TestNoCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	list := exec.Command("go", "list", "-deps", "-f", "{{if .CgoFiles}}{{.ImportPath}}{{end}}", ".")
	list.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "net" && p != "runtime/cgo" {
			t.Errorf("package %s of sluice's build uses cgo: the README's CGO_ENABLED=0 install would drop it", p)
		}
	}
}
