package security

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/sluicehq/sluice/platform/naming"
	"github.com/sluicehq/sluice/platform/policy"
)

// Type is the component's Pulumi type token.
const Type = "sluice:security:Security"

// InterfaceServices are the services reached through interface endpoints
// when the functions run in the VPC.
var InterfaceServices = []string{"states", "lambda", "logs", "kms", "xray"}

// GatewayServices are the services reached through gateway endpoints.
var GatewayServices = []string{"s3", "dynamodb"}

// Args configures the Security component.
type Args struct {
	// AccountID, Partition and Region locate the stack (key policy ARNs and
	// endpoint service names). Required.
	AccountID, Partition, Region string
	// DeletionWindowDays is the key's deletion window, 7 to 30.
	DeletionWindowDays int
	// Network, when set, creates the VPC.
	Network *NetworkArgs
}

// NetworkArgs configures the VPC.
type NetworkArgs struct {
	// CIDR is the VPC's IPv4 range, a /16 to /24 prefix.
	CIDR string
	// AvailabilityZones get one private subnet each (1 to 7).
	AvailabilityZones []string
	// NAT gives the private subnets a way to the internet (config egress
	// nat): an internet gateway, a public subnet in the first zone (the
	// VPC's last subnet slot) holding a NAT gateway with an Elastic IP,
	// and a default route of the private subnets to it. One gateway, not
	// one per zone: if its zone fails, the calls to external APIs fail
	// (and are retried) until it is back; AWS services stay reachable
	// through the endpoints.
	NAT bool
	// SecretsEndpoint adds an interface endpoint for Secrets Manager, so
	// that reading the enrichment secrets stays inside the VPC.
	SecretsEndpoint bool
}

// SecretsService is the endpoint service of Secrets Manager
// (NetworkArgs.SecretsEndpoint).
const SecretsService = "secretsmanager"

// publicSlot is the subnet slot (SubnetCIDRs) of the NAT gateway's public
// subnet: the last of eight, free while there are at most seven zones.
const publicSlot = 7

// Security is the key and, optionally, the network.
type Security struct {
	pulumi.ResourceState

	// KeyArn and KeyID identify the KMS key.
	KeyArn pulumi.StringOutput `pulumi:"keyArn"`
	KeyID  pulumi.StringOutput `pulumi:"keyId"`
	// AliasName is alias/<project>-<stack>-<component name>.
	AliasName pulumi.StringOutput `pulumi:"aliasName"`
	// VpcID, SubnetIDs and SecurityGroupID place the functions; empty
	// without a network.
	VpcID           pulumi.StringOutput      `pulumi:"vpcId"`
	SubnetIDs       pulumi.StringArrayOutput `pulumi:"subnetIds"`
	SecurityGroupID pulumi.StringOutput      `pulumi:"securityGroupId"`
}

// ReplicaKeyPolicy returns the policy of the KMS key of the table replicas
// in another region (platform/data): the account root administers it, as
// the stack's key, which is what lets IAM policies grant its use and
// DynamoDB create its grants for the replicas. Nothing else in that region
// encrypts with it, so it has none of KeyPolicy's service statements.
func ReplicaKeyPolicy(account, partition string) policy.Document {
	return policy.Document{Statement: []policy.Statement{rootAdministers(account, partition)}}
}

func rootAdministers(account, partition string) policy.Statement {
	return policy.Statement{
		Sid:       "AccountRootAdministers",
		Principal: &policy.Principal{AWS: []string{fmt.Sprintf("arn:%s:iam::%s:root", partition, account)}},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}
}

// KeyPolicy returns the key policy: the account root administers the key
// (which is what lets IAM policies grant its use), CloudWatch Logs encrypts
// this account's log groups, EventBridge writes to the encrypted
// dead-letter queue and CloudWatch alarms publish to the encrypted topic.
// Key policies name the key itself as "*".
func KeyPolicy(account, partition, region string) policy.Document {
	srcAccount := map[string][]string{"aws:SourceAccount": {account}}
	return policy.Document{Statement: []policy.Statement{
		rootAdministers(account, partition),
		{
			Sid:       "CloudWatchLogsEncrypt",
			Principal: &policy.Principal{Service: []string{"logs." + region + ".amazonaws.com"}},
			Action:    []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"ArnLike": {
				"kms:EncryptionContext:aws:logs:arn": {fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, region, account)},
			}},
		},
		{
			Sid:       "EventBridgeToEncryptedQueue",
			Principal: &policy.Principal{Service: []string{"events.amazonaws.com"}},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"StringEquals": srcAccount},
		},
		{
			Sid:       "AlarmsToEncryptedTopic",
			Principal: &policy.Principal{Service: []string{"cloudwatch.amazonaws.com"}},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{"*"},
			Condition: map[string]map[string][]string{"StringEquals": srcAccount},
		},
	}}
}

