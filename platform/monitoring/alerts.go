package monitoring

import (
	"errors"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// AlertsType is the Alerts component's Pulumi type token.
const AlertsType = "sluice:monitoring:Alerts"

// AlertsArgs configures the Alerts component.
type AlertsArgs struct {
	// KeyArn encrypts the topic. Required.
	KeyArn pulumi.StringInput
	// Email, when set, is subscribed (the address must confirm).
	Email string
	// AccountID is the stack's account: only its CloudWatch alarms may
	// publish through the topic policy. Required.
	AccountID string
}

// Alerts is the alarm topic.
type Alerts struct {
	pulumi.ResourceState

	// TopicArn and TopicName identify the topic.
	TopicArn  pulumi.StringOutput `pulumi:"topicArn"`
	TopicName pulumi.StringOutput `pulumi:"topicName"`
}

// TopicPolicy is the alarm topic's resource policy (${topic} stands for its
// ARN). It replaces SNS's default policy: the account's CloudWatch alarms
// may publish (the pipeline's state machine publishes under its role's
// own policy, in the same account), and every request without TLS is
// refused.
func TopicPolicy(accountID string) policy.Document {
	return policy.Document{Statement: []policy.Statement{
		{
			Sid:       "AlarmsPublish",
			Effect:    "Allow",
			Principal: &policy.Principal{Service: []string{"cloudwatch.amazonaws.com"}},
			Action:    []string{"sns:Publish"},
			Resource:  []string{"${topic}"},
			Condition: map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {accountID}}},
		},
		policy.DenyInsecureTransport("DenyInsecureTransport", []string{"sns:*"}, []string{"${topic}"}),
	}}
}

// NewAlerts creates the Alerts component.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args == nil {
		return nil, errors.New("monitoring: nil AlertsArgs")
	}
	if args.KeyArn == nil {
		return nil, errors.New("monitoring: AlertsArgs.KeyArn is required")
	}
	if args.AccountID == "" {
		return nil, errors.New("monitoring: AlertsArgs.AccountID is required")
	}
	comp := &Alerts{}
	if err := ctx.RegisterComponentResource(AlertsType, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	topic, err := sns.NewTopic(ctx, naming.Child(name, "topic"), &sns.TopicArgs{
		DisplayName:    pulumi.Sprintf("Sluice %s alarms", ctx.Stack()),
		KmsMasterKeyId: args.KeyArn,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := sns.NewTopicPolicy(ctx, naming.Child(name, "topic-policy"), &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: policy.Render(TopicPolicy(args.AccountID), map[string]pulumi.StringInput{"topic": topic.Arn}),
	}, parent); err != nil {
		return nil, err
	}
	if args.Email != "" {
		if _, err := sns.NewTopicSubscription(ctx, naming.Child(name, "email"), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(args.Email),
		}, parent); err != nil {
			return nil, err
		}
	}
	comp.TopicArn, comp.TopicName = topic.Arn, topic.Name
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{"topicArn": comp.TopicArn, "topicName": comp.TopicName}); err != nil {
		return nil, err
	}
	return comp, nil
}
