import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { customerKey } from "./keys";

export interface AwsNetworkArgs {
  cidr: string;
  region: string;
  availabilityZones: number;
  /** When false, instances sit in private subnets behind one NAT gateway. */
  publicInstances: boolean;
  /** Days the VPC flow logs are kept in CloudWatch Logs. */
  flowLogRetentionDays: number;
  /** Protect (and retain on delete) the flow-log key. */
  protectKeys: boolean;
  tags: Record<string, string>;
}

/** The role VPC Flow Logs assumes to write one log group (docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html), scoped to this account. */
export function flowLogTrustPolicy(accountId: string, region: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: { Service: "vpc-flow-logs.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": `arn:aws:ec2:${region}:${accountId}:vpc-flow-log/*` } },
    }],
  };
}

/** The log group it may write, and nothing else (AWS's example grants these on "*"; one group is enough). */
export function flowLogWritePolicy(logGroupArn: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{
      Sid: "WriteFlowLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
    }],
  };
}

/** Splits a /16 into /20 subnets: public ones first, then private ones. */
export function subnetCidrs(vpcCidr: string, zones: number): { public: string[]; private: string[] } {
  const [base] = vpcCidr.split("/");
  const [a, b] = (base ?? "").split(".").map(Number);
  const block = (i: number) => `${a}.${b}.${i * 16}.0/20`;
  return {
    public: Array.from({ length: zones }, (_, i) => block(i)),
    private: Array.from({ length: zones }, (_, i) => block(i + zones)),
  };
}

/** VPC for one burst pool: public subnets for the load balancer, private subnets for the nodes, and an S3 gateway endpoint so model downloads stay off the NAT. */
export class AwsNetwork extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnets: aws.ec2.Subnet[];
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly natGateway?: aws.ec2.NatGateway;
  readonly flowLog: aws.ec2.FlowLog;
  readonly defaultSecurityGroup: aws.ec2.DefaultSecurityGroup;
  /** Where the nodes go. */
  readonly nodeSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:aws:Network", name, {}, opts);
    const child = { parent: this };
    const tag = (suffix: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${name}-${suffix}`, ...extra });

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child).names.apply((n) => n.slice(0, args.availabilityZones));
    const cidrs = subnetCidrs(args.cidr, args.availabilityZones);

    this.vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tag("vpc") }, child);
    // Adopt the VPC's default security group and leave it without rules: Terraform (and so Pulumi) removes every
    // rule of the default group when it adopts it (registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/default_security_group).
    this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId: this.vpc.id, ingress: [], egress: [], tags: tag("default-closed") }, child);

    const accountId = aws.getCallerIdentityOutput({}, child).accountId;
    const logGroupName = `/hybrid-inference/vpc-flow-logs/${name}`;
    const logGroupArn = pulumi.interpolate`arn:aws:logs:${args.region}:${accountId}:log-group:${logGroupName}`;
    const logKey = customerKey(`${name}-flow-logs`, {
      description: `hybrid-inference ${name} VPC flow logs`,
      region: args.region,
      accountId,
      use: logGroupArn.apply((arn) => ({ kind: "logs" as const, logGroupArn: arn })),
      tags: args.tags,
      protect: args.protectKeys,
    }, child);
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, {
      name: logGroupName,
      kmsKeyId: logKey.arn,
      retentionInDays: args.flowLogRetentionDays,
      tags: tag("flow-logs"),
    }, child);
    const flowRole = new aws.iam.Role(`${name}-flow-logs`, {
      assumeRolePolicy: accountId.apply((id) => JSON.stringify(flowLogTrustPolicy(id, args.region))),
      tags: args.tags,
    }, child);
    new aws.iam.RolePolicy(`${name}-flow-logs`, { role: flowRole.id, policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogWritePolicy(arn.replace(/:\*$/, "")))) }, child);
    this.flowLog = new aws.ec2.FlowLog(`${name}-flow-log`, {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: flowRole.arn,
      maxAggregationInterval: 600,
      tags: tag("flow-log"),
    }, child);

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tag("igw") }, child);
    const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: this.vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: tag("public"),
    }, child);

    this.publicSubnets = cidrs.public.map((cidr, i) => {
      const s = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: cidr,
        availabilityZone: zones.apply((z) => z[i] ?? ""),
        mapPublicIpOnLaunch: false,
        tags: tag(`public-${i}`, { tier: "public" }),
      }, child);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRt.id }, child);
      return s;
    });

    const routeTables = [publicRt.id];
    if (args.publicInstances) {
      this.privateSubnets = [];
    } else {
      const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tag("nat") }, child);
      const firstPublic = this.publicSubnets[0];
      if (!firstPublic) throw new Error("at least one public subnet is required");
      this.natGateway = new aws.ec2.NatGateway(`${name}-nat`, { allocationId: eip.id, subnetId: firstPublic.id, tags: tag("nat") }, { parent: this, dependsOn: [igw] });
      const privateRt = new aws.ec2.RouteTable(`${name}-private`, {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: this.natGateway.id }],
        tags: tag("private"),
      }, child);
      routeTables.push(privateRt.id);
      this.privateSubnets = cidrs.private.map((cidr, i) => {
        const s = new aws.ec2.Subnet(`${name}-private-${i}`, {
          vpcId: this.vpc.id,
          cidrBlock: cidr,
          availabilityZone: zones.apply((z) => z[i] ?? ""),
          tags: tag(`private-${i}`, { tier: "private" }),
        }, child);
        new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: privateRt.id }, child);
        return s;
      });
    }

    new aws.ec2.VpcEndpoint(`${name}-s3`, {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${args.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: routeTables,
      tags: tag("s3"),
    }, child);

    this.publicSubnetIds = this.publicSubnets.map((s) => s.id);
    this.nodeSubnetIds = (args.publicInstances ? this.publicSubnets : this.privateSubnets).map((s) => s.id);
    this.registerOutputs({ vpcId: this.vpc.id });
  }
}
