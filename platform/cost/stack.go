package cost

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/internal/stackconfig"
	"github.com/sluicehq/sluice/workflow/pipeline"
)

// Project is the Pulumi project name, the namespace of the stack's keys.
const Project = "sluice"

// functionNames are the deployed functions by logical name: the
// pipeline's and the reconciler.
var functionNames = []string{"validate", "transform", "enrich", "load", "reconcile"}

// Stack is the part of a stack's configuration the estimate reads: the
// keys Pulumi.yaml declares (platform.Keys generates it), at the values
// Pulumi.<stack>.yaml sets or at their declared defaults.
type Stack struct {
	// Name is the stack ("dev", "prod").
	Name string
	// Region is aws:region ("" when unset).
	Region string

	// MemoryMB is the memory of every function without its own key.
	MemoryMB int
	// FunctionMemoryMB is the memory of each function by logical name
	// (validate, transform, enrich, load, reconcile): its own
	// <fn>MemoryMb key when set (not 0), else MemoryMB.
	FunctionMemoryMB map[string]int
	// FunctionLogLevel is the functions' application log level.
	FunctionLogLevel string
	// LogRetentionDays is the retention of every log group.
	LogRetentionDays int
	// StateMachineLogLevel and IncludeExecutionData: the execution logs.
	StateMachineLogLevel string
	IncludeExecutionData bool
	// MapExecutionType overrides the chunk executions' type ("" keeps the
	// pipeline's default for the stack).
	MapExecutionType string
	// MapMaxConcurrency overrides the Distributed Map's concurrency (0
	// keeps the pipeline's).
	MapMaxConcurrency int

	// CapacityMode is "on-demand" or "provisioned".
	CapacityMode string
	// ReadCapacity, WriteCapacity: provisioned minimum units per table;
	// MaxReadCapacity, MaxWriteCapacity: the autoscaling ceiling.
	ReadCapacity, WriteCapacity, MaxReadCapacity, MaxWriteCapacity int
	// AutoscalingTarget is the target utilisation in percent.
	AutoscalingTarget int
	// PointInTimeRecovery is on for every table.
	PointInTimeRecovery bool

	// IncomingIADays and IncomingGlacierDays: incoming files move to
	// STANDARD_IA, then GLACIER, after this many days.
	IncomingIADays, IncomingGlacierDays int
	// StagingExpireDays and ResultsExpireDays: staged chunks and
	// Distributed Map results expire after this many days.
	StagingExpireDays, ResultsExpireDays int

	// MonthlyBudgetUSD is the stack's AWS Budget (0: none);
	// BudgetAlertPercent the share of it whose passing alerts.
	MonthlyBudgetUSD, BudgetAlertPercent int

	// ReconcileSchedule is the reconciler's schedule expression.
	ReconcileSchedule string
	// ReconcileTimeoutSeconds bounds one reconciler run.
	ReconcileTimeoutSeconds int

	// BatchDatasets are the datasets the stack runs in batches
	// (pipeline.BuildBatch) instead of one execution per file;
	// BatchSchedule starts one batch execution per dataset.
	BatchDatasets []string
	BatchSchedule string
	// BatchMaxFiles bounds the files one batch execution takes;
	// BatchMaxConcurrency the files it runs at once (0: the chunk map's).
	BatchMaxFiles, BatchMaxConcurrency int
	// BatchExpressMaxKB is the largest file in KiB a batch's Express child
	// processes itself (larger ones are handed to the per-file machine).
	BatchExpressMaxKB int

	// VPC puts the functions in private subnets; Egress is how they reach
	// the internet there ("none" or "nat": a NAT gateway with an Elastic
	// IP, which is billed by the hour and per GB processed).
	VPC    bool
	Egress string
	// AZCount is the zones of the VPC: one private subnet each, and a
	// network interface of every interface endpoint in each.
	AZCount int
	// EnrichmentSecrets are the secret names enrichmentSecrets maps to
	// ARNs, sorted (the ARNs are not priced).
	EnrichmentSecrets []string
	// TableReplicaRegions are the regions holding a replica of the data
	// tables (DynamoDB global tables).
	TableReplicaRegions []string
}

// Batched reports whether the stack runs dataset in batches.
func (s Stack) Batched(dataset string) bool { return slices.Contains(s.BatchDatasets, dataset) }

// NAT reports whether the stack deploys a NAT gateway (egress nat in a VPC).
func (s Stack) NAT() bool { return s.VPC && s.Egress == EgressNAT }

// EgressNAT is the egress value that deploys a NAT gateway (config
// egress; platform.EgressNAT).
const EgressNAT = "nat"

