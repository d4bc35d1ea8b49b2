package cli

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/graph"
	"github.com/spf13/cobra"
)

// graphCommand draws a state machine: FILE, or without FILE the compiled
// pipeline of a stack.
func (c *cli) graphCommand() *cobra.Command {
	var format, stack string
	cmd := &cobra.Command{
		Use:         "graph [--format mermaid|dot] [--stack NAME] [FILE]",
		Short:       "draw the state machine (mermaid or dot)",
		Long:        "Draws the state machine in FILE (- reads standard input), or without FILE the compiled\npipeline of --stack, as Mermaid or Graphviz dot source.",
		Annotations: exits("the graph was printed", ""),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdGraph(args, format, stack)
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "output format: mermaid or dot")
	cmd.Flags().StringVar(&stack, "stack", "", "draw the compiled pipeline of this stack (when no FILE is given; default dev)")
	return cmd
}

func (c *cli) cmdGraph(args []string, format, stack string) error {
	if format != "mermaid" && format != "dot" {
		return usagef("unknown --format %q (want mermaid or dot)", format)
	}
	var m *asl.StateMachine
	switch len(args) {
	case 0:
		var err error
		if m, err = pipelineMachine(stack); err != nil {
			return err
		}
	case 1:
		if stack != "" {
			return usagef("--stack draws the pipeline; it cannot be used with FILE")
		}
		var err error
		if m, err = c.readMachine(args[0]); err != nil {
			return err
		}
	default:
		return usagef("one FILE at most, got %d", len(args))
	}
	if format == "dot" {
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
