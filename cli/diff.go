package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/diff"
	"github.com/spf13/cobra"
)

// diffCommand prints a semantic, state-by-state diff of two state
// machines. Each side is an ASL file, REV:PATH (PATH at git revision REV),
// or a bare git revision: then the pipeline for --stack is compiled from
// that revision's Go code (see compileAt), so the diff shows what the Go
// compiles to even when the committed golden ASL was not refreshed; a
// golden file that differs from the compiled machine is reported as stale.
func (c *cli) diffCommand() *cobra.Command {
	var format, stack string
	cmd := &cobra.Command{
		Use:   "diff [--format text|markdown|json] [--stack NAME] BASE HEAD",
		Short: "semantic diff of two state machines",
		Long: "BASE and HEAD are ASL files, REV:PATH, or git revisions (then the pipeline for\n" +
			"--stack is compiled at each revision, in a temporary git worktree, and a stale\n" +
			"golden file is reported).",
		Example:     "  sluice diff main HEAD\n  sluice diff old.asl.json new.asl.json --format markdown",
		Annotations: exits("the machines are equal", "they differ (the diff is printed)"),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("want two arguments, BASE and HEAD")
			}
			if format != "text" && format != "markdown" && format != "json" {
				return usagef("unknown --format %q (want text, markdown or json)", format)
			}
			if stack != "dev" && stack != "prod" {
				return usagef("unknown --stack %q (want dev or prod)", stack)
			}
			return c.cmdDiff(args, format, stack)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	cmd.Flags().StringVar(&stack, "stack", "dev", "stack whose pipeline a bare git revision compiles")
	return cmd
}

func (c *cli) cmdDiff(args []string, format, stack string) error {
	sides := [2]string{args[0], args[1]}
	// Fast path: two revisions between which no Go that shapes the
	// machine changed compile to the same machine; compare BASE's golden
	// file with itself rather than compiling twice.
	if isRev(sides[0]) && isRev(sides[1]) && !goChanged(sides[0], sides[1]) {
		sides[0] = sides[0] + ":" + goldenPath(stack)
		sides[1] = sides[0]
	}
	var machines [2]*asl.StateMachine
	var notes []string
	for i := range sides {
		b, name, note, err := readSide(sides[i], stack)
		if err != nil {
			return fail(ExitUsage, err.Error())
		}
		if note != "" {
			notes = append(notes, note)
		}
		m, err := asl.Unmarshal(b)
		if err != nil {
			var se *asl.SyntaxError
			if errors.As(err, &se) {
				return fail(ExitUsage, fmt.Sprintf("%s:%d:%d: %v", name, se.Line, se.Col, se.Err))
			}
			return fail(ExitUsage, fmt.Sprintf("%s: %v", name, err))
		}
		machines[i] = m
	}
	r := diff.Machines(machines[0], machines[1])
	var err error
	switch format {
	case "markdown":
		for _, n := range notes {
			fmt.Fprintf(c.stdout, "> [!WARNING]\n> %s\n\n", n)
		}
		err = r.Markdown(c.stdout)
	case "json":
		for _, n := range notes {
			fmt.Fprintf(c.stderr, "sluice diff: %s\n", n)
		}
		err = c.printJSON(r)
	default:
		for _, n := range notes {
			fmt.Fprintf(c.stderr, "sluice diff: %s\n", n)
		}
		err = r.Text(c.stdout)
	}
	if err != nil {
		return err
	}
	if !r.Equal() {
		return fail(ExitFailure, "")
	}
	return nil
}

// goldenPath is the committed golden ASL of a stack's pipeline.
func goldenPath(stack string) string { return "workflow/pipeline/testdata/" + stack + ".asl.json" }

// machinePaths are the parts of the repository whose changes can change the
// compiled machine: the builder, the pipeline, the contract types it
// declares, the rest of functions/ (error type names) and the module
// versions.
var machinePaths = []string{"workflow", "functions", "cmd/sluice", "go.mod", "go.sum"}

// isRev reports whether arg is a bare git revision (not a file, not
// REV:PATH).
func isRev(arg string) bool {
	if _, err := os.Stat(arg); err == nil || strings.Contains(arg, ":") {
		return false
	}
	return exec.Command("git", "rev-parse", "--verify", "--quiet", arg+"^{commit}").Run() == nil
}

// goChanged reports whether anything in machinePaths differs between two
// revisions (true when git cannot tell).
func goChanged(base, head string) bool {
	args := append([]string{"diff", "--quiet", base, head, "--"}, machinePaths...)
	return exec.Command("git", args...).Run() != nil
}

// readSide reads one side of a diff: a file, REV:PATH, or a revision whose
// pipeline it compiles. note, when not empty, says the revision's golden
// file is stale.
func readSide(arg, stack string) (data []byte, name, note string, err error) {
	if b, err := os.ReadFile(arg); err == nil {
		return b, arg, "", nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, arg, "", err
	}
	if rev, path, ok := strings.Cut(arg, ":"); ok {
		b, err := gitShow(rev, path)
		if err != nil {
			return nil, arg, "", fmt.Errorf("%s is neither a file nor a git revision with %s: %w", arg, path, err)
		}
		return b, arg, "", nil
	}
	if !isRev(arg) {
		return nil, arg, "", fmt.Errorf("%s is neither a file nor a git revision", arg)
	}
	compiled, err := compileAt(arg, stack)
	if err != nil {
		return nil, arg, "", err
	}
	name = arg + " (compiled, stack " + stack + ")"
	golden, err := gitShow(arg, goldenPath(stack))
	switch {
	case err != nil:
		note = fmt.Sprintf("%s has no golden file %s; the diff uses the machine compiled from its Go code.", arg, goldenPath(stack))
	case !bytes.Equal(golden, compiled):
		note = fmt.Sprintf("the golden file %s at %s is stale: it is not what the Go code at %s compiles to. "+
			"The diff shows the compiled machine; refresh the file with `go test ./workflow/pipeline -run Golden -update`.",
			goldenPath(stack), arg, arg)
	}
	return compiled, name, note, nil
}

// gitShow returns PATH at REV.
func gitShow(rev, path string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", "show", rev+":"+path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

// compileAt compiles the pipeline of stack at git revision rev: it checks
// the revision out in a detached worktree in a temporary directory, runs
// `go run -trimpath ./cmd/sluice asl --stack STACK` there, and removes the
// worktree. -trimpath keeps the temporary directory's name out of the
// compiled packages, so the build cache serves every worktree: the first
// diff builds the module, later ones take seconds.
func compileAt(rev, stack string) (out []byte, err error) {
	tmp, err := os.MkdirTemp("", "sluice-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "tree")
	var stderr bytes.Buffer
	add := exec.Command("git", "worktree", "add", "--detach", "--quiet", wt, rev)
	add.Stderr = &stderr
	if err := add.Run(); err != nil {
		return nil, fmt.Errorf("git worktree add %s: %s", rev, strings.TrimSpace(stderr.String()))
	}
	defer func() {
		rm := exec.Command("git", "worktree", "remove", "--force", wt)
		if rmErr := rm.Run(); rmErr != nil && err == nil {
			err = fmt.Errorf("git worktree remove %s: %w", wt, rmErr)
		}
	}()
	stderr.Reset()
	run := exec.Command("go", "run", "-trimpath", "./cmd/sluice", "asl", "--stack", stack)
	run.Dir = wt
	run.Stderr = &stderr
	out, err = run.Output()
	if err != nil {
		return nil, fmt.Errorf("compiling the pipeline at %s: %v\n%s", rev, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
