package local

import (
	"time"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/enrich"
	"github.com/sluicehq/sluice/functions/fnlog"
	"github.com/sluicehq/sluice/functions/load"
	"github.com/sluicehq/sluice/functions/load/loadset"
	"github.com/sluicehq/sluice/functions/transform"
	"github.com/sluicehq/sluice/functions/validate"
	"github.com/sluicehq/sluice/local/integrations"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Functions builds the real Sluice handlers over the runtime's clients,
// configured as the Lambda functions are from their environment (the
// Pulumi program sets the same values). The enricher (or the loader, for
// datasets without enrichment) stamps _ingested_at from the wall clock and
// _execution with the execution ARN the chunk carries.
func Functions(d Deps) ([]*integrations.FunctionSpec, error) {
	return functions(d, nil)
}

func functions(d Deps, now func() time.Time) ([]*integrations.FunctionSpec, error) {
	items, ref := d.Tables[string(dataset.TableItems)], d.Tables[string(dataset.TableReference)]
	vcfg := validate.Config{ReportBucket: d.Bucket}
	tcfg := transform.Config{Validate: vcfg, StagingBucket: d.Bucket, ChunkRecords: d.ChunkRecords}
	// Locally, and only here, an HTTP enrichment may call
	// http://127.0.0.1 (a test API, a stub); deployed, https only.
	ecfg := enrich.Config{ItemsTable: items, ReferenceTable: ref, AllowLoopbackHTTP: true}
	names, refNames := loadset.Config(d.Datasets)
	lcfg := load.Config{ItemsTable: items, ReferenceTable: ref, Datasets: names, ReferenceDatasets: refNames}
	// Each function has clients of its own, as each Lambda function has
	// its own role: with call recording on, their calls are its.
	vS3, _ := d.clients(pipeline.FunctionValidate)
	tS3, _ := d.clients(pipeline.FunctionTransform)
	eS3, eDB := d.clients(pipeline.FunctionEnrich)
	lS3, lDB := d.clients(pipeline.FunctionLoad)
	metrics := fnlog.MetricsFromLambda(func(k string) string {
		if k == contract.EnvStack {
			return d.Stack
		}
		return ""
	}, d.Metrics)
	if d.Metrics == nil {
		metrics = nil
	}
	v := &validate.Handler{S3: vS3, Datasets: d.Datasets, Config: vcfg, Metrics: metrics}
	t := &transform.Handler{S3: tS3, Datasets: d.Datasets, Config: tcfg}
	e := &enrich.Handler{S3: eS3, DB: eDB, Datasets: d.Datasets, Config: ecfg, Now: now, Secrets: d.Secrets, HTTP: d.EnrichHTTP}
	l := &load.Handler{S3: lS3, DB: lDB, Targets: loadset.Targets{Set: d.Datasets, ItemsTable: items, ReferenceTable: ref}, Config: lcfg, Now: now, Metrics: metrics}
	const timeout = 15 * time.Minute
	return []*integrations.FunctionSpec{
		{Name: pipeline.FunctionValidate, Fn: integrations.Handler(v.Handle), Timeout: timeout},
		{Name: pipeline.FunctionTransform, Fn: integrations.Handler(t.Handle), Timeout: timeout},
		{Name: pipeline.FunctionEnrich, Fn: integrations.Handler(e.Handle), Timeout: timeout},
		{Name: pipeline.FunctionLoad, Fn: integrations.Handler(l.Handle), Timeout: timeout},
	}, nil
}
