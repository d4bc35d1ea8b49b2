package cli

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
)

// cmdGraph draws a state machine: FILE, or without FILE the compiled
// pipeline of a stack.
func (c *cli) cmdGraph(args []string) error {
	fs := c.flags("graph", "[--format mermaid|dot] [--stack NAME] [FILE] (- reads standard input)")
	format := fs.String("format", "mermaid", "output format: mermaid or dot")
	stack := fs.String("stack", "", "draw the compiled pipeline of this stack (when no FILE is given; default dev)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "mermaid" && *format != "dot" {
		return usagef("graph: unknown --format %q (want mermaid or dot)", *format)
	}
	var m *asl.StateMachine
	switch fs.NArg() {
	case 0:
		var err error
		if m, err = pipelineMachine(*stack); err != nil {
			return err
		}
	case 1:
		if *stack != "" {
			return usagef("graph: --stack draws the pipeline; it cannot be used with FILE")
		}
		var err error
		if m, err = c.readMachine(fs.Arg(0)); err != nil {
			return err
		}
	default:
		return usagef("graph: one FILE at most, got %d", fs.NArg())
	}
	if *format == "dot" {
		fmt.Fprint(c.stdout, graph.Dot(m))
	} else {
		fmt.Fprint(c.stdout, graph.Mermaid(m))
	}
	return nil
}

// readMachine reads and decodes an ASL file; a file that cannot be read or
// decoded is a usage error (exit 2), with JSON syntax errors rendered as
// file:line:col and a caret.
func (c *cli) readMachine(file string) (*asl.StateMachine, error) {
	b, err := c.readInput(file)
	if err != nil {
		return nil, fail(ExitUsage, err.Error())
	}
	m, err := asl.Unmarshal(b)
	var se *asl.SyntaxError
	switch {
	case errors.As(err, &se):
		c.printSyntaxErrorTo(c.stderr, file, b, se)
		return nil, fail(ExitUsage, "")
	case err != nil:
		return nil, fail(ExitUsage, fmt.Sprintf("%s: %v", file, err))
	}
	return m, nil
}
