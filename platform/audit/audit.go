package audit

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:audit:Audit"

// Metric names the metric filters publish, in the namespace Audit.Namespace
// (one per stack: "Sluice/<project>-<stack>-<component name>").
const (
	MetricAccessDenied        = "AccessDenied"
	MetricUnexpectedPrincipal = "UnexpectedPrincipal"
)

// Args configures the Audit component.
type Args struct {
	// AccountID, Partition and Region locate the stack: the trail's ARN,
	// the log group's and the policies' conditions. Required.
	AccountID, Partition, Region string
	// BucketArn is the watched bucket: the data events of all its objects
	// are recorded. Required.
	BucketArn pulumi.StringInput
	// TableArns maps logical table names to the watched tables' ARNs; at
	// least one.
	TableArns map[string]pulumi.StringInput
	// PipelineRoleArns maps names to the roles that access the bucket and
	// tables as part of the pipeline (functions, state machine,
	// reconciler); at least one.
	PipelineRoleArns map[string]pulumi.StringInput
	// TrustedRoleArns are further roles whose access is expected (the
	// uploaders), as ARNs.
	TrustedRoleArns []string
	// TopicArn receives the alarms' state changes. Required.
	TopicArn pulumi.StringInput
	// ActionsEnabled sends state changes to the topic.
	ActionsEnabled bool
	// LogRetentionDays is the log group's retention, a CloudWatch Logs
	// retention value.
	LogRetentionDays int
	// ArchiveDays expires the log files in the audit bucket, and their
	// noncurrent versions, after this many days (at least 1).
	ArchiveDays int
	// AccessDeniedThreshold is the number of denied calls within five
	// minutes at which the access-denied alarm fires (at least 1).
	AccessDeniedThreshold int
	// KeyDeletionWindowDays is the audit key's deletion window, 7 to 30.
	KeyDeletionWindowDays int
	// ForceDestroy lets `pulumi destroy` delete the audit bucket with its
	// log files.
	ForceDestroy bool
}

// Audit is the trail, its destinations, the metric filters and alarms.
type Audit struct {
	pulumi.ResourceState

	// TrailArn identifies the trail.
	TrailArn pulumi.StringOutput `pulumi:"trailArn"`
	// BucketName is the audit bucket (log files under AWSLogs/).
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	// LogGroupName is the log group the trail delivers to.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// KeyArn is the key of the log files and the log group.
	KeyArn pulumi.StringOutput `pulumi:"keyArn"`
	// Namespace is the metrics' CloudWatch namespace.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
	// AlarmArns are the access-denied and unexpected-principal alarms, in
	// that order.
	AlarmArns pulumi.StringArrayOutput `pulumi:"alarmArns"`
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("audit: nil Args")
	}
	if a.AccountID == "" || a.Partition == "" || a.Region == "" || a.BucketArn == nil || a.TopicArn == nil {
		return errors.New("audit: AccountID, Partition, Region, BucketArn and TopicArn are required")
	}
	if len(a.TableArns) == 0 {
		return errors.New("audit: no table to watch")
	}
	if len(a.PipelineRoleArns) == 0 {
		return errors.New("audit: no pipeline role: every access would be unexpected")
	}
	for n, v := range a.TableArns {
		if v == nil {
			return fmt.Errorf("audit: table %s has no ARN", n)
		}
	}
	for n, v := range a.PipelineRoleArns {
		if v == nil {
			return fmt.Errorf("audit: pipeline role %s has no ARN", n)
		}
	}
	if a.LogRetentionDays < 1 || a.ArchiveDays < 1 || a.AccessDeniedThreshold < 1 {
		return fmt.Errorf("audit: LogRetentionDays %d, ArchiveDays %d and AccessDeniedThreshold %d must be positive", a.LogRetentionDays, a.ArchiveDays, a.AccessDeniedThreshold)
	}
	if a.KeyDeletionWindowDays < 7 || a.KeyDeletionWindowDays > 30 {
		return fmt.Errorf("audit: KeyDeletionWindowDays %d is outside 7..30", a.KeyDeletionWindowDays)
	}
	return nil
}

