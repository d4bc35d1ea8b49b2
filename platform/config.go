package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Capacity modes of the DynamoDB tables (config key capacityMode).
const (
	OnDemand    = "on-demand"
	Provisioned = "provisioned"
)

// Config is the validated stack configuration. LoadConfig reads it once in
// main; components receive typed values from it through their Args and
// never read configuration themselves.
type Config struct {
	// Project and Stack name the deployment (tags, physical names).
	Project, Stack string
	// Region is aws:region, passed to the explicit AWS provider. Empty: the
	// provider's own default (AWS_REGION).
	Region string
	// AWS is the rest of the stack's aws:* configuration (profile,
	// assumeRole, allowedAccountIds, endpoints, skip flags, ...), passed to
	// every explicit provider (ProviderArgs).
	AWS AWSConfig `json:"-"`

	// IncomingIADays, IncomingGlacierDays: incoming files move to
	// STANDARD_IA, then GLACIER, after this many days.
	IncomingIADays, IncomingGlacierDays int
	// StagingExpireDays, ResultsExpireDays, ReportsExpireDays,
	// QuarantineExpireDays: objects under staging/, results/, reports/ and
	// quarantine/ expire after this many days.
	StagingExpireDays, ResultsExpireDays, ReportsExpireDays, QuarantineExpireDays int
	// NoncurrentExpireDays: noncurrent object versions expire after this
	// many days.
	NoncurrentExpireDays int
	// ForceDestroy lets `pulumi destroy` empty the bucket.
	ForceDestroy bool

	// CapacityMode is OnDemand or Provisioned.
	CapacityMode string
	// ReadCapacity, WriteCapacity: provisioned minimum units (autoscaling
	// floor); MaxReadCapacity, MaxWriteCapacity: autoscaling ceiling.
	ReadCapacity, WriteCapacity, MaxReadCapacity, MaxWriteCapacity int
	// AutoscalingTarget is the target utilisation in percent.
	AutoscalingTarget int
	// PointInTimeRecovery turns on PITR for every table.
	PointInTimeRecovery bool
	// Streams turns on DynamoDB streams (NEW_AND_OLD_IMAGES).
	Streams bool
	// DeletionProtection protects tables (and the key) from deletion.
	DeletionProtection bool
	// TTLAttribute is the TTL attribute of tables no dataset declares a
	// TTL for, the ledger's among them.
	TTLAttribute string
	// TableReplicaRegions are the regions, besides the stack's, that hold a
	// replica of each data table (a DynamoDB global table, version
	// 2019.11.21); empty for none. Which tables are global: Tables.
	TableReplicaRegions []string
	// LedgerRetentionDays is how long a ledger item outlives the latest
	// end of its execution before DynamoDB's TTL deletes it
	// (pipeline.Options.LedgerRetentionDays).
	LedgerRetentionDays int

	// MemoryMB, TimeoutSeconds, ReservedConcurrency: Lambda settings of
	// every function (ReservedConcurrency -1: unreserved); the reconciler
	// has its own timeout, ReconcileTimeoutSeconds.
	MemoryMB, TimeoutSeconds, ReservedConcurrency int
	// ValidateMemoryMB, TransformMemoryMB, EnrichMemoryMB, LoadMemoryMB
	// and ReconcileMemoryMB size one function each; 0 takes MemoryMB.
	// FunctionMemoryMB resolves them.
	ValidateMemoryMB, TransformMemoryMB, EnrichMemoryMB, LoadMemoryMB, ReconcileMemoryMB int
	// FunctionLogLevel is the Lambda application log level.
	FunctionLogLevel string
	// LogRetentionDays is the retention of every log group.
	LogRetentionDays int

	// StateMachineType is STANDARD or EXPRESS.
	StateMachineType string
	// StateMachineLogLevel is ALL, ERROR, FATAL or OFF.
	StateMachineLogLevel string
	// IncludeExecutionData logs state inputs and outputs.
	IncludeExecutionData bool
	// MapExecutionType, MapMaxConcurrency and ExecutionTimeoutSeconds
	// override the pipeline's options for the stack
	// (pipeline.StackOptions); "" and 0 keep them.
	MapExecutionType                           string
	MapMaxConcurrency, ExecutionTimeoutSeconds int

	// EventMaxAgeSeconds, EventRetryAttempts: the EventBridge target's
	// retry policy.
	EventMaxAgeSeconds, EventRetryAttempts int
	// DLQRetentionDays is how long undeliverable events are kept.
	DLQRetentionDays int
	// OutcomeArchiveDays, when above 0, archives the outcome bus's events
	// for that many days, so that they can be replayed to a subscriber.
	OutcomeArchiveDays int

	// AlarmEmail, when set, subscribes an address to the alarm topic.
	AlarmEmail string
	// AlarmActions sends alarm state changes to the topic.
	AlarmActions bool
	// DurationAlarmPercent: the duration alarm fires when the maximum
	// duration exceeds this share of the timeout.
	DurationAlarmPercent int
	// MonthlyBudgetUSD, when not 0, is a monthly AWS Budget on the stack's
	// costs, alerting AlarmEmail at BudgetAlertPercent of it (and when the
	// forecast passes it).
	MonthlyBudgetUSD, BudgetAlertPercent int

	// AuditTrail turns on the audit trail (platform/audit): CloudTrail data
	// events of the bucket and the tables, their metric filters and alarms.
	AuditTrail bool
	// AuditLogRetentionDays is the retention of the trail's log group.
	AuditLogRetentionDays int
	// AuditArchiveDays: the trail's log files in the audit bucket (and
	// their noncurrent versions) expire after this many days.
	AuditArchiveDays int
	// AuditAccessDeniedThreshold: the access-denied alarm fires at this
	// many denied calls on the bucket and tables in five minutes.
	AuditAccessDeniedThreshold int
	// AuditTrustedRoles are IAM role ARNs, besides the pipeline's own
	// roles, whose access to the bucket and tables is expected (uploaders).
	AuditTrustedRoles []string

	// BatchDatasets are the datasets processed in batches: no rule starts an
	// execution per S3 event of theirs; BatchSchedule starts one execution
	// of the batch machine per dataset, which takes every file pending
	// under its prefix (pipeline.BuildBatch). Empty: every dataset runs per
	// event and no batch machine is deployed.
	BatchDatasets []string
	// BatchSchedule is the EventBridge schedule expression of the batches
	// (ParseSchedule checks it).
	BatchSchedule string
	// BatchMaxFiles bounds the files one batch execution takes; the rest
	// wait for the next (pipeline.BatchOptions.MaxFiles).
	BatchMaxFiles int
	// BatchMaxConcurrency bounds the files a batch processes at once; 0
	// takes the chunk map's (pipeline.BatchOptions.MaxConcurrency).
	BatchMaxConcurrency int
	// BatchExpressMaxKB is the largest file, in KiB, a batch's Express
	// child processes itself; a larger one goes to the per-file machine
	// (pipeline.BatchOptions.ExpressMaxBytes).
	BatchExpressMaxKB int

	// ReconcileSchedule is the EventBridge schedule expression of the
	// reconciler (ParseSchedule checks it).
	ReconcileSchedule string
	// ReconcileGraceMinutes: the reconciler leaves files modified less than
	// this long ago for a later run; ReconcileLookbackDays: it leaves out
	// files modified longer ago than this.
	ReconcileGraceMinutes, ReconcileLookbackDays int
	// ReconcileRedrive lets the reconciler start the pipeline for the
	// files it finds unaccounted (and grants it states:StartExecution).
	ReconcileRedrive bool
	// ReconcileTimeoutSeconds is the reconciler's Lambda timeout.
	ReconcileTimeoutSeconds int

	// KeyDeletionWindowDays is the KMS key's deletion window.
	KeyDeletionWindowDays int
	// VPC runs the functions in private subnets with endpoints.
	VPC bool
	// VPCCidr is the VPC's address range.
	VPCCidr string
	// AZCount is the number of availability zones (private subnets).
	AZCount int
	// Egress is how functions in the VPC reach the internet (the APIs of
	// HTTP enrichments): EgressNone or EgressNAT.
	Egress string
	// EnrichmentSecrets maps the secret names of HTTP enrichments
	// (dataset.HTTPAuth.Secret) to Secrets Manager secret ARNs; the enrich
	// function may read exactly these.
	EnrichmentSecrets map[string]string
	// EnrichmentSecretsKey is the ARN of the customer managed KMS key the
	// enrichment secrets are encrypted with ("" for the AWS managed key
	// aws/secretsmanager, which needs no grant).
	EnrichmentSecretsKey string
}