// New creates the Security component.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Security, error) {
	if args == nil {
		return nil, errors.New("security: nil Args")
	}
	if args.AccountID == "" || args.Partition == "" || args.Region == "" {
		return nil, errors.New("security: AccountID, Partition and Region are required")
	}
	if args.DeletionWindowDays < 7 || args.DeletionWindowDays > 30 {
		return nil, fmt.Errorf("security: DeletionWindowDays %d is outside 7..30", args.DeletionWindowDays)
	}
	var subnets []netip.Prefix
	if args.Network != nil {
		n := len(args.Network.AvailabilityZones)
		if args.Network.NAT && n > publicSlot {
			return nil, fmt.Errorf("security: %d availability zones leave no subnet slot for the NAT gateway (at most %d)", n, publicSlot)
		}
		var err error
		if subnets, err = SubnetCIDRs(args.Network.CIDR, publicSlot+1); err != nil {
			return nil, fmt.Errorf("security: %w", err)
		}
		if n < 1 || n > publicSlot+1 {
			return nil, fmt.Errorf("security: %d availability zones: want 1 to %d", n, publicSlot+1)
		}
	}
	comp := &Security{}
	if err := ctx.RegisterComponentResource(Type, name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	keyPolicy, err := policy.JSON(KeyPolicy(args.AccountID, args.Partition, args.Region))
	if err != nil {
		return nil, fmt.Errorf("security: %w", err)
	}
	key, err := kms.NewKey(ctx, naming.Child(name, "key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("Sluice %s/%s: bucket, tables, logs, queue and topic", ctx.Project(), ctx.Stack()),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(args.DeletionWindowDays),
		Policy:               pulumi.String(keyPolicy),
	}, parent)
	if err != nil {
		return nil, err
	}
	alias, err := kms.NewAlias(ctx, naming.Child(name, "alias"), &kms.AliasArgs{
		Name:        pulumi.String("alias/" + naming.Physical(ctx.Project(), ctx.Stack(), name, 250)),
		TargetKeyId: key.KeyId,
	}, parent)
	if err != nil {
		return nil, err
	}
	comp.KeyArn, comp.KeyID, comp.AliasName = key.Arn, key.KeyId, alias.Name
	comp.VpcID = pulumi.String("").ToStringOutput()
	comp.SubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
	comp.SecurityGroupID = pulumi.String("").ToStringOutput()

	if args.Network != nil {
		if err := comp.network(ctx, name, args, subnets, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"keyArn":          comp.KeyArn,
		"keyId":           comp.KeyID,
		"aliasName":       comp.AliasName,
		"vpcId":           comp.VpcID,
		"subnetIds":       comp.SubnetIDs,
		"securityGroupId": comp.SecurityGroupID,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

func (s *Security) network(ctx *pulumi.Context, name string, args *Args, subnets []netip.Prefix, parent pulumi.ResourceOption) error {
	cidr := args.Network.CIDR
	vpc, err := ec2.NewVpc(ctx, naming.Child(name, "vpc"), &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cidr),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
	}, parent)
	if err != nil {
		return err
	}
	rt, err := ec2.NewRouteTable(ctx, naming.Child(name, "private-rt"), &ec2.RouteTableArgs{VpcId: vpc.ID()}, parent)
	if err != nil {
		return err
	}
	var subnetIDs pulumi.StringArray
	for i, az := range args.Network.AvailabilityZones {
		sn, err := ec2.NewSubnet(ctx, naming.Child(name, fmt.Sprintf("private-%d", i)), &ec2.SubnetArgs{
			VpcId:               vpc.ID(),
			CidrBlock:           pulumi.String(subnets[i].String()),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
		}, parent)
		if err != nil {
			return err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, naming.Child(name, fmt.Sprintf("private-%d-rt", i)), &ec2.RouteTableAssociationArgs{
			RouteTableId: rt.ID(),
			SubnetId:     sn.ID(),
		}, parent); err != nil {
			return err
		}
		subnetIDs = append(subnetIDs, sn.ID().ToStringOutput())
	}
	https := func(desc string) ec2.SecurityGroupIngressArray {
		return ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String(desc), Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrBlocks: pulumi.StringArray{pulumi.String(cidr)},
		}}
	}
	endpointSG, err := ec2.NewSecurityGroup(ctx, naming.Child(name, "endpoints-sg"), &ec2.SecurityGroupArgs{
		Description: pulumi.String("Sluice interface endpoints: HTTPS from the VPC"),
		VpcId:       vpc.ID(),
		Ingress:     https("HTTPS from the VPC"),
	}, parent)
	if err != nil {
		return err
	}
	// The description stays what it was before egress nat existed: a
	// new one replaces the group, and deleting a group Lambda's network
	// interfaces still use can take a long time. With NAT, "no internet
	// route" is the route table's business, not the group's.
	fnSG, err := ec2.NewSecurityGroup(ctx, naming.Child(name, "functions-sg"), &ec2.SecurityGroupArgs{
		Description: pulumi.String("Sluice functions: HTTPS out only (endpoints; no internet route)"),
		VpcId:       vpc.ID(),
		Egress: ec2.SecurityGroupEgressArray{ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("HTTPS to endpoints"), Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")},
		}},
	}, parent)
	if err != nil {
		return err
	}
	for _, svc := range GatewayServices {
		if _, err := ec2.NewVpcEndpoint(ctx, naming.Child(name, svc+"-endpoint"), &ec2.VpcEndpointArgs{
			VpcId:           vpc.ID(),
			ServiceName:     pulumi.String(ServiceName(args.Partition, args.Region, svc)),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   pulumi.StringArray{rt.ID()},
		}, parent); err != nil {
			return err
		}
	}
	services := InterfaceServices
	if args.Network.SecretsEndpoint {
		services = append(slices.Clone(services), SecretsService)
	}
	for _, svc := range services {
		if _, err := ec2.NewVpcEndpoint(ctx, naming.Child(name, svc+"-endpoint"), &ec2.VpcEndpointArgs{
			VpcId:             vpc.ID(),
			ServiceName:       pulumi.String(ServiceName(args.Partition, args.Region, svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         subnetIDs,
			SecurityGroupIds:  pulumi.StringArray{endpointSG.ID()},
		}, parent); err != nil {
			return err
		}
	}
	if args.Network.NAT {
		if err := natGateway(ctx, name, vpc, rt, args.Network.AvailabilityZones[0], subnets[publicSlot], parent); err != nil {
			return err
		}
	}
	s.VpcID = vpc.ID().ToStringOutput()
	s.SubnetIDs = subnetIDs.ToStringArrayOutput()
	s.SecurityGroupID = fnSG.ID().ToStringOutput()
	return nil
}

// natGateway gives the private route table rt a default route through a
// NAT gateway in a public subnet of zone az (NetworkArgs.NAT).
func natGateway(ctx *pulumi.Context, name string, vpc *ec2.Vpc, rt *ec2.RouteTable, az string, cidr netip.Prefix, parent pulumi.ResourceOption) error {
	igw, err := ec2.NewInternetGateway(ctx, naming.Child(name, "igw"), &ec2.InternetGatewayArgs{}, parent)
	if err != nil {
		return err
	}
	attach, err := ec2.NewInternetGatewayAttachment(ctx, naming.Child(name, "igw-attachment"), &ec2.InternetGatewayAttachmentArgs{
		InternetGatewayId: igw.ID(),
		VpcId:             vpc.ID(),
	}, parent)
	if err != nil {
		return err
	}
	public, err := ec2.NewSubnet(ctx, naming.Child(name, "public-0"), &ec2.SubnetArgs{
		VpcId:               vpc.ID(),
		CidrBlock:           pulumi.String(cidr.String()),
		AvailabilityZone:    pulumi.String(az),
		MapPublicIpOnLaunch: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return err
	}
	publicRT, err := ec2.NewRouteTable(ctx, naming.Child(name, "public-rt"), &ec2.RouteTableArgs{VpcId: vpc.ID()}, parent)
	if err != nil {
		return err
	}
	if _, err := ec2.NewRouteTableAssociation(ctx, naming.Child(name, "public-0-rt"), &ec2.RouteTableAssociationArgs{
		RouteTableId: publicRT.ID(),
		SubnetId:     public.ID(),
	}, parent); err != nil {
		return err
	}
	if _, err := ec2.NewRoute(ctx, naming.Child(name, "public-default"), &ec2.RouteArgs{
		RouteTableId:         publicRT.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, parent, pulumi.DependsOn([]pulumi.Resource{attach})); err != nil {
		return err
	}
	eip, err := ec2.NewEip(ctx, naming.Child(name, "nat-eip"), &ec2.EipArgs{Domain: pulumi.String("vpc")}, parent)
	if err != nil {
		return err
	}
	nat, err := ec2.NewNatGateway(ctx, naming.Child(name, "nat"), &ec2.NatGatewayArgs{
		AllocationId:     eip.ID(),
		SubnetId:         public.ID(),
		ConnectivityType: pulumi.String("public"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{attach}))
	if err != nil {
		return err
	}
	_, err = ec2.NewRoute(ctx, naming.Child(name, "private-default"), &ec2.RouteArgs{
		RouteTableId:         rt.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		NatGatewayId:         nat.ID(),
	}, parent)
	return err
}

// ServiceName returns the VPC endpoint service name of an AWS service.
func ServiceName(partition, region, service string) string {
	prefix := "com.amazonaws."
	if partition == "aws-cn" {
		prefix = "cn.com.amazonaws."
	}
	return prefix + region + "." + service
}

// SubnetCIDRs carves n equal subnets out of cidr: eight slots (three more
// prefix bits), so that up to eight zones fit and each subnet keeps room.
func SubnetCIDRs(cidr string, n int) ([]netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return nil, fmt.Errorf("VPC CIDR %q is not an IPv4 network prefix", cidr)
	}
	if n < 1 || n > 8 {
		return nil, fmt.Errorf("%d availability zones: want 1 to 8", n)
	}
	bits := p.Bits() + 3
	if bits > 28 {
		return nil, fmt.Errorf("VPC CIDR %q is too small for subnets", cidr)
	}
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	out := make([]netip.Prefix, n)
	for i := range n {
		a := start + uint32(i)<<(32-bits)
		out[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits)
	}
	return out, nil
}