// New creates the Audit component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Audit, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Audit{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	// The trail's and the log group's names are chosen here, so that the
	// policies can name them before they exist (the trail's creation
	// checks those policies).
	physical := naming.Physical(ctx.Project(), ctx.Stack(), name, 120)
	trailName := physical
	logGroupName := "/aws/cloudtrail/" + physical
	trailARN := TrailARN(args.Partition, args.Region, args.AccountID, trailName)
	logGroupARN := LogGroupARN(args.Partition, args.Region, args.AccountID, logGroupName)

	keyPolicy, err := policy.JSON(KeyPolicy(args.AccountID, args.Partition, args.Region, trailARN, logGroupARN))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	key, err := kms.NewKey(ctx, naming.Child(name, "key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("Sluice %s/%s: audit trail log files and log group", ctx.Project(), ctx.Stack()),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(args.KeyDeletionWindowDays),
		Policy:               pulumi.String(keyPolicy),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, naming.Child(name, "alias"), &kms.AliasArgs{
		Name:        pulumi.String("alias/" + naming.Physical(ctx.Project(), ctx.Stack(), name, 250)),
		TargetKeyId: key.KeyId,
	}, parent); err != nil {
		return nil, err
	}

	bucket, bucketPolicy, err := comp.bucket(ctx, name, args, key.Arn, trailARN, parent)
	if err != nil {
		return nil, err
	}

	logGroup, err := cloudwatch.NewLogGroup(ctx, naming.Child(name, "log-group"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(logGroupName),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        key.Arn,
	}, parent)
	if err != nil {
		return nil, err
	}
	trust, err := policy.JSON(policy.AssumeRole(nil, "cloudtrail.amazonaws.com"))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	role, err := iam.NewRole(ctx, naming.Child(name, "logs-role"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("Sluice %s: CloudTrail delivers the audit trail to its log group", ctx.Stack()),
		AssumeRolePolicy: pulumi.String(trust),
	}, parent)
	if err != nil {
		return nil, err
	}
	rolePolicy, err := policy.JSON(LogsRolePolicy(args.AccountID, args.Region, logGroupARN))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	rp, err := iam.NewRolePolicy(ctx, naming.Child(name, "logs-role-policy"), &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: pulumi.String(rolePolicy),
	}, parent)
	if err != nil {
		return nil, err
	}

	trail, err := cloudtrail.NewTrail(ctx, naming.Child(name, "trail"), &cloudtrail.TrailArgs{
		Name:                       pulumi.String(trailName),
		S3BucketName:               bucket.ID(),
		KmsKeyId:                   key.Arn,
		CloudWatchLogsGroupArn:     pulumi.Sprintf("%s:*", logGroup.Arn),
		CloudWatchLogsRoleArn:      role.Arn,
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		IsMultiRegionTrail:         pulumi.Bool(false),
		IncludeGlobalServiceEvents: pulumi.Bool(false),
		AdvancedEventSelectors:     selectorArgs(args),
	}, parent, pulumi.DependsOn([]pulumi.Resource{bucketPolicy, rp, key}))
	if err != nil {
		return nil, err
	}

	namespace := "Sluice/" + physical
	alarms, err := comp.alarms(ctx, name, args, namespace, logGroup.Name, parent)
	if err != nil {
		return nil, err
	}

	comp.TrailArn, comp.BucketName, comp.LogGroupName, comp.KeyArn = trail.Arn, bucket.ID().ToStringOutput(), logGroup.Name, key.Arn
	comp.Namespace = pulumi.String(namespace).ToStringOutput()
	comp.AlarmArns = alarms.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"trailArn":     comp.TrailArn,
		"bucketName":   comp.BucketName,
		"logGroupName": comp.LogGroupName,
		"keyArn":       comp.KeyArn,
		"namespace":    comp.Namespace,
		"alarmArns":    comp.AlarmArns,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// selectorArgs resolves Selectors once the bucket's and tables' ARNs are
// known.
func selectorArgs(args *Args) cloudtrail.TrailAdvancedEventSelectorArrayOutput {
	names := slices.Sorted(maps.Keys(args.TableArns))
	inputs := []interface{}{args.BucketArn}
	for _, n := range names {
		inputs = append(inputs, args.TableArns[n])
	}
	return pulumi.All(inputs...).ApplyT(func(v []interface{}) ([]cloudtrail.TrailAdvancedEventSelector, error) {
		s, err := strs(v)
		if err != nil {
			return nil, err
		}
		var out []cloudtrail.TrailAdvancedEventSelector
		for _, sel := range Selectors(s[0], s[1:]) {
			name := sel.Name
			ts := cloudtrail.TrailAdvancedEventSelector{Name: &name}
			for _, f := range sel.Fields {
				ts.FieldSelectors = append(ts.FieldSelectors, cloudtrail.TrailAdvancedEventSelectorFieldSelector{
					Field: f.Field, Equals: f.Equals, StartsWiths: f.StartsWith,
				})
			}
			out = append(out, ts)
		}
		return out, nil
	}).(cloudtrail.TrailAdvancedEventSelectorArrayOutput)
}

