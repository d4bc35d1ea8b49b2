package local

import (
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/load"
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
	lcfg := load.Config{ItemsTable: d.Tables[string(dataset.TableItems)], ReferenceTable: d.Tables[string(dataset.TableReference)]}
	v := &validate.Handler{S3: d.S3, Datasets: d.Datasets, Config: vcfg}
	t := &transform.Handler{S3: d.S3, Datasets: d.Datasets, Config: tcfg}
	l := &load.Handler{S3: d.S3, DB: d.DynamoDB, Datasets: d.Datasets, Config: lcfg}
	const timeout = 15 * time.Minute
	return []*FunctionSpec{
		{Name: pipeline.FunctionValidate, Fn: Handler(v.Handle), Timeout: timeout},
		{Name: pipeline.FunctionTransform, Fn: Handler(t.Handle), Timeout: timeout},
		{Name: pipeline.FunctionLoad, Fn: Handler(l.Handle), Timeout: timeout},
	}, nil
}
