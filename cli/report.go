package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
)

// reportCommand writes the HTML report of a local execution: the path
// taken, per-state timings, counts and retries, the error, and the
// validation report of a rejected file.
func (c *cli) reportCommand() *cobra.Command {
	var (
		execution, out string
		list           bool
		rf             runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "report [--execution NAME] [-o FILE|-] [--list] [--state-dir DIR]",
		Short: "write an HTML report of a local execution",
		Long: "Writes the HTML report of a local execution (the latest by default): the state machine\n" +
			"with the path taken, per-state wall times, chunk timings, counts, retries, the error,\n" +
			"and the validation report of a rejected file. --list lists the recorded executions.",
		Annotations: exits("the report was written (or the list printed)", "no execution is recorded yet, or the state could not be read"),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdReport(args, execution, out, list, rf)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&execution, "execution", "", "the execution to report (default: the latest; --list shows them)")
	fs.StringVarP(&out, "output", "o", "", "output file, or - for stdout (default: <state-dir>/executions/<execution>.html)")
	fs.BoolVar(&list, "list", false, "list the recorded executions, newest first")
	rf.register(fs, false)
	return cmd
}

func (c *cli) cmdReport(args []string, execution, out string, list bool, rf runtimeFlags) error {
	if len(args) != 0 {
		return usagef("unexpected argument %q", args[0])
	}
	cfg, err := rf.config()
	if err != nil {
		return err
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
	execs, err := rt.ExecutionList()
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	if list {
		printExecutions(c, execs)
		return nil
	}
	if len(execs) == 0 {
		return fail(ExitFailure, fmt.Sprintf("no executions recorded in %s yet: run `%s run FILE` first", relPath(rt.StateDir()), c.program()))
	}
	name := execution
	if name == "" {
		name = execs[0].Name
	} else if !slices.ContainsFunc(execs, func(e local.ExecutionInfo) bool { return e.Name == name }) {
		return usagef("no execution %q in %s; the latest are: %s (`%s report --list` shows all %d)",
			name, relPath(rt.StateDir()), latestNames(execs, 5), c.program(), len(execs))
	}
	// Rendered in memory first: an execution that cannot be reported
	// leaves no empty file behind.
	var page bytes.Buffer
	if err := rt.Report(ctx, name, &page); err != nil {
		return fail(ExitFailure, err.Error())
	}
	if out == "-" {
		_, err := c.stdout.Write(page.Bytes())
		return err
	}
	path := out
	if path == "" {
		path = filepath.Join(rt.StateDir(), "executions", name+".html")
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		return fail(ExitFailure, err.Error())
	}
	fmt.Fprintf(c.stdout, "wrote %s\n", relPath(path))
	return nil
}

// latestNames lists the first n executions' names.
func latestNames(execs []local.ExecutionInfo, n int) string {
	var names []string
	for i, e := range execs {
		if i == n {
			names = append(names, "…")
			break
		}
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}

// printExecutions prints `report --list`: one execution a line, newest
// first, with the file it ran on, its outcome and when it started.
func printExecutions(c *cli, execs []local.ExecutionInfo) {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXECUTION\tDATASET\tFILE\tSTATUS\tSTARTED\tDURATION")
	for _, e := range execs {
		started, took := "", ""
		if !e.Start.IsZero() {
			started = e.Start.Local().Format("2006-01-02 15:04:05")
		}
		if e.Duration > 0 {
			took = e.Duration.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Dataset, e.Key, e.Status, started, took)
	}
	tw.Flush()
}
