package cfn

import (
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
)

func vpc(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.VPC{
		CidrBlock: in.strp("cidrBlock"), EnableDnsHostnames: in.boolp("enableDnsHostnames"), EnableDnsSupport: in.boolp("enableDnsSupport"),
		Tags: c.tags,
	}, nil
}

func subnet(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.Subnet{
		AvailabilityZone: in.strp("availabilityZone"), CidrBlock: in.strp("cidrBlock"), MapPublicIpOnLaunch: in.boolp("mapPublicIpOnLaunch"),
		VpcId: in.str("vpcId"), Tags: c.tags,
	}, nil
}

func routeTable(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.RouteTable{VpcId: in.str("vpcId"), Tags: c.tags}, nil
}

func routeTableAssociation(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.SubnetRouteTableAssociation{RouteTableId: in.str("routeTableId"), SubnetId: in.str("subnetId")}, nil
}

// securityGroup writes one CloudFormation rule per CIDR block (Pulumi's
// rules take a list). The Pulumi (Terraform) provider removes the
// allow-all egress rule AWS adds to a new group, so a group with no egress
// rules has none; CloudFormation keeps that default unless the template
// gives egress rules, so such a group gets the conventional placeholder
// rule that allows nothing (all protocols to 127.0.0.1/32).
func securityGroup(c *conv, in *inputs) (cloudformation.Resource, error) {
	g := &ec2.SecurityGroup{GroupDescription: in.str("description"), GroupName: name(in, "name"), VpcId: in.strp("vpcId"), Tags: c.tags}
	for _, r := range in.list("ingress") {
		for _, cidr := range r.strs("cidrBlocks") {
			g.SecurityGroupIngress = append(g.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
				CidrIp: cloudformation.String(cidr), Description: r.strp("description"), FromPort: r.intp("fromPort"), ToPort: r.intp("toPort"), IpProtocol: r.str("protocol"),
			})
		}
		for _, sg := range r.strs("securityGroups") {
			g.SecurityGroupIngress = append(g.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
				SourceSecurityGroupId: cloudformation.String(sg), Description: r.strp("description"), FromPort: r.intp("fromPort"), ToPort: r.intp("toPort"), IpProtocol: r.str("protocol"),
			})
		}
	}
	for _, r := range in.list("egress") {
		for _, cidr := range r.strs("cidrBlocks") {
			g.SecurityGroupEgress = append(g.SecurityGroupEgress, ec2.SecurityGroup_Egress{
				CidrIp: cloudformation.String(cidr), Description: r.strp("description"), FromPort: r.intp("fromPort"), ToPort: r.intp("toPort"), IpProtocol: r.str("protocol"),
			})
		}
		for _, pl := range r.strs("prefixListIds") {
			g.SecurityGroupEgress = append(g.SecurityGroupEgress, ec2.SecurityGroup_Egress{
				DestinationPrefixListId: cloudformation.String(pl), Description: r.strp("description"), FromPort: r.intp("fromPort"), ToPort: r.intp("toPort"), IpProtocol: r.str("protocol"),
			})
		}
	}
	if len(g.SecurityGroupEgress) == 0 {
		g.SecurityGroupEgress = []ec2.SecurityGroup_Egress{{
			CidrIp: cloudformation.String("127.0.0.1/32"), IpProtocol: "-1", Description: cloudformation.String("no egress (replaces CloudFormation's default allow-all)"),
		}}
	}
	return g, nil
}

func vpcEndpoint(c *conv, in *inputs) (cloudformation.Resource, error) {
	pol, err := in.json("policy")
	if err != nil {
		return nil, err
	}
	return &ec2.VPCEndpoint{
		ServiceName: in.str("serviceName"), VpcEndpointType: in.strp("vpcEndpointType"), VpcId: in.str("vpcId"),
		PrivateDnsEnabled: in.boolp("privateDnsEnabled"), RouteTableIds: in.strs("routeTableIds"),
		SecurityGroupIds: in.strs("securityGroupIds"), SubnetIds: in.strs("subnetIds"), PolicyDocument: pol,
	}, nil
}

// The NAT path of config egress nat (platform/security): Pulumi's
// internet gateway and its attachment are CloudFormation's two resources
// too, and an Elastic IP is named by its allocation ID (the Pulumi ID; a
// CloudFormation EIP's Ref is its address, so the NAT gateway reads
// Fn::GetAtt AllocationId).

func internetGateway(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.InternetGateway{Tags: c.tags}, nil
}

func gatewayAttachment(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.VPCGatewayAttachment{VpcId: in.str("vpcId"), InternetGatewayId: in.strp("internetGatewayId")}, nil
}

func eip(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.EIP{Domain: in.strp("domain"), Tags: c.tags}, nil
}

func natGateway(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.NatGateway{
		AllocationId: in.strp("allocationId"), SubnetId: in.str("subnetId"), ConnectivityType: in.strp("connectivityType"), Tags: c.tags,
	}, nil
}

func route(c *conv, in *inputs) (cloudformation.Resource, error) {
	return &ec2.Route{
		RouteTableId: in.str("routeTableId"), DestinationCidrBlock: in.strp("destinationCidrBlock"),
		GatewayId: in.strp("gatewayId"), NatGatewayId: in.strp("natGatewayId"),
	}, nil
}
