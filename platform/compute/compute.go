package compute

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:compute:Compute"

// Runtime, Architecture and Handler of every function.
const (
	Runtime      = "provided.al2023"
	Architecture = "arm64"
	Handler      = "bootstrap"
)

// XRayActions are the actions the X-Ray SDK and Lambda's active tracing
// need; X-Ray supports no resource-level permissions, so they take "*".
var XRayActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// VPCActions are what Lambda needs to attach a function to private
// subnets; EC2 network-interface actions support no resource scoping at
// creation, so they take "*" (the AWSLambdaVPCAccessExecutionRole shape).
var VPCActions = []string{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}

// Function declares one function.
type Function struct {
	// Name is the logical name ("validate"); the physical name is
	// <project>-<stack>-<Name>.
	Name string
	// Description says what it does.
	Description string
	// ZipPath and SourceCodeHash come from platform/packager.
	ZipPath, SourceCodeHash string
	// Environment holds the variables the function's main reads.
	Environment map[string]pulumi.StringInput
	// Policy is what the function may do beyond logging and tracing, with
	// ${ref} placeholders resolved from Refs.
	Policy policy.Document
	// Refs resolves the placeholders of Policy.
	Refs map[string]pulumi.StringInput
	// MemoryMB sizes this function. Default: Args.MemoryMB.
	MemoryMB int
}

// Network places the functions in private subnets.
type Network struct {
	SubnetIDs       pulumi.StringArrayInput
	SecurityGroupID pulumi.StringInput
}

// Args configures the Compute component.
type Args struct {
	// Functions to deploy, at least one, unique names.
	Functions []Function
	// KeyArn encrypts the log groups and environment variables. Required.
	KeyArn pulumi.StringInput
	// MemoryMB (unless a Function sets its own), TimeoutSeconds and
	// ReservedConcurrency (-1: unreserved) apply to every function.
	MemoryMB, TimeoutSeconds, ReservedConcurrency int
	// LogRetentionDays of every log group.
	LogRetentionDays int
	// LogLevel is the application log level ("INFO").
	LogLevel string
	// Network, when set, runs the functions in the VPC.
	Network *Network
}

// Compute is the set of functions.
type Compute struct {
	pulumi.ResourceState

	// Arns, Names, RoleArns and LogGroups map logical function names to
	// the function ARN, the physical name, the role ARN and the log group
	// name.
	Arns, Names, RoleArns, LogGroups map[string]pulumi.StringOutput
	// Functions are the function resources (for alarms and dashboards).
	Functions map[string]*lambda.Function
}

// Validate reports what New would refuse in a, before anything is
// registered.
func (a *Args) Validate() error {
	if a == nil {
		return errors.New("compute: nil Args")
	}
	if len(a.Functions) == 0 {
		return errors.New("compute: no functions")
	}
	if a.KeyArn == nil {
		return errors.New("compute: KeyArn is required")
	}
	seen := map[string]bool{}
	for _, f := range a.Functions {
		switch {
		case f.Name == "":
			return errors.New("compute: function without a name")
		case seen[f.Name]:
			return fmt.Errorf("compute: function %q declared twice", f.Name)
		case f.ZipPath == "" || f.SourceCodeHash == "":
			return fmt.Errorf("compute: function %q has no package", f.Name)
		case len(f.Policy.Statement) == 0:
			return fmt.Errorf("compute: function %q has no policy", f.Name)
		case f.MemoryMB != 0 && (f.MemoryMB < 128 || f.MemoryMB > 10240):
			return fmt.Errorf("compute: function %q: memory %d MB out of Lambda's range", f.Name, f.MemoryMB)
		}
		seen[f.Name] = true
	}
	if a.MemoryMB < 128 || a.MemoryMB > 10240 || a.TimeoutSeconds < 1 || a.TimeoutSeconds > 900 {
		return fmt.Errorf("compute: memory %d MB / timeout %d s out of Lambda's range", a.MemoryMB, a.TimeoutSeconds)
	}
	if a.ReservedConcurrency == 0 || a.ReservedConcurrency < -1 {
		return fmt.Errorf("compute: reserved concurrency %d (use -1 for unreserved)", a.ReservedConcurrency)
	}
	if a.LogRetentionDays < 1 {
		return fmt.Errorf("compute: log retention %d days", a.LogRetentionDays)
	}
	return nil
}

