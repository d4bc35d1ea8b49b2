package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/functions/enrich"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/workflow/pipeline"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// stringList is a repeatable string flag.
// runtimeFlags are the flags every command that opens the local runtime
// takes.
type runtimeFlags struct {
	stateDir, stack, s3, ddb string
	inject                   []string
	fast                     bool
	chunk                    int
	// expressMaxBytes is the batch machine's ExpressMaxBytes (0: its
	// default); the commands that run batches set it from the --stack's
	// batchExpressMaxKb (stackExpressMaxBytes).
	expressMaxBytes int64
}

func (f *runtimeFlags) register(fs *pflag.FlagSet, withFaults bool) {
	fs.StringVar(&f.stateDir, "state-dir", local.DefaultStateDir, "where local S3 objects, tables and execution records persist")
	fs.StringVar(&f.stack, "stack", "dev", "pipeline options of this stack (dev or prod)")
	fs.StringVar(&f.s3, "s3-endpoint", "", "use this S3-compatible endpoint instead of the embedded one")
	fs.StringVar(&f.ddb, "dynamodb-endpoint", "", "use this DynamoDB-compatible endpoint (e.g. dynalite) instead of the embedded one")
	if withFaults {
		fs.StringArrayVar(&f.inject, "inject", nil, "inject a fault (repeatable): task:STATE[@ATTEMPTS]=ERROR, ddb:unprocessed=RATE, ddb:throttle=RATE, seed=N")
		fs.BoolVar(&f.fast, "fast", false, "run Wait states and retry intervals on virtual time")
		fs.IntVar(&f.chunk, "chunk-records", 0, "records per staged chunk (0: the transformer's default); small values force the Distributed Map path")
	}
}

func (f *runtimeFlags) config() (local.Config, error) {
	if _, err := pipeline.StackOptions(f.stack); err != nil {
		return local.Config{}, usagef("--stack: %v", err)
	}
	faults, err := local.ParseFaults(f.inject)
	if err != nil {
		return local.Config{}, usagef("%v", err)
	}
	// The crash harness's hook (local.EnvCrash): not a flag, because no
	// user should meet it.
	crash, err := local.ParseCrash(os.Getenv(local.EnvCrash))
	if err != nil {
		return local.Config{}, usagef("%v", err)
	}
	// HTTP enrichments' secrets: SLUICE_SECRET_<NAME>, else the state
	// directory's secrets.json (docs/local.md).
	secrets := enrich.LocalSecrets{Getenv: os.Getenv, File: filepath.Join(f.stateDir, local.SecretsFile)}
	return local.Config{StateDir: f.stateDir, Stack: f.stack, S3Endpoint: f.s3, DynamoDBEndpoint: f.ddb, Faults: faults, Fast: f.fast, ChunkRecords: f.chunk, Crash: crash, Secrets: secrets, BatchExpressMaxBytes: f.expressMaxBytes}, nil
}

// stateDirExists is the check of the commands that only read the state
// directory (table scan, report): opening one creates it, so a mistyped
// --state-dir would read as an empty state and leave a folder behind. It
// fails naming the folder and what creates it.
func (c *cli) stateDirExists(cfg local.Config) error {
	if _, err := os.Stat(cfg.StateDir); errors.Is(err, iofs.ErrNotExist) {
		return fail(ExitFailure, fmt.Sprintf("--state-dir %s: no such folder: nothing has run there yet (`%s run FILE` creates it)", cfg.StateDir, c.program()))
	} else if err != nil {
		return fail(ExitFailure, fmt.Sprintf("--state-dir: %v", err))
	}
	return nil
}