// LoadStack reads the configuration of stack from dir/Pulumi.yaml (the
// typed declarations and their defaults) and dir/Pulumi.<stack>.yaml (the
// stack's values). Every problem is reported, each naming its file and
// key: a missing file, a key the project does not declare, a value of the
// wrong type.
func LoadStack(dir, stack string) (Stack, error) {
	if stack == "" || strings.ContainsAny(stack, `/\`) {
		return Stack{}, fmt.Errorf("stack %q: not a stack name", stack)
	}
	projFile := filepath.Join(dir, "Pulumi.yaml")
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Type    string    `yaml:"type"`
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := readYAML(projFile, &proj); err != nil {
		return Stack{}, err
	}
	if proj.Name != Project {
		return Stack{}, fmt.Errorf("%s: project %q, want %q", projFile, proj.Name, Project)
	}
	var st struct {
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := readYAML(stackFile, &st); err != nil {
		return Stack{}, fmt.Errorf("stack %s: %w", stack, err)
	}

	// values maps a key without namespace to its text and where it came from.
	type value struct{ text, file string }
	values := map[string]value{}
	types := map[string]string{}
	var errs []error
	for k, d := range proj.Config {
		types[k] = d.Type
		if d.Default.Kind == yaml.ScalarNode {
			values[k] = value{d.Default.Value, projFile}
		}
	}
	region := ""
	keys := make([]string, 0, len(st.Config))
	for k := range st.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, full := range keys {
		n := st.Config[full]
		ns, name, _ := strings.Cut(full, ":")
		switch {
		case full == "aws:region":
			region = n.Value
			continue
		case ns != Project:
			continue
		case types[name] == "":
			errs = append(errs, fmt.Errorf("%s: %s: unknown key (Pulumi.yaml declares no %q)", stackFile, full, name))
			continue
		case n.Kind != yaml.ScalarNode:
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				continue // a secure value or a list (batchDatasets: below; tableReplicaRegions)
			}
			errs = append(errs, fmt.Errorf("%s: %s: not a scalar", stackFile, full))
			continue
		}
		values[name] = value{n.Value, stackFile}
	}

	s := Stack{Name: stack, Region: region}
	str := func(name string, dst *string) {
		v, ok := values[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s:%s: not declared", projFile, Project, name))
			return
		}
		*dst = v.text
	}
	integer := func(name string, dst *int) {
		v, ok := values[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s:%s: not declared", projFile, Project, name))
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v.text))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s:%s: %q is not an integer", v.file, Project, name, v.text))
			return
		}
		*dst = n
	}
	boolean := func(name string, dst *bool) {
		v, ok := values[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s:%s: not declared", projFile, Project, name))
			return
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v.text))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s:%s: %q is not a boolean", v.file, Project, name, v.text))
			return
		}
		*dst = b
	}
	integer("memoryMb", &s.MemoryMB)
	s.FunctionMemoryMB = map[string]int{}
	for _, fn := range functionNames {
		var mb int
		integer(fn+"MemoryMb", &mb)
		if mb == 0 {
			mb = s.MemoryMB
		}
		s.FunctionMemoryMB[fn] = mb
	}
	str("functionLogLevel", &s.FunctionLogLevel)
	integer("logRetentionDays", &s.LogRetentionDays)
	str("stateMachineLogLevel", &s.StateMachineLogLevel)
	boolean("includeExecutionData", &s.IncludeExecutionData)
	str("mapExecutionType", &s.MapExecutionType)
	integer("mapMaxConcurrency", &s.MapMaxConcurrency)
	str("capacityMode", &s.CapacityMode)
	integer("readCapacity", &s.ReadCapacity)
	integer("writeCapacity", &s.WriteCapacity)
	integer("maxReadCapacity", &s.MaxReadCapacity)
	integer("maxWriteCapacity", &s.MaxWriteCapacity)
	integer("autoscalingTarget", &s.AutoscalingTarget)
	boolean("pointInTimeRecovery", &s.PointInTimeRecovery)
	integer("incomingIaDays", &s.IncomingIADays)
	integer("incomingGlacierDays", &s.IncomingGlacierDays)
	integer("stagingExpireDays", &s.StagingExpireDays)
	integer("resultsExpireDays", &s.ResultsExpireDays)
	integer("monthlyBudgetUsd", &s.MonthlyBudgetUSD)
	integer("budgetAlertPercent", &s.BudgetAlertPercent)
	str("reconcileSchedule", &s.ReconcileSchedule)
	integer("reconcileTimeoutSeconds", &s.ReconcileTimeoutSeconds)
	str("batchSchedule", &s.BatchSchedule)
	integer("batchMaxFiles", &s.BatchMaxFiles)
	integer("batchMaxConcurrency", &s.BatchMaxConcurrency)
	integer("batchExpressMaxKb", &s.BatchExpressMaxKB)
	boolean("vpc", &s.VPC)
	str("egress", &s.Egress)
	integer("azCount", &s.AZCount)
	errs = append(errs, s.readLists(dir, stack)...)
	if len(errs) > 0 {
		return Stack{}, errors.Join(errs...)
	}
	if err := s.check(); err != nil {
		return Stack{}, fmt.Errorf("%s: %w", stackFile, err)
	}
	return s, nil
}

// readLists reads the stack's list keys (batchDatasets, tableReplicaRegions,
// enrichmentSecrets) as the local commands read them: YAML or the JSON text
// Pulumi accepts. Each problem names its file and key.
func (s *Stack) readLists(dir, stack string) []error {
	var errs []error
	var err error
	if s.BatchDatasets, _, err = stackconfig.BatchDatasets(dir, stack); err != nil {
		errs = append(errs, err)
	}
	if s.TableReplicaRegions, _, err = stackconfig.Strings(dir, stack, "tableReplicaRegions"); err != nil {
		errs = append(errs, err)
	}
	secrets, from, err := stackconfig.Strings(dir, stack, "enrichmentSecrets")
	if err != nil {
		errs = append(errs, err)
	}
	for _, item := range secrets {
		name, _, ok := strings.Cut(item, "=")
		if !ok || name == "" {
			errs = append(errs, fmt.Errorf("%s: %s:enrichmentSecrets: %q is not NAME=ARN", from, Project, item))
			continue
		}
		s.EnrichmentSecrets = append(s.EnrichmentSecrets, name)
	}
	sort.Strings(s.EnrichmentSecrets)
	return errs
}

// check rejects values the estimate cannot use (the platform's own
// validation, platform.LoadConfig, is stricter).
func (s Stack) check() error {
	var errs []error
	if s.MemoryMB < 128 || s.MemoryMB > 10240 {
		errs = append(errs, fmt.Errorf("%s:memoryMb: %d is out of Lambda's range [128, 10240]", Project, s.MemoryMB))
	}
	for _, fn := range functionNames {
		if mb := s.FunctionMemoryMB[fn]; mb != s.MemoryMB && (mb < 128 || mb > 10240) {
			errs = append(errs, fmt.Errorf("%s:%sMemoryMb: %d is out of Lambda's range [128, 10240]", Project, fn, mb))
		}
	}
	if s.CapacityMode != "on-demand" && s.CapacityMode != "provisioned" {
		errs = append(errs, fmt.Errorf("%s:capacityMode: %q is not on-demand or provisioned", Project, s.CapacityMode))
	}
	if s.AutoscalingTarget < 1 || s.AutoscalingTarget > 100 {
		errs = append(errs, fmt.Errorf("%s:autoscalingTarget: %d is not a percentage", Project, s.AutoscalingTarget))
	}
	if s.IncomingIADays < 0 || s.IncomingGlacierDays < s.IncomingIADays {
		errs = append(errs, fmt.Errorf("%s:incomingGlacierDays: %d is below incomingIaDays %d", Project, s.IncomingGlacierDays, s.IncomingIADays))
	}
	if s.VPC && (s.AZCount < 1 || s.AZCount > 6) {
		errs = append(errs, fmt.Errorf("%s:azCount: %d is not 1 to 6", Project, s.AZCount))
	}
	if s.BatchMaxFiles < 1 || s.BatchMaxFiles > 1000 {
		errs = append(errs, fmt.Errorf("%s:batchMaxFiles: %d is not 1 to 1000", Project, s.BatchMaxFiles))
	}
	if s.BatchExpressMaxKB < 1 || s.BatchExpressMaxKB > pipeline.MaxExpressMaxBytes>>10 {
		errs = append(errs, fmt.Errorf("%s:batchExpressMaxKb: %d is not 1 to %d", Project, s.BatchExpressMaxKB, pipeline.MaxExpressMaxBytes>>10))
	}
	if _, err := scheduleRuns(s.BatchSchedule); err != nil && len(s.BatchDatasets) > 0 {
		errs = append(errs, fmt.Errorf("%s:batchSchedule: %w", Project, err))
	}
	switch s.MapExecutionType {
	case "", "STANDARD", "EXPRESS":
	default:
		errs = append(errs, fmt.Errorf("%s:mapExecutionType: %q is not STANDARD, EXPRESS or empty", Project, s.MapExecutionType))
	}
	return errors.Join(errs...)
}

func readYAML(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
