package data

import (
	"errors"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
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
	// Global gives the table a replica in each region of Args.Replicas.
	Global bool
}

// Replica is a region, other than the stack's, holding a replica of every
// Global table: DynamoDB global tables version 2019.11.21, which the
// table's replicas argument creates. DynamoDB replicates items, TTL
// deletions and the TTL setting; each replica has its own KMS key and
// point-in-time recovery.
type Replica struct {
	// Region is the region name ("eu-central-1").
	Region string
	// Provider is an AWS provider of Region: the replica's KMS key is
	// created through it (a KMS key belongs to one region).
	Provider pulumi.ProviderResource
	// KeyPolicy is the replica key's policy document (JSON).
	KeyPolicy string
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
	// table; PointInTimeRecovery to every replica too.
	PointInTimeRecovery, Streams, DeletionProtection bool
	// Replicas are the regions of the Global tables' replicas; they need
	// Streams (global tables replicate from a NEW_AND_OLD_IMAGES stream).
	Replicas []Replica
	// KeyDeletionWindowDays is the deletion window of the replicas' KMS
	// keys (7..30); used only with Replicas.
	KeyDeletionWindowDays int
}

// Data is the set of tables.
type Data struct {
	pulumi.ResourceState

	// Names and Arns map logical names to table names and ARNs.
	Names map[string]pulumi.StringOutput
	Arns  map[string]pulumi.StringOutput
	// StreamArns maps logical names to stream ARNs (empty without streams).
	StreamArns map[string]pulumi.StringOutput
	// ReplicaKeyArns maps replica regions to the ARN of the KMS key of
	// their replicas (empty without Replicas).
	ReplicaKeyArns map[string]pulumi.StringOutput
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
	if len(a.Replicas) == 0 {
		return nil
	}
	if !a.Streams {
		return errors.New("data: replicas need Streams (global tables replicate from a NEW_AND_OLD_IMAGES stream)")
	}
	if a.KeyDeletionWindowDays < 7 || a.KeyDeletionWindowDays > 30 {
		return fmt.Errorf("data: KeyDeletionWindowDays %d is outside 7..30", a.KeyDeletionWindowDays)
	}
	regions := map[string]bool{}
	for _, r := range a.Replicas {
		if r.Region == "" || r.Provider == nil || r.KeyPolicy == "" {
			return fmt.Errorf("data: replica %q needs a region, a provider and a key policy", r.Region)
		}
		if regions[r.Region] {
			return fmt.Errorf("data: replica region %s listed twice", r.Region)
		}
		regions[r.Region] = true
	}
	return nil
}

// New creates the Data component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Data, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Data{Names: map[string]pulumi.StringOutput{}, Arns: map[string]pulumi.StringOutput{}, StreamArns: map[string]pulumi.StringOutput{}, ReplicaKeyArns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	replicas, err := replicaKeys(ctx, name, comp, args)
	if err != nil {
		return nil, err
	}
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
		if t.Global && len(replicas) > 0 {
			ta.Replicas = replicas
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
	if len(comp.ReplicaKeyArns) > 0 {
		keys := pulumi.StringMap{}
		for r, arn := range comp.ReplicaKeyArns {
			keys[r] = arn
		}
		outs["replicaKeyArns"] = keys
	}
	if err := ctx.RegisterResourceOutputs(comp, outs); err != nil {
		return nil, err
	}
	return comp, nil
}

// replicaKeys creates the KMS key (and its alias, named as the stack's key
// is) of each replica region through the region's provider, and returns
// the replicas argument of the Global tables: one replica per region with
// its key, point-in-time recovery as the table's and the table's tags.
func replicaKeys(ctx *pulumi.Context, name string, comp *Data, args *Args) (dynamodb.TableReplicaTypeArray, error) {
	var out dynamodb.TableReplicaTypeArray
	for _, r := range args.Replicas {
		opts := []pulumi.ResourceOption{pulumi.Parent(comp), pulumi.Provider(r.Provider)}
		key, err := kms.NewKey(ctx, naming.Child(name, "key", r.Region), &kms.KeyArgs{
			Description:          pulumi.Sprintf("Sluice %s/%s: replicas of the tables in %s", ctx.Project(), ctx.Stack(), r.Region),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(args.KeyDeletionWindowDays),
			Policy:               pulumi.String(r.KeyPolicy),
		}, opts...)
		if err != nil {
			return nil, err
		}
		if _, err := kms.NewAlias(ctx, naming.Child(name, "alias", r.Region), &kms.AliasArgs{
			Name:        pulumi.String("alias/" + naming.Physical(ctx.Project(), ctx.Stack(), naming.Child(name, "replicas"), 250)),
			TargetKeyId: key.KeyId,
		}, opts...); err != nil {
			return nil, err
		}
		comp.ReplicaKeyArns[r.Region] = key.Arn
		out = append(out, dynamodb.TableReplicaTypeArgs{
			RegionName:          pulumi.String(r.Region),
			KmsKeyArn:           key.Arn,
			PointInTimeRecovery: pulumi.Bool(args.PointInTimeRecovery),
			PropagateTags:       pulumi.Bool(true),
		})
	}
	return out, nil
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
