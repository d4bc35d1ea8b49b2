package data

import (
	"errors"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
)

// Type is the component's Pulumi type token.
const Type = "sluice:data:Data"

// Capacity modes.
const (
	OnDemand    = "on-demand"
	Provisioned = "provisioned"
)

// Table declares one table. Keys are strings.
type Table struct {
	// Logical is the name the pipeline and datasets use ("items").
	Logical string
	// HashKey and RangeKey name the key attributes; RangeKey may be empty.
	HashKey, RangeKey string
	// TTLAttribute is the expiry attribute; empty turns TTL off.
	TTLAttribute string
}

// Args configures the Data component.
type Args struct {
	// Tables to create, at least one, unique logical names.
	Tables []Table
	// KeyArn is the KMS key of server-side encryption. Required.
	KeyArn pulumi.StringInput
	// CapacityMode is OnDemand or Provisioned.
	CapacityMode string
	// ReadCapacity and WriteCapacity are the provisioned units and the
	// autoscaling minimum; MaxReadCapacity and MaxWriteCapacity the
	// maximum; TargetUtilization the target in percent.
	ReadCapacity, WriteCapacity, MaxReadCapacity, MaxWriteCapacity, TargetUtilization int
	// PointInTimeRecovery, Streams and DeletionProtection apply to every
	// table.
	PointInTimeRecovery, Streams, DeletionProtection bool
}

// Data is the set of tables.
type Data struct {
	pulumi.ResourceState

	// Names and Arns map logical names to table names and ARNs.
	Names map[string]pulumi.StringOutput
	Arns  map[string]pulumi.StringOutput
	// StreamArns maps logical names to stream ARNs (empty without streams).
	StreamArns map[string]pulumi.StringOutput
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("data: nil Args")
	}
	if len(a.Tables) == 0 {
		return errors.New("data: no tables")
	}
	if a.KeyArn == nil {
		return errors.New("data: KeyArn is required")
	}
	seen := map[string]bool{}
	for _, t := range a.Tables {
		if t.Logical == "" || t.HashKey == "" {
			return fmt.Errorf("data: table %q needs a logical name and a hash key", t.Logical)
		}
		if seen[t.Logical] {
			return fmt.Errorf("data: table %q declared twice", t.Logical)
		}
		seen[t.Logical] = true
	}
	switch a.CapacityMode {
	case OnDemand:
	case Provisioned:
		if a.ReadCapacity < 1 || a.WriteCapacity < 1 || a.MaxReadCapacity < a.ReadCapacity || a.MaxWriteCapacity < a.WriteCapacity {
			return fmt.Errorf("data: provisioned capacity read %d..%d write %d..%d is invalid", a.ReadCapacity, a.MaxReadCapacity, a.WriteCapacity, a.MaxWriteCapacity)
		}
		if a.TargetUtilization < 20 || a.TargetUtilization > 90 {
			return fmt.Errorf("data: target utilization %d%% is outside 20..90", a.TargetUtilization)
		}
	default:
		return fmt.Errorf("data: capacity mode %q is neither %q nor %q", a.CapacityMode, OnDemand, Provisioned)
	}
	return nil
}

// New creates the Data component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Data, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Data{Names: map[string]pulumi.StringOutput{}, Arns: map[string]pulumi.StringOutput{}, StreamArns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	tables := append([]Table(nil), args.Tables...)
	sort.Slice(tables, func(i, j int) bool { return tables[i].Logical < tables[j].Logical })
	for _, t := range tables {
		tn := naming.Child(name, t.Logical)
		ta := &dynamodb.TableArgs{
			HashKey:                   pulumi.String(t.HashKey),
			Attributes:                dynamodb.TableAttributeArray{dynamodb.TableAttributeArgs{Name: pulumi.String(t.HashKey), Type: pulumi.String("S")}},
			PointInTimeRecovery:       dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(args.PointInTimeRecovery)},
			ServerSideEncryption:      dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: args.KeyArn},
			DeletionProtectionEnabled: pulumi.Bool(args.DeletionProtection),
		}
		if t.RangeKey != "" {
			ta.RangeKey = pulumi.String(t.RangeKey)
			ta.Attributes = append(ta.Attributes.(dynamodb.TableAttributeArray), dynamodb.TableAttributeArgs{Name: pulumi.String(t.RangeKey), Type: pulumi.String("S")})
		}
		if t.TTLAttribute != "" {
			ta.Ttl = dynamodb.TableTtlArgs{AttributeName: pulumi.String(t.TTLAttribute), Enabled: pulumi.Bool(true)}
		}
		if args.Streams {
			ta.StreamEnabled = pulumi.Bool(true)
			ta.StreamViewType = pulumi.String("NEW_AND_OLD_IMAGES")
		}
		if args.CapacityMode == OnDemand {
			ta.BillingMode = pulumi.String("PAY_PER_REQUEST")
		} else {
			ta.BillingMode = pulumi.String("PROVISIONED")
			ta.ReadCapacity = pulumi.Int(args.ReadCapacity)
			ta.WriteCapacity = pulumi.Int(args.WriteCapacity)
		}
		// Autoscaling changes the provisioned units; without ignoring them
		// every update would reset the table to the minimum.
		topts := []pulumi.ResourceOption{parent}
		if args.CapacityMode == Provisioned {
			topts = append(topts, pulumi.IgnoreChanges([]string{"readCapacity", "writeCapacity"}))
		}
		table, err := dynamodb.NewTable(ctx, tn, ta, topts...)
		if err != nil {
			return nil, err
		}
		comp.Names[t.Logical] = table.Name
		comp.Arns[t.Logical] = table.Arn
		comp.StreamArns[t.Logical] = table.StreamArn
		if args.CapacityMode == Provisioned {
			if err := autoscale(ctx, tn, table, args, parent); err != nil {
				return nil, err
			}
		}
	}
	outs := pulumi.Map{}
	for k := range comp.Names {
		outs[k+"TableName"] = comp.Names[k]
		outs[k+"TableArn"] = comp.Arns[k]
	}
	if err := ctx.RegisterResourceOutputs(comp, outs); err != nil {
		return nil, err
	}
	return comp, nil
}

func autoscale(ctx *pulumi.Context, tn string, table *dynamodb.Table, args *Args, parent pulumi.ResourceOption) error {
	for _, d := range []struct {
		kind, dim, metric string
		min, max          int
	}{
		{"read", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization", args.ReadCapacity, args.MaxReadCapacity},
		{"write", "dynamodb:table:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization", args.WriteCapacity, args.MaxWriteCapacity},
	} {
		target, err := appautoscaling.NewTarget(ctx, naming.Child(tn, d.kind, "target"), &appautoscaling.TargetArgs{
			ServiceNamespace:  pulumi.String("dynamodb"),
			ResourceId:        pulumi.Sprintf("table/%s", table.Name),
			ScalableDimension: pulumi.String(d.dim),
			MinCapacity:       pulumi.Int(d.min),
			MaxCapacity:       pulumi.Int(d.max),
		}, parent)
		if err != nil {
			return err
		}
		if _, err := appautoscaling.NewPolicy(ctx, naming.Child(tn, d.kind, "policy"), &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ResourceId:        target.ResourceId,
			ScalableDimension: target.ScalableDimension,
			TargetTrackingScalingPolicyConfiguration: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue: pulumi.Float64(float64(args.TargetUtilization)),
				PredefinedMetricSpecification: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(d.metric),
				},
			},
		}, parent); err != nil {
			return err
		}
	}
	return nil
}