func strs(v []interface{}) ([]string, error) {
	out := make([]string, len(v))
	for i := range v {
		s, ok := v[i].(string)
		if !ok {
			return nil, fmt.Errorf("audit: input %d is %T, not a string", i, v[i])
		}
		out[i] = s
	}
	return out, nil
}

// bucket creates the audit bucket: private, owner-enforced, versioned,
// encrypted with the audit key, TLS-only, writable by the trail only, its
// log files expiring after ArchiveDays.
func (c *Audit) bucket(ctx *pulumi.Context, name string, args *Args, keyArn pulumi.StringOutput, trailARN string, parent pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, error) {
	bucket, err := s3.NewBucketV2(ctx, naming.Child(name, "bucket"), &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	ownership, err := s3.NewBucketOwnershipControls(ctx, naming.Child(name, "ownership"), &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, naming.Child(name, "public-access"), &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, naming.Child(name, "versioning"), &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, naming.Child(name, "encryption"), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: keyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, nil, err
	}
	bp, err := s3.NewBucketPolicy(ctx, naming.Child(name, "policy"), &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy.Render(BucketPolicy(args.AccountID, trailARN), map[string]pulumi.StringInput{"bucket": bucket.Arn}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{pab, ownership}))
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, naming.Child(name, "lifecycle"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:                             pulumi.String("expire-log-files"),
			Status:                         pulumi.String("Enabled"),
			Filter:                         s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
			Expiration:                     s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(args.ArchiveDays)},
			NoncurrentVersionExpiration:    s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(args.ArchiveDays)},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, nil, err
	}
	return bucket, bp, nil
}

// alarms creates the metric filters on the trail's log group and an alarm
// on each, returning the alarms' ARNs.
func (c *Audit) alarms(ctx *pulumi.Context, name string, args *Args, namespace string, logGroup pulumi.StringOutput, parent pulumi.ResourceOption) (pulumi.StringArray, error) {
	roleNames := slices.Sorted(maps.Keys(args.PipelineRoleArns))
	var roleInputs []interface{}
	for _, n := range roleNames {
		roleInputs = append(roleInputs, args.PipelineRoleArns[n])
	}
	trusted := slices.Clone(args.TrustedRoleArns)
	unexpected := pulumi.All(roleInputs...).ApplyT(func(v []interface{}) (string, error) {
		roles, err := strs(v)
		if err != nil {
			return "", err
		}
		return UnexpectedPrincipalPattern(append(roles, trusted...))
	}).(pulumi.StringOutput)

	filters := []struct {
		suffix, metric, description string
		pattern                     pulumi.StringInput
		threshold                   int
	}{
		{"access-denied", MetricAccessDenied,
			fmt.Sprintf("Sluice %s: %d or more calls on the pipeline bucket or tables were denied within five minutes (the audit log group lists them)", ctx.Stack(), args.AccessDeniedThreshold),
			pulumi.String(AccessDeniedPattern), args.AccessDeniedThreshold},
		{"unexpected-principal", MetricUnexpectedPrincipal,
			fmt.Sprintf("Sluice %s: a principal other than the pipeline's roles and the trusted roles accessed the pipeline bucket or tables (the audit log group lists who)", ctx.Stack()),
			unexpected, 1},
	}
	var arns pulumi.StringArray
	for _, f := range filters {
		if _, err := cloudwatch.NewLogMetricFilter(ctx, naming.Child(name, f.suffix+"-filter"), &cloudwatch.LogMetricFilterArgs{
			LogGroupName: logGroup,
			Pattern:      f.pattern,
			MetricTransformation: cloudwatch.LogMetricFilterMetricTransformationArgs{
				Namespace: pulumi.String(namespace),
				Name:      pulumi.String(f.metric),
				Value:     pulumi.String("1"),
				Unit:      pulumi.String("Count"),
			},
		}, parent); err != nil {
			return nil, err
		}
		alarm, err := cloudwatch.NewMetricAlarm(ctx, naming.Child(name, f.suffix), &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.String(f.description),
			Namespace:          pulumi.String(namespace),
			MetricName:         pulumi.String(f.metric),
			Statistic:          pulumi.String("Sum"),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(1),
			Threshold:          pulumi.Float64(float64(f.threshold)),
			ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   pulumi.String("notBreaching"),
			ActionsEnabled:     pulumi.Bool(args.ActionsEnabled),
			AlarmActions:       pulumi.Array{args.TopicArn},
			OkActions:          pulumi.Array{args.TopicArn},
		}, parent)
		if err != nil {
			return nil, err
		}
		arns = append(arns, alarm.Arn)
	}
	return arns, nil
}
