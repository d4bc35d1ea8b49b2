package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/engine"
	"github.com/sluicehq/sluice/local"
)

// cmdRunBatch is `sluice run --batch`: upload every file to wait under its
// dataset's prefix (no per-file execution, as for a batch dataset
// deployed), then start one batch execution per dataset, in the order the
// files name them, and print what each did.
func (c *cli) cmdRunBatch(args []string, ds string, asJSON bool, cpuProfile string, rf runtimeFlags) error {
	var err error
	if rf.expressMaxBytes, err = stackExpressMaxBytes("", rf.stack); err != nil {
		return err
	}
	run, err := c.openRun(args, ds, cpuProfile, rf)
	if err != nil {
		return err
	}
	defer run.close()
	ctx, rt := run.ctx, run.rt
	if !asJSON {
		fmt.Fprintf(c.stdout, "sluice run --batch: %d file(s), state %s\n\n", len(args), relPath(rt.StateDir()))
	}
	var (
		order    []string                // datasets, first named first
		early    []*local.FileResult     // files that never reached a batch
		uploaded = map[string][]string{} // dataset -> keys uploaded
		already  []*local.FileResult     // processed before
	)
	for i, file := range args {
		d := run.datasets[i]
		if !slices.Contains(order, d) {
			order = append(order, d)
		}
		run.prog.start(file)
		fr, processed := pendFile(ctx, rt, d, file, run.prog)
		run.prog.done()
		switch {
		case fr.Status == local.Failed:
			early = append(early, fr)
		case processed:
			already = append(already, fr)
		default:
			uploaded[d] = append(uploaded[d], fr.Key)
		}
		if !asJSON {
			switch {
			case fr.Status == local.Failed:
				fmt.Fprintf(c.stdout, "%s → FAILED: %s: %s\n", quoteName(fr.Key), sanitize(fr.Error), sanitize(fr.Cause))
			case processed:
				fmt.Fprintf(c.stdout, "%s: unchanged since a batch took it (version %s): not uploaded again\n", quoteName(fr.Key), fr.VersionID)
			}
		}
	}
	if !asJSON {
		for _, d := range order {
			if n := len(uploaded[d]); n > 0 {
				fmt.Fprintf(c.stdout, "%d file(s) uploaded to wait for the %s batch\n", n, d)
			}
		}
	}
	var (
		batches []*local.BatchResult
		results = early
	)
	for _, d := range order {
		br, err := rt.ExecuteBatch(ctx, d)
		if err != nil {
			return fail(ExitFailure, fmt.Sprintf("batch %s: %v", d, err))
		}
		batches = append(batches, br)
		results = append(results, br.Files...)
		if !asJSON {
			c.printBatch(ctx, rt, br)
		}
	}
	results = append(results, already...)
	failed := slices.ContainsFunc(results, func(r *local.FileResult) bool { return r.Status == local.Failed })
	if asJSON {
		if err := c.printJSON(map[string]any{"executions": batches, "files": results}); err != nil {
			return err
		}
	} else {
		printSummary(c.stdout, c.program(), results, rf.stateDir, fmt.Sprintf(" in %d batch execution(s)", len(batches)))
	}
	if failed || slices.ContainsFunc(batches, func(b *local.BatchResult) bool {
		return b.Status != engine.StatusSucceeded && b.Error != "Sluice.BatchFilesFailed"
	}) {
		return fail(ExitFailure, "")
	}
	return nil
}

// pendFile uploads one file to wait for its dataset's batch. A file that
// does not route to its dataset (wrong suffix or size) FAILS here, as in
// `sluice run`; one whose content a batch already took is reported with
// processed set and the outcome its ledger item holds is left to the
// summary (DUPLICATE).
func pendFile(ctx context.Context, rt *local.Runtime, ds, file string, prog *progress) (*local.FileResult, bool) {
	ev, processed, err := rt.UploadPending(ctx, ds, file, prog.upload)
	if err != nil {
		return &local.FileResult{Key: file, Dataset: ds, Status: local.Failed, Error: "Sluice.UploadFailed", Cause: err.Error()}, false
	}
	fr := &local.FileResult{Key: ev.Key, Dataset: ds, VersionID: ev.VersionID}
	if processed {
		fr.Status = local.Duplicate
		return fr, true
	}
	routed, err := rt.Route(ev)
	switch {
	case err != nil:
		fr.Status, fr.Error, fr.Cause = local.Failed, "Sluice.RoutingFailed", err.Error()
	case !slices.Contains(routed.Datasets, ds):
		fr.Status, fr.Error = local.Failed, "Sluice.NotRouted"
		fr.Cause = fmt.Sprintf("s3://%s/%s is not a file dataset %s accepts (deployed, the unrouted rule raises its alarm; the batch will reject it)", ev.Bucket, ev.Key, ds)
	}
	return fr, false
}

