package platform_test

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBudget checks the stacks' AWS Budgets as deployed under mocks: prod
// sets monthlyBudgetUsd, so its alerts component holds a monthly cost
// budget on the costs tagged with the stack, e-mailing the alarm address
// at budgetAlertPercent of actual cost and at 100% of the forecast; dev
// sets none.
func TestBudget(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			r := deploy(t, stack)
			cfg := r.Config
			found := byType(r, "aws:budgets/budget:Budget")
			if cfg.MonthlyBudgetUSD == 0 {
				if len(found) != 0 {
					t.Errorf("%d budgets without monthlyBudgetUsd", len(found))
				}
				return
			}
			b := one(t, r, "aws:budgets/budget:Budget", "alerts-budget")
			in := b.Inputs
			got := map[string]any{
				"budgetType": in["budgetType"], "limitAmount": in["limitAmount"], "limitUnit": in["limitUnit"],
				"timeUnit": in["timeUnit"], "costFilters": in["costFilters"], "notifications": in["notifications"],
			}
			notification := func(kind string, threshold float64) map[string]any {
				return map[string]any{
					"comparisonOperator": "GREATER_THAN", "notificationType": kind, "threshold": threshold,
					"thresholdType": "PERCENTAGE", "subscriberEmailAddresses": []any{cfg.AlarmEmail},
				}
			}
			want := map[string]any{
				"budgetType": "COST", "limitAmount": strconv.Itoa(cfg.MonthlyBudgetUSD), "limitUnit": "USD", "timeUnit": "MONTHLY",
				"costFilters": []any{map[string]any{"name": "TagKeyValue", "values": []any{"user:sluice:stack$" + stack}}},
				"notifications": []any{
					notification("ACTUAL", float64(cfg.BudgetAlertPercent)),
					notification("FORECASTED", 100),
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("budget (-want +got):\n%s", diff)
			}
		})
	}
}
