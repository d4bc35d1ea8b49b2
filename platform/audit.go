package platform

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/audit"
)

// ComponentAudit is the audit trail's component name (config auditTrail).
const ComponentAudit = "audit"

// auditInputs are what the audit trail watches and whom it expects.
type auditInputs struct {
	account, partition, region string
	bucketArn                  pulumi.StringInput
	tableArns                  map[string]pulumi.StringOutput
	// roleArns are the pipeline's roles: the functions', the state
	// machine's, the reconciler's.
	roleArns map[string]pulumi.StringOutput
	topicArn pulumi.StringInput
}

// deployAudit creates the audit trail of the stack (config auditTrail)
// with its settings from cfg.
func deployAudit(ctx *pulumi.Context, cfg Config, in auditInputs, opt pulumi.ResourceOption) (*audit.Audit, error) {
	tables := map[string]pulumi.StringInput{}
	for t, arn := range in.tableArns {
		tables[t] = arn
	}
	roles := map[string]pulumi.StringInput{}
	for r, arn := range in.roleArns {
		roles[r] = arn
	}
	return audit.New(ctx, ComponentAudit, &audit.Args{
		AccountID: in.account, Partition: in.partition, Region: in.region,
		BucketArn:             in.bucketArn,
		TableArns:             tables,
		PipelineRoleArns:      roles,
		TrustedRoleArns:       cfg.AuditTrustedRoles,
		TopicArn:              in.topicArn,
		ActionsEnabled:        cfg.AlarmActions,
		LogRetentionDays:      cfg.AuditLogRetentionDays,
		ArchiveDays:           cfg.AuditArchiveDays,
		AccessDeniedThreshold: cfg.AuditAccessDeniedThreshold,
		KeyDeletionWindowDays: cfg.KeyDeletionWindowDays,
		ForceDestroy:          cfg.ForceDestroy,
	}, opt)
}
