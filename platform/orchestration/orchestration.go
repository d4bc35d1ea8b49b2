package orchestration

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
	"github.com/sluicehq/sluice/workflow"
)

// Type is the component's Pulumi type token.
const Type = "sluice:orchestration:Orchestration"

// LogDeliveryActions are what Step Functions needs to deliver execution
// logs to CloudWatch Logs; they support no resource-level permissions.
var LogDeliveryActions = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// TracingActions are what X-Ray tracing of executions needs; X-Ray has no
// resource-level permissions.
var TracingActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}

// CompileFunc compiles the machine against resolved ARNs
// (pipeline.Build with the stack's options).
type CompileFunc func(r workflow.Resolver) (*workflow.Compiled, error)

// Args configures the Orchestration component.
type Args struct {
	// Compile builds the machine. Required.
	Compile CompileFunc
	// ARNs maps resource kind and logical name to the ARN the machine
	// should use (bucket names are accepted for buckets).
	ARNs map[workflow.ResourceKind]map[string]pulumi.StringInput
	// Type is STANDARD or EXPRESS.
	Type string
	// LogLevel is ALL, ERROR, FATAL or OFF; IncludeExecutionData logs
	// inputs and outputs.
	LogLevel             string
	IncludeExecutionData bool
	// LogRetentionDays of the execution log group.
	LogRetentionDays int
	// KeyArn encrypts the log group and is granted for the encrypted
	// resources the machine touches. Required.
	KeyArn pulumi.StringInput
	// AccountID, Partition and Region build the machine's own ARN, which
	// its role must name before the machine exists. Required.
	AccountID, Partition, Region string
	// RoleTags are the tags of the execution role. Default:
	// naming.PipelineRoleTags().
	RoleTags pulumi.StringMap
	// ObjectScopes narrows object actions the machine reports on a bucket
	// to keys under the given prefixes (action -> prefixes), instead of
	// bucket/*. Default: none.
	ObjectScopes map[string][]string
}

// Orchestration is the state machine and its role.
type Orchestration struct {
	pulumi.ResourceState

	// Arn and Name identify the state machine.
	Arn  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
	// RoleArn is the execution role.
	RoleArn pulumi.StringOutput `pulumi:"roleArn"`
	// Definition is the deployed ASL.
	Definition pulumi.StringOutput `pulumi:"definition"`
	// LogGroupName receives execution logs.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
	// Machine is the state machine resource (for alarms).
	Machine *sfn.StateMachine
}

func (a *Args) validate() error {
	if a == nil {
		return errors.New("orchestration: nil Args")
	}
	if a.Compile == nil {
		return errors.New("orchestration: Compile is required")
	}
	if a.KeyArn == nil {
		return errors.New("orchestration: KeyArn is required")
	}
	if a.AccountID == "" || a.Partition == "" || a.Region == "" {
		return errors.New("orchestration: AccountID, Partition and Region are required")
	}
	if a.Type != "STANDARD" && a.Type != "EXPRESS" {
		return fmt.Errorf("orchestration: type %q is neither STANDARD nor EXPRESS", a.Type)
	}
	if !slices.Contains([]string{"ALL", "ERROR", "FATAL", "OFF"}, a.LogLevel) {
		return fmt.Errorf("orchestration: log level %q", a.LogLevel)
	}
	return nil
}

// compiled is the result of compiling inside the Apply.
type compiled struct {
	definition string
	policy     string
}

// Policy returns the execution role's policy for a compiled machine whose
// own ARN is self: every resource the machine reports with exactly its
// actions (object actions on bucket/*), the key when the machine touches
// an encrypted store, log delivery when logging is on, and tracing.
func Policy(c *workflow.Compiled, self, keyArn string, logging bool) policy.Document {
	return ScopedPolicy(c, self, keyArn, logging, nil)
}

