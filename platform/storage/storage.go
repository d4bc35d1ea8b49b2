package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:storage:Storage"

// Args configures the Storage component.
type Args struct {
	// KeyArn is the KMS key objects are encrypted with. Required.
	KeyArn pulumi.StringInput
	// IncomingPrefixes are the datasets' prefixes (ending in '/'); files
	// under them move to STANDARD_IA and then GLACIER. Required.
	IncomingPrefixes []string
	// BatchPrefixes are those of IncomingPrefixes whose datasets run in
	// batches: the batch machine's role (naming.TagSettles) may delete a
	// version there once it copied it under processed/. Default: none.
	BatchPrefixes []string
	// IADays and GlacierDays are the transitions of incoming files (and of
	// the batches' processed copies).
	IADays, GlacierDays int
	// StagingExpireDays, ResultsExpireDays, ReportsExpireDays and
	// QuarantineExpireDays expire what the pipeline writes (quarantine/
	// holds copies of rejected files, which the incoming originals outlive).
	StagingExpireDays, ResultsExpireDays, ReportsExpireDays, QuarantineExpireDays int
	// NoncurrentExpireDays expires overwritten and deleted versions.
	NoncurrentExpireDays int
	// ForceDestroy lets the bucket be destroyed while holding objects.
	ForceDestroy bool
}

// Storage is the pipeline bucket.
type Storage struct {
	pulumi.ResourceState

	// BucketName and BucketArn identify the bucket.
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	BucketArn  pulumi.StringOutput `pulumi:"bucketArn"`
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("storage: nil Args")
	}
	if a.KeyArn == nil {
		return errors.New("storage: KeyArn is required")
	}
	if len(a.IncomingPrefixes) == 0 {
		return errors.New("storage: IncomingPrefixes is empty")
	}
	for _, p := range a.IncomingPrefixes {
		if p == "" || !strings.HasSuffix(p, "/") {
			return fmt.Errorf("storage: incoming prefix %q must end in '/'", p)
		}
	}
	for _, p := range a.BatchPrefixes {
		if !slices.Contains(a.IncomingPrefixes, p) {
			return fmt.Errorf("storage: batch prefix %q is not an incoming prefix", p)
		}
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"IADays", a.IADays}, {"StagingExpireDays", a.StagingExpireDays}, {"ResultsExpireDays", a.ResultsExpireDays}, {"ReportsExpireDays", a.ReportsExpireDays}, {"QuarantineExpireDays", a.QuarantineExpireDays}, {"NoncurrentExpireDays", a.NoncurrentExpireDays}} {
		if d.v < 1 {
			return fmt.Errorf("storage: %s %d must be positive", d.name, d.v)
		}
	}
	if a.GlacierDays < a.IADays+30 {
		return fmt.Errorf("storage: GlacierDays %d must be at least IADays+30", a.GlacierDays)
	}
	return nil
}

// TLSOnlyPolicy denies every request to the bucket that does not use TLS.
func TLSOnlyPolicy() policy.Document {
	return policy.Document{Statement: []policy.Statement{
		policy.DenyInsecureTransport("DenyInsecureTransport", []string{"s3:*"}, []string{"${bucket}", "${bucket}/*"}),
	}}
}

// IncomingWriteActions are the object actions that change what lies under
// an incoming prefix: only uploaders may call them there.
var IncomingWriteActions = []string{
	"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
	"s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging",
	"s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:RestoreObject",
}

// BucketPolicy is the bucket's policy: TLSOnlyPolicy, plus a Deny of
// IncomingWriteActions under the incoming prefixes to every principal
// tagged as a pipeline role (naming.TagRole). The pipeline reads incoming
// files and never writes them; its roles' own policies do not grant these
// writes either (the state machine's object actions cover bucket/*, for
// its quarantine copies and results), and the Deny holds whatever they
// grant.
//
// Under a batched dataset's prefix (batchPrefixes) the Deny is split in
// two: every write but s3:DeleteObjectVersion, to every pipeline role; and
// s3:DeleteObjectVersion to every pipeline role but the one tagged
// naming.TagSettles (the batch machine's, which deletes the version it
// settled after copying it under processed/; negated condition operators
// match a principal without the tag).
func BucketPolicy(incomingPrefixes, batchPrefixes []string) policy.Document {
	doc := TLSOnlyPolicy()
	pipelineRole := map[string][]string{"aws:PrincipalTag/" + naming.TagRole: {naming.RolePipeline}}
	var res, batchRes []string
	for _, p := range incomingPrefixes {
		if slices.Contains(batchPrefixes, p) {
			batchRes = append(batchRes, "${bucket}/"+p+"*")
		} else {
			res = append(res, "${bucket}/"+p+"*")
		}
	}
	if len(res) > 0 {
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid:       "OnlyUploadersWriteIncoming",
			Effect:    "Deny",
			Principal: &policy.Principal{Any: true},
			Action:    IncomingWriteActions,
			Resource:  res,
			Condition: map[string]map[string][]string{"StringEquals": pipelineRole},
		})
	}
	if len(batchRes) > 0 {
		var writes []string
		for _, a := range IncomingWriteActions {
			if a != "s3:DeleteObjectVersion" {
				writes = append(writes, a)
			}
		}
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid:       "OnlyUploadersWriteBatchIncoming",
			Effect:    "Deny",
			Principal: &policy.Principal{Any: true},
			Action:    writes,
			Resource:  batchRes,
			Condition: map[string]map[string][]string{"StringEquals": pipelineRole},
		}, policy.Statement{
			Sid:       "OnlyTheBatchSettlesBatchIncoming",
			Effect:    "Deny",
			Principal: &policy.Principal{Any: true},
			Action:    []string{"s3:DeleteObjectVersion"},
			Resource:  batchRes,
			Condition: map[string]map[string][]string{
				"StringEquals":    pipelineRole,
				"StringNotEquals": {"aws:PrincipalTag/" + naming.TagSettles: {naming.SettlesBatches}},
			},
		})
	}
	return doc
}

