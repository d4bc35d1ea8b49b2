package cli

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/transform"
	"github.com/sluicehq/sluice/functions/validate"
	"github.com/sluicehq/sluice/local"
	"github.com/spf13/cobra"
)

// transformCommand validates a local file against its dataset and, when it
// is accepted, writes the JSON Lines the transform function would stage
// (the concatenation of its chunks). It runs the functions' own code on the
// file directly, in one streaming pass: transform.Run, whose rows also feed
// a validate.Recorder, the validator's report builder.
func (c *cli) transformCommand() *cobra.Command {
	var (
		name, outPath, cpuProfile string
		chunk                     int
	)
	cmd := &cobra.Command{
		Use:   "transform --dataset NAME [-o OUT] [--cpuprofile FILE] FILE",
		Short: "validate and transform a local file for a dataset",
		Long: "Validates FILE and prints the staged JSON Lines records. On rejection prints the\n" +
			"validation report to stderr.",
		Annotations: exits("the file was accepted and its records written", "the file was rejected (the report is on stderr)"),
		RunE: func(_ *cobra.Command, args []string) error {
			return c.cmdTransform(args, name, outPath, cpuProfile, chunk)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&name, "dataset", "", "the dataset of the file (required)")
	fs.StringVarP(&outPath, "output", "o", "", "write the records to this file instead of stdout")
	fs.IntVar(&chunk, "chunk-records", 0, "records per chunk (0: the transformer's default); the output is the same")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the transform to this file (go tool pprof)")
	return cmd
}

func (c *cli) cmdTransform(args []string, name, outPath, cpuProfile string, chunk int) error {
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			return usagef("--cpuprofile: %v", err)
		}
		defer stopProfile()
	}
	if len(args) != 1 {
		return usagef("want exactly one FILE")
	}
	path := args[0]
	set := dataset.Builtin()
	if name == "" {
		return usagef("--dataset is required (one of %s)", strings.Join(set.Names(), ", "))
	}
	ds, err := set.Lookup(name)
	if err != nil {
		return usagef("--dataset: %v (one of %s)", err, strings.Join(set.Names(), ", "))
	}
	f, st, err := local.OpenInput(path)
	if err != nil {
		return usagef("%v", err)
	}
	defer f.Close()
	src := contract.Object{Bucket: "local", Key: filepath.ToSlash(path), Size: st.Size()}

	// One pass: the records go to a temporary file while the validation
	// report is built from the same rows; they are only released when the
	// report accepts the file.
	// The staged file is renamed over -o only when -o is a regular file
	// or does not exist yet; anything else (/dev/null, a FIFO) is written
	// through, so a rename never replaces a device node.
	tmpDir, rename := os.TempDir(), false
	if outPath != "" {
		if st, err := os.Stat(outPath); errors.Is(err, iofs.ErrNotExist) || err == nil && st.Mode().IsRegular() {
			tmpDir, rename = filepath.Dir(outPath), true
		}
	}
	tmp, err := os.CreateTemp(tmpDir, ".sluice-transform-*.jsonl")
	if err != nil {
		if rename {
			// Staged beside -o, so that the rename stays in its folder.
			return usagef("-o %s: %v", outPath, err)
		}
		return usagef("staging the records in the temporary folder: %v", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	// The heap holds the duplicate-key set (16 MiB at its cap of a
	// million keys; on Linux mapped beside the heap, in huge pages), a few
	// batches of rows and chunk buffers: a soft limit
	// makes the collector return garbage before the default doubling of
	// the heap would, keeping the peak RSS of any file size under 64 MB.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(transformMemoryLimit))
	// The chunks are written on a second goroutine while the next one is
	// built (the writer takes each chunk's buffer and hands back one it
	// has written): the write system calls overlap the transform. Chunks of
	// about 256 KiB keep the memory this takes small and the pages the
	// three buffers first touch few (with 1 MiB chunks they took 1,400 of
	// the run's 3,700 page faults); the buffers are made at that size
	// once, not grown by doubling, each step of which touches new pages.
	const chunkBytes = 256 << 10
	staged := newAsyncWriter(tmp, 2, chunkBytes+64<<10)
	defer staged.Close()
	rec := validate.NewRecorder(src, ds, validate.Config{})
	var stats transform.Stats
	if !rec.Done() {
		cfg := transform.Config{ChunkRecords: chunk, ChunkBytes: chunkBytes, Observe: rec.Row, ObserveGood: rec.Good,
			Recycle: staged.Swap}
		stats, err = transform.Run(f, src.Key, ds, cfg, func(_ int, data []byte, _ int64) error {
			return staged.Queue(data)
		})
		var rej *transform.RejectedError
		switch {
		case errors.As(err, &rej) && rej.Problem != nil:
			rec.Reject(*rej.Problem)
		case errors.As(err, &rej):
			// The row-error policy: Finish says so in the report.
		case err != nil:
			return fail(ExitUsage, fmt.Sprintf("%s: %v", path, err))
		}
	}
	rep := rec.Finish(false, stats.KeysLimited)
	if rep.Rejected() || rep.BadRows > 0 {
		writeReport(c.stderr, path, rep)
	}
	if rep.Rejected() {
		return fail(ExitFailure, "")
	}
	if err := staged.Close(); err != nil {
		return fail(ExitFailure, err.Error())
	}
	switch {
	case rename:
		if err := tmp.Close(); err != nil {
			return fail(ExitFailure, err.Error())
		}
		if err := os.Rename(tmp.Name(), outPath); err != nil {
			return fail(ExitFailure, err.Error())
		}
	case outPath != "":
		out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return fail(ExitFailure, err.Error())
		}
		err = copyStaged(out, tmp)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(ExitFailure, fmt.Sprintf("%s: %v", outPath, err))
		}
	default:
		if err := copyStaged(c.stdout, tmp); err != nil {
			return fail(ExitFailure, err.Error())
		}
	}
	fmt.Fprintf(c.stderr, "%s: %d records staged (%d rows, %d filtered, %d rejected) for dataset %s\n",
		quoteName(path), stats.Records, stats.Rows, stats.Filtered, stats.Rejected, ds.Name)
	return nil
}

