package cfn

import (
	"fmt"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/budgets"
)

// budget maps an AWS Budget (the stack's cost budget of issue 14). Pulumi
// spells the limit as text and the filters and notifications as lists;
// CloudFormation nests them under Budget and NotificationsWithSubscribers,
// with the cost filters as a map of filter name to values.
func budget(c *conv, in *inputs) (cloudformation.Resource, error) {
	data := &budgets.Budget_BudgetData{
		BudgetName: name(in, "name"),
		BudgetType: in.str("budgetType"),
		TimeUnit:   in.str("timeUnit"),
	}
	if amount := in.str("limitAmount"); amount != "" {
		f := parseFloat(amount)
		if f == nil {
			return nil, fmt.Errorf("limitAmount %q is not a number", amount)
		}
		data.BudgetLimit = &budgets.Budget_Spend{Amount: *f, Unit: in.str("limitUnit")}
	}
	if filters := in.list("costFilters"); len(filters) > 0 {
		m := make(map[string][]string, len(filters))
		for _, f := range filters {
			m[f.str("name")] = f.strs("values")
		}
		data.CostFilters = m
	}
	b := &budgets.Budget{Budget: data}
	for _, n := range in.list("notifications") {
		var subs []budgets.Budget_Subscriber
		for _, a := range n.strs("subscriberEmailAddresses") {
			subs = append(subs, budgets.Budget_Subscriber{SubscriptionType: "EMAIL", Address: a})
		}
		for _, a := range n.strs("subscriberSnsTopicArns") {
			subs = append(subs, budgets.Budget_Subscriber{SubscriptionType: "SNS", Address: a})
		}
		threshold := n.floatp("threshold")
		if threshold == nil {
			return nil, fmt.Errorf("%s has no threshold", n.path)
		}
		b.NotificationsWithSubscribers = append(b.NotificationsWithSubscribers, budgets.Budget_NotificationWithSubscribers{
			Notification: &budgets.Budget_Notification{
				ComparisonOperator: n.str("comparisonOperator"),
				NotificationType:   n.str("notificationType"),
				Threshold:          *threshold,
				ThresholdType:      n.strp("thresholdType"),
			},
			Subscribers: subs,
		})
	}
	return b, nil
}
