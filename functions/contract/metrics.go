package contract

// CloudWatch metrics the functions emit (embedded metric format) and the
// platform's alarms and dashboard read.
const (
	// MetricNamespace is the namespace of every Sluice metric.
	MetricNamespace = "Sluice"
	// DimensionBucket is the dimension of the reconciler's metrics: the
	// pipeline bucket it checked.
	DimensionBucket = "Bucket"
	// MetricUnaccounted counts the files a reconciler run found with no
	// outcome (its alarm's metric).
	MetricUnaccounted = "UnaccountedFiles"
	// MetricChecked counts the files a reconciler run checked.
	MetricChecked = "CheckedFiles"
	// MetricRedriven counts the executions a reconciler run started.
	MetricRedriven = "RedrivenFiles"
	// MetricIncomplete is 1 when a reconciler run stopped before it had
	// checked every file.
	MetricIncomplete = "ReconcileIncomplete"
)

// The functions' metrics of the records they handle, per dataset (and per
// stack, when EnvStack is set): one embedded metric format line per
// invocation (functions/emf), which the dashboard graphs and the
// rejected-records alarm reads.
const (
	// DimensionDataset is the dataset a record metric counts.
	DimensionDataset = "Dataset"
	// DimensionStack is the stack (EnvStack) of every function metric.
	DimensionStack = "Stack"
	// MetricRecordsIn counts the data rows validate read (rejected
	// files' included).
	MetricRecordsIn = "RecordsIn"
	// MetricRecordsRejected counts the rows validate found bad: the ones
	// the dataset's policy tolerated and, for a rejected file, the ones
	// that rejected it.
	MetricRecordsRejected = "RecordsRejected"
	// MetricRecordsLoaded counts the items load wrote.
	MetricRecordsLoaded = "RecordsLoaded"
	// MetricRecordsStale counts the records load skipped because the
	// table holds a newer version of their file.
	MetricRecordsStale = "RecordsStale"
)
