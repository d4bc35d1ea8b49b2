package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Type is the component's Pulumi type token.
const Type = "sluice:events:Events"

// Unrouted is the logical name of the unrouted rule and the prefix of its
// queue's; no dataset may be called so, or start with "unrouted-".
const Unrouted = "unrouted"

// UnroutedRetentionSeconds is how long the unrouted queue keeps a message:
// 14 days, the most SQS allows, so that the files to look at stay listed
// long after the alarm.
const UnroutedRetentionSeconds = 14 * 86400

// Dataset is what a rule needs to know of a dataset.
type Dataset struct {
	// Name is the dataset name, written into the FileEvent.
	Name string
	// Pattern returns the rule's event pattern for the bucket: the one
	// routing.ForDataset builds, which the local runtime
	// routes with too. Required.
	Pattern func(bucket string) map[string]any
}

// Batch is a dataset processed in batches: a schedule starts the batch
// machine on its prefix, and no rule starts an execution per event.
type Batch struct {
	// Dataset and Prefix are the batch machine's input
	// (pipeline.BatchInput).
	Dataset, Prefix string
}

// Args configures the Events component.
type Args struct {
	// Datasets get one rule each; unique names. Datasets and Batches
	// together hold at least one dataset.
	Datasets []Dataset
	// Batches get one schedule rule each, starting BatchMachineArn with
	// their pipeline.BatchInput on BatchSchedule. Default: none.
	Batches []Batch
	// BatchSchedule is the schedule expression of the batches (checked:
	// platform.ParseSchedule). Required with Batches.
	BatchSchedule string
	// BatchMachineArn is the batch state machine. Required with Batches.
	BatchMachineArn pulumi.StringInput
	// UnroutedPattern returns the pattern of the unrouted rule for the
	// bucket: the bucket's "Object Created" events no dataset's rule
	// matches, except the pipeline's own objects (routing.
	// Unrouted, which the local runtime routes with too). Its rule sends
	// them, whole, to the unrouted queue. Required.
	UnroutedPattern func(bucket string) (map[string]any, error)
	// BucketName is the pipeline bucket. Required.
	BucketName pulumi.StringInput
	// StateMachineArn is the target. Required.
	StateMachineArn pulumi.StringInput
	// KeyArn encrypts the dead-letter and unrouted queues. Required.
	KeyArn pulumi.StringInput
	// AccountID scopes the role's trust. Required.
	AccountID string
	// MaxEventAgeSeconds (60..86400) and RetryAttempts (0..185) are the
	// target's retry policy.
	MaxEventAgeSeconds, RetryAttempts int
	// DLQRetentionDays (1..14) keeps undelivered events.
	DLQRetentionDays int
}

// Events is the rules, their role, the dead-letter queue and the unrouted
// rule and queue.
type Events struct {
	pulumi.ResourceState

	// DLQUrl, DLQArn and DLQName identify the dead-letter queue.
	DLQUrl  pulumi.StringOutput `pulumi:"dlqUrl"`
	DLQArn  pulumi.StringOutput `pulumi:"dlqArn"`
	DLQName pulumi.StringOutput `pulumi:"dlqName"`
	// UnroutedQueueURL, UnroutedQueueArn and UnroutedQueueName identify
	// the queue that receives the events of files no dataset accepts.
	UnroutedQueueURL  pulumi.StringOutput `pulumi:"unroutedQueueUrl"`
	UnroutedQueueArn  pulumi.StringOutput `pulumi:"unroutedQueueArn"`
	UnroutedQueueName pulumi.StringOutput `pulumi:"unroutedQueueName"`
	// UnroutedRuleName is the unrouted rule's name.
	UnroutedRuleName pulumi.StringOutput `pulumi:"unroutedRuleName"`
	// RoleArn is the role EventBridge starts executions with.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// RuleNames maps dataset names to rule names.
	RuleNames map[string]pulumi.StringOutput
	// BatchRuleNames maps batched dataset names to their schedule rules'
	// names.
	BatchRuleNames map[string]pulumi.StringOutput
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("events: nil Args")
	}
	if len(a.Datasets)+len(a.Batches) == 0 {
		return errors.New("events: no datasets")
	}
	if len(a.Batches) > 0 && (a.BatchMachineArn == nil || !(strings.HasPrefix(a.BatchSchedule, "rate(") || strings.HasPrefix(a.BatchSchedule, "cron("))) {
		return fmt.Errorf("events: batches need BatchMachineArn and a rate() or cron() BatchSchedule (got %q)", a.BatchSchedule)
	}
	if a.BucketName == nil || a.StateMachineArn == nil || a.KeyArn == nil || a.AccountID == "" {
		return errors.New("events: BucketName, StateMachineArn, KeyArn and AccountID are required")
	}
	seen := map[string]bool{}
	for _, b := range a.Batches {
		if b.Dataset == "" || seen[b.Dataset] || b.Prefix == "" {
			return fmt.Errorf("events: batch dataset %q empty, repeated or without a prefix", b.Dataset)
		}
		seen[b.Dataset] = true
	}
	for _, d := range a.Datasets {
		if d.Name == "" || seen[d.Name] {
			return fmt.Errorf("events: dataset name %q empty or repeated", d.Name)
		}
		seen[d.Name] = true
		if d.Pattern == nil {
			return fmt.Errorf("events: dataset %s has no Pattern", d.Name)
		}
		if d.Name == Unrouted || strings.HasPrefix(d.Name, Unrouted+"-") {
			return fmt.Errorf("events: dataset name %q is reserved for the unrouted rule", d.Name)
		}
	}
	if a.UnroutedPattern == nil {
		return errors.New("events: UnroutedPattern is required")
	}
	if a.MaxEventAgeSeconds < 60 || a.MaxEventAgeSeconds > 86400 || a.RetryAttempts < 0 || a.RetryAttempts > 185 {
		return fmt.Errorf("events: retry policy age %d s attempts %d out of range", a.MaxEventAgeSeconds, a.RetryAttempts)
	}
	if a.DLQRetentionDays < 1 || a.DLQRetentionDays > 14 {
		return fmt.Errorf("events: DLQ retention %d days outside 1..14", a.DLQRetentionDays)
	}
	return nil
}