// Key describes one configuration key: its name in the project namespace,
// Pulumi type, default (as Pulumi.yaml writes it) and meaning. Keys is the
// single list behind LoadConfig, Pulumi.yaml and docs/deploy.md; a test
// keeps the three in step.
type Key struct {
	// Name is the key without the project namespace ("memoryMb").
	Name string
	// Type is the Pulumi config type: string, integer, boolean or array
	// (of strings; Default is then JSON, "[]").
	Type string
	// Default is the value an unset key takes, as written in Pulumi.yaml.
	Default string
	// Description says what the key means.
	Description string

	set func(c *Config, v string) error
}

var logRetentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func intKey(name, def, desc string, lo, hi int, field func(*Config) *int) Key {
	return Key{Name: name, Type: "integer", Default: def, Description: desc, set: func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d is out of range [%d, %d]", n, lo, hi)
		}
		*field(c) = n
		return nil
	}}
}

func boolKey(name, def, desc string, field func(*Config) *bool) Key {
	return Key{Name: name, Type: "boolean", Default: def, Description: desc, set: func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a boolean", v)
		}
		*field(c) = b
		return nil
	}}
}

func enumKey(name, def, desc string, values []string, field func(*Config) *string) Key {
	return Key{Name: name, Type: "string", Default: def, Description: desc + " One of: " + strings.Join(values, ", ") + ".", set: func(c *Config, v string) error {
		if !slices.Contains(values, v) {
			return fmt.Errorf("%q is not one of %s", v, strings.Join(values, ", "))
		}
		*field(c) = v
		return nil
	}}
}

