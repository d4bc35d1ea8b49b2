package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicehq/sluice/local"
)

// cmdReport writes the HTML report of a local execution: the path taken,
// per-state timings, counts and retries, the error, and the validation
// report of a rejected file.
func (c *cli) cmdReport(args []string) error {
	fs := c.flags("report", "[--execution NAME] [-o FILE|-] [--list] [--state-dir DIR]")
	execution := fs.String("execution", "", "the execution to report (default: the latest)")
	out := fs.String("o", "", "output file, or - for stdout (default: <state-dir>/executions/<execution>.html)")
	list := fs.Bool("list", false, "list the recorded executions, newest first")
	var rf runtimeFlags
	rf.register(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
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
	names, err := rt.Executions()
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	if *list {
		for _, n := range names {
			fmt.Fprintln(c.stdout, n)
		}
		return nil
	}
	name := *execution
	if name == "" {
		if len(names) == 0 {
			return fail(ExitFailure, "no executions recorded in "+relPath(rt.StateDir())+" yet: run `sluice run` first")
		}
		name = names[0]
	}
	if *out == "-" {
		if err := rt.Report(ctx, name, c.stdout); err != nil {
			return fail(ExitFailure, err.Error())
		}
		return nil
	}
	path := *out
	if path == "" {
		path = filepath.Join(rt.StateDir(), "executions", name+".html")
	}
	f, err := os.Create(path)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	if err := rt.Report(ctx, name, f); err != nil {
		f.Close()
		return fail(ExitFailure, err.Error())
	}
	if err := f.Close(); err != nil {
		return fail(ExitFailure, err.Error())
	}
	fmt.Fprintf(c.stdout, "wrote %s\n", relPath(path))
	return nil
}