// inputPaths maps the json names of contract.FileEvent's fields (except
// dataset, a constant per rule) to where they are in an S3 event.
var inputPaths = map[string]string{
	"bucket":    "$.detail.bucket.name",
	"key":       "$.detail.object.key",
	"versionId": "$.detail.object.version-id",
	"size":      "$.detail.object.size",
	"etag":      "$.detail.object.etag",
	"eventTime": "$.time",
}

// InputTransformer returns the input paths and template that turn an S3
// event into the dataset's contract.FileEvent. The template follows the
// json tags of contract.FileEvent in order; placeholders stand outside
// quotes so that EventBridge writes them as JSON values (strings quoted and
// escaped, the size a number).
func InputTransformer(dataset string) (map[string]string, string, error) {
	name, err := json.Marshal(dataset)
	if err != nil {
		return nil, "", err
	}
	t := reflect.TypeFor[contract.FileEvent]()
	var b strings.Builder
	b.WriteString("{")
	paths := map[string]string{}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:", tag)
		if tag == "dataset" {
			b.Write(name)
			continue
		}
		p, ok := inputPaths[tag]
		if !ok {
			return nil, "", fmt.Errorf("events: contract.FileEvent field %q has no event path", tag)
		}
		paths[tag] = p
		fmt.Fprintf(&b, "<%s>", tag)
	}
	b.WriteString("}")
	return paths, b.String(), nil
}