func stringKey(name, def, desc string, check func(string) error, field func(*Config) *string) Key {
	return Key{Name: name, Type: "string", Default: def, Description: desc, set: func(c *Config, v string) error {
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		*field(c) = v
		return nil
	}}
}

// Keys lists every configuration key of the project, in documentation
// order.
var Keys = []Key{
	// storage
	intKey("incomingIaDays", "30", "Days after which incoming files move to STANDARD_IA (at least 30).", 30, 3650, func(c *Config) *int { return &c.IncomingIADays }),
	intKey("incomingGlacierDays", "90", "Days after which incoming files move to GLACIER (at least incomingIaDays + 30).", 60, 36500, func(c *Config) *int { return &c.IncomingGlacierDays }),
	intKey("stagingExpireDays", "7", "Days after which staged chunks under staging/ expire.", 1, 3650, func(c *Config) *int { return &c.StagingExpireDays }),
	intKey("resultsExpireDays", "30", "Days after which objects under results/ expire.", 1, 3650, func(c *Config) *int { return &c.ResultsExpireDays }),
	intKey("reportsExpireDays", "90", "Days after which validation reports under reports/ expire.", 1, 36500, func(c *Config) *int { return &c.ReportsExpireDays }),
	intKey("quarantineExpireDays", "90", "Days after which the copies of rejected files under quarantine/ expire.", 1, 36500, func(c *Config) *int { return &c.QuarantineExpireDays }),
	intKey("noncurrentExpireDays", "30", "Days after which noncurrent object versions expire.", 1, 36500, func(c *Config) *int { return &c.NoncurrentExpireDays }),
	boolKey("forceDestroy", "false", "Let `pulumi destroy` delete a non-empty bucket.", func(c *Config) *bool { return &c.ForceDestroy }),
	// data
	enumKey("capacityMode", OnDemand, "DynamoDB capacity mode of every table.", []string{OnDemand, Provisioned}, func(c *Config) *string { return &c.CapacityMode }),
	intKey("readCapacity", "5", "Provisioned read capacity units per table (autoscaling minimum).", 1, 40000, func(c *Config) *int { return &c.ReadCapacity }),
	intKey("writeCapacity", "5", "Provisioned write capacity units per table (autoscaling minimum).", 1, 40000, func(c *Config) *int { return &c.WriteCapacity }),
	intKey("maxReadCapacity", "50", "Autoscaling maximum read capacity units (provisioned mode).", 1, 40000, func(c *Config) *int { return &c.MaxReadCapacity }),
	intKey("maxWriteCapacity", "50", "Autoscaling maximum write capacity units (provisioned mode).", 1, 40000, func(c *Config) *int { return &c.MaxWriteCapacity }),
	intKey("autoscalingTarget", "70", "Autoscaling target utilisation in percent (provisioned mode).", 20, 90, func(c *Config) *int { return &c.AutoscalingTarget }),
	boolKey("pointInTimeRecovery", "true", "Point-in-time recovery on every table.", func(c *Config) *bool { return &c.PointInTimeRecovery }),
	boolKey("tableStreams", "false", "DynamoDB streams (NEW_AND_OLD_IMAGES) on every table.", func(c *Config) *bool { return &c.Streams }),
	boolKey("deletionProtection", "false", "Deletion protection on the tables.", func(c *Config) *bool { return &c.DeletionProtection }),
	stringKey("ttlAttribute", contract.DefaultTTLAttribute, "TTL attribute of tables whose datasets declare none, the ledger's among them.", checkAttr, func(c *Config) *string { return &c.TTLAttribute }),
	intKey("ledgerRetentionDays", "90", "Days a ledger item (a file's claim and outcome) is kept after its execution's latest possible end; then DynamoDB's TTL deletes it and the same file version would run again. More than reconcileLookbackDays.", 1, 3650, func(c *Config) *int { return &c.LedgerRetentionDays }),
	{Name: "tableReplicaRegions", Type: "array", Default: "[]", Description: "Regions, besides the stack's, holding a replica of the data tables (items, reference; not the ledger): DynamoDB global tables version 2019.11.21, each replica encrypted with a KMS key of its region, with PITR as pointInTimeRecovery and the table's TTL. Needs tableStreams. Replication is billed per write in every region: see docs/deploy.md.", set: func(c *Config, v string) error {
		regions, err := parseRegions(v)
		if err != nil {
			return err
		}
		c.TableReplicaRegions = regions
		return nil
	}},
	// compute
	intKey("memoryMb", "512", "Memory of every function in MB.", 128, 10240, func(c *Config) *int { return &c.MemoryMB }),
	intKey("validateMemoryMb", "0", "Memory of the validate function in MB; 0 takes memoryMb.", 0, 10240, func(c *Config) *int { return &c.ValidateMemoryMB }),
	intKey("transformMemoryMb", "0", "Memory of the transform function in MB; 0 takes memoryMb.", 0, 10240, func(c *Config) *int { return &c.TransformMemoryMB }),
	intKey("enrichMemoryMb", "0", "Memory of the enrich function in MB; 0 takes memoryMb.", 0, 10240, func(c *Config) *int { return &c.EnrichMemoryMB }),
	intKey("loadMemoryMb", "0", "Memory of the load function in MB; 0 takes memoryMb.", 0, 10240, func(c *Config) *int { return &c.LoadMemoryMB }),
	intKey("reconcileMemoryMb", "0", "Memory of the reconciler in MB; 0 takes memoryMb.", 0, 10240, func(c *Config) *int { return &c.ReconcileMemoryMB }),
	intKey("timeoutSeconds", "120", "Timeout of every pipeline function in seconds (the reconciler has reconcileTimeoutSeconds).", 1, 900, func(c *Config) *int { return &c.TimeoutSeconds }),
	intKey("reservedConcurrency", "-1", "Reserved concurrency of every pipeline function; -1 leaves it unreserved (the reconciler reserves 1: one run at a time).", -1, 10000, func(c *Config) *int { return &c.ReservedConcurrency }),
	enumKey("functionLogLevel", "INFO", "Application log level of the functions (JSON logs): Lambda passes it in AWS_LAMBDA_LOG_LEVEL and each function (functions/fnlog) writes slog lines from that level up, naming the dataset, the file and, where its input carries it, the execution. The reconciler's is never above INFO: its metrics are INFO log lines.", []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}, func(c *Config) *string { return &c.FunctionLogLevel }),
	{Name: "logRetentionDays", Type: "integer", Default: "14", Description: "Retention of every log group in days (a CloudWatch Logs retention value).", set: func(c *Config, v string) error {
		return setRetention(v, &c.LogRetentionDays)
	}},
	// orchestration
	enumKey("stateMachineType", "STANDARD", "Step Functions workflow type. EXPRESS is refused: the pipeline runs a Distributed Map, which only STANDARD workflows can (see mapExecutionType).", []string{"STANDARD", "EXPRESS"}, func(c *Config) *string { return &c.StateMachineType }),
	enumKey("stateMachineLogLevel", "ERROR", "Step Functions execution log level.", []string{"ALL", "ERROR", "FATAL", "OFF"}, func(c *Config) *string { return &c.StateMachineLogLevel }),
	boolKey("includeExecutionData", "false", "Log state inputs and outputs (may contain data).", func(c *Config) *bool { return &c.IncludeExecutionData }),
	{Name: "mapExecutionType", Type: "string", Default: "", Description: "Type of the Distributed Map's child executions (one per chunk): STANDARD or EXPRESS; empty keeps the pipeline's default for the stack.", set: func(c *Config, v string) error {
		if v != "" && v != "STANDARD" && v != "EXPRESS" {
			return fmt.Errorf("%q is not STANDARD, EXPRESS or empty", v)
		}
		c.MapExecutionType = v
		return nil
	}},
	intKey("mapMaxConcurrency", "0", "Concurrent chunk executions per file; 0 keeps the pipeline's default for the stack.", 0, 10000, func(c *Config) *int { return &c.MapMaxConcurrency }),
	intKey("executionTimeoutSeconds", "0", "Bound of one execution in seconds; 0 keeps the pipeline's default for the stack.", 0, 31536000, func(c *Config) *int { return &c.ExecutionTimeoutSeconds }),
	// events
	intKey("eventMaxAgeSeconds", "3600", "EventBridge target retry policy: maximum event age in seconds.", 60, 86400, func(c *Config) *int { return &c.EventMaxAgeSeconds }),
	intKey("eventRetryAttempts", "8", "EventBridge target retry policy: maximum retry attempts.", 0, 185, func(c *Config) *int { return &c.EventRetryAttempts }),
	intKey("dlqRetentionDays", "14", "Days the dead-letter queue keeps undelivered events.", 1, 14, func(c *Config) *int { return &c.DLQRetentionDays }),
	intKey("outcomeArchiveDays", "0", "Days an archive of the outcome event bus keeps the files' outcome events for replay; 0 creates no archive.", 0, 3650, func(c *Config) *int { return &c.OutcomeArchiveDays }),
	// batch
	{Name: "batchDatasets", Type: "array", Default: "[]", Description: "Datasets processed in batches instead of one execution per file: no rule starts an execution per S3 event of theirs; on batchSchedule one execution of the batch state machine per dataset takes every file pending under the dataset's prefix through the pipeline (a Distributed Map), then moves each file with an outcome under processed/. See docs/workflow.md.", set: func(c *Config, v string) error {
		names, err := parseNames(v)
		if err != nil {
			return err
		}
		c.BatchDatasets = names
		return nil
	}},
	stringKey("batchSchedule", "rate(15 minutes)", "When the batches of batchDatasets run: an EventBridge schedule expression, rate(value unit) or cron(six fields).", checkSchedule, func(c *Config) *string { return &c.BatchSchedule }),
	intKey("batchMaxFiles", "1000", "Files one batch execution takes at most (its result must fit Step Functions' 256 KiB); the rest wait for the next.", 1, 1000, func(c *Config) *int { return &c.BatchMaxFiles }),
	intKey("batchMaxConcurrency", "0", "Files a batch processes at once; 0 keeps mapMaxConcurrency (or the stack's default).", 0, 10000, func(c *Config) *int { return &c.BatchMaxConcurrency }),
	intKey("batchExpressMaxKb", "1024", "Largest file in KiB a batch's Express child execution (five minutes at most) validates, transforms and loads itself; a larger one, or one of more chunks than load inline, is handed to the per-file state machine. See docs/workflow.md.", 1, pipeline.MaxExpressMaxBytes>>10, func(c *Config) *int { return &c.BatchExpressMaxKB }),
	// monitoring
	stringKey("alarmEmail", "", "E-mail address subscribed to the alarm topic; empty for none.", checkEmail, func(c *Config) *string { return &c.AlarmEmail }),
	boolKey("alarmActions", "true", "Send alarm state changes to the alarm topic.", func(c *Config) *bool { return &c.AlarmActions }),
	intKey("durationAlarmPercent", "80", "Duration alarm threshold in percent of the function timeout.", 10, 100, func(c *Config) *int { return &c.DurationAlarmPercent }),
	intKey("monthlyBudgetUsd", "0", "Monthly AWS Budget of the stack in USD, on the costs its sluice:stack tag marks (activate it as a cost allocation tag); alerts go to alarmEmail; 0 creates none. sluice cost estimates it.", 0, 10000000, func(c *Config) *int { return &c.MonthlyBudgetUSD }),
	intKey("budgetAlertPercent", "80", "The budget e-mails alarmEmail when the month's actual cost passes this share of monthlyBudgetUsd (and when the forecast passes all of it).", 1, 1000, func(c *Config) *int { return &c.BudgetAlertPercent }),
	// audit
	boolKey("auditTrail", "false", "CloudTrail data events of the bucket and the tables, delivered to an audit bucket and a log group, with alarms on denied calls and on access by roles other than the pipeline's (and auditTrustedRoles). Data events are billed per event: see docs/security.md.", func(c *Config) *bool { return &c.AuditTrail }),
	{Name: "auditLogRetentionDays", Type: "integer", Default: "90", Description: "Retention of the audit trail's log group in days (a CloudWatch Logs retention value).", set: func(c *Config, v string) error {
		return setRetention(v, &c.AuditLogRetentionDays)
	}},
	intKey("auditArchiveDays", "365", "Days after which the audit trail's log files in the audit bucket (and their noncurrent versions) expire.", 1, 3650, func(c *Config) *int { return &c.AuditArchiveDays }),
	intKey("auditAccessDeniedThreshold", "5", "The access-denied alarm fires at this many denied calls on the bucket and tables within five minutes.", 1, 100000, func(c *Config) *int { return &c.AuditAccessDeniedThreshold }),
	{Name: "auditTrustedRoles", Type: "string", Default: "", Description: "Comma-separated IAM role ARNs, besides the pipeline's own roles, whose access to the bucket and tables is expected (the uploaders); arn:aws:iam::<account>:role/<path>/* stands for every role under a path. Access by any other principal raises the audit alarm.", set: func(c *Config, v string) error {
		roles, err := parseRoleARNs(v)
		if err != nil {
			return err
		}
		c.AuditTrustedRoles = roles
		return nil
	}},
	// reconciler
	stringKey("reconcileSchedule", "rate(1 hour)", "When the reconciler looks for files no execution claimed: an EventBridge schedule expression, rate(value unit) or cron(six fields).", checkSchedule, func(c *Config) *string { return &c.ReconcileSchedule }),
	intKey("reconcileGraceMinutes", "15", "The reconciler leaves files modified less than this many minutes ago for a later run (their execution may still be starting).", 1, 1440, func(c *Config) *int { return &c.ReconcileGraceMinutes }),
	intKey("reconcileLookbackDays", "7", "The reconciler checks files modified within this many days (it lists the whole bucket, but reads the ledger for these only).", 1, 90, func(c *Config) *int { return &c.ReconcileLookbackDays }),
	boolKey("reconcileRedrive", "false", "The reconciler starts the pipeline for unaccounted files a dataset's rule matches (otherwise it reports and alarms only).", func(c *Config) *bool { return &c.ReconcileRedrive }),
	intKey("reconcileTimeoutSeconds", "300", "Timeout of the reconciler in seconds; it stops listing shortly before.", 30, 900, func(c *Config) *int { return &c.ReconcileTimeoutSeconds }),
	// security
	intKey("keyDeletionWindowDays", "30", "Deletion window of the KMS key in days.", 7, 30, func(c *Config) *int { return &c.KeyDeletionWindowDays }),
	boolKey("vpc", "false", "Run the functions in private subnets of a VPC with endpoints.", func(c *Config) *bool { return &c.VPC }),
	stringKey("vpcCidr", "10.42.0.0/16", "IPv4 range of the VPC (a /16 to /24 prefix).", checkCIDR, func(c *Config) *string { return &c.VPCCidr }),
	intKey("azCount", "2", "Availability zones (one private subnet each) when vpc is on.", 1, 6, func(c *Config) *int { return &c.AZCount }),
	enumKey("egress", EgressNone, "How functions in the VPC reach the internet, which HTTP enrichments need: none (AWS services through endpoints only), or nat (a NAT gateway with an Elastic IP in a public subnet of the first zone; docs/deploy.md).", []string{EgressNone, EgressNAT}, func(c *Config) *string { return &c.Egress }),
	{Name: "enrichmentSecrets", Type: "array", Default: "[]", Description: "Secrets of HTTP enrichments, each NAME=ARN: the secret name a dataset's Auth names and the full ARN of its Secrets Manager secret (with the 6-character suffix). The enrich function may read exactly these (secretsmanager:GetSecretValue).", set: func(c *Config, v string) error {
		m, err := parseSecrets(v)
		if err != nil {
			return err
		}
		c.EnrichmentSecrets = m
		return nil
	}},
	stringKey("enrichmentSecretsKey", "", "ARN of the customer managed KMS key the enrichment secrets are encrypted with; the enrich function may decrypt with it through Secrets Manager only, for those secrets. Empty: the AWS managed key aws/secretsmanager.", checkKeyARN, func(c *Config) *string { return &c.EnrichmentSecretsKey }),
}