// transformMemoryLimit is the Go memory limit of sluice transform.
const transformMemoryLimit = 40 << 20

// asyncWriter writes to w on its own goroutine: Queue hands it a buffer
// to write and returns while earlier ones are written; Swap takes back a
// buffer it has written, so that depth+1 buffers go round without being
// copied. The first error of w is returned by a later Queue and by Close.
type asyncWriter struct {
	full chan []byte
	free chan []byte
	done chan struct{}
	mu   sync.Mutex
	err  error
	shut bool
}

func newAsyncWriter(w io.Writer, depth, size int) *asyncWriter {
	a := &asyncWriter{full: make(chan []byte, depth), free: make(chan []byte, depth+1), done: make(chan struct{})}
	for range depth {
		a.free <- make([]byte, 0, size)
	}
	go func() {
		defer close(a.done)
		for b := range a.full {
			if a.error() == nil {
				if _, err := w.Write(b); err != nil {
					a.mu.Lock()
					a.err = err
					a.mu.Unlock()
				}
			}
			a.free <- b[:0]
		}
	}()
	return a
}

func (a *asyncWriter) error() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Queue queues p to be written: the writer owns p until Swap returns it.
func (a *asyncWriter) Queue(p []byte) error {
	if err := a.error(); err != nil {
		return err
	}
	a.full <- p
	return nil
}

// Swap returns an empty buffer the writer is done with, waiting for one
// if need be, in exchange for p, which the caller has queued (the
// signature of transform.Config.Recycle).
func (a *asyncWriter) Swap(_ []byte) []byte { return <-a.free }

// Close waits for the queued writes and returns the first error. It may be
// called again.
func (a *asyncWriter) Close() error {
	if !a.shut {
		a.shut = true
		close(a.full)
		<-a.done
	}
	return a.error()
}

// copyStaged copies the staged records from the start of tmp to w.
func copyStaged(w io.Writer, tmp *os.File) error {
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, tmp)
	return err
}

// writeReport renders a validation report for people: a summary naming the
// file, then one line per problem naming line, row and field.
func writeReport(w io.Writer, path string, rep *validate.Report) {
	status := "accepted with bad rows"
	if rep.Rejected() {
		status = "REJECTED"
	}
	summary := rep.Reason
	if summary == "" {
		summary = fmt.Sprintf("%d of %d rows failed validation and will be skipped", rep.BadRows, rep.Rows)
	}
	fmt.Fprintf(w, "%s: %s (dataset %s): %s\n", path, status, rep.Dataset, summary)
	for _, p := range rep.Errors {
		var loc []string
		if p.Line > 0 {
			loc = append(loc, fmt.Sprintf("line %d", p.Line))
		}
		if p.Row > 0 {
			loc = append(loc, fmt.Sprintf("row %d", p.Row))
		}
		if p.Field != "" {
			loc = append(loc, "field "+p.Field)
		}
		where := path
		if len(loc) > 0 {
			where += ": " + strings.Join(loc, ", ")
		}
		value := ""
		if p.Value != "" {
			value = fmt.Sprintf(" (value %q)", p.Value)
		}
		fmt.Fprintf(w, "  %s: %s%s [%s]\n", where, p.Reason, value, p.Code)
	}
	if rep.ErrorsOmitted > 0 {
		fmt.Fprintf(w, "  … and %d more problems\n", rep.ErrorsOmitted)
	}
	if len(rep.CountsByCode) > 0 {
		codes := make([]string, 0, len(rep.CountsByCode))
		for code, n := range rep.CountsByCode {
			codes = append(codes, fmt.Sprintf("%s=%d", code, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(w, "  problems by code: %s\n", strings.Join(codes, " "))
	}
	if rep.Partial {
		fmt.Fprintf(w, "  note: reading stopped at the first %d problems (the file is rejected anyway)\n", len(rep.Errors))
	}
	if rep.DuplicateCheckLimited {
		fmt.Fprintf(w, "  note: the duplicate-key check stopped at its key limit; later duplicates were not checked\n")
	}
}
