package platform

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/enrich"
	"github.com/sluicehq/sluice/functions/load"
	"github.com/sluicehq/sluice/functions/transform"
	"github.com/sluicehq/sluice/functions/validate"
	"github.com/sluicehq/sluice/internal/eventpattern"
	"github.com/sluicehq/sluice/platform/audit"
	"github.com/sluicehq/sluice/platform/compute"
	"github.com/sluicehq/sluice/platform/data"
	"github.com/sluicehq/sluice/platform/events"
	"github.com/sluicehq/sluice/platform/monitoring"
	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/orchestration"
	"github.com/sluicehq/sluice/platform/reconciler"
	"github.com/sluicehq/sluice/platform/security"
	"github.com/sluicehq/sluice/platform/storage"
	"github.com/sluicehq/sluice/workflow"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Component names: the logical name of each top-level component, also the
// value of its sluice:component tag.
const (
	ComponentSecurity      = "security"
	ComponentAlerts        = "alerts"
	ComponentStorage       = "storage"
	ComponentData          = "data"
	ComponentCompute       = "compute"
	ComponentOrchestration = "pipeline"
	ComponentEvents        = "events"
	ComponentReconcile     = "reconcile"
	ComponentMonitoring    = "monitoring"
)

// Tables the pipeline writes: the datasets' tables and the run ledger.
// The datasets' tables are Global (replicated to config
// tableReplicaRegions); the ledger is not: its claims are conditional
// writes, which a global table resolves across regions by last writer wins
// (docs/deploy.md).
var Tables = []data.Table{
	{Logical: string(dataset.TableItems), HashKey: "pk", RangeKey: "sk", Global: true},
	{Logical: string(dataset.TableReference), HashKey: "pk", RangeKey: "sk", Global: true},
	{Logical: pipeline.TableLedger, HashKey: "pk"},
}

// Options are the program's dependencies. The zero value deploys the
// builtin datasets with functions built by functions/build in the working
// directory.
type Options struct {
	// Datasets to route. Default: dataset.Builtin().
	Datasets *dataset.Set
	// Packager builds the functions. Default: a BuildPackager on ".".
	Packager Packager
}

// Stack is what Deploy created: the components and the stack outputs.
type Stack struct {
	// Security holds the KMS key and the optional network.
	Security *security.Security
	// Alerts is the alarm topic.
	Alerts *monitoring.Alerts
	// Storage is the pipeline bucket.
	Storage *storage.Storage
	// Data is the tables.
	Data *data.Data
	// Compute is the functions.
	Compute *compute.Compute
	// Orchestration is the state machine.
	Orchestration *orchestration.Orchestration
	// Events is the rules and the dead-letter queue.
	Events *events.Events
	// Reconciler is the reconcile function and its schedule.
	Reconciler *reconciler.Reconciler
	// Monitoring is the alarms and the dashboard.
	Monitoring *monitoring.Monitoring
	// Audit is the audit trail; nil unless config auditTrail is on.
	Audit *audit.Audit
	// Outputs are the stack outputs, by name.
	Outputs map[string]pulumi.Output
}

// Program deploys one stack of Sluice from a validated configuration and
// exports the stack outputs (see Stack.Outputs).
func Program(ctx *pulumi.Context, cfg Config, opts Options) error {
	st, err := Deploy(ctx, cfg, opts)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(st.Outputs)) {
		ctx.Export(k, st.Outputs[k])
	}
	return nil
}