// runCommand uploads files, routes their events and runs the pipeline on
// each, printing a timeline and a summary (or JSON).
func (c *cli) runCommand() *cobra.Command {
	var (
		ds, cpuProfile string
		asJSON, batch  bool
		rf             runtimeFlags
	)
	cmd := &cobra.Command{
		Use:   "run [--dataset NAME] [flags] FILE...",
		Short: "run the whole pipeline locally on files",
		Long: "Uploads each FILE to the local bucket, routes its event as the deployed rules would and\n" +
			"runs the state machine on it, printing each state's timeline and the outcome.\n\n" +
			"Without --dataset, each file's dataset is its folder's name (examples/orders/x.csv is orders)\n" +
			"or else the one dataset whose suffixes the file name has.\n\n" +
			"With --batch, the files are uploaded to wait for their dataset's batch, as a batch dataset's\n" +
			"files do when deployed, and then one execution of the batch machine per dataset takes every\n" +
			"file pending under its prefix through the pipeline (as the stack's schedule starts it).",
		Example:     "  sluice run examples/orders/orders.csv\n  sluice run --fast --inject task:Load@2=Lambda.ServiceException examples/readings/readings.jsonl\n  sluice run --batch drop/orders/*.csv",
		Annotations: exits("every file ended LOADED, REJECTED or DUPLICATE", "a file FAILED (its error and cause are printed)"),
		RunE: func(_ *cobra.Command, args []string) error {
			if batch {
				return c.cmdRunBatch(args, ds, asJSON, cpuProfile, rf)
			}
			return c.cmdRun(args, ds, asJSON, cpuProfile, rf)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&ds, "dataset", "", "the dataset of every file (default: inferred per file)")
	fs.BoolVar(&asJSON, "json", false, "print a machine-readable summary")
	fs.BoolVar(&batch, "batch", false, "upload the files to wait for their dataset's batch, then run one batch execution per dataset over every pending file")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	rf.register(fs, true)
	return cmd
}

func (c *cli) cmdRun(args []string, ds string, asJSON bool, cpuProfile string, rf runtimeFlags) error {
	run, err := c.openRun(args, ds, cpuProfile, rf)
	if err != nil {
		return err
	}
	defer run.close()
	ctx, rt, datasets, prog, cfg := run.ctx, run.rt, run.datasets, run.prog, run.cfg
	if !asJSON {
		where := "embedded S3 and DynamoDB"
		if cfg.S3Endpoint != "" || cfg.DynamoDBEndpoint != "" {
			where = "external endpoints"
		}
		fmt.Fprintf(c.stdout, "sluice run: %d file(s), state %s (%s)\n", len(args), relPath(rt.StateDir()), where)
	}
	var results []*local.FileResult
	for i, file := range args {
		prog.start(file)
		res := runFile(ctx, rt, datasets[i], file, prog)
		prog.done()
		results = append(results, res)
		if !asJSON {
			printFile(c.stdout, res)
			printProblems(ctx, c.stdout, rt, res)
		}
	}
	failed := 0
	for _, r := range results {
		if r.Status == local.Failed {
			failed++
		}
	}
	if asJSON {
		if err := c.printJSON(map[string]any{"files": results}); err != nil {
			return err
		}
	} else {
		printSummary(c.stdout, c.program(), results, rf.stateDir, "")
	}
	if failed > 0 {
		return fail(ExitFailure, "")
	}
	return nil
}

// openedRun is what cmdRun and cmdRunBatch work with: the runtime open on
// the state directory, each file's dataset and the progress line.
type openedRun struct {
	ctx      context.Context
	rt       *local.Runtime
	cfg      local.Config
	datasets []string
	prog     *progress
	close    func()
}

// openRun checks the files, starts the CPU profile, opens the runtime and
// names each file's dataset; close undoes it all.
func (c *cli) openRun(args []string, ds, cpuProfile string, rf runtimeFlags) (*openedRun, error) {
	if len(args) == 0 {
		return nil, usagef("want at least one file")
	}
	cfg, err := rf.config()
	if err != nil {
		return nil, err
	}
	if c.runtimeHook != nil {
		c.runtimeHook(&cfg)
	}
	for _, f := range args {
		if st, err := os.Stat(f); err != nil {
			return nil, usagef("%v", err)
		} else if !st.Mode().IsRegular() {
			return nil, usagef("%v", &local.NotRegularError{Path: f, Mode: st.Mode()})
		}
	}
	var undo []func()
	closeAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			return nil, usagef("--cpuprofile: %v", err)
		}
		undo = append(undo, stopProfile)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	undo = append(undo, stop)
	prog := newProgress(c.stderr, true)
	cfg.Observe = prog.observe
	rt, err := local.Open(ctx, cfg)
	if err != nil {
		closeAll()
		return nil, fail(ExitFailure, err.Error())
	}
	undo = append(undo, func() { rt.Close() })
	datasets := make([]string, len(args))
	for i, file := range args {
		name, err := datasetOf(rt, ds, file)
		if err != nil {
			closeAll()
			return nil, err
		}
		datasets[i] = name
	}
	return &openedRun{ctx: ctx, rt: rt, cfg: cfg, datasets: datasets, prog: prog, close: closeAll}, nil
}

