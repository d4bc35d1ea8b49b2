package contract

// Environment variables of the functions. A function's main reads them
// (functions/cmd/<fn>, through the handler package's ParseConfig); the
// platform sets them on the deployed functions and the local runtime and
// the packager's tests on theirs. One list, so that a name cannot differ
// between the side that sets it and the side that reads it.

// Environment of the validate function (and of transform, which validates
// again as it reads).
const (
	// EnvReportBucket is the bucket validation reports are written to.
	EnvReportBucket = "SLUICE_REPORT_BUCKET"
	// EnvMaxRecordBytes bounds one record's size in bytes.
	EnvMaxRecordBytes = "SLUICE_MAX_RECORD_BYTES"
	// EnvMaxDepth bounds the nesting of a JSON record.
	EnvMaxDepth = "SLUICE_MAX_DEPTH"
	// EnvGzipMaxRatio bounds a gzip file's expansion ratio.
	EnvGzipMaxRatio = "SLUICE_GZIP_MAX_RATIO"
	// EnvGzipMaxBytes bounds a gzip file's expanded size in bytes.
	EnvGzipMaxBytes = "SLUICE_GZIP_MAX_BYTES"
	// EnvMaxKeys bounds the keys of one JSON object.
	EnvMaxKeys = "SLUICE_MAX_KEYS"
	// EnvMaxReportErrors bounds the errors a validation report lists.
	EnvMaxReportErrors = "SLUICE_MAX_REPORT_ERRORS"
)

// EnvStack is the stack's name, the Stack dimension of the functions'
// metrics (MetricRecordsIn ...); unset, the metrics have the Dataset
// dimension only.
const EnvStack = "SLUICE_STACK"

// Environment of the transform function, on top of validate's.
const (
	// EnvChunkRecords bounds the records of one staged chunk.
	EnvChunkRecords = "SLUICE_CHUNK_RECORDS"
	// EnvChunkBytes bounds the bytes of one staged chunk.
	EnvChunkBytes = "SLUICE_CHUNK_BYTES"
	// EnvStagingBucket is the bucket chunks and manifests are staged in.
	EnvStagingBucket = "SLUICE_STAGING_BUCKET"
)

// Environment of the enrich and load functions.
const (
	// EnvTableItems is the physical name of the items table.
	EnvTableItems = "SLUICE_TABLE_ITEMS"
	// EnvTableReference is the physical name of the reference table.
	EnvTableReference = "SLUICE_TABLE_REFERENCE"
	// EnvEnrichCacheSize bounds enrich's lookup cache (negative disables
	// it).
	EnvEnrichCacheSize = "SLUICE_ENRICH_CACHE_SIZE"
	// EnvEnrichCacheTTL is how long enrich caches a lookup.
	EnvEnrichCacheTTL = "SLUICE_ENRICH_CACHE_TTL"
	// EnvEnrichSecrets maps the secret names of HTTP enrichments to their
	// Secrets Manager ARNs, as a JSON object.
	EnvEnrichSecrets = "SLUICE_ENRICH_SECRETS"
	// EnvEnrichSecretTTL is how long enrich caches a secret's value.
	EnvEnrichSecretTTL = "SLUICE_ENRICH_SECRET_TTL"
	// EnvLoadConcurrency bounds load's concurrent batch writes.
	EnvLoadConcurrency = "SLUICE_LOAD_CONCURRENCY"
	// EnvLoadDeadlineMargin is kept free before load's Lambda deadline.
	EnvLoadDeadlineMargin = "SLUICE_LOAD_DEADLINE_MARGIN"
	// EnvLoadStrict makes load refuse what it would otherwise tolerate.
	EnvLoadStrict = "SLUICE_LOAD_STRICT"
	// EnvDatasets lists the datasets load may write (comma-separated).
	EnvDatasets = "SLUICE_DATASETS"
	// EnvReferenceDatasets lists the datasets whose items are reference
	// data (comma-separated).
	EnvReferenceDatasets = "SLUICE_REFERENCE_DATASETS"
	// EnvSetAttributes lists the attributes load writes as DynamoDB sets,
	// as dataset.attribute=SS or =NS, comma-separated
	// ("catalog.tags=SS,catalog.sizes=NS").
	EnvSetAttributes = "SLUICE_SET_ATTRIBUTES"
)

// Environment of the reconcile function.
const (
	// EnvBucket is the pipeline bucket the reconciler lists.
	EnvBucket = "SLUICE_BUCKET"
	// EnvTableLedger is the physical name of the ledger table.
	EnvTableLedger = "SLUICE_TABLE_LEDGER"
	// EnvReconcileRules holds the deployed event patterns of the datasets'
	// rules (ReconcileRules.Encode).
	EnvReconcileRules = "SLUICE_RECONCILE_RULES"
	// EnvReconcileGrace is the age under which a file is left for a later
	// run (a Go duration).
	EnvReconcileGrace = "SLUICE_RECONCILE_GRACE"
	// EnvReconcileLookback is the age over which a file is not checked (a
	// Go duration).
	EnvReconcileLookback = "SLUICE_RECONCILE_LOOKBACK"
	// EnvReconcileRedrive lets the reconciler start the pipeline ("true").
	EnvReconcileRedrive = "SLUICE_RECONCILE_REDRIVE"
	// EnvStateMachineARN is the pipeline's state machine.
	EnvStateMachineARN = "SLUICE_STATE_MACHINE_ARN"
	// EnvReconcileMaxRedrives bounds the executions one run starts.
	EnvReconcileMaxRedrives = "SLUICE_RECONCILE_MAX_REDRIVES"
	// EnvReconcileMaxAttempts bounds the redrives of one file.
	EnvReconcileMaxAttempts = "SLUICE_RECONCILE_MAX_ATTEMPTS"
	// EnvReconcileDeadlineMargin is kept free before the reconciler's
	// Lambda deadline.
	EnvReconcileDeadlineMargin = "SLUICE_RECONCILE_DEADLINE_MARGIN"
	// EnvReconcileBatchPrefixes lists the prefixes of the datasets
	// processed in batches (a JSON array), which the reconciler leaves to
	// the batches.
	EnvReconcileBatchPrefixes = "SLUICE_RECONCILE_BATCH_PREFIXES"
)
