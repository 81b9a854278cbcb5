/** Network baselines: burst nodes without public addresses, VPC flow logs, a closed default security group. */
import { dependenciesOf, type StackPolicy } from "./lib/policy";
import { asArray, type Props } from "./lib/values";

const yes = (v: unknown) => v === true || String(v).toLowerCase() === "true";

/**
 * Burst nodes reach the internet through NAT and are reached through their load balancer only. A public address
 * can come from the launch template, the instance, the subnet's default, or a GCP access config.
 */
export const burstNodesPrivate: StackPolicy = {
  name: "burst-nodes-private",
  description: "No burst node gets a public IP: AWS launch templates and instances do not associate one, the subnets an Auto Scaling group launches into do not map one on launch, and GCP templates and instances have no access configs. Levels come from the stack's policy config: mandatory in prod.",
  severity: "high",
  enforcementLevel: "advisory",
  anchor: "Checkov CKV_AWS_88, CKV_AWS_130, CKV_GCP_40; trivy AWS-0164, GCP-0031; regula FG_R00419",
  remediationSteps: "Set hybrid-inference:aws.publicIp and hybrid-inference:gcp.publicIp to false (the default): nodes then sit in private subnets behind NAT.",
  validateStack: (args, report) => {
    for (const r of args.resources) {
      const p = r.props as Props;
      switch (r.type) {
        case "aws:ec2/launchTemplate:LaunchTemplate":
          for (const ni of asArray<Props>(p.networkInterfaces)) if (yes(ni.associatePublicIpAddress)) report(`${r.name}: network interface associates a public IP`, r.urn);
          break;
        case "aws:ec2/instance:Instance":
          if (yes(p.associatePublicIpAddress)) report(`${r.name}: associates a public IP`, r.urn);
          break;
        case "aws:autoscaling/group:Group":
          for (const subnet of dependenciesOf(r, "vpcZoneIdentifiers")) if (yes(subnet.props.mapPublicIpOnLaunch)) report(`${r.name} launches into subnet ${subnet.name}, which maps a public IP on launch`, r.urn);
          break;
        case "gcp:compute/instanceTemplate:InstanceTemplate":
        case "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate":
        case "gcp:compute/instance:Instance":
          for (const ni of asArray<Props>(p.networkInterfaces)) {
            if (asArray(ni.accessConfigs).length > 0 || asArray(ni.ipv6AccessConfigs).length > 0) report(`${r.name}: network interface has an access config (a public IP)`, r.urn);
          }
          break;
        default:
          break;
      }
    }
  },
};

/**
 * Every VPC has a flow log, and its default security group (which every VPC has, and which admits all traffic
 * between its members until told otherwise) is adopted and emptied.
 */
export const awsVpcBaseline: StackPolicy = {
  name: "aws-vpc-baseline",
  description: "Every AWS VPC has a flow log capturing ALL traffic, and its default security group is managed by an aws.ec2.DefaultSecurityGroup with no ingress or egress rules (and no separate rules added to it).",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "Checkov CKV2_AWS_11, CKV2_AWS_12; trivy AWS-0178, AWS-0173; regula FG_R00054, FG_R00089. Default group: docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",
  remediationSteps: "Use AwsNetwork (infra/aws/network.ts), which adds an aws.ec2.FlowLog to an encrypted log group and an empty aws.ec2.DefaultSecurityGroup.",
  validateStack: (args, report) => {
    const all = args.resources;
    const of = (type: string, vpcUrn: string) => all.filter((r) => r.type === type && dependenciesOf(r, "vpcId").some((v) => v.urn === vpcUrn));
    for (const vpc of all.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
      const logs = of("aws:ec2/flowLog:FlowLog", vpc.urn);
      if (logs.length === 0) report(`VPC ${vpc.name} has no flow log`, vpc.urn);
      else if (!logs.some((l) => String(l.props.trafficType ?? "") === "ALL")) report(`VPC ${vpc.name}: no flow log captures ALL traffic`, vpc.urn);
      const dsg = of("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", vpc.urn);
      if (dsg.length === 0) report(`VPC ${vpc.name}: its default security group is not managed (and so keeps AWS's allow-all-within-the-group rules)`, vpc.urn);
      for (const g of dsg) {
        if (asArray(g.props.ingress).length > 0 || asArray(g.props.egress).length > 0) report(`VPC ${vpc.name}: default security group ${g.name} has rules`, g.urn);
        const added = all.filter((r) => /securityGroup(Ingress|Egress)?Rule/.test(r.type) && dependenciesOf(r, "securityGroupId").some((s) => s.urn === g.urn));
        for (const r of added) report(`VPC ${vpc.name}: ${r.name} adds a rule to the default security group`, r.urn);
      }
    }
  },
};

export const networkPolicies = [burstNodesPrivate, awsVpcBaseline];
