package events

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/naming"
)

// OutcomesType is the Outcomes component's Pulumi type token.
const OutcomesType = "sluice:events:Outcomes"

// MaxArchiveDays bounds OutcomesArgs.ArchiveDays (ten years).
const MaxArchiveDays = 3650

// OutcomesArgs configures the Outcomes component.
type OutcomesArgs struct {
	// ArchiveDays, when above 0, archives the bus's outcome events for
	// that many days (an EventBridge archive, from which they can be
	// replayed to a rule). Default: 0, no archive.
	ArchiveDays int
}

// Outcomes is the stack's outcome event bus, on which the state machine
// publishes every file's outcome (contract.Outcome events; docs/events.md),
// and its optional archive. Other systems subscribe with rules on it.
type Outcomes struct {
	pulumi.ResourceState

	// BusArn and BusName identify the bus.
	BusArn  pulumi.StringOutput `pulumi:"busArn"`
	BusName pulumi.StringOutput `pulumi:"busName"`
	// ArchiveArn is the archive's ARN; empty without one.
	ArchiveArn pulumi.StringOutput `pulumi:"archiveArn"`
}

// OutcomePattern is the event pattern of every outcome event (of the
// archive, and the start of a subscriber's rule).
func OutcomePattern() map[string]any {
	return map[string]any{
		"source":      []any{contract.OutcomeSource},
		"detail-type": []any{contract.OutcomeDetailType},
	}
}

// NewOutcomes creates the Outcomes component.
func NewOutcomes(ctx *pulumi.Context, name string, args *OutcomesArgs, opts ...pulumi.ResourceOption) (*Outcomes, error) {
	if args == nil {
		return nil, errors.New("events: nil OutcomesArgs")
	}
	if args.ArchiveDays < 0 || args.ArchiveDays > MaxArchiveDays {
		return nil, fmt.Errorf("events: outcome archive of %d days, want 0 (none) to %d", args.ArchiveDays, MaxArchiveDays)
	}
	comp := &Outcomes{}
	if err := ctx.RegisterComponentResource(OutcomesType, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	// The bus is encrypted with an AWS owned key (EventBridge's default):
	// a customer managed key would need a key policy for EventBridge and
	// for every subscriber's targets, which the stack cannot know.
	bus, err := cloudwatch.NewEventBus(ctx, naming.Child(name, "bus"), &cloudwatch.EventBusArgs{}, parent)
	if err != nil {
		return nil, err
	}
	comp.BusArn, comp.BusName = bus.Arn, bus.Name
	comp.ArchiveArn = pulumi.String("").ToStringOutput()
	if args.ArchiveDays > 0 {
		pattern, err := routing.Marshal(OutcomePattern())
		if err != nil {
			return nil, err
		}
		archive, err := cloudwatch.NewEventArchive(ctx, naming.Child(name, "archive"), &cloudwatch.EventArchiveArgs{
			Description:    pulumi.Sprintf("Sluice %s: outcome events, kept %d days for replay", ctx.Stack(), args.ArchiveDays),
			EventSourceArn: bus.Arn,
			EventPattern:   pulumi.String(pattern),
			RetentionDays:  pulumi.Int(args.ArchiveDays),
		}, parent)
		if err != nil {
			return nil, err
		}
		comp.ArchiveArn = archive.Arn
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"busArn":     comp.BusArn,
		"busName":    comp.BusName,
		"archiveArn": comp.ArchiveArn,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
