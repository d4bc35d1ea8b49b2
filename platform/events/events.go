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

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/internal/eventpattern"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:events:Events"

// Dataset is what a rule needs to know of a dataset.
type Dataset struct {
	// Name is the dataset name, written into the FileEvent.
	Name string
	// Pattern returns the rule's event pattern for the bucket: the one
	// internal/eventpattern.ForDataset builds, which the local runtime
	// routes with too. Required.
	Pattern func(bucket string) map[string]any
}

// Args configures the Events component.
type Args struct {
	// Datasets get one rule each; at least one, unique names.
	Datasets []Dataset
	// BucketName is the pipeline bucket. Required.
	BucketName pulumi.StringInput
	// StateMachineArn is the target. Required.
	StateMachineArn pulumi.StringInput
	// KeyArn encrypts the dead-letter queue. Required.
	KeyArn pulumi.StringInput
	// AccountID scopes the role's trust. Required.
	AccountID string
	// MaxEventAgeSeconds (60..86400) and RetryAttempts (0..185) are the
	// target's retry policy.
	MaxEventAgeSeconds, RetryAttempts int
	// DLQRetentionDays (1..14) keeps undelivered events.
	DLQRetentionDays int
}

// Events is the rules, their role and the dead-letter queue.
type Events struct {
	pulumi.ResourceState

	// DLQUrl, DLQArn and DLQName identify the dead-letter queue.
	DLQUrl  pulumi.StringOutput `pulumi:"dlqUrl"`
	DLQArn  pulumi.StringOutput `pulumi:"dlqArn"`
	DLQName pulumi.StringOutput `pulumi:"dlqName"`
	// RoleArn is the role EventBridge starts executions with.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// RuleNames maps dataset names to rule names.
	RuleNames map[string]pulumi.StringOutput
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("events: nil Args")
	}
	if len(a.Datasets) == 0 {
		return errors.New("events: no datasets")
	}
	if a.BucketName == nil || a.StateMachineArn == nil || a.KeyArn == nil || a.AccountID == "" {
		return errors.New("events: BucketName, StateMachineArn, KeyArn and AccountID are required")
	}
	seen := map[string]bool{}
	for _, d := range a.Datasets {
		if d.Name == "" || seen[d.Name] {
			return fmt.Errorf("events: dataset name %q empty or repeated", d.Name)
		}
		seen[d.Name] = true
		if d.Pattern == nil {
			return fmt.Errorf("events: dataset %s has no Pattern", d.Name)
		}
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
	comp := &Events{RuleNames: map[string]pulumi.StringOutput{}}
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
	if _, err := iam.NewRolePolicy(ctx, naming.Child(name, "policy"), &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: policy.Render(policy.Document{Statement: []policy.Statement{
			policy.Allow("StartPipeline", []string{"states:StartExecution"}, []string{"${machine}"}),
		}}, map[string]pulumi.StringInput{"machine": args.StateMachineArn}),
	}, parent); err != nil {
		return nil, err
	}

	var ruleArns []pulumi.StringInput
	for _, d := range args.Datasets {
		rn := naming.Child(name, d.Name)
		pattern := args.BucketName.ToStringOutput().ApplyT(func(bucket string) (string, error) {
			return eventpattern.Marshal(d.Pattern(bucket))
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
		}}}, refs),
	}, parent); err != nil {
		return nil, err
	}

	comp.DLQUrl, comp.DLQArn, comp.DLQName, comp.RoleArn = dlq.Url, dlq.Arn, dlq.Name, role.Arn
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"dlqUrl":  comp.DLQUrl,
		"dlqArn":  comp.DLQArn,
		"dlqName": comp.DLQName,
		"roleArn": comp.RoleArn,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
