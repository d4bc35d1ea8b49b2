package cli

import (
	"encoding/json"
	"fmt"

	"github.com/sluicehq/sluice/workflow/asl"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// cmdASL prints the compiled pipeline ASL of a stack, with the synthetic
// ARNs of pipeline.Synthetic (account 000000000000, us-east-1).
func (c *cli) cmdASL(args []string) error {
	fs := c.flags("asl", "[--stack dev|prod] [--compact] [--resources]\n\n"+
		"Prints the compiled pipeline ASL of a stack (synthetic ARNs).")
	stack := fs.String("stack", "dev", "stack whose options to compile with: dev or prod")
	compact := fs.Bool("compact", false, "print the definition on one line, as sent to Step Functions")
	resources := fs.Bool("resources", false, "print the resources the machine uses and their IAM actions (JSON) instead")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *stack != "dev" && *stack != "prod" {
		return usagef("unknown --stack %q (want dev or prod)", *stack)
	}
	compiled, err := pipeline.Synthetic(*stack)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	for _, w := range compiled.Warnings {
		fmt.Fprintf(c.stderr, "sluice asl: %s\n", w)
	}
	var out []byte
	switch {
	case *resources:
		enc, err := json.MarshalIndent(compiled.Resources, "", "  ")
		if err != nil {
			return fail(ExitFailure, err.Error())
		}
		out = append(enc, '\n')
	case *compact:
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
