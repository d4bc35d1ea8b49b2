package reconciler

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:reconciler:Reconciler"

// Args configures the Reconciler component.
type Args struct {
	// Function is the reconcile function: package, environment and policy.
	// Required.
	Function compute.Function
	// Settings are the function's Compute settings (Functions is ignored):
	// key, memory, timeout, concurrency, log retention and level, network.
	Settings compute.Args
	// Schedule is the rule's EventBridge schedule expression, rate(...) or
	// cron(...), already checked (platform.ParseSchedule). Required.
	Schedule string
	// MaxEventAgeSeconds (60..86400) and RetryAttempts (0..185) are the
	// schedule target's retry policy.
	MaxEventAgeSeconds, RetryAttempts int
	// DLQRetentionDays (1..14) keeps the invocations EventBridge could not
	// deliver in the component's dead-letter queue (KMS-encrypted with
	// Settings.KeyArn).
	DLQRetentionDays int
	// StateMachineArn is the pipeline: a second rule sends its FAILED,
	// TIMED_OUT and ABORTED execution status change events to the
	// function, which records them in the ledger
	// (functions/reconcile.Handler.RecordEnd). Required.
	StateMachineArn pulumi.StringInput
}

// Reconciler is the function and its schedule.
type Reconciler struct {
	pulumi.ResourceState

	// FunctionArn and FunctionName identify the function.
	FunctionArn  pulumi.StringOutput `pulumi:"functionArn"`
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// RoleArn is the function's execution role.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// RuleArn and RuleName identify the schedule rule.
	RuleArn  pulumi.StringOutput `pulumi:"ruleArn"`
	RuleName pulumi.StringOutput `pulumi:"ruleName"`
	// StatusRuleArn and StatusRuleName identify the rule on the
	// pipeline's ended executions.
	StatusRuleArn  pulumi.StringOutput `pulumi:"statusRuleArn"`
	StatusRuleName pulumi.StringOutput `pulumi:"statusRuleName"`
	// DLQName and DLQArn identify the dead-letter queue of invocations
	// EventBridge could not deliver.
	DLQName pulumi.StringOutput `pulumi:"dlqName"`
	DLQArn  pulumi.StringOutput `pulumi:"dlqArn"`
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("reconciler: nil Args")
	}
	if a.Function.Name == "" {
		return errors.New("reconciler: the function has no name")
	}
	if !strings.HasPrefix(a.Schedule, "rate(") && !strings.HasPrefix(a.Schedule, "cron(") {
		return fmt.Errorf("reconciler: schedule %q is not a rate() or cron() expression", a.Schedule)
	}
	if a.MaxEventAgeSeconds < 60 || a.MaxEventAgeSeconds > 86400 || a.RetryAttempts < 0 || a.RetryAttempts > 185 {
		return fmt.Errorf("reconciler: retry policy age %d s attempts %d out of range", a.MaxEventAgeSeconds, a.RetryAttempts)
	}
	if a.StateMachineArn == nil {
		return errors.New("reconciler: no StateMachineArn for the execution-status rule")
	}
	if a.DLQRetentionDays < 1 || a.DLQRetentionDays > 14 {
		return fmt.Errorf("reconciler: DLQ retention %d days outside 1..14", a.DLQRetentionDays)
	}
	settings := a.Settings
	settings.Functions = []compute.Function{a.Function}
	if err := settings.Validate(); err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	return nil
}

// ExecutionStatusPattern is the event pattern of the execution-status
// rule: Step Functions' status change events of the machine's executions
// that FAILED, TIMED_OUT or were ABORTED (contract.EndedStatuses).
func ExecutionStatusPattern(machineArn pulumi.StringInput) pulumi.StringOutput {
	return machineArn.ToStringOutput().ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{
			"source":      []string{"aws.states"},
			"detail-type": []string{contract.DetailTypeExecutionStatus},
			"detail": map[string]any{
				"stateMachineArn": []string{arn},
				"status":          contract.EndedStatuses(),
			},
		})
		return string(b), err
	}).(pulumi.StringOutput)
}

