package platform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/platform/events"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/orchestration"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// ComponentBatch is the logical name of the batch state machine's
// Orchestration component (deployed when config batchDatasets names any).
const ComponentBatch = "batch"

// BatchOptions returns the batch machine's options from the stack's
// configuration (pipeline.BatchOptions): batchMaxFiles,
// batchMaxConcurrency and batchExpressMaxKb.
func BatchOptions(cfg Config) pipeline.BatchOptions {
	return pipeline.BatchOptions{MaxFiles: cfg.BatchMaxFiles, MaxConcurrency: cfg.BatchMaxConcurrency, ExpressMaxBytes: int64(cfg.BatchExpressMaxKB) << 10}
}

// splitBatch divides the datasets into those run per S3 event and those
// config batchDatasets names, in the set's order; a name no dataset has is
// an error.
func splitBatch(cfg Config, ds []*dataset.Dataset) (perEvent, batch []*dataset.Dataset, err error) {
	var known []string
	for _, d := range ds {
		known = append(known, d.Name)
		if slices.Contains(cfg.BatchDatasets, d.Name) {
			batch = append(batch, d)
		} else {
			perEvent = append(perEvent, d)
		}
	}
	for _, n := range cfg.BatchDatasets {
		if !slices.Contains(known, n) {
			return nil, nil, fmt.Errorf("config %s:batchDatasets: no dataset %q (datasets: %s)", cfg.Project, n, strings.Join(known, ", "))
		}
	}
	return perEvent, batch, nil
}

// batchMachine creates the batch state machine when any dataset is
// batched: the same resources as the per-file machine (its per-file
// stages are the same), its own role, log group and executions.
func (d *deployment) batchMachine() error {
	if len(d.batch) == 0 {
		return nil
	}
	cfg := d.cfg
	opt, err := d.provider(ComponentBatch)
	if err != nil {
		return err
	}
	pipeOpts, batchOpts := d.pipeOpts, BatchOptions(cfg)
	args := d.machineArgs(func(r workflow.Resolver) (*workflow.Compiled, error) {
		return pipeline.BuildBatch(r, pipeOpts, batchOpts)
	})
	// It deletes the versions it settled, under the batched prefixes only;
	// the bucket policy lets this role alone do so there.
	args.RoleTags = naming.BatchRoleTags()
	// It hands a file too large for its Express children to the per-file
	// machine (states:StartExecution on that machine alone).
	args.ARNs[workflow.KindStateMachine] = map[string]pulumi.StringInput{pipeline.MachinePipeline: d.st.Orchestration.Arn}
	args.ObjectScopes = map[string][]string{"s3:DeleteObjectVersion": d.batchPrefixes()}
	d.st.Batch, err = orchestration.New(d.ctx, ComponentBatch, args, opt)
	return err
}

// batchEvents are the Events component's batches: one schedule per
// batched dataset, starting the batch machine on its prefix.
func (d *deployment) batchEvents() []events.Batch {
	var out []events.Batch
	for _, ds := range d.batch {
		out = append(out, events.Batch{Dataset: ds.Name, Prefix: ds.Prefix})
	}
	return out
}

// batchPrefixes are the prefixes of the batched datasets, which the
// reconciler leaves to the batches: a pending file there waits for no
// event, and the next batch takes it (or takes its unfinished claim over).
func (d *deployment) batchPrefixes() []string {
	var out []string
	for _, ds := range d.batch {
		out = append(out, ds.Prefix)
	}
	return out
}

// batchMachineArn is the batch machine's ARN, nil without one.
func (d *deployment) batchMachineArn() pulumi.StringInput {
	if d.st.Batch == nil {
		return nil
	}
	return d.st.Batch.Arn
}