// datasetOf names a file's dataset: the flag's, else its folder's name,
// else the only dataset accepting its suffix.
func datasetOf(rt *local.Runtime, flagValue, file string) (string, error) {
	set := rt.Datasets()
	known := strings.Join(set.Names(), ", ")
	if flagValue != "" {
		if _, err := set.Lookup(flagValue); err != nil {
			return "", usagef("--dataset: %v (known: %s)", err, known)
		}
		return flagValue, nil
	}
	if d, err := set.Lookup(filepath.Base(filepath.Dir(file))); err == nil {
		return d.Name, nil
	}
	var match []string
	for _, d := range set.All() {
		if d.HasSuffix(file) {
			match = append(match, d.Name)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	return "", usagef("%s: cannot tell its dataset (suffix matches %d datasets); pass --dataset (known: %s)", file, len(match), known)
}

// runFile uploads, routes and executes one file; every outcome, including
// an upload or routing failure, is a FileResult.
func runFile(ctx context.Context, rt *local.Runtime, ds, file string, prog *progress) *local.FileResult {
	key := filepath.Base(file)
	ev, reused, err := rt.UploadProgress(ctx, ds, file, prog.upload)
	if err != nil {
		return &local.FileResult{Key: key, Dataset: ds, Status: local.Failed, Error: "Sluice.UploadFailed", Cause: err.Error()}
	}
	routed, err := rt.Route(ev)
	if err != nil {
		return &local.FileResult{Key: ev.Key, Dataset: ds, Status: local.Failed, Error: "Sluice.RoutingFailed", Cause: err.Error()}
	}
	if !slices.Contains(routed.Datasets, ds) {
		d, _ := rt.Datasets().Lookup(ds)
		matched := fmt.Sprintf("the rule of %s", strings.Join(routed.Datasets, ", "))
		if routed.Unrouted {
			matched = "the unrouted rule (deployed, it puts the event in the unrouted queue and raises the unrouted-files alarm)"
		}
		return &local.FileResult{Key: ev.Key, Dataset: ds, VersionID: ev.VersionID, Status: local.Failed, Error: "Sluice.NotRouted",
			Cause: fmt.Sprintf("s3://%s/%s (%s) matches %s, not dataset %s's: it accepts keys under %s ending in %s, %s",
				ev.Bucket, ev.Key, bytesText(ev.Size), matched, ds, d.Prefix, strings.Join(d.FileSuffixes(), " or "), sizeRange(d.MinSize, d.MaxSize))}
	}
	res, err := rt.Execute(ctx, ev)
	if err != nil {
		return &local.FileResult{Key: ev.Key, Dataset: ds, VersionID: ev.VersionID, Status: local.Failed, Error: "Sluice.ExecutionError", Cause: err.Error()}
	}
	res.Reused = reused
	return res
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func sizeRange(min, max int64) string {
	if min < 1 {
		min = 1
	}
	if max <= 0 {
		return "at least " + bytesText(min)
	}
	return bytesText(min) + " to " + bytesText(max)
}

func relPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}

// printFile prints one file's timeline and outcome.
func printFile(w io.Writer, r *local.FileResult) {
	fmt.Fprintf(w, "\n%s", quoteName(r.Key))
	if r.VersionID != "" {
		fmt.Fprintf(w, " (version %s", r.VersionID)
		if r.Reused {
			fmt.Fprint(w, ", unchanged: the same version delivered again")
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintln(w)
	if r.Result != nil {
		for _, s := range local.TimelineAt(r.Result.History, r.WallTimes) {
			fmt.Fprintln(w, strings.TrimRight("  "+stepText(s), " "))
		}
	}
	switch r.Status {
	case local.Loaded:
		fmt.Fprintf(w, "  → LOADED: %d records in, %d loaded, %d rejected (%s)\n", r.RecordsIn, r.RecordsLoaded, r.RecordsRejected, r.Duration.Round(time.Millisecond))
	case local.Duplicate:
		fmt.Fprintf(w, "  → DUPLICATE: this object version was already processed; nothing written\n")
	case local.Rejected:
		reason := r.Cause
		if _, after, ok := strings.Cut(reason, " rejected: "); ok {
			reason = after
		}
		if i := strings.LastIndex(reason, " (report s3://"); i > 0 {
			reason = reason[:i]
		}
		fmt.Fprintf(w, "  → REJECTED: %s\n", sanitize(reason))
		if r.Report != "" {
			fmt.Fprintf(w, "    report: %s (in the local bucket; sluice report shows it)\n", quoteName(r.Report))
		}
	default:
		fmt.Fprintf(w, "  → FAILED: %s: %s\n", sanitize(r.Error), sanitize(r.Cause))
	}
	if r.Result != nil {
		switch p := local.OutcomePublication(r.Result.History); {
		case p.Published:
			fmt.Fprintf(w, "    event: %s published on the outcome bus (sluice events outbox lists it)\n", r.Status)
		case p.Attempted:
			fmt.Fprintf(w, "    event: not published after %d failed attempts (%s); the outcome stands\n", p.Failures, sanitize(p.LastError))
		}
	}
	if r.History != "" {
		fmt.Fprintf(w, "    history: %s\n", quoteName(relPath(r.History)))
	}
}

// stepText renders one state of a timeline: its wall time (overlapping
// entries counted once), how often it ran with the spread of single
// entries, records, retried attempts, and errors a Catcher handled.
func stepText(s local.Step) string {
	line := fmt.Sprintf("%-16s %-8s %9s", s.State, s.Type, s.Duration.Round(time.Millisecond))
	if s.Entries > 1 {
		line += fmt.Sprintf("  ×%d (each %s/%s/%s min/median/max)", s.Entries,
			s.Min.Round(time.Millisecond), s.Median.Round(time.Millisecond), s.Max.Round(time.Millisecond))
	}
	if s.Records >= 0 {
		line += fmt.Sprintf("  %d records", s.Records)
	}
	if s.Retries > 0 {
		line += fmt.Sprintf("  %d failed attempt(s) retried: %s", s.Retries, strings.Join(s.Errors, ", "))
	}
	if len(s.Caught) > 0 {
		line += "  → " + strings.Join(slices.Compact(slices.Clone(s.Caught)), ", ") + " (caught)"
	}
	if s.Failed != "" {
		line += "  failed: " + s.Failed
	}
	return line
}

// printProblems prints the first problems of a file's validation report.
func printProblems(ctx context.Context, w io.Writer, rt *local.Runtime, r *local.FileResult) {
	if r.Report == "" {
		return
	}
	rep, err := rt.ReadReport(ctx, r.Report)
	if err != nil {
		fmt.Fprintf(w, "    (report unreadable: %s)\n", sanitize(err.Error()))
		return
	}
	probs, _ := rep["errors"].([]any)
	const show = 10
	for i, p := range probs {
		if i == show {
			fmt.Fprintf(w, "    … %d more in the report\n", len(probs)-show)
			break
		}
		m, _ := p.(map[string]any)
		fmt.Fprintf(w, "    %s\n", sanitize(describeProblem(quoteName(r.Key), m)))
	}
	if n, ok := rep["errorsOmitted"]; ok {
		fmt.Fprintf(w, "    (%v more problems not listed in the report)\n", n)
	}
}

// describeProblem renders "file:line: row N, field F (value "v"): reason".
func describeProblem(key string, m map[string]any) string {
	var b strings.Builder
	b.WriteString(key)
	if l, ok := m["line"]; ok {
		fmt.Fprintf(&b, ":%v", l)
	}
	b.WriteString(":")
	if row, ok := m["row"]; ok {
		fmt.Fprintf(&b, " row %v,", row)
	}
	if f, ok := m["field"].(string); ok && f != "" {
		fmt.Fprintf(&b, " field %s", f)
		if v, ok := m["value"].(string); ok {
			fmt.Fprintf(&b, " (value %q)", v)
		}
		b.WriteString(":")
	}
	fmt.Fprintf(&b, " %v", m["reason"])
	if code, ok := m["code"].(string); ok {
		fmt.Fprintf(&b, " [%s]", code)
	}
	return b.String()
}

// printSummary prints the files' outcomes (in is what ran them, such as
// " in 1 execution", or "") and the commands that show the items and the
// report.
func printSummary(w io.Writer, prog string, results []*local.FileResult, stateDir, in string) {
	counts := map[local.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	var parts []string
	for _, s := range []local.Status{local.Loaded, local.Rejected, local.Duplicate, local.Failed} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(w, "\n%d file(s)%s: %s\n", len(results), in, strings.Join(parts, ", "))
	flag := ""
	if stateDir != local.DefaultStateDir {
		flag = " --state-dir " + stateDir
	}
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.Dataset] {
			seen[r.Dataset] = true
			fmt.Fprintf(w, "items:  %s table scan --dataset %s%s\n", prog, r.Dataset, flag)
		}
	}
	fmt.Fprintf(w, "report: %s report%s\n", prog, flag)
	fmt.Fprintf(w, "events: %s events outbox%s\n", prog, flag)
}