// New creates the Reconciler component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Reconciler, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	settings := args.Settings
	settings.Functions = []compute.Function{args.Function}
	comp := &Reconciler{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	fns, err := compute.New(ctx, naming.Child(name, "compute"), &settings, parent)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	fn := fns.Functions[args.Function.Name]
	rule, err := cloudwatch.NewEventRule(ctx, naming.Child(name, "schedule"), &cloudwatch.EventRuleArgs{
		Description:        pulumi.Sprintf("Sluice %s: look for files no execution claimed", ctx.Stack()),
		ScheduleExpression: pulumi.String(args.Schedule),
	}, parent)
	if err != nil {
		return nil, err
	}
	// The pipeline's executions that end without recording their
	// outcome: the function records it on their claim.
	statusRule, err := cloudwatch.NewEventRule(ctx, naming.Child(name, "execution-status"), &cloudwatch.EventRuleArgs{
		Description:  pulumi.Sprintf("Sluice %s: record executions of the pipeline that failed, timed out or were aborted", ctx.Stack()),
		EventPattern: ExecutionStatusPattern(args.StateMachineArn),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Only these rules may invoke the function.
	perm, err := lambda.NewPermission(ctx, naming.Child(name, "invoke"), &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  fn.Name,
		Principal: pulumi.String("events.amazonaws.com"),
		SourceArn: rule.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	statusPerm, err := lambda.NewPermission(ctx, naming.Child(name, "execution-status", "invoke"), &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  fn.Name,
		Principal: pulumi.String("events.amazonaws.com"),
		SourceArn: statusRule.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	// Invocations EventBridge cannot deliver (the permission gone, Lambda
	// throttling past the retry policy) go to a queue only this rule may
	// send to, which the monitoring component alarms on.
	dlq, err := sqs.NewQueue(ctx, naming.Child(name, "dlq"), &sqs.QueueArgs{
		KmsMasterKeyId:               args.Settings.KeyArn,
		KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		MessageRetentionSeconds:      pulumi.Int(args.DLQRetentionDays * 86400),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := sqs.NewQueuePolicy(ctx, naming.Child(name, "dlq", "policy"), &sqs.QueuePolicyArgs{
		QueueUrl: dlq.Url,
		Policy: policy.Render(policy.Document{Statement: []policy.Statement{{
			Sid:       "ScheduleDeadLetters",
			Principal: &policy.Principal{Service: []string{"events.amazonaws.com"}},
			Action:    []string{"sqs:SendMessage"},
			Resource:  []string{"${queue}"},
			Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {"${rule}", "${statusRule}"}}},
		}, policy.DenyInsecureTransport("DenyInsecureTransport", []string{"sqs:*"}, []string{"${queue}"})}}, map[string]pulumi.StringInput{"queue": dlq.Arn, "rule": rule.Arn, "statusRule": statusRule.Arn}),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, naming.Child(name, "schedule", "target"), &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  fn.Arn,
		RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
			MaximumEventAgeInSeconds: pulumi.Int(args.MaxEventAgeSeconds),
			MaximumRetryAttempts:     pulumi.Int(args.RetryAttempts),
		},
		DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlq.Arn},
	}, parent, pulumi.DependsOn([]pulumi.Resource{perm})); err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, naming.Child(name, "execution-status", "target"), &cloudwatch.EventTargetArgs{
		Rule: statusRule.Name,
		Arn:  fn.Arn,
		RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
			MaximumEventAgeInSeconds: pulumi.Int(args.MaxEventAgeSeconds),
			MaximumRetryAttempts:     pulumi.Int(args.RetryAttempts),
		},
		DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlq.Arn},
	}, parent, pulumi.DependsOn([]pulumi.Resource{statusPerm})); err != nil {
		return nil, err
	}
	comp.FunctionArn, comp.FunctionName, comp.RoleArn = fn.Arn, fn.Name, fns.RoleArns[args.Function.Name]
	comp.RuleArn, comp.RuleName = rule.Arn, rule.Name
	comp.StatusRuleArn, comp.StatusRuleName = statusRule.Arn, statusRule.Name
	comp.DLQName, comp.DLQArn = dlq.Name, dlq.Arn
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"dlqName":        comp.DLQName,
		"dlqArn":         comp.DLQArn,
		"functionArn":    comp.FunctionArn,
		"functionName":   comp.FunctionName,
		"roleArn":        comp.RoleArn,
		"ruleArn":        comp.RuleArn,
		"ruleName":       comp.RuleName,
		"statusRuleArn":  comp.StatusRuleArn,
		"statusRuleName": comp.StatusRuleName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