// New creates the Events component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Events, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Events{RuleNames: map[string]pulumi.StringOutput{}, BatchRuleNames: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	dlq, err := sqs.NewQueue(ctx, naming.Child(name, "dlq"), &sqs.QueueArgs{
		KmsMasterKeyId:               args.KeyArn,
		KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		MessageRetentionSeconds:      pulumi.Int(args.DLQRetentionDays * 86400),
	}, parent)
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, naming.Child(name, "role"), &iam.RoleArgs{
		Description: pulumi.Sprintf("Sluice %s: EventBridge starts the state machine", ctx.Stack()),
		AssumeRolePolicy: policy.Render(policy.AssumeRole(map[string]map[string][]string{
			"StringEquals": {"aws:SourceAccount": {args.AccountID}},
		}, "events.amazonaws.com"), nil),
	}, parent)
	if err != nil {
		return nil, err
	}
	starts := policy.Document{Statement: []policy.Statement{
		policy.Allow("StartPipeline", []string{"states:StartExecution"}, []string{"${machine}"}),
	}}
	machines := map[string]pulumi.StringInput{"machine": args.StateMachineArn}
	if len(args.Batches) > 0 {
		starts.Statement = append(starts.Statement, policy.Allow("StartBatches", []string{"states:StartExecution"}, []string{"${batch}"}))
		machines["batch"] = args.BatchMachineArn
	}
	if _, err := iam.NewRolePolicy(ctx, naming.Child(name, "policy"), &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy.Render(starts, machines),
	}, parent); err != nil {
		return nil, err
	}

	var ruleArns []pulumi.StringInput
	for _, d := range args.Datasets {
		rn := naming.Child(name, d.Name)
		pattern := args.BucketName.ToStringOutput().ApplyT(func(bucket string) (string, error) {
			return routing.Marshal(d.Pattern(bucket))
		}).(pulumi.StringOutput)
		rule, err := cloudwatch.NewEventRule(ctx, rn, &cloudwatch.EventRuleArgs{
			Description:  pulumi.Sprintf("Sluice %s: start the pipeline for %s files", ctx.Stack(), d.Name),
			EventPattern: pattern,
		}, parent)
		if err != nil {
			return nil, err
		}
		paths, template, err := InputTransformer(d.Name)
		if err != nil {
			return nil, err
		}
		ip := pulumi.StringMap{}
		for k, v := range paths {
			ip[k] = pulumi.String(v)
		}
		if _, err := cloudwatch.NewEventTarget(ctx, naming.Child(rn, "target"), &cloudwatch.EventTargetArgs{
			Rule:    rule.Name,
			Arn:     args.StateMachineArn,
			RoleArn: role.Arn,
			InputTransformer: cloudwatch.EventTargetInputTransformerArgs{
				InputPaths:    ip,
				InputTemplate: pulumi.String(template),
			},
			RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
				MaximumEventAgeInSeconds: pulumi.Int(args.MaxEventAgeSeconds),
				MaximumRetryAttempts:     pulumi.Int(args.RetryAttempts),
			},
			DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlq.Arn},
		}, parent); err != nil {
			return nil, err
		}
		comp.RuleNames[d.Name] = rule.Name
		ruleArns = append(ruleArns, rule.Arn)
	}

	// The batches: a schedule per batched dataset starts one execution of
	// the batch machine, which lists the dataset's pending files itself.
	for _, b := range args.Batches {
		rule, err := newBatchRule(ctx, name, b, args, role.Arn, dlq.Arn, parent)
		if err != nil {
			return nil, err
		}
		comp.BatchRuleNames[b.Dataset] = rule.Name
		ruleArns = append(ruleArns, rule.Arn)
	}

	// The unrouted rule: every other "Object Created" event of the bucket
	// goes, whole, to a queue an alarm watches.
	un, err := newUnrouted(ctx, name, args, dlq.Arn, parent)
	if err != nil {
		return nil, err
	}
	ruleArns = append(ruleArns, un.rule.Arn)

	refs := map[string]pulumi.StringInput{"queue": dlq.Arn}
	var sources []string
	for i, a := range ruleArns {
		k := fmt.Sprintf("rule%d", i)
		refs[k] = a
		sources = append(sources, "${"+k+"}")
	}
	if _, err := sqs.NewQueuePolicy(ctx, naming.Child(name, "dlq-policy"), &sqs.QueuePolicyArgs{
		QueueUrl: dlq.Url,
		Policy: policy.Render(policy.Document{Statement: []policy.Statement{{
			Sid:       "EventBridgeDeadLetters",
			Principal: &policy.Principal{Service: []string{"events.amazonaws.com"}},
			Action:    []string{"sqs:SendMessage"},
			Resource:  []string{"${queue}"},
			Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": sources}},
		}, policy.DenyInsecureTransport("DenyInsecureTransport", []string{"sqs:*"}, []string{"${queue}"})}}, refs),
	}, parent); err != nil {
		return nil, err
	}

	comp.DLQUrl, comp.DLQArn, comp.DLQName, comp.RoleArn = dlq.Url, dlq.Arn, dlq.Name, role.Arn
	comp.UnroutedQueueURL, comp.UnroutedQueueArn, comp.UnroutedQueueName = un.queue.Url, un.queue.Arn, un.queue.Name
	comp.UnroutedRuleName = un.rule.Name
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"dlqUrl":            comp.DLQUrl,
		"dlqArn":            comp.DLQArn,
		"dlqName":           comp.DLQName,
		"roleArn":           comp.RoleArn,
		"unroutedQueueUrl":  comp.UnroutedQueueURL,
		"unroutedQueueArn":  comp.UnroutedQueueArn,
		"unroutedQueueName": comp.UnroutedQueueName,
		"unroutedRuleName":  comp.UnroutedRuleName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// unrouted is the unrouted rule and its queue.
type unrouted struct {
	rule  *cloudwatch.EventRule
	queue *sqs.Queue
}

