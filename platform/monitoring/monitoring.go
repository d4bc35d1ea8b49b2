package monitoring

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/naming"
)

// Type is the Monitoring component's Pulumi type token.
const Type = "sluice:monitoring:Monitoring"

// Function is a monitored function.
type Function struct {
	// Name is the physical function name.
	Name pulumi.StringInput
	// TimeoutSeconds is its timeout, for the duration alarm.
	TimeoutSeconds int
}

// Args configures the Monitoring component.
type Args struct {
	// TopicArn receives alarm state changes. Required.
	TopicArn pulumi.StringInput
	// ActionsEnabled sends state changes to the topic.
	ActionsEnabled bool
	// StateMachineArn is the monitored machine. Required.
	StateMachineArn pulumi.StringInput
	// BatchMachineArn is the batch machine, whose executions are watched
	// as the pipeline's are (a batch fails when a file of it FAILED).
	// Default: nil, none.
	BatchMachineArn pulumi.StringInput
	// Functions maps logical names to functions; at least one.
	Functions map[string]Function
	// DLQName is the dead-letter queue's name. Required.
	DLQName pulumi.StringInput
	// UnroutedQueue is the name of the queue of files no dataset accepts
	// (the unrouted rule's target). Required.
	UnroutedQueue pulumi.StringInput
	// Tables maps logical names to table names.
	Tables map[string]pulumi.StringInput
	// Reconciler, when set, adds the alarm on files no execution claimed
	// and its dashboard widget.
	Reconciler *Reconciler
	// DurationPercent is the duration alarm threshold in percent of the
	// timeout (1..100).
	DurationPercent int
	// Region is where the dashboard's metrics live. Required.
	Region string
	// OtherAlarms are the ARNs of alarms other components create (the
	// audit trail's), shown in the dashboard's alarm widget with these.
	// Optional.
	OtherAlarms pulumi.StringArrayInput
	// AuditNamespace, when set, is the namespace of the audit trail's
	// metrics (platform/audit), shown in a dashboard widget.
	AuditNamespace pulumi.StringInput
	// Datasets are the datasets whose record metrics (the functions'
	// RecordsIn, RecordsLoaded and RecordsRejected, dimensions Dataset
	// and Stack) the dashboard graphs. Optional.
	Datasets []string
	// Stack is the value of those metrics' Stack dimension. Required with
	// Datasets.
	Stack string
	// PutEventsIntegration, when set, is the value of the
	// ServiceIntegrationResourceArn dimension of Step Functions' metrics of
	// the events:putEvents integration, with which the state machine
	// publishes the outcome events: account and region qualified,
	// arn:<partition>:states:<region>:<account>:events:putEvents. It adds
	// the alarm on failed publications and their dashboard widget.
	PutEventsIntegration string
}

// Reconciler is what the reconciler's alarms and widget watch: its metrics
// (functions/reconcile: namespace Sluice, dimension Bucket), its schedule's
// dead-letter queue and its invocations.
type Reconciler struct {
	// Bucket is the pipeline bucket, the metrics' dimension. Required.
	Bucket pulumi.StringInput
	// FunctionName is the reconcile function's name. Required.
	FunctionName pulumi.StringInput
	// DLQName is the schedule's dead-letter queue. Required.
	DLQName pulumi.StringInput
	// IntervalSeconds is the schedule's interval, for the alarm that the
	// function was not invoked for two intervals (a disabled or deleted
	// rule); 0 (a cron schedule, or more than 12 hours, beyond CloudWatch's
	// one-day evaluation range) leaves that alarm out.
	IntervalSeconds int
}