// printBatch prints one batch execution: its timeline (every state, with
// how many of its files entered it), its outcome, then one line per file
// and the problems of each rejected one.
func (c *cli) printBatch(ctx context.Context, rt *local.Runtime, br *local.BatchResult) {
	w := c.stdout
	fmt.Fprintf(w, "\nbatch %s: one execution %s\n", br.Dataset, br.Execution)
	if br.Result != nil {
		for _, s := range local.TimelineAt(br.Result.History, br.WallTimes) {
			fmt.Fprintln(w, strings.TrimRight("  "+stepText(s), " "))
		}
	}
	fmt.Fprintf(w, "  → %s (%s)\n", batchCounts(br), br.Duration.Round(time.Millisecond))
	if br.Status != engine.StatusSucceeded {
		fmt.Fprintf(w, "    batch %s: %s\n", br.Status, sanitize(br.Error))
	}
	if br.History != "" {
		fmt.Fprintf(w, "    history: %s\n", quoteName(relPath(br.History)))
	}
	for _, f := range br.Files {
		printBatchFile(w, f)
		if f.Status == local.Rejected {
			printProblems(ctx, w, rt, f)
		}
	}
}

// batchCounts renders a batch's summary: "50 file(s): 49 LOADED, 1
// REJECTED".
func batchCounts(br *local.BatchResult) string {
	s := br.Summary
	var parts []string
	for _, p := range []struct {
		n    int64
		name string
	}{{s.Loaded, "LOADED"}, {s.Rejected, "REJECTED"}, {s.Duplicate, "DUPLICATE"}, {s.Failed, "FAILED"}, {s.HandedOff, "handed to the per-file machine"}, {s.Gone, "deleted before the batch read them"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	out := fmt.Sprintf("%d pending file(s)", s.Files)
	if len(parts) > 0 {
		out += ": " + strings.Join(parts, ", ")
	}
	if s.Unsettled > 0 {
		out += fmt.Sprintf(" (%d left pending: the next batch settles them)", s.Unsettled)
	}
	return out
}

// printBatchFile prints one file of a batch on one line (two for a
// rejected file's report).
func printBatchFile(w io.Writer, f *local.FileResult) {
	head := fmt.Sprintf("  %s (version %s)", quoteName(f.Key), f.VersionID)
	switch f.Status {
	case local.Loaded:
		fmt.Fprintf(w, "%s → LOADED: %d records in, %d loaded, %d rejected\n", head, f.RecordsIn, f.RecordsLoaded, f.RecordsRejected)
	case local.Duplicate:
		fmt.Fprintf(w, "%s → DUPLICATE: already processed; nothing written\n", head)
	case local.Rejected:
		reason := f.Cause
		if _, after, ok := strings.Cut(reason, " rejected: "); ok {
			reason = after
		}
		if i := strings.LastIndex(reason, " (report s3://"); i > 0 {
			reason = reason[:i]
		}
		fmt.Fprintf(w, "%s → REJECTED: %s\n", head, sanitize(reason))
		if f.Report != "" {
			fmt.Fprintf(w, "    report: %s (in the local bucket; sluice report shows it)\n", quoteName(f.Report))
		}
	case local.Failed:
		fmt.Fprintf(w, "%s → FAILED: %s: %s (it stays pending for the next batch)\n", head, sanitize(f.Error), sanitize(f.Cause))
	default:
		fmt.Fprintf(w, "  %s → %s\n", quoteName(f.Key), f.Status)
	}
	if f.HandedOff {
		fmt.Fprintf(w, "    too large for the batch's Express child: handed to the per-file machine, execution %s; the next batch moves it to processed/\n", f.Execution)
	}
}
