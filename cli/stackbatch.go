package cli

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/stackconfig"
	"github.com/sluicehq/sluice/local"
	"github.com/sluicehq/sluice/workflow/pipeline"
	"github.com/spf13/pflag"
)

// stackBatchFlags say which datasets a command (`sluice dev`, `sluice
// reconcile`) takes as batched: --batch when set, else the --stack's
// batchDatasets read from the project (--project, or found at or above
// the working directory), as the deployed stack runs them.
type stackBatchFlags struct {
	datasets []string
	set      bool // --batch was given (--batch= names none)
	project  string
}

// register adds --batch (with usage, which says what a batched dataset
// means to the command) and --project to fs.
func (f *stackBatchFlags) register(fs *pflag.FlagSet, usage string) {
	fs.StringSliceVar(&f.datasets, "batch", nil, usage+" (repeatable or comma-separated; default: the --stack's batchDatasets; --batch= for none)")
	fs.StringVar(&f.project, "project", "", "folder of Pulumi.yaml and Pulumi.<stack>.yaml (default: the nearest at or above the working directory)")
}

// batched returns the batched datasets and where that came from, for the
// command's output: "--batch", or "stack dev's batchDatasets,
// Pulumi.dev.yaml". With no --batch, no --project and no Pulumi.yaml at or
// above the working directory, no dataset is batched and the source says
// so. Errors name the stack and the file.
func (f stackBatchFlags) batched(stack string) (names []string, from string, err error) {
	if f.set {
		for _, n := range f.datasets {
			if n != "" {
				names = append(names, n)
			}
		}
		return names, "--batch", nil
	}
	dir := f.project
	if dir == "" {
		if dir, err = findProject(); err != nil {
			return nil, fmt.Sprintf("%v; --batch names them", err), nil
		}
	}
	names, file, err := stackconfig.BatchDatasets(dir, stack)
	if err != nil {
		return nil, "", usagef("the batched datasets of stack %s: %v (or name them with --batch)", stack, err)
	}
	return names, fmt.Sprintf("stack %s's %s, %s", stack, stackconfig.BatchDatasetsKey, relPath(file)), nil
}

// expressMaxKBKey is the stack key of the largest file, in KiB, a batch's
// Express child processes itself (platform.Config.BatchExpressMaxKB).
const expressMaxKBKey = "batchExpressMaxKb"

// stackExpressMaxBytes returns the --stack's batchExpressMaxKb in bytes,
// read from the project in dir (the nearest at or above the working
// directory when dir is ""), for the local batch machine to hand off the
// files the deployed one would. It is 0, the pipeline's default (1 MiB),
// outside a project or for a stack without a file. A value that is not a
// whole number of KiB from 1 to pipeline.MaxExpressMaxBytes is a usage
// error naming the file.
func stackExpressMaxBytes(dir, stack string) (int64, error) {
	if dir == "" {
		var err error
		if dir, err = findProject(); err != nil {
			return 0, nil
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi."+stack+".yaml")); errors.Is(err, iofs.ErrNotExist) {
		return 0, nil
	}
	v, file, err := stackconfig.String(dir, stack, expressMaxKBKey)
	switch {
	case err != nil:
		return 0, usagef("the batch settings of stack %s: %v", stack, err)
	case v == "":
		return 0, nil
	}
	kb, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || kb < 1 || kb > pipeline.MaxExpressMaxBytes>>10 {
		return 0, usagef("%s: %s: %q is not a whole number of KiB from 1 to %d (pipeline.MaxExpressMaxBytes)", file, expressMaxKBKey, v, pipeline.MaxExpressMaxBytes>>10)
	}
	return int64(kb) << 10, nil
}

// knownDatasets is a usage error naming where the batched datasets came
// from (from: --batch, or the stack's file) when rt knows one of them not.
func knownDatasets(rt *local.Runtime, batched []string, from string) error {
	for _, ds := range batched {
		if _, err := rt.Datasets().Lookup(ds); err != nil {
			return usagef("batched datasets (%s): %v (known: %s)", from, err, strings.Join(rt.Datasets().Names(), ", "))
		}
	}
	return nil
}
