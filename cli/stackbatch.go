package cli

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/stackconfig"
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