// Egress values (config key egress).
const (
	EgressNone = "none"
	EgressNAT  = "nat"
)

// secretARN is a full Secrets Manager secret ARN: IAM matches the ARN with
// the random 6-character suffix Secrets Manager appends to the name.
var secretARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$`)

// keyARN is a KMS key ARN (not an alias).
var keyARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$`)

// secretName is dataset.HTTPAuth.Secret's form.
var secretName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// parseSecrets reads NAME=ARN items as Pulumi passes an array (JSON).
func parseSecrets(v string) (map[string]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		return nil, fmt.Errorf("%q is not a list of NAME=ARN items (in the stack file: [geo-api=arn:aws:secretsmanager:...])", v)
	}
	out := map[string]string{}
	for i, item := range list {
		name, arn, ok := strings.Cut(item, "=")
		switch {
		case !ok || !secretName.MatchString(name):
			return nil, fmt.Errorf("item %d %q is not NAME=ARN with a secret name of lower-case letters, digits and '-'", i+1, item)
		case !secretARN.MatchString(arn):
			return nil, fmt.Errorf("item %d: %q is not the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)", i+1, arn)
		case out[name] != "":
			return nil, fmt.Errorf("item %d: secret %s is listed twice", i+1, name)
		}
		out[name] = arn
	}
	return out, nil
}

