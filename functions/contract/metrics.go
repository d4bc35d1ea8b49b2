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