// Deploy creates every component of one stack and returns them.
func Deploy(ctx *pulumi.Context, cfg Config, opts Options) (*Stack, error) {
	if cfg.Project == "" || cfg.Stack == "" {
		return nil, errors.New("platform: Config has no project or stack (use LoadConfig)")
	}
	if opts.Datasets == nil {
		opts.Datasets = dataset.Builtin()
	}
	if opts.Packager == nil {
		// Build progress on stderr, which `pulumi up` shows as it runs.
		opts.Packager = &BuildPackager{ModuleRoot: ".", Progress: os.Stderr}
	}
	pipeOpts, err := PipelineOptions(cfg)
	if err != nil {
		return nil, err
	}
	ds := opts.Datasets.All()
	if len(ds) == 0 {
		return nil, errors.New("platform: no datasets")
	}

	// One explicit provider per component, so that every resource carries
	// its component in the default tags.
	providers := map[string]*aws.Provider{}
	provider := func(component string) (pulumi.ResourceOption, error) {
		if p, ok := providers[component]; ok {
			return pulumi.Providers(p), nil
		}
		args, err := ProviderArgs(cfg, naming.Tags(cfg.Project, cfg.Stack, component))
		if err != nil {
			return nil, err
		}
		p, err := aws.NewProvider(ctx, "aws-"+component, args)
		if err != nil {
			return nil, err
		}
		providers[component] = p
		return pulumi.Providers(p), nil
	}
	secOpt, err := provider(ComponentSecurity)
	if err != nil {
		return nil, err
	}
	invoke := pulumi.Provider(providers[ComponentSecurity])
	identity, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, invoke)
	if err != nil {
		return nil, fmt.Errorf("platform: caller identity: %w", err)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, invoke)
	if err != nil {
		return nil, fmt.Errorf("platform: partition: %w", err)
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{}, invoke)
	if err != nil {
		return nil, fmt.Errorf("platform: region: %w", err)
	}
	account, part, reg := identity.AccountId, partition.Partition, region.Name

	if cfg.VPC {
		for _, d := range ds {
			if len(d.Enrichment.HTTP) > 0 {
				return nil, fmt.Errorf("config %s:vpc: dataset %s calls HTTP enrichment (%s), which functions in private subnets without a NAT gateway cannot reach",
					cfg.Project, d.Name, d.Enrichment.HTTP[0].URL)
			}
		}
	}
	secArgs := &security.Args{AccountID: account, Partition: part, Region: reg, DeletionWindowDays: cfg.KeyDeletionWindowDays}
	if cfg.VPC {
		state := "available"
		azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: &state}, invoke)
		if err != nil {
			return nil, fmt.Errorf("platform: availability zones: %w", err)
		}
		if len(azs.Names) < cfg.AZCount {
			return nil, fmt.Errorf("config %s:azCount: %d zones wanted, %s has %d", cfg.Project, cfg.AZCount, reg, len(azs.Names))
		}
		names := slices.Clone(azs.Names)
		slices.Sort(names)
		secArgs.Network = &security.NetworkArgs{CIDR: cfg.VPCCidr, AvailabilityZones: names[:cfg.AZCount]}
	}
	sec, err := security.New(ctx, ComponentSecurity, secArgs, secOpt)
	if err != nil {
		return nil, err
	}

	alertsOpt, err := provider(ComponentMonitoring)
	if err != nil {
		return nil, err
	}
	alerts, err := monitoring.NewAlerts(ctx, ComponentAlerts, &monitoring.AlertsArgs{KeyArn: sec.KeyArn, Email: cfg.AlarmEmail, AccountID: account}, alertsOpt)
	if err != nil {
		return nil, err
	}

	storageOpt, err := provider(ComponentStorage)
	if err != nil {
		return nil, err
	}
	var incoming []string
	for _, d := range ds {
		incoming = append(incoming, d.Prefix)
	}
	store, err := storage.New(ctx, ComponentStorage, &storage.Args{
		KeyArn:               sec.KeyArn,
		IncomingPrefixes:     incoming,
		IADays:               cfg.IncomingIADays,
		GlacierDays:          cfg.IncomingGlacierDays,
		StagingExpireDays:    cfg.StagingExpireDays,
		ResultsExpireDays:    cfg.ResultsExpireDays,
		ReportsExpireDays:    cfg.ReportsExpireDays,
		QuarantineExpireDays: cfg.QuarantineExpireDays,
		NoncurrentExpireDays: cfg.NoncurrentExpireDays,
		ForceDestroy:         cfg.ForceDestroy,
	}, storageOpt)
	if err != nil {
		return nil, err
	}

	dataOpt, err := provider(ComponentData)
	if err != nil {
		return nil, err
	}
	tables, err := TablesFor(ds, cfg.TTLAttribute)
	if err != nil {
		return nil, err
	}
	replicas, err := TableReplicas(ctx, cfg, account, part)
	if err != nil {
		return nil, err
	}
	db, err := data.New(ctx, ComponentData, &data.Args{
		Tables:                tables,
		KeyArn:                sec.KeyArn,
		CapacityMode:          cfg.CapacityMode,
		ReadCapacity:          cfg.ReadCapacity,
		WriteCapacity:         cfg.WriteCapacity,
		MaxReadCapacity:       cfg.MaxReadCapacity,
		MaxWriteCapacity:      cfg.MaxWriteCapacity,
		TargetUtilization:     cfg.AutoscalingTarget,
		PointInTimeRecovery:   cfg.PointInTimeRecovery,
		Streams:               cfg.Streams,
		DeletionProtection:    cfg.DeletionProtection,
		Replicas:              replicas,
		KeyDeletionWindowDays: cfg.KeyDeletionWindowDays,
	}, dataOpt)
	if err != nil {
		return nil, err
	}

	computeOpt, err := provider(ComponentCompute)
	if err != nil {
		return nil, err
	}
	refs := map[string]pulumi.StringInput{"bucket": store.BucketArn, "key": sec.KeyArn}
	for logical, arn := range db.Arns {
		refs["table:"+logical] = arn
	}
	var fns []compute.Function
	for _, fn := range FunctionNames {
		pkg, err := opts.Packager.Package(fn)
		if err != nil {
			return nil, fmt.Errorf("platform: package %s: %w", fn, err)
		}
		pol, err := FunctionPolicy(fn, ds)
		if err != nil {
			return nil, err
		}
		env, err := functionEnvironment(fn, store.BucketName, db.Names)
		if err != nil {
			return nil, err
		}
		fns = append(fns, compute.Function{
			Name:           fn,
			Description:    functionDescriptions[fn],
			ZipPath:        pkg.ZipPath,
			SourceCodeHash: pkg.SourceCodeHash,
			Environment:    env,
			Policy:         pol,
			Refs:           refs,
		})
	}
	compArgs := &compute.Args{
		Functions:           fns,
		KeyArn:              sec.KeyArn,
		MemoryMB:            cfg.MemoryMB,
		TimeoutSeconds:      cfg.TimeoutSeconds,
		ReservedConcurrency: cfg.ReservedConcurrency,
		LogRetentionDays:    cfg.LogRetentionDays,
		LogLevel:            cfg.FunctionLogLevel,
	}
	if cfg.VPC {
		compArgs.Network = &compute.Network{SubnetIDs: sec.SubnetIDs, SecurityGroupID: sec.SecurityGroupID}
	}
	fnc, err := compute.New(ctx, ComponentCompute, compArgs, computeOpt)
	if err != nil {
		return nil, err
	}

	orchOpt, err := provider(ComponentOrchestration)
	if err != nil {
		return nil, err
	}
	arns := map[workflow.ResourceKind]map[string]pulumi.StringInput{
		workflow.KindFunction: {},
		workflow.KindTable:    {},
		workflow.KindBucket:   {pipeline.BucketData: store.BucketArn},
		workflow.KindTopic:    {pipeline.TopicAlerts: alerts.TopicArn},
	}
	for fn, arn := range fnc.Arns {
		arns[workflow.KindFunction][fn] = arn
	}
	for t, arn := range db.Arns {
		arns[workflow.KindTable][t] = arn
	}
	orch, err := orchestration.New(ctx, ComponentOrchestration, &orchestration.Args{
		Compile:              func(r workflow.Resolver) (*workflow.Compiled, error) { return pipeline.Build(r, pipeOpts) },
		ARNs:                 arns,
		Type:                 cfg.StateMachineType,
		LogLevel:             cfg.StateMachineLogLevel,
		IncludeExecutionData: cfg.IncludeExecutionData,
		LogRetentionDays:     cfg.LogRetentionDays,
		KeyArn:               sec.KeyArn,
		AccountID:            account,
		Partition:            part,
		Region:               reg,
	}, orchOpt)
	if err != nil {
		return nil, err
	}

	eventsOpt, err := provider(ComponentEvents)
	if err != nil {
		return nil, err
	}
	var evDatasets []events.Dataset
	for _, d := range ds {
		evDatasets = append(evDatasets, events.Dataset{
			Name:    d.Name,
			Pattern: func(bucket string) map[string]any { return eventpattern.ForDataset(bucket, d) },
		})
	}
	ev, err := events.New(ctx, ComponentEvents, &events.Args{
		Datasets: evDatasets,
		UnroutedPattern: func(bucket string) (map[string]any, error) {
			return eventpattern.Unrouted(bucket, ds, contract.InternalPrefixes())
		},
		BucketName:         store.BucketName,
		StateMachineArn:    orch.Arn,
		KeyArn:             sec.KeyArn,
		AccountID:          account,
		MaxEventAgeSeconds: cfg.EventMaxAgeSeconds,
		RetryAttempts:      cfg.EventRetryAttempts,
		DLQRetentionDays:   cfg.DLQRetentionDays,
	}, eventsOpt)
	if err != nil {
		return nil, err
	}

	recOpt, err := provider(ComponentReconcile)
	if err != nil {
		return nil, err
	}
	recPkg, err := opts.Packager.Package(FunctionReconcile)
	if err != nil {
		return nil, fmt.Errorf("platform: package %s: %w", FunctionReconcile, err)
	}
	rec, err := reconciler.New(ctx, ComponentReconcile, reconcilerArgs(cfg, recPkg, ds, reconcilerInputs{
		bucketName: store.BucketName, bucketArn: store.BucketArn,
		ledgerName: db.Names[pipeline.TableLedger], ledgerArn: db.Arns[pipeline.TableLedger],
		keyArn: sec.KeyArn, machineArn: orch.Arn, network: compArgs.Network,
	}), recOpt)
	if err != nil {
		return nil, err
	}

	// Audit trail (config auditTrail; platform/audit.go): data events of
	// the bucket and tables, alarms on denied calls and unexpected callers.
	var aud *audit.Audit
	var auditAlarms pulumi.StringArrayInput
	var auditNamespace pulumi.StringInput
	if cfg.AuditTrail {
		auditOpt, err := provider(ComponentAudit)
		if err != nil {
			return nil, err
		}
		pipelineRoles := map[string]pulumi.StringOutput{ComponentOrchestration: orch.RoleArn, FunctionReconcile: rec.RoleArn}
		for fn, arn := range fnc.RoleArns {
			pipelineRoles[fn] = arn
		}
		if aud, err = deployAudit(ctx, cfg, auditInputs{
			account: account, partition: part, region: reg,
			bucketArn: store.BucketArn, tableArns: db.Arns, roleArns: pipelineRoles, topicArn: alerts.TopicArn,
		}, auditOpt); err != nil {
			return nil, err
		}
		auditAlarms, auditNamespace = aud.AlarmArns, aud.Namespace
	}

	monFns := map[string]monitoring.Function{}
	for fn, name := range fnc.Names {
		monFns[fn] = monitoring.Function{Name: name, TimeoutSeconds: cfg.TimeoutSeconds}
	}
	monFns[FunctionReconcile] = monitoring.Function{Name: rec.FunctionName, TimeoutSeconds: cfg.ReconcileTimeoutSeconds}
	monTables := map[string]pulumi.StringInput{}
	for t, n := range db.Names {
		monTables[t] = n
	}
	mon, err := monitoring.New(ctx, ComponentMonitoring, &monitoring.Args{
		TopicArn:        alerts.TopicArn,
		ActionsEnabled:  cfg.AlarmActions,
		StateMachineArn: orch.Arn,
		Functions:       monFns,
		DLQName:         ev.DLQName,
		UnroutedQueue:   ev.UnroutedQueueName,
		Reconciler: &monitoring.Reconciler{
			Bucket: store.BucketName, FunctionName: rec.FunctionName, DLQName: rec.DLQName,
			IntervalSeconds: notRunningInterval(cfg.ReconcileSchedule),
		},
		Tables:          monTables,
		DurationPercent: cfg.DurationAlarmPercent,
		Region:          reg,
		OtherAlarms:     auditAlarms,
		AuditNamespace:  auditNamespace,
	}, alertsOpt)
	if err != nil {
		return nil, err
	}

	tableNames := pulumi.StringMap{}
	for t, n := range db.Names {
		tableNames[t] = n
	}
	functionNames := pulumi.StringMap{}
	for fn, n := range fnc.Names {
		functionNames[fn] = n
	}
	functionNames[FunctionReconcile] = rec.FunctionName
	st := &Stack{
		Security: sec, Alerts: alerts, Storage: store, Data: db, Compute: fnc, Orchestration: orch, Events: ev, Reconciler: rec, Monitoring: mon, Audit: aud,
		Outputs: map[string]pulumi.Output{
			"bucketName":       store.BucketName,
			"tableNames":       tableNames.ToStringMapOutput(),
			"functionNames":    functionNames.ToStringMapOutput(),
			"stateMachineArn":  orch.Arn,
			"dashboardUrl":     mon.DashboardURL,
			"dlqUrl":           ev.DLQUrl,
			"unroutedQueueUrl": ev.UnroutedQueueURL,
			"alarmTopicArn":    alerts.TopicArn,
			"kmsKeyArn":        sec.KeyArn,
		},
	}
	if aud != nil {
		st.Outputs["auditTrailArn"] = aud.TrailArn
		st.Outputs["auditBucketName"] = aud.BucketName
		st.Outputs["auditLogGroupName"] = aud.LogGroupName
	}
	return st, nil
}

