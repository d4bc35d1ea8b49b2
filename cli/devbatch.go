package cli

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sluicehq/sluice/internal/stackconfig"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/platform/cost"
	"github.com/spf13/pflag"
)

// batchFlags are `sluice dev`'s batch settings: the datasets that run in
// batches (--batch, else the --stack's batchDatasets) and how often
// (--batch-every, else as the --stack's batchSchedule would).
type batchFlags struct {
	stackBatchFlags
	every    time.Duration
	everySet bool // --batch-every was given
}

// defaultBatchEvery is how often the batches run when neither
// --batch-every nor a stack's batchSchedule says.
const defaultBatchEvery = time.Minute

func (f *batchFlags) register(fs *pflag.FlagSet) {
	f.stackBatchFlags.register(fs, "datasets whose files wait for a batch instead of running one by one")
	fs.DurationVar(&f.every, "batch-every", defaultBatchEvery, "how often the batches run (Enter runs them at once; default: the mean interval of the --stack's batchSchedule, a minute outside a project)")
}

// interval returns how often the batches run and where that came from,
// for the banner: --batch-every when given; else the mean interval of the
// --stack's batchSchedule (cost.ScheduleInterval: rate(5 minutes) is 5m,
// a cron its average over a month); else, outside a project or when
// --batch named the datasets of a project without that stack's file, a
// minute. A schedule that cannot be read is a usage error naming the file.
func (f batchFlags) interval(stack string) (time.Duration, string, error) {
	if f.everySet {
		return f.every, "--batch-every", nil
	}
	dir := f.project
	if dir == "" {
		var err error
		if dir, err = findProject(); err != nil {
			return defaultBatchEvery, "--batch-every's default: no project", nil
		}
	}
	expr, file, err := stackconfig.String(dir, stack, batchScheduleKey)
	switch {
	case err != nil && f.set:
		return defaultBatchEvery, fmt.Sprintf("--batch-every's default: %v", err), nil
	case err != nil:
		return 0, "", usagef("the batch schedule of stack %s: %v (or give --batch-every)", stack, err)
	case expr == "":
		return defaultBatchEvery, fmt.Sprintf("--batch-every's default: %s sets no %s", relPath(file), batchScheduleKey), nil
	}
	d, err := cost.ScheduleInterval(expr)
	if err != nil {
		return 0, "", usagef("%s: %s: %v (or give --batch-every)", file, batchScheduleKey, err)
	}
	return d, fmt.Sprintf("stack %s's %s %s, %s", stack, batchScheduleKey, expr, relPath(file)), nil
}

// batchScheduleKey is the stack key of the batches' schedule
// (platform.Config.BatchSchedule), without its project namespace.
const batchScheduleKey = "batchSchedule"

// batched reports whether ds runs in batches.
func (w *watcher) batched(ds string) bool { return slices.Contains(w.batchDatasets, ds) }

// pend uploads a settled file of a batched dataset to wait for its batch.
func (w *watcher) pend(ctx context.Context, ds, path string) {
	fr, processed := pendFile(ctx, w.rt, ds, path, nil)
	switch {
	case fr.Status == local.Failed:
		w.failed = true
		fmt.Fprintf(w.c.stdout, "%s → FAILED: %s: %s\n", quoteName(fr.Key), sanitize(fr.Error), sanitize(fr.Cause))
	case processed:
		fmt.Fprintf(w.c.stdout, "%s: unchanged since a batch took it (version %s): not uploaded again\n", quoteName(fr.Key), fr.VersionID)
	default:
		if w.pending == nil {
			w.pending = map[string]int{}
		}
		w.pending[ds]++
		fmt.Fprintf(w.c.stdout, "%s (version %s): waits for the %s batch\n", quoteName(fr.Key), fr.VersionID, ds)
	}
}

// runBatches runs one batch execution per batched dataset with files
// uploaded since its last batch; always runs them even with none (a
// pending file may be left from an earlier run or a FAILED one).
func (w *watcher) runBatches(ctx context.Context, always bool) {
	for _, ds := range w.batchDatasets {
		if !always && w.pending[ds] == 0 {
			continue
		}
		br, err := w.rt.ExecuteBatch(ctx, ds)
		if err != nil {
			w.failed = true
			fmt.Fprintf(w.c.stdout, "batch %s: %s\n", ds, sanitize(err.Error()))
			continue
		}
		delete(w.pending, ds)
		w.c.printBatch(ctx, w.rt, br)
		if slices.ContainsFunc(br.Files, func(f *local.FileResult) bool { return f.Status == local.Failed }) {
			w.failed = true
		}
	}
}

// enterPressed returns a channel that receives a value each time a line
// is read from stdin (Enter); after the end of stdin it receives nothing
// more (it is never closed, so that a select does not spin on it).
func (w *watcher) enterPressed() <-chan struct{} {
	ch := make(chan struct{})
	if len(w.batchDatasets) == 0 || w.c.stdin == nil {
		return ch
	}
	go func() {
		sc := bufio.NewScanner(w.c.stdin)
		for sc.Scan() {
			ch <- struct{}{}
		}
	}()
	return ch
}