// Monitoring is the alarms and the dashboard.
type Monitoring struct {
	pulumi.ResourceState

	// DashboardName and DashboardURL identify the dashboard.
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	DashboardURL  pulumi.StringOutput `pulumi:"dashboardUrl"`
	// AlarmNames lists every alarm's name.
	AlarmNames pulumi.StringArrayOutput `pulumi:"alarmNames"`
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("monitoring: nil Args")
	}
	if a.TopicArn == nil || a.StateMachineArn == nil || a.DLQName == nil || a.UnroutedQueue == nil || a.Region == "" {
		return errors.New("monitoring: TopicArn, StateMachineArn, DLQName, UnroutedQueue and Region are required")
	}
	if len(a.Functions) == 0 {
		return errors.New("monitoring: no functions")
	}
	for n, f := range a.Functions {
		if f.Name == nil || f.TimeoutSeconds < 1 {
			return fmt.Errorf("monitoring: function %s needs a name and a timeout", n)
		}
	}
	if r := a.Reconciler; r != nil && (r.Bucket == nil || r.FunctionName == nil || r.DLQName == nil || r.IntervalSeconds < 0 || r.IntervalSeconds%60 != 0 || r.IntervalSeconds > 43200) {
		return errors.New("monitoring: Reconciler needs the bucket, the function, the dead-letter queue and an interval of whole minutes up to 12 hours (or 0)")
	}
	if len(a.Datasets) > 0 && a.Stack == "" {
		return errors.New("monitoring: Datasets need the Stack of their metrics")
	}
	if a.DurationPercent < 1 || a.DurationPercent > 100 {
		return fmt.Errorf("monitoring: duration percent %d outside 1..100", a.DurationPercent)
	}
	return nil
}

// alarm declares one alarm.
type alarm struct {
	suffix, description     string
	namespace, metric, stat string
	dimension               string
	value                   pulumi.StringInput
	threshold               float64
	comparison              string
	// missing is how missing data counts. Default: notBreaching.
	missing string
	// period (seconds) and evaluations. Default: 300 and 1.
	period, evaluations int
}

// New creates the Monitoring component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Monitoring{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	var alarms []alarm
	alarms = append(alarms, machineAlarms(args)...)
	alarms = append(alarms, functionAlarms(args)...)
	alarms = append(alarms, queueAlarms(args)...)
	alarms = append(alarms, reconcilerAlarms(args)...)
	alarms = append(alarms, tableAlarms(args)...)
	alarms = append(alarms, publishAlarms(args)...)
	alarmNames, alarmArns, err := createAlarms(ctx, name, args, alarms, parent)
	if err != nil {
		return nil, err
	}

	dashName := naming.Physical(ctx.Project(), ctx.Stack(), name, 255)
	dash, err := cloudwatch.NewDashboard(ctx, naming.Child(name, "dashboard"), &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(dashName),
		DashboardBody: dashboardBody(args, alarmArns),
	}, parent)
	if err != nil {
		return nil, err
	}
	comp.DashboardName = dash.DashboardName
	comp.DashboardURL = pulumi.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s", args.Region, args.Region, dash.DashboardName)
	comp.AlarmNames = alarmNames.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"dashboardName": comp.DashboardName,
		"dashboardUrl":  comp.DashboardURL,
		"alarmNames":    comp.AlarmNames,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// machineAlarms watch the state machine's failed, timed-out, aborted and
// throttled executions.
func machineAlarms(args *Args) []alarm {
	var alarms []alarm
	machines := []struct {
		prefix, what string
		arn          pulumi.StringInput
	}{{"machine-", "Sluice pipeline: ", args.StateMachineArn}}
	if args.BatchMachineArn != nil {
		machines = append(machines, struct {
			prefix, what string
			arn          pulumi.StringInput
		}{"batch-machine-", "Sluice batches: ", args.BatchMachineArn})
	}
	for _, sm := range machines {
		for _, m := range []struct{ metric, what string }{
			{"ExecutionsFailed", "executions failed"},
			{"ExecutionsTimedOut", "executions timed out"},
			{"ExecutionsAborted", "executions were aborted (stopped)"},
			{"ExecutionThrottled", "executions were throttled"},
		} {
			alarms = append(alarms, alarm{
				suffix: sm.prefix + kebab(m.metric), description: sm.what + m.what,
				namespace: "AWS/States", metric: m.metric, stat: "Sum", dimension: "StateMachineArn", value: sm.arn,
				threshold: 1, comparison: "GreaterThanOrEqualToThreshold",
			})
		}
	}
	return alarms
}

// functionAlarms watch each function's errors, throttles and duration
// (against its timeout), in function name order.
func functionAlarms(args *Args) []alarm {
	var alarms []alarm
	for _, n := range slices.Sorted(maps.Keys(args.Functions)) {
		f := args.Functions[n]
		alarms = append(alarms,
			alarm{suffix: n + "-errors", description: "Sluice " + n + ": invocation errors",
				namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", dimension: "FunctionName", value: f.Name,
				threshold: 1, comparison: "GreaterThanOrEqualToThreshold"},
			alarm{suffix: n + "-throttles", description: "Sluice " + n + ": throttled invocations",
				namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", dimension: "FunctionName", value: f.Name,
				threshold: 1, comparison: "GreaterThanOrEqualToThreshold"},
			alarm{suffix: n + "-duration", description: fmt.Sprintf("Sluice %s: duration above %d%% of the %d s timeout", n, args.DurationPercent, f.TimeoutSeconds),
				namespace: "AWS/Lambda", metric: "Duration", stat: "Maximum", dimension: "FunctionName", value: f.Name,
				threshold: float64(f.TimeoutSeconds) * 1000 * float64(args.DurationPercent) / 100, comparison: "GreaterThanThreshold"},
		)
	}
	return alarms
}