// PipelineOptions returns the state machine options of the stack: the
// pipeline's own for dev and prod (pipeline.StackOptions; defaults for other
// stacks) with the configured overrides, checked against the functions'
// timeout.
func PipelineOptions(cfg Config) (pipeline.Options, error) {
	o, err := pipeline.StackOptions(cfg.Stack)
	if err != nil {
		o = pipeline.Options{}
	}
	o.Type = cfg.StateMachineType
	if cfg.MapExecutionType != "" {
		o.MapExecutionType = cfg.MapExecutionType
	}
	if cfg.MapMaxConcurrency > 0 {
		o.MaxConcurrency = cfg.MapMaxConcurrency
	}
	if cfg.ExecutionTimeoutSeconds > 0 {
		o.ExecutionTimeoutSeconds = cfg.ExecutionTimeoutSeconds
	}
	task := o.TaskTimeoutSeconds
	if task == 0 {
		task = 300
	}
	if task < cfg.TimeoutSeconds {
		return o, fmt.Errorf("config %s:timeoutSeconds: %d exceeds the pipeline's task timeout of %d s for stack %s; lower it",
			cfg.Project, cfg.TimeoutSeconds, task, cfg.Stack)
	}
	return o, nil
}

// TablesFor returns the tables with their TTL attribute: the one the
// datasets writing a table declare (they must agree: a table has one), else
// def.
func TablesFor(ds []*dataset.Dataset, def string) ([]data.Table, error) {
	ttl := map[string]string{}
	for _, d := range ds {
		if d.TTL == nil || d.TTL.Attribute == "" {
			continue
		}
		t := string(d.TargetTable())
		if have, ok := ttl[t]; ok && have != d.TTL.Attribute {
			return nil, fmt.Errorf("platform: datasets writing table %s declare TTL attributes %q and %q; a table has one", t, have, d.TTL.Attribute)
		}
		ttl[t] = d.TTL.Attribute
	}
	out := slices.Clone(Tables)
	for i := range out {
		out[i].TTLAttribute = def
		if a, ok := ttl[out[i].Logical]; ok {
			out[i].TTLAttribute = a
		}
	}
	return out, nil
}

