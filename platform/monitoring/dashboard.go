package monitoring

import (
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/audit"
)

// Dashboard is a CloudWatch dashboard body.
type Dashboard struct {
	Widgets []Widget `json:"widgets"`
}

// Widget is one dashboard widget.
type Widget struct {
	Type       string     `json:"type"`
	X          int        `json:"x"`
	Y          int        `json:"y"`
	Width      int        `json:"width"`
	Height     int        `json:"height"`
	Properties Properties `json:"properties"`
}

// Properties are a widget's properties (metric, alarm or text widgets use
// the fields that apply to them).
type Properties struct {
	Title    string   `json:"title,omitempty"`
	Region   string   `json:"region,omitempty"`
	View     string   `json:"view,omitempty"`
	Stacked  bool     `json:"stacked,omitempty"`
	Period   int      `json:"period,omitempty"`
	Stat     string   `json:"stat,omitempty"`
	Metrics  []Metric `json:"metrics,omitempty"`
	Alarms   []string `json:"alarms,omitempty"`
	Markdown string   `json:"markdown,omitempty"`
}

// Metric is one metric line: namespace, metric name, then dimension name
// and value pairs, optionally ending with a rendering options object.
type Metric []any

// MetricOptions are a metric line's rendering options.
type MetricOptions struct {
	Stat  string `json:"stat,omitempty"`
	Label string `json:"label,omitempty"`
}

// DashboardInput is what the dashboard shows, resolved.
type DashboardInput struct {
	Region       string
	StateMachine string
	DLQ          string
	// UnroutedQueue is the queue of files no dataset accepts.
	UnroutedQueue string
	// ReconcileBucket is the dimension of the reconciler's metrics; empty
	// for no reconciler widget.
	ReconcileBucket string
	// AuditNamespace is the namespace of the audit trail's metrics; empty
	// for no audit widget.
	AuditNamespace string
	Functions      []string
	Tables         []string
	Alarms         []string
	// Datasets and Stack select the functions' record metrics, one line
	// per dataset; no Datasets, no record widgets.
	Datasets []string
	Stack    string
	// PutEvents is the dimension of the events:putEvents integration's
	// metrics (the outcome events); empty for no widget.
	PutEvents string
}

