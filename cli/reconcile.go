package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/sluicehq/sluice/functions/reconcile"
	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
)

// reconcileCommand runs the deployed reconciler's logic against the local
// bucket and ledger: every file version no execution claimed is printed
// with the reason it may have been missed, and with --redrive the files a
// dataset's rule matches are run through the pipeline. The prefixes of
// the batched datasets (the stack's batchDatasets, or --batch) are left to
// their batches, as deployed; the files waiting there are listed as
// pending.
func (c *cli) reconcileCommand() *cobra.Command {
	var (
		redrive, asJSON bool
		grace, lookback time.Duration
		rf              runtimeFlags
		bf              stackBatchFlags
	)
	cmd := &cobra.Command{
		Use:   "reconcile [--redrive] [--grace D] [--lookback D] [--stack NAME | --batch DATASETS] [--json] [--state-dir DIR]",
		Short: "report (and --redrive) files no execution claimed",
		Long: "Lists the local bucket and prints every file version the ledger holds no run of (an upload whose\n" +
			"event was lost); --redrive runs those a dataset's rule matches.\n\n" +
			"As the deployed reconciler, it leaves the files of batched datasets to their batches: those of\n" +
			"the --stack's batchDatasets (Pulumi.<stack>.yaml), or of --batch. It lists them as pending batch.",
		Annotations: exits("no file is left unaccounted (none found, or every one redriven ended LOADED, REJECTED or DUPLICATE); files pending a batch are not unaccounted",
			"a file is left unaccounted, or the check was incomplete"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("want no arguments")
			}
			bf.set = cmd.Flags().Changed("batch")
			return c.cmdReconcile(redrive, asJSON, grace, lookback, rf, bf)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&redrive, "redrive", false, "run the pipeline for unaccounted files a dataset's rule matches")
	fs.DurationVar(&grace, "grace", 0, "leave files modified less than this long ago unchecked")
	fs.DurationVar(&lookback, "lookback", reconcile.DefaultLookback, "leave out files modified more than this long ago")
	fs.BoolVar(&asJSON, "json", false, "print the report (and the redriven files' results, and the files pending a batch) as JSON")
	bf.register(fs, "datasets processed in batches, whose files are left to their batches")
	rf.register(fs, false)
	return cmd
}

