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
	"github.com/sluicehq/sluice/dataset/routing"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/functions/load/loadenv"
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
	ComponentOutcomes      = "outcomes"
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
// builtin datasets with functions built by platform/packager in the working
// directory.
type Options struct {
	// Datasets to route. Default: dataset.Builtin(). Each must be declared
	// exactly as in FunctionDatasets, or the program stops with an error
	// naming it: a file routed to functions that do not know its dataset
	// would fail in them.
	Datasets *dataset.Set
	// FunctionDatasets is the set the function binaries embed: the
	// functions' mains (functions/cmd) build dataset.Builtin(), so that is
	// the default. Only a program whose Packager builds functions from
	// another set sets it (tests with placeholder packages do).
	FunctionDatasets *dataset.Set
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
	// Batch is the batch state machine; nil unless config batchDatasets
	// names a dataset.
	Batch *orchestration.Orchestration
	// Events is the rules and the dead-letter queue.
	Events *events.Events
	// Outcomes is the outcome event bus (and its archive).
	Outcomes *events.Outcomes
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

// Deploy creates every component of one stack and returns them: one step
// per component, each wiring the outputs of the steps before it into its
// component's arguments.
func Deploy(ctx *pulumi.Context, cfg Config, opts Options) (*Stack, error) {
	d, err := newDeployment(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		d.security, d.alerts, d.storage, d.data, d.compute, d.outcomes, d.orchestration, d.batchMachine, d.events, d.reconciler, d.audit, d.monitoring,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	d.st.Outputs = d.outputs()
	return d.st, nil
}

// deployment is one run of Deploy: its inputs, what the provider
// functions answered, and the components created so far.
type deployment struct {
	ctx      *pulumi.Context
	cfg      Config
	opts     Options
	ds       []*dataset.Dataset
	pipeOpts pipeline.Options
	// perEvent and batch divide ds: run per S3 event, or in batches
	// (config batchDatasets).
	perEvent, batch []*dataset.Dataset

	// providers holds the explicit AWS provider of each component.
	providers map[string]*aws.Provider
	// account, partition and region are the caller's.
	account, partition, region string
	// network places the functions in the VPC (nil without one).
	network *compute.Network

	st *Stack
}

// newDeployment checks the configuration and options and fills in their
// defaults.
func newDeployment(ctx *pulumi.Context, cfg Config, opts Options) (*deployment, error) {
	if cfg.Project == "" || cfg.Stack == "" {
		return nil, errors.New("platform: Config has no project or stack (use LoadConfig)")
	}
	if opts.Datasets == nil {
		opts.Datasets = dataset.Builtin()
	}
	if opts.FunctionDatasets == nil {
		opts.FunctionDatasets = dataset.Builtin()
	}
	if err := CheckEmbedded(opts.Datasets, opts.FunctionDatasets); err != nil {
		return nil, err
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
	perEvent, batch, err := splitBatch(cfg, ds)
	if err != nil {
		return nil, err
	}
	return &deployment{ctx: ctx, cfg: cfg, opts: opts, ds: ds, pipeOpts: pipeOpts, perEvent: perEvent, batch: batch, providers: map[string]*aws.Provider{}, st: &Stack{}}, nil
}

// CheckEmbedded returns an error naming each dataset of set that the
// function binaries (embedded, the set they are built with) do not
// declare, or declare differently (dataset.Fingerprint): a stack must not
// route a file to functions that do not know its dataset.
func CheckEmbedded(set, embedded *dataset.Set) error {
	var errs []error
	for _, d := range set.All() {
		want, err := d.Fingerprint()
		if err != nil {
			errs = append(errs, fmt.Errorf("platform: %w", err))
			continue
		}
		in, err := embedded.Lookup(d.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("platform: dataset %q: the function binaries do not embed it (they embed %s): "+
				"add it to dataset.Builtin(), which the functions are built with, or deploy without it", d.Name, strings.Join(embedded.Names(), ", ")))
			continue
		}
		got, err := in.Fingerprint()
		if err != nil {
			errs = append(errs, fmt.Errorf("platform: %w", err))
			continue
		}
		if got != want {
			errs = append(errs, fmt.Errorf("platform: dataset %q: declared differently from the one the function binaries embed (fingerprint %.12s, theirs %.12s): "+
				"deploy the declaration of dataset.Builtin(), or change it there so the functions are built with it", d.Name, want, got))
		}
	}
	return errors.Join(errs...)
}

// provider returns the resource option of component's explicit provider,
// creating it on first use: one per component, so that every resource
// carries its component in the default tags.
func (d *deployment) provider(component string) (pulumi.ResourceOption, error) {
	if p, ok := d.providers[component]; ok {
		return pulumi.Providers(p), nil
	}
	args, err := ProviderArgs(d.cfg, naming.Tags(d.cfg.Project, d.cfg.Stack, component))
	if err != nil {
		return nil, err
	}
	p, err := aws.NewProvider(d.ctx, "aws-"+component, args)
	if err != nil {
		return nil, err
	}
	d.providers[component] = p
	return pulumi.Providers(p), nil
}

// security asks the provider for the account, partition and region (and
// the zones, with a VPC) and creates the key and the optional network.
func (d *deployment) security() error {
	cfg := d.cfg
	secOpt, err := d.provider(ComponentSecurity)
	if err != nil {
		return err
	}
	invoke := pulumi.Provider(d.providers[ComponentSecurity])
	identity, err := aws.GetCallerIdentity(d.ctx, &aws.GetCallerIdentityArgs{}, invoke)
	if err != nil {
		return fmt.Errorf("platform: caller identity: %w", err)
	}
	partition, err := aws.GetPartition(d.ctx, &aws.GetPartitionArgs{}, invoke)
	if err != nil {
		return fmt.Errorf("platform: partition: %w", err)
	}
	region, err := aws.GetRegion(d.ctx, &aws.GetRegionArgs{}, invoke)
	if err != nil {
		return fmt.Errorf("platform: region: %w", err)
	}
	d.account, d.partition, d.region = identity.AccountId, partition.Partition, region.Name

	if err := CheckEnrichment(cfg, d.ds); err != nil {
		return err
	}
	secArgs := &security.Args{AccountID: d.account, Partition: d.partition, Region: d.region, DeletionWindowDays: cfg.KeyDeletionWindowDays}
	if cfg.VPC {
		state := "available"
		azs, err := aws.GetAvailabilityZones(d.ctx, &aws.GetAvailabilityZonesArgs{State: &state}, invoke)
		if err != nil {
			return fmt.Errorf("platform: availability zones: %w", err)
		}
		if len(azs.Names) < cfg.AZCount {
			return fmt.Errorf("config %s:azCount: %d zones wanted, %s has %d", cfg.Project, cfg.AZCount, d.region, len(azs.Names))
		}
		names := slices.Clone(azs.Names)
		slices.Sort(names)
		secArgs.Network = &security.NetworkArgs{CIDR: cfg.VPCCidr, AvailabilityZones: names[:cfg.AZCount],
			NAT: cfg.Egress == EgressNAT, SecretsEndpoint: len(enrichSecretARNs(cfg, d.ds)) > 0}
	}
	d.st.Security, err = security.New(d.ctx, ComponentSecurity, secArgs, secOpt)
	return err
}

// alerts creates the alarm topic.
func (d *deployment) alerts() error {
	opt, err := d.provider(ComponentMonitoring)
	if err != nil {
		return err
	}
	d.st.Alerts, err = monitoring.NewAlerts(d.ctx, ComponentAlerts, &monitoring.AlertsArgs{KeyArn: d.st.Security.KeyArn, Email: d.cfg.AlarmEmail, AccountID: d.account, Budget: budgetArgs(d.cfg)}, opt)
	return err
}

// storage creates the bucket with the datasets' incoming prefixes.
func (d *deployment) storage() error {
	cfg := d.cfg
	opt, err := d.provider(ComponentStorage)
	if err != nil {
		return err
	}
	var incoming []string
	for _, ds := range d.ds {
		incoming = append(incoming, ds.Prefix)
	}
	d.st.Storage, err = storage.New(d.ctx, ComponentStorage, &storage.Args{
		KeyArn:               d.st.Security.KeyArn,
		IncomingPrefixes:     incoming,
		BatchPrefixes:        d.batchPrefixes(),
		IADays:               cfg.IncomingIADays,
		GlacierDays:          cfg.IncomingGlacierDays,
		StagingExpireDays:    cfg.StagingExpireDays,
		ResultsExpireDays:    cfg.ResultsExpireDays,
		ReportsExpireDays:    cfg.ReportsExpireDays,
		QuarantineExpireDays: cfg.QuarantineExpireDays,
		NoncurrentExpireDays: cfg.NoncurrentExpireDays,
		ForceDestroy:         cfg.ForceDestroy,
	}, opt)
	return err
}

// data creates the tables.
func (d *deployment) data() error {
	cfg := d.cfg
	opt, err := d.provider(ComponentData)
	if err != nil {
		return err
	}
	tables, err := TablesFor(d.ds, cfg.TTLAttribute)
	if err != nil {
		return err
	}
	replicas, err := TableReplicas(d.ctx, cfg, d.account, d.partition)
	if err != nil {
		return err
	}
	d.st.Data, err = data.New(d.ctx, ComponentData, &data.Args{
		Tables:                tables,
		KeyArn:                d.st.Security.KeyArn,
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
	}, opt)
	return err
}

// compute packages the pipeline's functions and creates them with their
// environment and policies.
func (d *deployment) compute() error {
	cfg, store, db := d.cfg, d.st.Storage, d.st.Data
	opt, err := d.provider(ComponentCompute)
	if err != nil {
		return err
	}
	refs := map[string]pulumi.StringInput{"bucket": store.BucketArn, "key": d.st.Security.KeyArn}
	for logical, arn := range db.Arns {
		refs["table:"+logical] = arn
	}
	var fns []compute.Function
	for _, fn := range FunctionNames {
		pkg, err := d.opts.Packager.Package(fn)
		if err != nil {
			return fmt.Errorf("platform: package %s: %w", fn, err)
		}
		pol, err := FunctionPolicy(fn, d.ds)
		if err != nil {
			return err
		}
		env, err := functionEnvironment(fn, cfg.Stack, store.BucketName, db.Names)
		if err != nil {
			return err
		}
		if fn == pipeline.FunctionLoad {
			// The datasets it routes, as the local runtime configures it
			// (loadset.Env): the set deployed, which CheckEmbedded found
			// in the binary.
			for k, v := range loadenv.Env(d.opts.Datasets) {
				env[k] = pulumi.String(v)
			}
		}
		if fn == pipeline.FunctionEnrich {
			arns := enrichSecretARNs(cfg, d.ds)
			pol.Statement = append(pol.Statement, SecretStatements(arns, cfg.EnrichmentSecretsKey, d.region)...)
			vars, err := enrichSecretsEnv(arns)
			if err != nil {
				return err
			}
			for k, v := range vars {
				env[k] = pulumi.String(v)
			}
		}
		fns = append(fns, compute.Function{
			Name:           fn,
			Description:    functionDescriptions[fn],
			ZipPath:        pkg.ZipPath,
			SourceCodeHash: pkg.SourceCodeHash,
			Environment:    env,
			Policy:         pol,
			Refs:           refs,
			MemoryMB:       cfg.FunctionMemoryMB(fn),
		})
	}
	args := &compute.Args{
		Functions:           fns,
		KeyArn:              d.st.Security.KeyArn,
		MemoryMB:            cfg.MemoryMB,
		TimeoutSeconds:      cfg.TimeoutSeconds,
		ReservedConcurrency: cfg.ReservedConcurrency,
		LogRetentionDays:    cfg.LogRetentionDays,
		LogLevel:            cfg.FunctionLogLevel,
	}
	if cfg.VPC {
		d.network = &compute.Network{SubnetIDs: d.st.Security.SubnetIDs, SecurityGroupID: d.st.Security.SecurityGroupID}
		args.Network = d.network
	}
	d.st.Compute, err = compute.New(d.ctx, ComponentCompute, args, opt)
	return err
}

// outcomes creates the outcome event bus the state machine publishes
// every file's outcome on, with its archive when configured.
func (d *deployment) outcomes() error {
	opt, err := d.provider(ComponentOutcomes)
	if err != nil {
		return err
	}
	d.st.Outcomes, err = events.NewOutcomes(d.ctx, ComponentOutcomes, &events.OutcomesArgs{ArchiveDays: d.cfg.OutcomeArchiveDays}, opt)
	return err
}

// orchestration compiles the pipeline against the ARNs of the functions,
// tables, bucket, topic and outcome bus, and creates the state machine.
func (d *deployment) orchestration() error {
	opt, err := d.provider(ComponentOrchestration)
	if err != nil {
		return err
	}
	pipeOpts := d.pipeOpts
	d.st.Orchestration, err = orchestration.New(d.ctx, ComponentOrchestration, d.machineArgs(func(r workflow.Resolver) (*workflow.Compiled, error) {
		return pipeline.Build(r, pipeOpts)
	}), opt)
	return err
}

// machineArgs are the arguments every state machine of the stack shares:
// compile resolved against machineARNs, the stack's machine type, logging,
// key and account.
func (d *deployment) machineArgs(compile func(workflow.Resolver) (*workflow.Compiled, error)) *orchestration.Args {
	cfg := d.cfg
	return &orchestration.Args{
		Compile:              compile,
		ARNs:                 d.machineARNs(),
		Type:                 cfg.StateMachineType,
		LogLevel:             cfg.StateMachineLogLevel,
		IncludeExecutionData: cfg.IncludeExecutionData,
		LogRetentionDays:     cfg.LogRetentionDays,
		KeyArn:               d.st.Security.KeyArn,
		AccountID:            d.account,
		Partition:            d.partition,
		Region:               d.region,
	}
}

// machineARNs are the ARNs the state machines resolve their logical
// resources to: the functions, tables, bucket, topic and outcome bus.
func (d *deployment) machineARNs() map[workflow.ResourceKind]map[string]pulumi.StringInput {
	arns := map[workflow.ResourceKind]map[string]pulumi.StringInput{
		workflow.KindFunction: {},
		workflow.KindTable:    {},
		workflow.KindBucket:   {pipeline.BucketData: d.st.Storage.BucketArn},
		workflow.KindTopic:    {pipeline.TopicAlerts: d.st.Alerts.TopicArn},
		workflow.KindEventBus: {pipeline.BusOutcomes: d.st.Outcomes.BusArn},
	}
	for fn, arn := range d.st.Compute.Arns {
		arns[workflow.KindFunction][fn] = arn
	}
	for t, arn := range d.st.Data.Arns {
		arns[workflow.KindTable][t] = arn
	}
	return arns
}

// events creates a rule per dataset, the unrouted rule and their queues.
func (d *deployment) events() error {
	cfg, ds := d.cfg, d.ds
	opt, err := d.provider(ComponentEvents)
	if err != nil {
		return err
	}
	var evDatasets []events.Dataset
	for _, dset := range d.perEvent {
		evDatasets = append(evDatasets, events.Dataset{
			Name:    dset.Name,
			Pattern: func(bucket string) map[string]any { return routing.ForDataset(bucket, dset) },
		})
	}
	d.st.Events, err = events.New(d.ctx, ComponentEvents, &events.Args{
		Datasets: evDatasets,
		UnroutedPattern: func(bucket string) (map[string]any, error) {
			return routing.Unrouted(bucket, ds, contract.InternalPrefixes())
		},
		BucketName:         d.st.Storage.BucketName,
		StateMachineArn:    d.st.Orchestration.Arn,
		Batches:            d.batchEvents(),
		BatchSchedule:      cfg.BatchSchedule,
		BatchMachineArn:    d.batchMachineArn(),
		KeyArn:             d.st.Security.KeyArn,
		AccountID:          d.account,
		MaxEventAgeSeconds: cfg.EventMaxAgeSeconds,
		RetryAttempts:      cfg.EventRetryAttempts,
		DLQRetentionDays:   cfg.DLQRetentionDays,
	}, opt)
	return err
}

// reconciler packages the reconcile function and creates it with its
// schedule.
func (d *deployment) reconciler() error {
	opt, err := d.provider(ComponentReconcile)
	if err != nil {
		return err
	}
	pkg, err := d.opts.Packager.Package(FunctionReconcile)
	if err != nil {
		return fmt.Errorf("platform: package %s: %w", FunctionReconcile, err)
	}
	store, db := d.st.Storage, d.st.Data
	d.st.Reconciler, err = reconciler.New(d.ctx, ComponentReconcile, reconcilerArgs(d.cfg, pkg, d.ds, reconcilerInputs{
		bucketName: store.BucketName, bucketArn: store.BucketArn,
		ledgerName: db.Names[pipeline.TableLedger], ledgerArn: db.Arns[pipeline.TableLedger],
		keyArn: d.st.Security.KeyArn, machineArn: d.st.Orchestration.Arn, network: d.network,
		batchPrefixes: d.batchPrefixes(),
	}), opt)
	return err
}

// audit creates the audit trail (config auditTrail; platform/audit.go):
// data events of the bucket and tables, alarms on denied calls and
// unexpected callers.
func (d *deployment) audit() error {
	if !d.cfg.AuditTrail {
		return nil
	}
	opt, err := d.provider(ComponentAudit)
	if err != nil {
		return err
	}
	st := d.st
	pipelineRoles := map[string]pulumi.StringOutput{ComponentOrchestration: st.Orchestration.RoleArn, FunctionReconcile: st.Reconciler.RoleArn}
	for fn, arn := range st.Compute.RoleArns {
		pipelineRoles[fn] = arn
	}
	if st.Batch != nil {
		pipelineRoles[ComponentBatch] = st.Batch.RoleArn
	}
	st.Audit, err = deployAudit(d.ctx, d.cfg, auditInputs{
		account: d.account, partition: d.partition, region: d.region,
		bucketArn: st.Storage.BucketArn, tableArns: st.Data.Arns, roleArns: pipelineRoles, topicArn: st.Alerts.TopicArn,
	}, opt)
	return err
}

// monitoring creates the alarms and the dashboard (with the audit
// trail's alarms and metrics, when there is one).
func (d *deployment) monitoring() error {
	cfg, st := d.cfg, d.st
	opt, err := d.provider(ComponentMonitoring)
	if err != nil {
		return err
	}
	fns := map[string]monitoring.Function{}
	for fn, name := range st.Compute.Names {
		fns[fn] = monitoring.Function{Name: name, TimeoutSeconds: cfg.TimeoutSeconds}
	}
	fns[FunctionReconcile] = monitoring.Function{Name: st.Reconciler.FunctionName, TimeoutSeconds: cfg.ReconcileTimeoutSeconds}
	tables := map[string]pulumi.StringInput{}
	for t, n := range st.Data.Names {
		tables[t] = n
	}
	var auditAlarms pulumi.StringArrayInput
	var auditNamespace pulumi.StringInput
	if st.Audit != nil {
		auditAlarms, auditNamespace = st.Audit.AlarmArns, st.Audit.Namespace
	}
	st.Monitoring, err = monitoring.New(d.ctx, ComponentMonitoring, &monitoring.Args{
		TopicArn:        st.Alerts.TopicArn,
		ActionsEnabled:  cfg.AlarmActions,
		StateMachineArn: st.Orchestration.Arn,
		BatchMachineArn: d.batchMachineArn(),
		Functions:       fns,
		DLQName:         st.Events.DLQName,
		UnroutedQueue:   st.Events.UnroutedQueueName,
		Reconciler: &monitoring.Reconciler{
			Bucket: st.Storage.BucketName, FunctionName: st.Reconciler.FunctionName, DLQName: st.Reconciler.DLQName,
			IntervalSeconds: notRunningInterval(cfg.ReconcileSchedule),
		},
		Tables:          tables,
		DurationPercent: cfg.DurationAlarmPercent,
		Region:          d.region,
		OtherAlarms:     auditAlarms,
		AuditNamespace:  auditNamespace,
		Datasets:        datasetNames(d.ds),
		Stack:           cfg.Stack,
		// Step Functions names its integrations' metrics by type, account
		// and region qualified (docs/events.md).
		PutEventsIntegration: fmt.Sprintf("arn:%s:states:%s:%s:events:putEvents", d.partition, d.region, d.account),
	}, opt)
	return err
}

// datasetNames returns the datasets' names, in order.
func datasetNames(ds []*dataset.Dataset) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

// outputs returns the stack outputs.
func (d *deployment) outputs() map[string]pulumi.Output {
	st := d.st
	tableNames := pulumi.StringMap{}
	for t, n := range st.Data.Names {
		tableNames[t] = n
	}
	functionNames := pulumi.StringMap{}
	for fn, n := range st.Compute.Names {
		functionNames[fn] = n
	}
	functionNames[FunctionReconcile] = st.Reconciler.FunctionName
	out := map[string]pulumi.Output{
		"bucketName":       st.Storage.BucketName,
		"tableNames":       tableNames.ToStringMapOutput(),
		"functionNames":    functionNames.ToStringMapOutput(),
		"stateMachineArn":  st.Orchestration.Arn,
		"dashboardUrl":     st.Monitoring.DashboardURL,
		"dlqUrl":           st.Events.DLQUrl,
		"unroutedQueueUrl": st.Events.UnroutedQueueURL,
		"alarmTopicArn":    st.Alerts.TopicArn,
		"outcomeBusName":   st.Outcomes.BusName,
		"outcomeBusArn":    st.Outcomes.BusArn,
		"kmsKeyArn":        st.Security.KeyArn,
	}
	if st.Batch != nil {
		out["batchStateMachineArn"] = st.Batch.Arn
	}
	if st.Audit != nil {
		out["auditTrailArn"] = st.Audit.TrailArn
		out["auditBucketName"] = st.Audit.BucketName
		out["auditLogGroupName"] = st.Audit.LogGroupName
	}
	return out
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
	if cfg.LedgerRetentionDays > 0 {
		o.LedgerRetentionDays = cfg.LedgerRetentionDays
	}
	// The ledger is a table no dataset writes: its TTL attribute is the
	// stack's ttlAttribute (TablesFor).
	o.LedgerTTLAttribute = cfg.TTLAttribute
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

// Symbolic references of FunctionEnv: the bucket's name, the stack's name
// (the Stack dimension of the functions' metrics) or a table's name
// (RefTable + logical name).
const (
	RefBucket = "bucket"
	RefStack  = "stack"
	RefTable  = "table:"
)

// FunctionEnv returns the environment variables of function fn as
// symbolic references (RefBucket, RefTable+"items"), named by the
// contract.Env* constants the functions read. Program resolves them to
// outputs.
func FunctionEnv(fn string) map[string]string {
	switch fn {
	case pipeline.FunctionValidate:
		return map[string]string{contract.EnvReportBucket: RefBucket, contract.EnvStack: RefStack}
	case pipeline.FunctionTransform:
		return map[string]string{contract.EnvStagingBucket: RefBucket}
	case pipeline.FunctionEnrich:
		return map[string]string{
			contract.EnvTableItems:     RefTable + string(dataset.TableItems),
			contract.EnvTableReference: RefTable + string(dataset.TableReference),
		}
	case pipeline.FunctionLoad:
		return map[string]string{
			contract.EnvTableItems:     RefTable + string(dataset.TableItems),
			contract.EnvTableReference: RefTable + string(dataset.TableReference),
			contract.EnvStack:          RefStack,
		}
	}
	return nil
}

// functionEnvironment resolves FunctionEnv to outputs.
func functionEnvironment(fn, stack string, bucket pulumi.StringOutput, tables map[string]pulumi.StringOutput) (map[string]pulumi.StringInput, error) {
	env := map[string]pulumi.StringInput{}
	for k, ref := range FunctionEnv(fn) {
		switch {
		case ref == RefBucket:
			env[k] = bucket
		case ref == RefStack:
			env[k] = pulumi.String(stack)
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