// BuildDashboard lays the pipeline's widgets out on the 24-column grid:
// alarms, executions, then per-function invocations, errors and duration,
// the dead-letter queue and the tables' consumption and throttles, then the
// files no dataset accepts (the unrouted queue) and the files no execution
// claimed (the reconciler's metrics), then the records in, loaded and
// rejected per dataset and the outcome events published.
func BuildDashboard(in DashboardInput) Dashboard {
	var ws []Widget
	y := 0
	add := func(w Widget) {
		ws = append(ws, w)
	}
	metric := func(title, stat string, ms []Metric, x, width int) Widget {
		return Widget{Type: "metric", X: x, Y: y, Width: width, Height: 6, Properties: Properties{
			Title: title, Region: in.Region, View: "timeSeries", Period: 300, Stat: stat, Metrics: ms,
		}}
	}
	add(Widget{Type: "alarm", X: 0, Y: y, Width: 24, Height: 4, Properties: Properties{Title: "Pipeline alarms", Alarms: in.Alarms}})
	y += 4
	sm := func(name string) Metric { return Metric{"AWS/States", name, "StateMachineArn", in.StateMachine} }
	add(metric("Executions", "Sum", []Metric{sm("ExecutionsStarted"), sm("ExecutionsSucceeded"), sm("ExecutionsFailed"), sm("ExecutionsTimedOut"), sm("ExecutionThrottled")}, 0, 12))
	add(metric("Execution time (ms)", "Average", []Metric{sm("ExecutionTime"), append(sm("ExecutionTime"), MetricOptions{Stat: "p99", Label: "p99"})}, 12, 12))
	y += 6
	fm := func(metricName string) []Metric {
		var ms []Metric
		for _, f := range in.Functions {
			ms = append(ms, Metric{"AWS/Lambda", metricName, "FunctionName", f})
		}
		return ms
	}
	add(metric("Function invocations", "Sum", fm("Invocations"), 0, 8))
	add(metric("Function errors and throttles", "Sum", append(fm("Errors"), fm("Throttles")...), 8, 8))
	add(metric("Function duration (max, ms)", "Maximum", fm("Duration"), 16, 8))
	y += 6
	add(metric("Dead-letter queue", "Maximum", []Metric{{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", in.DLQ}}, 0, 8))
	var cons, thr []Metric
	for _, t := range in.Tables {
		cons = append(cons, Metric{"AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", t}, Metric{"AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", t})
		thr = append(thr, Metric{"AWS/DynamoDB", "WriteThrottleEvents", "TableName", t}, Metric{"AWS/DynamoDB", "ReadThrottleEvents", "TableName", t})
	}
	if len(cons) > 0 {
		add(metric("Table capacity consumed", "Sum", cons, 8, 8))
		add(metric("Table throttles", "Sum", thr, 16, 8))
	}
	y += 6
	unrouted := func(name string, o MetricOptions) Metric {
		return Metric{"AWS/SQS", name, "QueueName", in.UnroutedQueue, o}
	}
	add(metric("Files no dataset accepts (unrouted queue)", "Maximum", []Metric{
		unrouted("ApproximateNumberOfMessagesVisible", MetricOptions{Stat: "Maximum", Label: "waiting"}),
		unrouted("NumberOfMessagesSent", MetricOptions{Stat: "Sum", Label: "arrived"}),
	}, 0, 8))
	if in.ReconcileBucket != "" {
		rec := func(name string, o MetricOptions) Metric {
			return Metric{contract.MetricNamespace, name, contract.DimensionBucket, in.ReconcileBucket, o}
		}
		add(metric("Files no execution claimed (reconciler)", "Maximum", []Metric{
			rec(contract.MetricUnaccounted, MetricOptions{Stat: "Maximum", Label: "unaccounted"}),
			rec(contract.MetricRedriven, MetricOptions{Stat: "Sum", Label: "redriven"}),
			rec(contract.MetricIncomplete, MetricOptions{Stat: "Maximum", Label: "run stopped early"}),
		}, 8, 8))
	}
	if in.AuditNamespace != "" {
		am := func(name, label string) Metric {
			return Metric{in.AuditNamespace, name, MetricOptions{Stat: "Sum", Label: label}}
		}
		add(metric("Unusual access to the bucket and tables (audit trail)", "Sum", []Metric{
			am(audit.MetricAccessDenied, "denied calls"),
			am(audit.MetricUnexpectedPrincipal, "calls by other principals"),
		}, 16, 8))
	}
	y += 6
	if len(in.Datasets) > 0 {
		records := func(name string) []Metric {
			var ms []Metric
			for _, d := range in.Datasets {
				ms = append(ms, Metric{contract.MetricNamespace, name, contract.DimensionDataset, d, contract.DimensionStack, in.Stack, MetricOptions{Label: d}})
			}
			return ms
		}
		add(metric("Records in (validated, per dataset)", "Sum", records(contract.MetricRecordsIn), 0, 6))
		add(metric("Records loaded (per dataset)", "Sum", records(contract.MetricRecordsLoaded), 6, 6))
		add(metric("Records rejected (bad rows, per dataset)", "Sum", records(contract.MetricRecordsRejected), 12, 6))
	}
	if in.PutEvents != "" {
		pe := func(name, label string) Metric {
			return Metric{"AWS/States", name, "ServiceIntegrationResourceArn", in.PutEvents, MetricOptions{Label: label}}
		}
		add(metric("Outcome events (PutEvents attempts, account-wide)", "Sum", []Metric{
			pe("ServiceIntegrationsSucceeded", "published"),
			pe("ServiceIntegrationsFailed", "failed attempts"),
		}, 18, 6))
	}
	return Dashboard{Widgets: ws}
}