func (c *cli) cmdReconcile(redrive, asJSON bool, grace, lookback time.Duration, rf runtimeFlags, bf stackBatchFlags) error {
	if grace < 0 || lookback <= grace {
		return usagef("--lookback (%v) must exceed --grace (%v)", lookback, grace)
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	batched, from, err := bf.batched(rf.stack)
	if err != nil {
		return err
	}
	// Writing: a redrive runs the pipeline, and holding the state
	// directory means no other process's execution is in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rt, err := local.Open(ctx, cfg)
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	defer rt.Close()
	if err := knownDatasets(rt, batched, from); err != nil {
		return err
	}
	res, err := rt.Reconcile(ctx, local.ReconcileOptions{Redrive: redrive, Grace: grace, Lookback: lookback, Batched: batched})
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	if asJSON {
		if err := c.printJSON(map[string]any{"report": res.Report, "executions": nonNil(res.Executions),
			"batched": nonNil(batched), "pending": nonNil(res.Pending)}); err != nil {
			return err
		}
	} else {
		printReconcile(c.stdout, c.program(), rt, res, batched, from)
	}
	if left := unresolved(res); left > 0 {
		return fail(ExitFailure, "")
	}
	return nil
}

// nonNil returns s, or an empty slice for nil, so that JSON shows [] rather
// than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// unresolved counts the unaccounted files a redrive did not settle.
func unresolved(res *local.ReconcileResult) int {
	settled := map[string]bool{}
	for _, r := range res.Executions {
		if r.Status != local.Failed {
			settled[r.Key+"\x00"+r.VersionID] = true
		}
	}
	n := 0
	for _, f := range res.Report.Unaccounted {
		if f.Redrive != reconcile.RedriveStarted || !settled[f.Key+"\x00"+f.VersionID] {
			n++
		}
	}
	if !res.Report.Complete {
		n++
	}
	return n
}

// printReconcile prints the report: a summary line, the batched datasets
// (from says where they came from), each unaccounted file with its reason
// and, when redriven, the execution's timeline, then the files pending a
// batch.
func printReconcile(w io.Writer, prog string, rt *local.Runtime, res *local.ReconcileResult, batched []string, from string) {
	rep := res.Report
	fmt.Fprintf(w, "sluice reconcile: state %s, bucket %s: %d file(s) listed, %d checked against the ledger, %d unaccounted\n",
		relPath(rt.StateDir()), rep.Bucket, rep.Listed, rep.Checked, len(rep.Unaccounted))
	if len(batched) > 0 {
		fmt.Fprintf(w, "  left to their batches, as deployed: %s (%s)\n", strings.Join(batched, ", "), sanitize(from))
	} else {
		fmt.Fprintf(w, "  batched datasets: none (%s)\n", sanitize(from))
	}
	if rep.Recent > 0 || rep.Old > 0 {
		fmt.Fprintf(w, "  not checked: %d modified within the grace period, %d before the lookback window\n", rep.Recent, rep.Old)
	}
	byKey := map[string]*local.FileResult{}
	for _, r := range res.Executions {
		byKey[r.Key+"\x00"+r.VersionID] = r
	}
	for _, f := range rep.Unaccounted {
		fmt.Fprintf(w, "\n%s (version %s, %s, written %s ago)\n", quoteName(f.Key), f.VersionID, bytesText(f.Size), (time.Duration(f.AgeSeconds) * time.Second).String())
		fmt.Fprintf(w, "  %s: %s\n", f.Reason, sanitize(f.Detail))
		switch f.Redrive {
		case "":
			if f.Dataset == "" {
				fmt.Fprintln(w, "  → reported only: no dataset's rule matches it")
			} else {
				fmt.Fprintf(w, "  → not run: %s reconcile --redrive runs it as dataset %s\n", prog, f.Dataset)
			}
		case reconcile.RedriveStarted:
			fmt.Fprintf(w, "  → redriven as dataset %s:", f.Dataset)
			if r := byKey[f.Key+"\x00"+f.VersionID]; r != nil {
				printFile(w, r)
			} else {
				fmt.Fprintln(w)
			}
		default:
			fmt.Fprintf(w, "  → redrive %s\n", sanitize(string(f.Redrive)))
		}
	}
	printPending(w, prog, res.Pending)
	if !rep.Complete {
		fmt.Fprintf(w, "\nincomplete: not checked %s (%d listed file(s) not looked up)\n", strings.Join(rep.NotChecked, ", "), rep.Unchecked)
	}
	if len(rep.Unaccounted) == 0 && rep.Complete {
		fmt.Fprintln(w, "every file is accounted for")
	}
}

// pendingShown is the most pending files printed per dataset; --json has
// them all.
const pendingShown = 20

// printPending prints the files waiting for each batched dataset's next
// batch: how many, then one line each (at most pendingShown), with what
// the ledger says of those a batch already ran.
func printPending(w io.Writer, prog string, pending []local.PendingBatch) {
	for _, p := range pending {
		if len(p.Files) == 0 {
			continue
		}
		fmt.Fprintf(w, "\npending batch: %d file(s) under %s wait for the next %s batch (%s run --batch of a %s file, or %s dev --batch %s, starts one)\n",
			len(p.Files), quoteName(p.Prefix), p.Dataset, prog, p.Dataset, prog, p.Dataset)
		for i, f := range p.Files {
			if i == pendingShown {
				fmt.Fprintf(w, "  ... and %d more (--json lists them all)\n", len(p.Files)-pendingShown)
				break
			}
			line := fmt.Sprintf("  %s (version %s, %s, written %s ago)", quoteName(f.Key), f.VersionID, bytesText(f.Size), time.Since(f.LastModified).Round(time.Second))
			switch f.Status {
			case "":
			case "FAILED":
				line += ": FAILED in the batch that ran it; the next batch runs it again"
			case "RUNNING":
				line += ": claimed by a batch that ended with its process; the next batch takes the claim over"
			default:
				line += ": " + sanitize(f.Status) + " but not yet moved under processed/; the next batch settles it"
			}
			fmt.Fprintln(w, line)
		}
	}
}
