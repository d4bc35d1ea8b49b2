package cli

import (
	"encoding/json"
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
	"github.com/spf13/cobra"
)

// aslCommand prints the compiled pipeline ASL of a stack, with the
// synthetic ARNs of pipeline.Synthetic (account 000000000000, us-east-1).
func (c *cli) aslCommand() *cobra.Command {
	var (
		stack                     string
		compact, resources, batch bool
	)
	cmd := &cobra.Command{
		Use:         "asl [--stack dev|prod] [--batch] [--compact] [--resources]",
		Short:       "print the compiled pipeline ASL",
		Long:        "Prints the compiled pipeline ASL of a stack (synthetic ARNs); --batch prints the batch machine's.",
		Annotations: exits("the definition was printed", "the pipeline did not compile"),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("unexpected argument %q", args[0])
			}
			return c.cmdASL(stack, compact, resources, batch)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&stack, "stack", "dev", "stack whose options to compile with: dev or prod")
	fs.BoolVar(&compact, "compact", false, "print the definition on one line, as sent to Step Functions")
	fs.BoolVar(&batch, "batch", false, "the batch machine (a batched dataset's pending files in one execution) instead of the per-file one")
	fs.BoolVar(&resources, "resources", false, "print the resources the machine uses and their IAM actions (JSON) instead")
	return cmd
}

func (c *cli) cmdASL(stack string, compact, resources, batch bool) error {
	if stack != "dev" && stack != "prod" {
		return usagef("unknown --stack %q (want dev or prod)", stack)
	}
	synthetic := pipeline.Synthetic
	if batch {
		synthetic = pipeline.SyntheticBatch
	}
	compiled, err := synthetic(stack)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	for _, w := range compiled.Warnings {
		fmt.Fprintf(c.stderr, "sluice asl: %s\n", w)
	}
	var out []byte
	switch {
	case resources:
		enc, err := json.MarshalIndent(compiled.Resources, "", "  ")
		if err != nil {
			return fail(ExitFailure, err.Error())
		}
		out = append(enc, '\n')
	case compact:
		out, err = asl.MarshalCompact(compiled.Machine)
		out = append(out, '\n')
	default:
		out, err = compiled.ASL()
	}
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	_, err = c.stdout.Write(out)
	return err
}