// ScopedPolicy is Policy with the object actions named in scopes granted
// only on keys under their prefixes (bucket/prefix*).
func ScopedPolicy(c *workflow.Compiled, self, keyArn string, logging bool, scopes map[string][]string) policy.Document {
	var d policy.Document
	touchesEncrypted := false
	for i, r := range c.Resources {
		sid := fmt.Sprintf("R%d%s", i, sidPart(string(r.Kind)+" "+r.Name))
		switch r.Kind {
		case workflow.KindBucket:
			touchesEncrypted = true
			var bucketActs, objectActs, scopedActs []string
			for _, a := range r.Actions {
				switch {
				case isBucketLevel(a):
					bucketActs = append(bucketActs, a)
				case len(scopes[a]) > 0:
					scopedActs = append(scopedActs, a)
				default:
					objectActs = append(objectActs, a)
				}
			}
			if len(bucketActs) > 0 {
				d.Statement = append(d.Statement, policy.Allow(sid+"Bucket", bucketActs, []string{r.ARN}))
			}
			if len(objectActs) > 0 {
				d.Statement = append(d.Statement, policy.Allow(sid+"Objects", objectActs, []string{r.ARN + "/*"}))
			}
			for _, a := range scopedActs {
				var keys []string
				for _, p := range scopes[a] {
					keys = append(keys, r.ARN+"/"+p+"*")
				}
				d.Statement = append(d.Statement, policy.Allow(sid+"Scoped"+sidPart(strings.TrimPrefix(a, "s3:")), []string{a}, keys))
			}
		case workflow.KindStateMachine:
			arn := r.ARN
			if r.Name == workflow.Self {
				arn = self
			}
			var smActs, execActs []string
			for _, a := range r.Actions {
				if a == "states:DescribeExecution" || a == "states:StopExecution" {
					execActs = append(execActs, a)
				} else {
					smActs = append(smActs, a)
				}
			}
			if len(smActs) > 0 {
				d.Statement = append(d.Statement, policy.Allow(sid, smActs, []string{arn}))
			}
			if len(execActs) > 0 {
				exec := strings.Replace(arn, ":stateMachine:", ":execution:", 1)
				d.Statement = append(d.Statement, policy.Allow(sid+"Executions", execActs, []string{exec + ":*", exec + "/*"}))
			}
		case workflow.KindTable, workflow.KindTopic:
			touchesEncrypted = true
			d.Statement = append(d.Statement, policy.Allow(sid, r.Actions, []string{r.ARN}))
		default:
			d.Statement = append(d.Statement, policy.Allow(sid, r.Actions, []string{r.ARN}))
		}
	}
	if touchesEncrypted {
		d.Statement = append(d.Statement, policy.Allow("UseStackKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{keyArn}))
	}
	if logging {
		d.Statement = append(d.Statement, policy.Allow("DeliverLogs", LogDeliveryActions, []string{"*"}))
	}
	d.Statement = append(d.Statement, policy.Allow("Tracing", TracingActions, []string{"*"}))
	return d
}

func isBucketLevel(action string) bool {
	switch action {
	case "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation":
		return true
	}
	return false
}

func sidPart(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			if up {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// New creates the Orchestration component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Orchestration, error) {
	if err := args.validate(); err != nil {
		return nil, err
	}
	comp := &Orchestration{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	phys := naming.Physical(ctx.Project(), ctx.Stack(), name, 80)
	self := fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", args.Partition, args.Region, args.AccountID, phys)

	logGroup, err := cloudwatch.NewLogGroup(ctx, naming.Child(name, "logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vendedlogs/states/" + phys),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        args.KeyArn,
	}, parent)
	if err != nil {
		return nil, err
	}

	// Every ARN, in a fixed order, into one Apply that compiles the machine.
	type slot struct {
		kind workflow.ResourceKind
		name string
	}
	var slots []slot
	var inputs []interface{}
	for _, kind := range slices.Sorted(maps.Keys(args.ARNs)) {
		for _, n := range slices.Sorted(maps.Keys(args.ARNs[kind])) {
			slots = append(slots, slot{kind, n})
			inputs = append(inputs, args.ARNs[kind][n])
		}
	}
	inputs = append(inputs, args.KeyArn)
	logging := args.LogLevel != "OFF"
	result := pulumi.All(inputs...).ApplyT(func(vals []interface{}) (compiled, error) {
		table := workflow.StaticResolver{}
		for i, s := range slots {
			arn, ok := vals[i].(string)
			if !ok {
				return compiled{}, fmt.Errorf("orchestration: ARN of %s %q is %T", s.kind, s.name, vals[i])
			}
			if table[s.kind] == nil {
				table[s.kind] = map[string]string{}
			}
			table[s.kind][s.name] = arn
		}
		keyArn, _ := vals[len(vals)-1].(string)
		c, err := args.Compile(table)
		if err != nil {
			return compiled{}, fmt.Errorf("orchestration: compile: %w", err)
		}
		asl, err := c.ASL()
		if err != nil {
			return compiled{}, fmt.Errorf("orchestration: encode: %w", err)
		}
		pol, err := policy.JSON(ScopedPolicy(c, self, keyArn, logging, args.ObjectScopes))
		if err != nil {
			return compiled{}, fmt.Errorf("orchestration: %w", err)
		}
		return compiled{definition: string(asl), policy: pol}, nil
	})
	definition := result.ApplyT(func(v interface{}) string { return v.(compiled).definition }).(pulumi.StringOutput)
	rolePolicyDoc := result.ApplyT(func(v interface{}) string { return v.(compiled).policy }).(pulumi.StringOutput)

	roleTags := args.RoleTags
	if roleTags == nil {
		roleTags = naming.PipelineRoleTags()
	}
	role, err := iam.NewRole(ctx, naming.Child(name, "role"), &iam.RoleArgs{
		Description: pulumi.Sprintf("Sluice %s state machine", ctx.Stack()),
		AssumeRolePolicy: policy.Render(policy.AssumeRole(map[string]map[string][]string{
			"StringEquals": {"aws:SourceAccount": {args.AccountID}},
		}, "states.amazonaws.com"), nil),
		Tags: roleTags,
	}, parent)
	if err != nil {
		return nil, err
	}
	rolePolicy, err := iam.NewRolePolicy(ctx, naming.Child(name, "policy"), &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: rolePolicyDoc,
	}, parent)
	if err != nil {
		return nil, err
	}
	sm, err := sfn.NewStateMachine(ctx, naming.Child(name, "machine"), &sfn.StateMachineArgs{
		Name:       pulumi.String(phys),
		Type:       pulumi.String(args.Type),
		Definition: definition,
		RoleArn:    role.Arn,
		LoggingConfiguration: sfn.StateMachineLoggingConfigurationArgs{
			Level:                pulumi.String(args.LogLevel),
			IncludeExecutionData: pulumi.Bool(args.IncludeExecutionData),
			LogDestination:       pulumi.Sprintf("%s:*", logGroup.Arn),
		},
		TracingConfiguration: sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(true)},
	}, parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))
	if err != nil {
		return nil, err
	}
	comp.Arn, comp.Name, comp.RoleArn, comp.Definition, comp.LogGroupName = sm.Arn, sm.Name, role.Arn, definition, logGroup.Name
	comp.Machine = sm
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"arn":          comp.Arn,
		"name":         comp.Name,
		"roleArn":      comp.RoleArn,
		"definition":   comp.Definition,
		"logGroupName": comp.LogGroupName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
