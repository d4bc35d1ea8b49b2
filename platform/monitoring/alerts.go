package monitoring

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
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
	// Budget, when set, adds a monthly AWS Budget on the stack's costs
	// whose alerts are e-mailed to Email (required with it).
	Budget *BudgetArgs
}

// BudgetArgs configures the stack's AWS Budget.
type BudgetArgs struct {
	// MonthlyUSD is the monthly limit in USD; at least 1.
	MonthlyUSD int
	// AlertPercent: an alert goes out when the month's actual cost passes
	// this share of the limit, and another when the forecast passes the
	// limit. Default: 80.
	AlertPercent int
	// TagKey and TagValue select the stack's costs: a tag every resource
	// carries (the provider's default tags), which must be activated as a
	// cost allocation tag in the Billing console before AWS Budgets sees
	// it. Required.
	TagKey, TagValue string
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
	if b := args.Budget; b != nil {
		switch {
		case b.MonthlyUSD < 1:
			return nil, fmt.Errorf("monitoring: budget of %d USD: want at least 1", b.MonthlyUSD)
		case b.AlertPercent < 0:
			return nil, fmt.Errorf("monitoring: budget alert at %d%%", b.AlertPercent)
		case b.TagKey == "" || b.TagValue == "":
			return nil, errors.New("monitoring: the budget needs the tag that selects the stack's costs")
		case args.Email == "":
			return nil, errors.New("monitoring: the budget's alerts need an e-mail address (Email)")
		}
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
	if b := args.Budget; b != nil {
		if err := newBudget(ctx, name, b, args.Email, parent); err != nil {
			return nil, err
		}
	}
	comp.TopicArn, comp.TopicName = topic.Arn, topic.Name
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{"topicArn": comp.TopicArn, "topicName": comp.TopicName}); err != nil {
		return nil, err
	}
	return comp, nil
}

// newBudget creates the monthly cost budget of the stack's tagged
// resources: an e-mail when the actual cost passes AlertPercent of the
// limit, another when the month's forecast passes the limit. E-mail
// subscribers need no topic policy (AWS Budgets publishing to the
// KMS-encrypted alarm topic would need a key grant).
func newBudget(ctx *pulumi.Context, name string, b *BudgetArgs, email string, opts ...pulumi.ResourceOption) error {
	percent := b.AlertPercent
	if percent == 0 {
		percent = 80
	}
	notify := func(kind string, threshold float64) budgets.BudgetNotificationInput {
		return budgets.BudgetNotificationArgs{
			ComparisonOperator:       pulumi.String("GREATER_THAN"),
			NotificationType:         pulumi.String(kind),
			Threshold:                pulumi.Float64(threshold),
			ThresholdType:            pulumi.String("PERCENTAGE"),
			SubscriberEmailAddresses: pulumi.StringArray{pulumi.String(email)},
		}
	}
	_, err := budgets.NewBudget(ctx, naming.Child(name, "budget"), &budgets.BudgetArgs{
		BudgetType:  pulumi.String("COST"),
		LimitAmount: pulumi.String(strconv.Itoa(b.MonthlyUSD)),
		LimitUnit:   pulumi.String("USD"),
		TimeUnit:    pulumi.String("MONTHLY"),
		// AWS Budgets names a cost allocation tag "user:<key>" and its
		// value after a "$".
		CostFilters: budgets.BudgetCostFilterArray{budgets.BudgetCostFilterArgs{
			Name:   pulumi.String("TagKeyValue"),
			Values: pulumi.StringArray{pulumi.String("user:" + b.TagKey + "$" + b.TagValue)},
		}},
		Notifications: budgets.BudgetNotificationArray{
			notify("ACTUAL", float64(percent)),
			notify("FORECASTED", 100),
		},
	}, opts...)
	return err
}