// Symbolic references of FunctionEnv: the bucket's name or a table's name
// (RefTable + logical name).
const (
	RefBucket = "bucket"
	RefTable  = "table:"
)

// FunctionEnv returns the environment variables of function fn as
// symbolic references (RefBucket, RefTable+"items"), named by the
// functions' own constants (functions/<fn>.Env*). Program resolves them to
// outputs.
func FunctionEnv(fn string) map[string]string {
	switch fn {
	case pipeline.FunctionValidate:
		return map[string]string{validate.EnvReportBucket: RefBucket}
	case pipeline.FunctionTransform:
		return map[string]string{transform.EnvStagingBucket: RefBucket}
	case pipeline.FunctionEnrich:
		return map[string]string{
			enrich.EnvTableItems:     RefTable + string(dataset.TableItems),
			enrich.EnvTableReference: RefTable + string(dataset.TableReference),
		}
	case pipeline.FunctionLoad:
		return map[string]string{
			load.EnvTableItems:     RefTable + string(dataset.TableItems),
			load.EnvTableReference: RefTable + string(dataset.TableReference),
		}
	}
	return nil
}

// functionEnvironment resolves FunctionEnv to outputs.
func functionEnvironment(fn string, bucket pulumi.StringOutput, tables map[string]pulumi.StringOutput) (map[string]pulumi.StringInput, error) {
	env := map[string]pulumi.StringInput{}
	for k, ref := range FunctionEnv(fn) {
		switch {
		case ref == RefBucket:
			env[k] = bucket
		case strings.HasPrefix(ref, RefTable):
			t, ok := tables[strings.TrimPrefix(ref, RefTable)]
			if !ok {
				return nil, fmt.Errorf("platform: function %s: no table %s", fn, ref)
			}
			env[k] = t
		default:
			return nil, fmt.Errorf("platform: function %s: reference %q", fn, ref)
		}
	}
	return env, nil
}
