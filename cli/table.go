package cli

import (
	"bufio"
	"context"

	"github.com/sluicehq/sluice/local"
)

// cmdTable inspects the local tables: `sluice table scan --dataset NAME`
// prints a dataset's loaded items as JSON Lines, sorted by key, streamed
// with memory independent of the table size.
func (c *cli) cmdTable(args []string) error {
	if len(args) == 0 || args[0] != "scan" {
		return usagef("usage: sluice table scan --dataset NAME [--state-dir DIR]")
	}
	fs := c.flags("table scan", "--dataset NAME [--state-dir DIR]")
	ds := fs.String("dataset", "", "the dataset whose items to print (required)")
	var rf runtimeFlags
	rf.register(fs, false)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *ds == "" || fs.NArg() != 0 {
		fs.Usage()
		return usagef("want --dataset and no arguments")
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	// Reading only: works beside a running sluice dev or run.
	cfg.ReadOnly = true
	ctx := context.Background()
	rt, err := local.Open(ctx, cfg)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	defer rt.Close()
	if _, err := rt.Datasets().Lookup(*ds); err != nil {
		return usagef("%v", err)
	}
	// Streamed in key order, one page at a time: memory does not grow
	// with the table.
	w := bufio.NewWriterSize(c.stdout, 64<<10)
	if err := rt.ScanItems(ctx, *ds, func(item map[string]any) error {
		return local.WriteJSONLine(w, item)
	}); err != nil {
		return fail(ExitFailure, err.Error())
	}
	if err := w.Flush(); err != nil {
		return fail(ExitFailure, err.Error())
	}
	return nil
}