// New creates the Storage component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Storage, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Storage{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	bucket, err := s3.NewBucketV2(ctx, naming.Child(name, "bucket"), &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
	}, parent)
	if err != nil {
		return nil, err
	}
	ownership, err := s3.NewBucketOwnershipControls(ctx, naming.Child(name, "ownership"), &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent)
	if err != nil {
		return nil, err
	}
	pab, err := s3.NewBucketPublicAccessBlock(ctx, naming.Child(name, "public-access"), &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, naming.Child(name, "versioning"), &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, naming.Child(name, "encryption"), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm:   pulumi.String("aws:kms"),
				KmsMasterKeyId: args.KeyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPolicy(ctx, naming.Child(name, "policy"), &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: policy.Render(BucketPolicy(args.IncomingPrefixes, args.BatchPrefixes), map[string]pulumi.StringInput{"bucket": bucket.Arn}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{pab, ownership})); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, naming.Child(name, "lifecycle"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  lifecycleRules(args),
	}, parent, pulumi.DependsOn([]pulumi.Resource{versioning})); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketNotification(ctx, naming.Child(name, "notification"), &s3.BucketNotificationArgs{
		Bucket:      bucket.ID(),
		Eventbridge: pulumi.Bool(true),
	}, parent); err != nil {
		return nil, err
	}

	comp.BucketName = bucket.ID().ToStringOutput()
	comp.BucketArn = bucket.Arn
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"bucketName": comp.BucketName,
		"bucketArn":  comp.BucketArn,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

func lifecycleRules(a *Args) s3.BucketLifecycleConfigurationV2RuleArray {
	var rules s3.BucketLifecycleConfigurationV2RuleArray
	for _, p := range a.IncomingPrefixes {
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("archive-" + strings.Trim(strings.ReplaceAll(p, "/", "-"), "-")),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(p)},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(a.IADays), StorageClass: pulumi.String("STANDARD_IA")},
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(a.GlacierDays), StorageClass: pulumi.String("GLACIER")},
			},
		})
	}
	if len(a.BatchPrefixes) > 0 {
		// The batches' processed copies age as the incoming files do.
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("archive-" + strings.TrimSuffix(contract.ProcessedPrefix, "/")),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(contract.ProcessedPrefix)},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(a.IADays), StorageClass: pulumi.String("STANDARD_IA")},
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(a.GlacierDays), StorageClass: pulumi.String("GLACIER")},
			},
		})
	}
	for _, e := range []struct {
		prefix string
		days   int
	}{{contract.StagingPrefix, a.StagingExpireDays}, {contract.ResultsPrefix, a.ResultsExpireDays}, {contract.ReportsPrefix, a.ReportsExpireDays}, {contract.QuarantinePrefix, a.QuarantineExpireDays}} {
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-" + strings.TrimSuffix(e.prefix, "/")),
			Status:     pulumi.String("Enabled"),
			Filter:     s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String(e.prefix)},
			Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(e.days)},
		})
	}
	rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:                             pulumi.String("noncurrent-versions"),
		Status:                         pulumi.String("Enabled"),
		Filter:                         s3.BucketLifecycleConfigurationV2RuleFilterArgs{},
		NoncurrentVersionExpiration:    s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(a.NoncurrentExpireDays)},
		AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
		Expiration:                     s3.BucketLifecycleConfigurationV2RuleExpirationArgs{ExpiredObjectDeleteMarker: pulumi.Bool(true)},
	})
	return rules
}