// queueAlarms watch the dead-letter and unrouted queues.
func queueAlarms(args *Args) []alarm {
	return []alarm{
		{suffix: "dlq-messages", description: "Sluice: events could not start the pipeline (dead-letter queue not empty)",
			namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimension: "QueueName", value: args.DLQName,
			threshold: 0, comparison: "GreaterThanThreshold"},
		{suffix: "unrouted-files", description: "Sluice: files no dataset accepts (wrong prefix, suffix or size) are waiting in the unrouted queue",
			namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimension: "QueueName", value: args.UnroutedQueue,
			threshold: 0, comparison: "GreaterThanThreshold"},
	}
}

// reconcilerAlarms watch the reconciler: unaccounted files, its schedule's
// dead letters and, with an interval, a schedule that stopped.
func reconcilerAlarms(args *Args) []alarm {
	if args.Reconciler == nil {
		return nil
	}
	// A run emits the metric once per schedule period; "ignore" keeps the
	// state between runs, so the alarm stays on until a complete run finds
	// nothing (an incomplete one that found nothing emits no value).
	alarms := []alarm{
		{suffix: "unaccounted-files", description: "Sluice: files arrived that no execution claimed (the reconciler's log lists them)",
			namespace: contract.MetricNamespace, metric: contract.MetricUnaccounted, stat: "Maximum", dimension: contract.DimensionBucket, value: args.Reconciler.Bucket,
			threshold: 0, comparison: "GreaterThanThreshold", missing: "ignore"},
		{suffix: "reconcile-dlq-messages", description: "Sluice: the reconciler's schedule could not invoke it (its dead-letter queue is not empty)",
			namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimension: "QueueName", value: args.Reconciler.DLQName,
			threshold: 0, comparison: "GreaterThanThreshold"},
	}
	if iv := args.Reconciler.IntervalSeconds; iv > 0 {
		// Two whole intervals without an invocation: the schedule rule was
		// disabled or deleted. Missing data (no invocation at all)
		// breaches.
		alarms = append(alarms, alarm{suffix: "reconcile-not-running", description: fmt.Sprintf("Sluice: the reconciler was not invoked for two of its %d s intervals (its schedule rule disabled or deleted?)", iv),
			namespace: "AWS/Lambda", metric: "Invocations", stat: "Sum", dimension: "FunctionName", value: args.Reconciler.FunctionName,
			threshold: 1, comparison: "LessThanThreshold", missing: "breaching", period: iv, evaluations: 2})
	}
	return alarms
}

// publishAlarms watch the outcome events' publication: PutEvents
// attempts that failed. The metric is Step Functions' per integration type
// (every state machine of the account and region that uses
// events:putEvents counts), and it counts attempts, retried ones included:
// an outcome whose event was given up on failed its four attempts, and
// the execution's history shows it caught into $.publishError.
func publishAlarms(args *Args) []alarm {
	if args.PutEventsIntegration == "" {
		return nil
	}
	return []alarm{{suffix: "outcome-events-failed", description: "Sluice: publishing outcome events (events:PutEvents) failed; an outcome whose every attempt failed has no event (executions' histories show it at $.publishError, the ledger keeps the outcome)",
		namespace: "AWS/States", metric: "ServiceIntegrationsFailed", stat: "Sum", dimension: "ServiceIntegrationResourceArn", value: pulumi.String(args.PutEventsIntegration),
		threshold: 1, comparison: "GreaterThanOrEqualToThreshold"}}
}

