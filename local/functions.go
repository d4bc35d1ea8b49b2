package local

import (
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/load"
	"github.com/sluicehq/sluice/functions/load/loadset"
	"github.com/sluicehq/sluice/functions/transform"
	"github.com/sluicehq/sluice/functions/validate"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Functions builds the real Sluice handlers over the runtime's clients,
// configured as the Lambda functions are from their environment (the
// Pulumi program sets the same values).
func Functions(d Deps) ([]*FunctionSpec, error) {
	vcfg := validate.Config{ReportBucket: d.Bucket}
	tcfg := transform.Config{Validate: vcfg, StagingBucket: d.Bucket, ChunkRecords: d.ChunkRecords}
	items, ref := d.Tables[string(dataset.TableItems)], d.Tables[string(dataset.TableReference)]
	names, refNames := loadset.Config(d.Datasets)
	lcfg := load.Config{ItemsTable: items, ReferenceTable: ref, Datasets: names, ReferenceDatasets: refNames}
	v := &validate.Handler{S3: d.S3, Datasets: d.Datasets, Config: vcfg}
	t := &transform.Handler{S3: d.S3, Datasets: d.Datasets, Config: tcfg}
	l := &load.Handler{S3: d.S3, DB: d.DynamoDB, Targets: loadset.Targets{Set: d.Datasets, ItemsTable: items, ReferenceTable: ref}, Config: lcfg}
	const timeout = 15 * time.Minute
	return []*FunctionSpec{
		{Name: pipeline.FunctionValidate, Fn: Handler(v.Handle), Timeout: timeout},
		{Name: pipeline.FunctionTransform, Fn: Handler(t.Handle), Timeout: timeout},
		{Name: pipeline.FunctionLoad, Fn: Handler(l.Handle), Timeout: timeout},
	}, nil
}