// newUnrouted creates the unrouted rule, its KMS-encrypted queue and the
// queue's policy, which lets only that rule send. The target needs no role
// (SQS targets are authorized by the queue policy) and no input
// transformer: the message is the S3 event itself, bucket, key, version
// and size included. Events it cannot deliver go to the dead-letter queue.
func newUnrouted(ctx *pulumi.Context, name string, args *Args, dlqArn pulumi.StringOutput, parent pulumi.ResourceOption) (*unrouted, error) {
	rn := naming.Child(name, Unrouted)
	queue, err := sqs.NewQueue(ctx, naming.Child(rn, "queue"), &sqs.QueueArgs{
		KmsMasterKeyId:               args.KeyArn,
		KmsDataKeyReusePeriodSeconds: pulumi.Int(300),
		MessageRetentionSeconds:      pulumi.Int(UnroutedRetentionSeconds),
	}, parent)
	if err != nil {
		return nil, err
	}
	pattern := args.BucketName.ToStringOutput().ApplyT(func(bucket string) (string, error) {
		p, err := args.UnroutedPattern(bucket)
		if err != nil {
			return "", fmt.Errorf("events: unrouted pattern: %w", err)
		}
		s, err := routing.Marshal(p)
		if err != nil {
			return "", err
		}
		if len(s) > routing.MaxPatternLen {
			return "", fmt.Errorf("events: the unrouted pattern has %d characters, over EventBridge's default quota of %d", len(s), routing.MaxPatternLen)
		}
		return s, nil
	}).(pulumi.StringOutput)
	rule, err := cloudwatch.NewEventRule(ctx, rn, &cloudwatch.EventRuleArgs{
		Description:  pulumi.Sprintf("Sluice %s: files no dataset accepts (wrong prefix, suffix or size)", ctx.Stack()),
		EventPattern: pattern,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := sqs.NewQueuePolicy(ctx, naming.Child(rn, "policy"), &sqs.QueuePolicyArgs{
		QueueUrl: queue.Url,
		Policy: policy.Render(policy.Document{Statement: []policy.Statement{{
			Sid:       "UnroutedRuleSends",
			Principal: &policy.Principal{Service: []string{"events.amazonaws.com"}},
			Action:    []string{"sqs:SendMessage"},
			Resource:  []string{"${queue}"},
			Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {"${rule}"}}},
		}, policy.DenyInsecureTransport("DenyInsecureTransport", []string{"sqs:*"}, []string{"${queue}"})}}, map[string]pulumi.StringInput{"queue": queue.Arn, "rule": rule.Arn}),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, naming.Child(rn, "target"), &cloudwatch.EventTargetArgs{
		Rule: rule.Name,
		Arn:  queue.Arn,
		RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
			MaximumEventAgeInSeconds: pulumi.Int(args.MaxEventAgeSeconds),
			MaximumRetryAttempts:     pulumi.Int(args.RetryAttempts),
		},
		DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlqArn},
	}, parent); err != nil {
		return nil, err
	}
	return &unrouted{rule: rule, queue: queue}, nil
}

// BatchInput returns the constant input of a batch's schedule target: the
// pipeline.BatchInput of the dataset.
func BatchInput(b Batch) (string, error) {
	in, err := json.Marshal(pipeline.BatchInput{Dataset: b.Dataset, Prefix: b.Prefix})
	return string(in), err
}

// newBatchRule creates a batched dataset's schedule rule and its target,
// the batch machine (with the role that may start it, the target retry
// policy and the dead-letter queue of the event rules).
func newBatchRule(ctx *pulumi.Context, name string, b Batch, args *Args, roleArn, dlqArn pulumi.StringInput, parent pulumi.ResourceOption) (*cloudwatch.EventRule, error) {
	rn := naming.Child(name, "batch", b.Dataset)
	rule, err := cloudwatch.NewEventRule(ctx, rn, &cloudwatch.EventRuleArgs{
		Description:        pulumi.Sprintf("Sluice %s: run the batch of pending %s files", ctx.Stack(), b.Dataset),
		ScheduleExpression: pulumi.String(args.BatchSchedule),
	}, parent)
	if err != nil {
		return nil, err
	}
	input, err := BatchInput(b)
	if err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, naming.Child(rn, "target"), &cloudwatch.EventTargetArgs{
		Rule:    rule.Name,
		Arn:     args.BatchMachineArn,
		RoleArn: roleArn,
		Input:   pulumi.String(input),
		RetryPolicy: cloudwatch.EventTargetRetryPolicyArgs{
			MaximumEventAgeInSeconds: pulumi.Int(args.MaxEventAgeSeconds),
			MaximumRetryAttempts:     pulumi.Int(args.RetryAttempts),
		},
		DeadLetterConfig: cloudwatch.EventTargetDeadLetterConfigArgs{Arn: dlqArn},
	}, parent); err != nil {
		return nil, err
	}
	return rule, nil
}