// tableAlarms watch each table's read and write throttles, in table name
// order.
func tableAlarms(args *Args) []alarm {
	var alarms []alarm
	for _, t := range slices.Sorted(maps.Keys(args.Tables)) {
		for _, m := range []string{"ReadThrottleEvents", "WriteThrottleEvents"} {
			alarms = append(alarms, alarm{suffix: t + "-" + kebab(m), description: "Sluice table " + t + ": " + m,
				namespace: "AWS/DynamoDB", metric: m, stat: "Sum", dimension: "TableName", value: args.Tables[t],
				threshold: 1, comparison: "GreaterThanOrEqualToThreshold"})
		}
	}
	return alarms
}

// createAlarms creates the alarms, each notifying the topic, and returns
// their names and ARNs in the same order.
func createAlarms(ctx *pulumi.Context, name string, args *Args, alarms []alarm, parent pulumi.ResourceOption) (pulumi.StringArray, []interface{}, error) {
	var names pulumi.StringArray
	var arns []interface{}
	for _, a := range alarms {
		ma, err := cloudwatch.NewMetricAlarm(ctx, naming.Child(name, a.suffix), &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(a.description),
			Namespace:          pulumi.String(a.namespace),
			MetricName:         pulumi.String(a.metric),
			Statistic:          pulumi.String(a.stat),
			Dimensions:         pulumi.StringMap{a.dimension: a.value},
			Period:             pulumi.Int(orDefault(a.period, 300)),
			EvaluationPeriods:  pulumi.Int(orDefault(a.evaluations, 1)),
			Threshold:          pulumi.Float64(a.threshold),
			ComparisonOperator: pulumi.String(a.comparison),
			TreatMissingData:   pulumi.String(missingData(a.missing)),
			ActionsEnabled:     pulumi.Bool(args.ActionsEnabled),
			AlarmActions:       pulumi.Array{args.TopicArn},
			OkActions:          pulumi.Array{args.TopicArn},
		}, parent)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, ma.Name)
		arns = append(arns, ma.Arn)
	}
	return names, arns, nil
}

// dashboardBody returns the dashboard's JSON once every name and alarm ARN
// it shows is known.
func dashboardBody(args *Args, alarmArns []interface{}) pulumi.StringOutput {
	fnNames := slices.Sorted(maps.Keys(args.Functions))
	tableNames := slices.Sorted(maps.Keys(args.Tables))
	var reconcileBucket pulumi.StringInput = pulumi.String("")
	if args.Reconciler != nil {
		reconcileBucket = args.Reconciler.Bucket
	}
	var auditNamespace pulumi.StringInput = pulumi.String("")
	if args.AuditNamespace != nil {
		auditNamespace = args.AuditNamespace
	}
	inputs := []interface{}{args.StateMachineArn, args.DLQName, args.UnroutedQueue, reconcileBucket, auditNamespace}
	for _, n := range fnNames {
		inputs = append(inputs, args.Functions[n].Name)
	}
	for _, t := range tableNames {
		inputs = append(inputs, args.Tables[t])
	}
	inputs = append(inputs, alarmArns...)
	var others pulumi.StringArrayInput = pulumi.StringArray{}
	if args.OtherAlarms != nil {
		others = args.OtherAlarms
	}
	inputs = append(inputs, others)
	return pulumi.All(inputs...).ApplyT(func(all []interface{}) (string, error) {
		v, last := all[:len(all)-1], all[len(all)-1]
		otherArns, ok := last.([]string)
		if !ok {
			return "", fmt.Errorf("monitoring: other alarms are %T", last)
		}
		s := make([]string, len(v))
		for i := range v {
			str, ok := v[i].(string)
			if !ok {
				return "", fmt.Errorf("monitoring: dashboard input %d is %T", i, v[i])
			}
			s[i] = str
		}
		nf, nt := len(fnNames), len(tableNames)
		d := BuildDashboard(DashboardInput{
			Region:          args.Region,
			Datasets:        args.Datasets,
			Stack:           args.Stack,
			PutEvents:       args.PutEventsIntegration,
			StateMachine:    s[0],
			DLQ:             s[1],
			UnroutedQueue:   s[2],
			ReconcileBucket: s[3],
			AuditNamespace:  s[4],
			Functions:       s[5 : 5+nf],
			Tables:          s[5+nf : 5+nf+nt],
			Alarms:          append(s[5+nf+nt:], otherArns...),
		})
		b, err := json.Marshal(d)
		return string(b), err
	}).(pulumi.StringOutput)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func missingData(m string) string {
	if m == "" {
		return "notBreaching"
	}
	return m
}

func kebab(s string) string {
	var out []rune
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				out = append(out, '-')
			}
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
