package cli

import (
	"bufio"
	"context"
	"strings"

	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
)

// tableCommand inspects the local tables.
// Its subcommands share the runtime flags (--state-dir …), which may come
// before or after the subcommand's name.
func (c *cli) tableCommand() *cobra.Command {
	var rf runtimeFlags
	cmd := group(&cobra.Command{
		Use:         "table",
		Short:       "inspect the local tables (table scan)",
		Annotations: exits("the command did what was asked", "the local state could not be read"),
	})
	rf.register(cmd.PersistentFlags(), false)
	cmd.AddCommand(c.tableScanCommand(&rf))
	return cmd
}

// tableScanCommand prints a dataset's loaded items as JSON Lines, sorted by
// key, streamed with memory independent of the table size.
func (c *cli) tableScanCommand(rf *runtimeFlags) *cobra.Command {
	var ds string
	var typed bool
	cmd := &cobra.Command{
		Use:         "scan --dataset NAME [--typed] [--state-dir DIR]",
		Short:       "print a dataset's loaded items as JSON Lines, sorted by key",
		Annotations: exits("the items were printed (none when the table is empty)", "the local state could not be read"),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdTableScan(args, ds, typed, *rf)
		},
	}
	cmd.Flags().StringVar(&ds, "dataset", "", "the dataset whose items to print (required)")
	cmd.Flags().BoolVar(&typed, "typed", false, `print each attribute with its DynamoDB type, as stored: {"S": "x"}, {"SS": ["a"]}, {"L": [...]}`)
	return cmd
}

func (c *cli) cmdTableScan(args []string, ds string, typed bool, rf runtimeFlags) error {
	if ds == "" || len(args) != 0 {
		return usagef("want --dataset and no arguments")
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	if c.runtimeHook != nil {
		c.runtimeHook(&cfg)
	}
	// Reading only: works beside a running sluice dev or run.
	cfg.ReadOnly = true
	if err := c.stateDirExists(cfg); err != nil {
		return err
	}
	ctx := context.Background()
	rt, err := local.Open(ctx, cfg)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	defer rt.Close()
	if _, err := rt.Datasets().Lookup(ds); err != nil {
		return usagef("--dataset: %v (known: %s)", err, strings.Join(rt.Datasets().Names(), ", "))
	}
	// Streamed in key order, one page at a time: memory does not grow
	// with the table.
	w := bufio.NewWriterSize(c.stdout, 64<<10)
	if err := rt.WriteItems(ctx, ds, typed, w); err != nil {
		return fail(ExitFailure, err.Error())
	}
	if err := w.Flush(); err != nil {
		return fail(ExitFailure, err.Error())
	}
	return nil
}
