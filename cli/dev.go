package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
)

// devCommand watches a folder: a file dropped into incoming/<dataset>/
// runs through the pipeline once it has stopped growing.
func (c *cli) devCommand() *cobra.Command {
	var (
		dir    string
		settle time.Duration
		once   bool
		batch  batchFlags
		rf     runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "dev [--dir DIR] [flags]",
		Short: "watch incoming/<dataset>/ and run files as they arrive",
		Long: "Watches DIR/incoming/<dataset>/ (created for every dataset) and runs each file dropped\n" +
			"there through the pipeline once it has stopped changing for --settle. Ctrl-C stops.\n\n" +
			"The batched datasets run as the deployed stack runs them: their files are uploaded and\n" +
			"wait; as often as the stack's batchSchedule fires (or every --batch-every) one batch\n" +
			"execution per dataset takes all that wait, and pressing Enter runs the batches at once.\n" +
			"With --once, they run once after every file present was uploaded. They are the\n" +
			"--stack's batchDatasets (Pulumi.<stack>.yaml, in --project or the nearest folder above\n" +
			"holding Pulumi.yaml), or those of --batch (--batch= for none).",
		Annotations: exits("stopped by Ctrl-C (or, with --once, no file FAILED)", "with --once, a file FAILED"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usagef("unexpected argument %q", args[0])
			}
			batch.set = cmd.Flags().Changed("batch")
			batch.everySet = cmd.Flags().Changed("batch-every")
			return c.cmdDev(dir, settle, once, batch, rf)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&dir, "dir", ".", "folder holding incoming/<dataset>/ subfolders (created if missing)")
	fs.DurationVar(&settle, "settle", 500*time.Millisecond, "how long a file must stop changing before it runs")
	fs.BoolVar(&once, "once", false, "process the files already present, then exit")
	batch.register(fs)
	rf.register(fs, true)
	return cmd
}

func (c *cli) cmdDev(dir string, settle time.Duration, once bool, batch batchFlags, rf runtimeFlags) error {
	var err error
	if rf.expressMaxBytes, err = stackExpressMaxBytes(batch.project, rf.stack); err != nil {
		return err
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	if batch.every <= 0 {
		return usagef("--batch-every %s: want a positive duration", batch.every)
	}
	batched, from, err := batch.batched(rf.stack)
	if err != nil {
		return err
	}
	every, everyFrom := batch.every, ""
	if len(batched) > 0 {
		if every, everyFrom, err = batch.interval(rf.stack); err != nil {
			return err
		}
	}
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
	w := &watcher{c: c, rt: rt, root: filepath.Join(dir, "incoming"), settle: settle, seen: map[string]time.Time{},
		batchDatasets: batched, batchFrom: from, batchEvery: every, batchEveryFrom: everyFrom}
	return w.run(ctx, once)
}

type watcher struct {
	c      *cli
	rt     *local.Runtime
	root   string
	settle time.Duration
	seen   map[string]time.Time // path -> mod time processed
	failed bool
	// batchDatasets are the datasets that run in batches, batchFrom where
	// they came from (--batch, or the stack's batchDatasets and its file),
	// batchEvery how often their batches run and batchEveryFrom where that
	// came from.
	batchDatasets  []string
	batchFrom      string
	batchEvery     time.Duration
	batchEveryFrom string
	// pending counts, per batched dataset, the files uploaded since its
	// last batch.
	pending map[string]int
}

func (w *watcher) run(ctx context.Context, once bool) error {
	for _, name := range w.rt.Datasets().Names() {
		if err := os.MkdirAll(filepath.Join(w.root, name), 0o755); err != nil {
			return fail(ExitFailure, err.Error())
		}
	}
	if once {
		if len(w.batchDatasets) > 0 {
			fmt.Fprintf(w.c.stdout, "sluice dev: %s run in one batch after the files present are uploaded (%s)\n", strings.Join(w.batchDatasets, ", "), sanitize(w.batchFrom))
		}
		w.scan(ctx)
		w.runBatches(ctx, true)
		if w.failed {
			return fail(ExitFailure, "")
		}
		return nil
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fail(ExitFailure, err.Error())
	}
	defer fw.Close()
	for _, name := range w.rt.Datasets().Names() {
		if err := fw.Add(filepath.Join(w.root, name)); err != nil {
			return fail(ExitFailure, err.Error())
		}
	}
	fmt.Fprintf(w.c.stdout, "sluice dev: watching %s/<dataset>/ for %s (Ctrl-C to stop)\n", relPath(w.root), strings.Join(w.rt.Datasets().Names(), ", "))
	if len(w.batchDatasets) > 0 {
		fmt.Fprintf(w.c.stdout, "sluice dev: %s run in batches every %s (%s; every: %s; Enter: run them now)\n", strings.Join(w.batchDatasets, ", "), w.batchEvery, sanitize(w.batchFrom), sanitize(w.batchEveryFrom))
	} else {
		fmt.Fprintf(w.c.stdout, "sluice dev: no dataset runs in batches (%s)\n", sanitize(w.batchFrom))
	}
	w.scan(ctx)
	tick := time.NewTicker(w.settle)
	defer tick.Stop()
	batchTick := time.NewTicker(w.batchEvery)
	defer batchTick.Stop()
	now := w.enterPressed()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-fw.Errors:
			fmt.Fprintf(w.c.stderr, "sluice dev: watch: %s\n", sanitize(err.Error()))
		case <-fw.Events:
			// A change; the next tick runs files that have settled.
		case <-tick.C:
			w.scan(ctx)
		case <-batchTick.C:
			w.runBatches(ctx, false)
		case <-now:
			w.scan(ctx)
			w.runBatches(ctx, true)
		}
	}
}

// scan runs every file that has not changed for the settle time and was
// not processed at its current modification time.
func (w *watcher) scan(ctx context.Context) {
	for _, ds := range w.rt.Datasets().Names() {
		entries, err := os.ReadDir(filepath.Join(w.root, ds))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			path := filepath.Join(w.root, ds, e.Name())
			info, err := e.Info()
			if err != nil || time.Since(info.ModTime()) < w.settle || w.seen[path].Equal(info.ModTime()) {
				continue
			}
			w.seen[path] = info.ModTime()
			if w.batched(ds) {
				w.pend(ctx, ds, path)
				continue
			}
			res := runFile(ctx, w.rt, ds, path, nil)
			printFile(w.c.stdout, res)
			if res.Status == local.Failed {
				w.failed = true
			}
		}
	}
}
