package platform

import (
	"github.com/sluicehq/sluice/platform/monitoring"
	"github.com/sluicehq/sluice/platform/naming"
)

// budgetArgs returns the stack's AWS Budget (nil when monthlyBudgetUsd is
// 0): its costs are those of the resources the provider tags with the
// stack (naming.TagStack).
func budgetArgs(cfg Config) *monitoring.BudgetArgs {
	if cfg.MonthlyBudgetUSD == 0 {
		return nil
	}
	return &monitoring.BudgetArgs{
		MonthlyUSD:   cfg.MonthlyBudgetUSD,
		AlertPercent: cfg.BudgetAlertPercent,
		TagKey:       naming.TagStack,
		TagValue:     cfg.Stack,
	}
}