func checkKeyARN(v string) error {
	if v != "" && !keyARN.MatchString(v) {
		return fmt.Errorf("%q is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", v)
	}
	return nil
}

// setRetention parses a CloudWatch Logs retention in days into field.
func setRetention(v string, field *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not an integer", v)
	}
	if !slices.Contains(logRetentions, n) {
		return fmt.Errorf("%d is not a CloudWatch Logs retention (%v)", n, logRetentions)
	}
	*field = n
	return nil
}

// rolePathChars are the characters of an IAM role path a filter pattern
// can hold: IAM's (! to ~) but for '"', '*' and '\'.
const rolePathChars = `[!#-)+-\[\]-~]`

// roleARN is an IAM role ARN: partition, a 12-digit account, an optional
// path and the name (IAM's allowed characters); rolePathARN stands for
// every role under a path ("role/uploaders/*").
var (
	roleARN     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/(` + rolePathChars + `*/)?[\w+=,.@-]{1,64}$`)
	rolePathARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/` + rolePathChars + `+/\*$`)
)

// parseRoleARNs reads a comma-separated list of IAM role ARNs, or role
// paths ending in "/*" ("" for none), refusing anything else and
// duplicates.
func parseRoleARNs(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for i, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if !roleARN.MatchString(s) && !rolePathARN.MatchString(s) {
			return nil, fmt.Errorf("item %d %q is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>) or role path (arn:aws:iam::<12-digit account>:role/<path>/*)", i+1, s)
		}
		if slices.Contains(out, s) {
			return nil, fmt.Errorf("item %d %q is listed twice", i+1, s)
		}
		out = append(out, s)
	}
	return out, nil
}

