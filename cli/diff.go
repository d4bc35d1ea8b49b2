package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/diff"
)

// cmdDiff prints a semantic, state-by-state diff of two state machines.
// Each side is an ASL file, or a git revision: REV:PATH reads PATH at REV,
// and a bare REV reads the committed golden ASL of the pipeline for --stack
// (kept in sync with the Go code by the golden test).
func (c *cli) cmdDiff(args []string) error {
	fs := c.flags("diff", "[--format text|markdown|json] [--stack NAME] BASE HEAD\n\n"+
		"BASE and HEAD are ASL files, REV:PATH, or git revisions (then the pipeline's\n"+
		"golden ASL for --stack at that revision is compared). Exit 0 when equal, 1 when different.")
	format := fs.String("format", "text", "output format: text, markdown or json")
	stack := fs.String("stack", "dev", "stack whose pipeline ASL a bare git revision refers to")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return usagef("want two arguments, BASE and HEAD")
	}
	if *format != "text" && *format != "markdown" && *format != "json" {
		return usagef("unknown --format %q (want text, markdown or json)", *format)
	}
	var machines [2]*asl.StateMachine
	for i, arg := range fs.Args() {
		b, name, err := readSide(arg, *stack)
		if err != nil {
			return fail(ExitUsage, err.Error())
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
	switch *format {
	case "markdown":
		err = r.Markdown(c.stdout)
	case "json":
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(r)
	default:
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

// readSide reads one side of a diff: a file, REV:PATH, or a revision.
func readSide(arg, stack string) (data []byte, name string, err error) {
	if b, err := os.ReadFile(arg); err == nil {
		return b, arg, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, arg, err
	}
	rev, path, ok := strings.Cut(arg, ":")
	if !ok {
		path = "workflow/pipeline/testdata/" + stack + ".asl.json"
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", "show", rev+":"+path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, arg, fmt.Errorf("%s is neither a file nor a git revision with %s: %s", arg, path, msg)
	}
	return out, rev + ":" + path, nil
}