// New creates the Compute component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Compute, error) {
	if err := args.Validate(); err != nil {
		return nil, err
	}
	comp := &Compute{
		Arns: map[string]pulumi.StringOutput{}, Names: map[string]pulumi.StringOutput{},
		RoleArns: map[string]pulumi.StringOutput{}, LogGroups: map[string]pulumi.StringOutput{},
		Functions: map[string]*lambda.Function{},
	}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	for _, f := range args.Functions {
		if err := comp.function(ctx, name, args, f); err != nil {
			return nil, fmt.Errorf("compute: function %s: %w", f.Name, err)
		}
	}
	outs := pulumi.Map{}
	for k := range comp.Arns {
		outs[k+"FunctionArn"] = comp.Arns[k]
		outs[k+"RoleArn"] = comp.RoleArns[k]
	}
	if err := ctx.RegisterResourceOutputs(comp, outs); err != nil {
		return nil, err
	}
	return comp, nil
}

// RolePolicy returns a function's full policy: its own statements, writing
// to its log group and tracing, plus the network-interface actions when it
// runs in a VPC. ${logGroup} stands for the log group ARN.
func RolePolicy(own policy.Document, inVPC bool) policy.Document {
	d := policy.Document{Statement: append([]policy.Statement(nil), own.Statement...)}
	d.Statement = append(d.Statement,
		policy.Allow("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{"${logGroup}:*"}),
		policy.Allow("Tracing", XRayActions, []string{"*"}),
	)
	if inVPC {
		d.Statement = append(d.Statement, policy.Allow("VpcNetworkInterfaces", VPCActions, []string{"*"}))
	}
	return d
}

func (c *Compute) function(ctx *pulumi.Context, name string, args *Args, f Function) error {
	parent := pulumi.Parent(c)
	base := naming.Child(name, f.Name)
	phys := naming.Physical(ctx.Project(), ctx.Stack(), f.Name, 64)

	logGroup, err := cloudwatch.NewLogGroup(ctx, naming.Child(base, "logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + phys),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		KmsKeyId:        args.KeyArn,
	}, parent)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, naming.Child(base, "role"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("Sluice %s function %s", ctx.Stack(), f.Name),
		AssumeRolePolicy: policy.Render(policy.AssumeRole(nil, "lambda.amazonaws.com"), nil),
		Tags:             naming.PipelineRoleTags(),
	}, parent)
	if err != nil {
		return err
	}
	refs := maps.Clone(f.Refs)
	if refs == nil {
		refs = map[string]pulumi.StringInput{}
	}
	refs["logGroup"] = logGroup.Arn
	rolePolicy, err := iam.NewRolePolicy(ctx, naming.Child(base, "policy"), &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy.Render(RolePolicy(f.Policy, args.Network != nil), refs),
	}, parent)
	if err != nil {
		return err
	}
	env := pulumi.StringMap{}
	for _, k := range slices.Sorted(maps.Keys(f.Environment)) {
		env[k] = f.Environment[k]
	}
	fa := &lambda.FunctionArgs{
		Name:                         pulumi.String(phys),
		Description:                  pulumi.String(f.Description),
		Runtime:                      pulumi.String(Runtime),
		Architectures:                pulumi.StringArray{pulumi.String(Architecture)},
		Handler:                      pulumi.String(Handler),
		Code:                         pulumi.NewFileArchive(f.ZipPath),
		SourceCodeHash:               pulumi.String(f.SourceCodeHash),
		Role:                         role.Arn,
		MemorySize:                   pulumi.Int(cmp.Or(f.MemoryMB, args.MemoryMB)),
		Timeout:                      pulumi.Int(args.TimeoutSeconds),
		ReservedConcurrentExecutions: pulumi.Int(args.ReservedConcurrency),
		TracingConfig:                lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		KmsKeyArn:                    args.KeyArn,
		LoggingConfig: lambda.FunctionLoggingConfigArgs{
			LogFormat:           pulumi.String("JSON"),
			LogGroup:            logGroup.Name,
			ApplicationLogLevel: pulumi.String(args.LogLevel),
			SystemLogLevel:      pulumi.String("WARN"),
		},
	}
	if len(env) > 0 {
		fa.Environment = lambda.FunctionEnvironmentArgs{Variables: env}
	}
	if args.Network != nil {
		fa.VpcConfig = lambda.FunctionVpcConfigArgs{
			SubnetIds:        args.Network.SubnetIDs,
			SecurityGroupIds: pulumi.StringArray{args.Network.SecurityGroupID},
		}
	}
	fn, err := lambda.NewFunction(ctx, base, fa, parent, pulumi.DependsOn([]pulumi.Resource{logGroup, rolePolicy}))
	if err != nil {
		return err
	}
	c.Functions[f.Name] = fn
	c.Arns[f.Name] = fn.Arn
	c.Names[f.Name] = fn.Name
	c.RoleArns[f.Name] = role.Arn
	c.LogGroups[f.Name] = logGroup.Name
	return nil
}