// regionName is the form of an AWS region name: a partition prefix, a
// geography and a number ("eu-west-1", "us-gov-west-1", "ap-southeast-4").
var regionName = regexp.MustCompile(`^[a-z]{2,4}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)

// parseRegions reads a list of region names as Pulumi passes an array
// value to programs (JSON, `["eu-west-1"]`); "" is no list. Duplicates and
// names not of a region's form are refused (whether the region exists and
// is enabled for the account only AWS can say).
func parseRegions(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		return nil, fmt.Errorf("%q is not a list of region names (in the stack file: [eu-central-1, us-east-1])", v)
	}
	var out []string
	for i, r := range list {
		if !regionName.MatchString(r) {
			return nil, fmt.Errorf("item %d %q is not an AWS region name (like eu-central-1)", i+1, r)
		}
		if slices.Contains(out, r) {
			return nil, fmt.Errorf("item %d %q is listed twice (a global table has one replica per region)", i+1, r)
		}
		out = append(out, r)
	}
	return out, nil
}

// datasetName is a dataset name (dataset.Dataset.Name).
var datasetName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// parseNames parses a JSON list of dataset names, each once.
func parseNames(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		return nil, fmt.Errorf("%q is not a list of dataset names (in the stack file: [orders, readings])", v)
	}
	var out []string
	for i, n := range list {
		if !datasetName.MatchString(n) {
			return nil, fmt.Errorf("item %d %q is not a dataset name", i+1, n)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("item %d %q is listed twice", i+1, n)
		}
		out = append(out, n)
	}
	return out, nil
}

func checkAttr(v string) error {
	if v == "" || len(v) > 255 || strings.ContainsAny(v, " .#:") {
		return fmt.Errorf("%q is not a DynamoDB attribute name", v)
	}
	return nil
}

func checkSchedule(v string) error {
	_, err := ParseSchedule(v)
	return err
}

func checkEmail(v string) error {
	if v == "" {
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return fmt.Errorf("%q is not an e-mail address", v)
	}
	return nil
}

func checkCIDR(v string) error {
	p, err := netip.ParsePrefix(v)
	if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 24 || p.Masked() != p {
		return fmt.Errorf("%q is not an IPv4 network prefix between /16 and /24", v)
	}
	return nil
}

// FunctionMemoryMB returns the memory of function fn (a logical name of
// FunctionNames or FunctionReconcile): its own key when set, else
// MemoryMB.
func (c Config) FunctionMemoryMB(fn string) int {
	own := map[string]int{
		"validate": c.ValidateMemoryMB, "transform": c.TransformMemoryMB, "enrich": c.EnrichMemoryMB,
		"load": c.LoadMemoryMB, "reconcile": c.ReconcileMemoryMB,
	}[fn]
	if own > 0 {
		return own
	}
	return c.MemoryMB
}

// Getter returns a raw configuration value by full key ("sluice:memoryMb",
// "aws:region"); *pulumi.Context's GetConfig is one.
type Getter func(key string) (string, bool)

// DefaultConfig returns the configuration with every key at its default.
func DefaultConfig(project, stack string) Config {
	c, err := LoadConfig(project, stack, func(string) (string, bool) { return "", false })
	if err != nil {
		// The defaults are constants checked by tests.
		return Config{Project: project, Stack: stack}
	}
	return c
}

// LoadConfig reads and validates every key of the project namespace from
// get, applying the defaults of Keys. All problems are reported together,
// each naming its key. Unknown keys of the namespace are errors too (a
// typo must not silently fall back to a default) when get can list them;
// see LoadConfigMap.
func LoadConfig(project, stack string, get Getter) (Config, error) {
	c := Config{Project: project, Stack: stack}
	var errs []error
	for _, k := range Keys {
		v, ok := get(project + ":" + k.Name)
		if !ok {
			v = k.Default
		}
		if err := k.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("config %s:%s: %w", project, k.Name, err))
		}
	}
	if r, ok := get("aws:region"); ok {
		c.Region = r
	}
	aws, err := loadAWS(get)
	if err != nil {
		errs = append(errs, err)
	}
	c.AWS = aws
	if err := c.validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// LoadConfigMap is LoadConfig over a complete map of full keys to values,
// which also rejects unknown keys of the project namespace.
func LoadConfigMap(project, stack string, m map[string]string) (Config, error) {
	var errs []error
	for full := range m {
		ns, name, ok := strings.Cut(full, ":")
		if !ok || ns != project {
			continue
		}
		if !slices.ContainsFunc(Keys, func(k Key) bool { return k.Name == name }) {
			errs = append(errs, fmt.Errorf("config %s: unknown key", full))
		}
	}
	for _, k := range unknownAWSKeys(m) {
		errs = append(errs, fmt.Errorf("config %s: not an AWS provider key of pulumi-aws v6 the program passes on (known: %s)", k, strings.Join(AWSKeys(), ", ")))
	}
	c, err := LoadConfig(project, stack, func(k string) (string, bool) { v, ok := m[k]; return v, ok })
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// validate checks rules between keys.
func (c Config) validate() error {
	var errs []error
	key := func(k string) string { return c.Project + ":" + k }
	if c.IncomingGlacierDays < c.IncomingIADays+30 {
		errs = append(errs, fmt.Errorf("config %s: %d must be at least %s + 30 = %d (S3 keeps objects in STANDARD_IA for 30 days)",
			key("incomingGlacierDays"), c.IncomingGlacierDays, key("incomingIaDays"), c.IncomingIADays+30))
	}
	if c.CapacityMode == Provisioned {
		if c.MaxReadCapacity < c.ReadCapacity {
			errs = append(errs, fmt.Errorf("config %s: %d is below %s %d", key("maxReadCapacity"), c.MaxReadCapacity, key("readCapacity"), c.ReadCapacity))
		}
		if c.MaxWriteCapacity < c.WriteCapacity {
			errs = append(errs, fmt.Errorf("config %s: %d is below %s %d", key("maxWriteCapacity"), c.MaxWriteCapacity, key("writeCapacity"), c.WriteCapacity))
		}
	}
	if len(c.TableReplicaRegions) > 0 {
		if !c.Streams {
			errs = append(errs, fmt.Errorf("config %s: global tables need DynamoDB streams with new and old images; set %s to true",
				key("tableReplicaRegions"), key("tableStreams")))
		}
		if c.Region == "" {
			errs = append(errs, fmt.Errorf("config %s: set aws:region, so that the stack's region is known to differ from every replica region", key("tableReplicaRegions")))
		}
		if slices.Contains(c.TableReplicaRegions, c.Region) {
			errs = append(errs, fmt.Errorf("config %s: %s is the stack's region (aws:region); a replica must be in another region",
				key("tableReplicaRegions"), c.Region))
		}
	}
	for _, k := range []struct {
		name string
		mb   int
	}{{"validateMemoryMb", c.ValidateMemoryMB}, {"transformMemoryMb", c.TransformMemoryMB}, {"enrichMemoryMb", c.EnrichMemoryMB}, {"loadMemoryMb", c.LoadMemoryMB}, {"reconcileMemoryMb", c.ReconcileMemoryMB}} {
		if k.mb != 0 && k.mb < 128 {
			errs = append(errs, fmt.Errorf("config %s: %d MB is below Lambda's 128; use 0 for memoryMb", key(k.name), k.mb))
		}
	}
	if c.Egress == EgressNAT && !c.VPC {
		errs = append(errs, fmt.Errorf("config %s: nat is for functions in a VPC; without %s they reach the internet directly", key("egress"), key("vpc")))
	}
	if c.EnrichmentSecretsKey != "" && len(c.EnrichmentSecrets) == 0 {
		errs = append(errs, fmt.Errorf("config %s: no %s to decrypt", key("enrichmentSecretsKey"), key("enrichmentSecrets")))
	}
	if c.MonthlyBudgetUSD > 0 && c.AlarmEmail == "" {
		errs = append(errs, fmt.Errorf("config %s: the budget's alerts need %s", key("monthlyBudgetUsd"), key("alarmEmail")))
	}
	if c.ReservedConcurrency == 0 {
		errs = append(errs, fmt.Errorf("config %s: 0 would stop every function; use -1 for unreserved", key("reservedConcurrency")))
	}
	if c.ReconcileLookbackDays*24*60 <= c.ReconcileGraceMinutes {
		errs = append(errs, fmt.Errorf("config %s: %d days must exceed %s (%d minutes)",
			key("reconcileLookbackDays"), c.ReconcileLookbackDays, key("reconcileGraceMinutes"), c.ReconcileGraceMinutes))
	}
	if c.LedgerRetentionDays <= c.ReconcileLookbackDays {
		errs = append(errs, fmt.Errorf("config %s: %d days must exceed %s (%d): the reconciler would take a file whose ledger item expired for one never claimed and run it again",
			key("ledgerRetentionDays"), c.LedgerRetentionDays, key("reconcileLookbackDays"), c.ReconcileLookbackDays))
	}
	if c.StateMachineType == "EXPRESS" {
		errs = append(errs, fmt.Errorf("config %s: EXPRESS is not supported: the pipeline runs a Distributed Map, which only STANDARD workflows can; set %s to EXPRESS for cheap chunk executions instead",
			key("stateMachineType"), key("mapExecutionType")))
	}
	return errors.Join(errs...)
}

// ParseStackValues converts the configuration of a Pulumi.<stack>.yaml file,
// already decoded into m (the `config:` mapping): scalar values are
// formatted as Pulumi passes them to programs, structured values as JSON,
// and secure values are skipped.
func ParseStackValues(m map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case int:
			out[k] = strconv.Itoa(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case nil:
			out[k] = ""
		case map[string]any:
			if _, secure := x["secure"]; secure && len(x) == 1 {
				continue
			}
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("config %s: %w", k, err)
			}
			out[k] = string(b)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("config %s: %w", k, err)
			}
			out[k] = string(b)
		}
	}
	return out, nil
}
