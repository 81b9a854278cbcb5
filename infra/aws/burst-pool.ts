import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PrivateCa } from "../tls/private-ca";
import { asgTags } from "../naming";
import { BURST_BOOT_SECONDS } from "../timeouts";
import { customerKey } from "./keys";
import { demandPublisherPolicy, instanceRolePolicy } from "./identity";
import { AwsNetwork } from "./network";
import { addDemandScaling } from "./scaling";

export interface AwsBurstPoolArgs {
  region: string;
  instanceTypes: string[];
  minSize: number;
  desiredCapacity?: number;
  maxSize: number;
  publicIp: boolean;
  vpcCidr: string;
  availabilityZones: number;
  rootVolumeGiB: number;
  /** Back to zero after this many minutes without demand. */
  scaleInQuietMinutes: number;
  /** llama-server's slots per node: how much demand one node takes. */
  slotsPerNode: number;
  adminCidrs: string[];
  inferencePort: number;
  tags: Record<string, string>;
  modelBucketArn: pulumi.Input<string>;
  /**
   * Logical name of the load balancer and its target group (at most 24 characters: both are autonamed
   * "<logical>-<7 hex>" within AWS's 32; see awsLbLogicalName in naming.ts).
   */
  loadBalancerName: string;
  /** The model bucket's KMS key, when it uses SSE-KMS: nodes get kms:Decrypt on it through S3. */
  modelBucketKeyArn?: pulumi.Input<string>;
  /** The API key, stored as an SSM SecureString (under a customer-managed key) the nodes read at boot. */
  apiKey?: pulumi.Input<string>;
  /**
   * Renders the boot script given the API key's SSM selector "<name>:<version>" (if any) and the group with its
   * terminate hook, which a node completes once it has drained (spot-watcher.sh).
   */
  bootScript: (apiKeyParameter: pulumi.Input<string> | undefined, lifecycle: { group: string; hook: string }) => pulumi.Input<string>;
  /** Signs the load balancer's certificate; the routers trust it. */
  ca: PrivateCa;
  /** The only sources the load balancer's TLS port admits: the routers' IPv4 addresses, and any extra CIDRs. */
  clients: pulumi.Input<string>[];
  /** Make the routers' demand-publisher identity, pinned to these addresses (the routers'); none without routers. */
  publisherSources?: pulumi.Input<string>[];
  /** The routers' names, as they publish demand (the Router dimension): the alarms add their series up. */
  demandRouters?: string[];
  /** The SNS topic the routers' liveness alarm notifies. */
  alertTopicArn?: string;
  /** Deletion protection on the network load balancer. */
  deletionProtection: boolean;
  flowLogRetentionDays: number;
  /** Protect (and retain on delete) the pool's KMS keys: data encrypted under them is lost with them. */
  protectKeys: boolean;
}

/** The TLS policy of the load balancer's listener: TLS 1.3 and 1.2 with forward secrecy only. */
export const NLB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Canonical's Ubuntu 24.04 LTS, amd64, gp3. */
export const UBUNTU_OWNER = "099720109477";
export const UBUNTU_AMI_NAME = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
/** Seconds a terminating instance may spend draining before the group finishes terminating it. */
export const TERMINATION_DRAIN_SECONDS = 120;
/** The terminate hook the nodes complete once drained (spot-watcher.sh, CompleteLifecycleAction). */
export const TERMINATE_HOOK = "drain-on-terminate";

/** AWS spot burst pool: a 100% spot, diversified Auto Scaling group behind a network load balancer. */
export class AwsBurstPool extends pulumi.ComponentResource {
  readonly network: AwsNetwork;
  readonly lbSecurityGroup: aws.ec2.SecurityGroup;
  readonly nodeSecurityGroup: aws.ec2.SecurityGroup;
  readonly role: aws.iam.Role;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly apiKeyParameter?: aws.ssm.Parameter;
  readonly certificate: aws.acm.Certificate;
  readonly listener: aws.lb.Listener;
  /** The load balancer's DNS name: what its certificate names and the routers connect to. */
  readonly host: pulumi.Output<string>;
  readonly apiKeyKey?: aws.kms.Key;
  readonly endpoint: pulumi.Output<string>;
  /** The routers' credentials for CloudWatch PutMetricData in the demand namespace. */
  readonly publisher?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  readonly scaleOut?: aws.autoscaling.Policy;
  readonly scaleIn?: aws.autoscaling.Policy;
  readonly demandHigh?: aws.cloudwatch.MetricAlarm;
  readonly demandQuiet?: aws.cloudwatch.MetricAlarm;
  readonly publisherSilent?: aws.cloudwatch.MetricAlarm;
  readonly groupName: pulumi.Output<string>;

  constructor(name: string, args: AwsBurstPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:aws:BurstPool", name, {}, opts);
    const child = { parent: this };
    const tags = args.tags;

    this.network = new AwsNetwork(`${name}-net`, {
      cidr: args.vpcCidr,
      region: args.region,
      availabilityZones: args.availabilityZones,
      publicInstances: args.publicIp,
      flowLogRetentionDays: args.flowLogRetentionDays,
      protectKeys: args.protectKeys,
      tags,
    }, child);
    const vpcId = this.network.vpc.id;

    // Security groups: the load balancer takes TLS on 443 only from the clients allowed later (allowClients: the
    // routers); nodes take the inference port from the load balancer only, and SSH from admins only.
    this.lbSecurityGroup = new aws.ec2.SecurityGroup(`${name}-lb`, { vpcId, description: "inference load balancer", tags: { ...tags, Name: `${name}-lb` } }, child);
    this.nodeSecurityGroup = new aws.ec2.SecurityGroup(`${name}-node`, { vpcId, description: "inference nodes", tags: { ...tags, Name: `${name}-node` } }, child);
    args.clients.forEach((client, i) => {
      new aws.vpc.SecurityGroupIngressRule(`${name}-lb-client-${i}`, {
        securityGroupId: this.lbSecurityGroup.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: pulumi.output(client).apply((c) => (c.includes("/") ? c : `${c}/32`)),
        description: "TLS from a router",
        tags,
      }, child);
    });
    new aws.vpc.SecurityGroupEgressRule(`${name}-lb-to-nodes`, {
      securityGroupId: this.lbSecurityGroup.id, ipProtocol: "tcp", fromPort: args.inferencePort, toPort: args.inferencePort,
      referencedSecurityGroupId: this.nodeSecurityGroup.id, description: "to inference nodes", tags,
    }, child);
    new aws.vpc.SecurityGroupIngressRule(`${name}-node-inference`, {
      securityGroupId: this.nodeSecurityGroup.id, ipProtocol: "tcp", fromPort: args.inferencePort, toPort: args.inferencePort,
      referencedSecurityGroupId: this.lbSecurityGroup.id, description: "inference port from the load balancer", tags,
    }, child);
    args.adminCidrs.forEach((cidr, i) => {
      const v6 = cidr.includes(":");
      new aws.vpc.SecurityGroupIngressRule(`${name}-node-ssh-${i}`, {
        securityGroupId: this.nodeSecurityGroup.id, ipProtocol: "tcp", fromPort: 22, toPort: 22,
        ...(v6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }), description: "SSH from admin network", tags,
      }, child);
    });
    new aws.vpc.SecurityGroupEgressRule(`${name}-node-egress`, {
      securityGroupId: this.nodeSecurityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0",
      description: "HTTPS: image registry, S3, SSM", tags,
    }, child);
    new aws.vpc.SecurityGroupEgressRule(`${name}-node-egress-http`, {
      securityGroupId: this.nodeSecurityGroup.id, ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0",
      description: "HTTP: Ubuntu package mirrors", tags,
    }, child);

    const account = aws.getCallerIdentityOutput({}, child).accountId;
    if (args.apiKey !== undefined) {
      // Parameter Store encrypts standard SecureStrings with kms:Encrypt and reads them with kms:Decrypt under this key
      // (docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html).
      this.apiKeyKey = customerKey(`${name}-api-key`, {
        description: `hybrid-inference ${name} API key parameter`,
        region: args.region,
        accountId: account,
        use: { kind: "via-service", service: "ssm", actions: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"] },
        tags,
        protect: args.protectKeys,
      }, child);
      this.apiKeyParameter = new aws.ssm.Parameter(`${name}-api-key`, {
        type: "SecureString",
        keyId: this.apiKeyKey.arn,
        value: pulumi.secret(args.apiKey),
        description: "llama-server API key for the burst pool",
        tags,
      }, child);
    }

    const groupName = `${name}-asg`;
    const asgArn = pulumi.interpolate`arn:aws:autoscaling:${args.region}:${account}:autoScalingGroup:*:autoScalingGroupName/${groupName}`;

    this.role = new aws.iam.Role(`${name}-node`, {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags,
    }, child);
    new aws.iam.RolePolicy(`${name}-node`, {
      role: this.role.id,
      policy: pulumi
        .all([args.modelBucketArn, asgArn, args.modelBucketKeyArn, this.apiKeyParameter?.arn, this.apiKeyKey?.arn])
        .apply(([bucketArn, arn, bucketKeyArn, paramArn, kmsArn]) =>
          JSON.stringify(instanceRolePolicy({
            bucketArn,
            asgArn: arn,
            region: args.region,
            ...(bucketKeyArn ? { bucketKeyArn } : {}),
            ...(paramArn ? { apiKeyParameterArn: paramArn } : {}),
            ...(kmsArn ? { apiKeyKmsArn: kmsArn } : {}),
          }))),
    }, child);
    const profile = new aws.iam.InstanceProfile(`${name}-node`, { role: this.role.name, tags }, child);

    const ami = aws.ec2.getAmiOutput({
      owners: [UBUNTU_OWNER],
      mostRecent: true,
      filters: [{ name: "name", values: [UBUNTU_AMI_NAME] }, { name: "architecture", values: ["x86_64"] }],
    }, child);
    // The version in the selector makes a new key a new launch template version, so the instance refresh rolls the pool
    // (GetParameter takes "name:version": docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
    const selector = this.apiKeyParameter ? pulumi.interpolate`${this.apiKeyParameter.name}:${this.apiKeyParameter.version}` : undefined;
    const userData = pulumi.output(args.bootScript(selector, { group: groupName, hook: TERMINATE_HOOK })).apply((s) => Buffer.from(s, "utf8").toString("base64"));

    this.launchTemplate = new aws.ec2.LaunchTemplate(`${name}-node`, {
      imageId: ami.id,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      blockDeviceMappings: [{
        deviceName: "/dev/sda1",
        ebs: { volumeSize: args.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      }],
      networkInterfaces: [{
        associatePublicIpAddress: args.publicIp ? "true" : "false",
        securityGroups: [this.nodeSecurityGroup.id],
        deleteOnTermination: "true",
      }],
      monitoring: { enabled: true },
      userData: pulumi.secret(userData),
      tagSpecifications: [
        { resourceType: "instance", tags },
        { resourceType: "volume", tags },
        { resourceType: "network-interface", tags },
      ],
      tags,
    }, child);

    this.loadBalancer = new aws.lb.LoadBalancer(args.loadBalancerName, {
      loadBalancerType: "network",
      internal: false,
      subnets: this.network.publicSubnetIds,
      securityGroups: [this.lbSecurityGroup.id],
      enableCrossZoneLoadBalancing: true,
      enableDeletionProtection: args.deletionProtection,
      tags,
    }, child);
    this.targetGroup = new aws.lb.TargetGroup(args.loadBalancerName, {
      vpcId,
      port: args.inferencePort,
      protocol: "TCP",
      targetType: "instance",
      deregistrationDelay: 30,
      connectionTermination: false,
      healthCheck: { protocol: "HTTP", path: "/health", port: "traffic-port", matcher: "200", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
      tags,
    }, child);
    // The listener's certificate names the load balancer's own DNS name, signed by the stack's private CA, and is
    // imported into ACM: the routers verify both. Nothing listens on port 80.
    const issued = args.ca.issue(`${name}-tls`, { dnsNames: [this.loadBalancer.dnsName] });
    this.certificate = new aws.acm.Certificate(`${name}-tls`, {
      certificateBody: issued.certPem,
      privateKey: issued.privateKeyPem,
      certificateChain: issued.caPem,
      tags,
    }, child);
    this.listener = new aws.lb.Listener(`${name}-tls`, {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "TLS",
      certificateArn: this.certificate.arn,
      sslPolicy: NLB_SSL_POLICY,
      alpnPolicy: "HTTP1Only",
      defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
      tags,
    }, child);

    this.group = new aws.autoscaling.Group(`${name}-asg`, {
      name: groupName,
      minSize: args.minSize,
      maxSize: args.maxSize,
      ...(args.desiredCapacity !== undefined ? { desiredCapacity: args.desiredCapacity } : {}),
      vpcZoneIdentifiers: this.network.nodeSubnetIds,
      capacityRebalance: true,
      healthCheckType: "ELB",
      healthCheckGracePeriod: 600,
      targetGroupArns: [this.targetGroup.arn],
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: "price-capacity-optimized",
        },
        launchTemplate: {
          // The template's real latest version, never "$Latest": a new version (a model roll, a new image, a new key)
          // is then a change of the group, which starts the instance refresh; on "$Latest" no refresh ever starts
          // (pulumi-aws autoscaling.Group instanceRefresh docs).
          launchTemplateSpecification: { launchTemplateId: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply(String) },
          overrides: args.instanceTypes.map((instanceType) => ({ instanceType })),
        },
      },
      initialLifecycleHooks: [{
        name: TERMINATE_HOOK,
        lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        heartbeatTimeout: TERMINATION_DRAIN_SECONDS,
        defaultResult: "CONTINUE",
      }],
      // A refresh launches a new node before it terminates an old one (100-200% healthy), counts a node as serving only
      // after a warm-up as long as a burst node's boot to healthy, and skips nodes already on the latest version. Each
      // old node drains through the terminate hook before it goes.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(BURST_BOOT_SECONDS), skipMatching: true },
      },
      // The scale-out alarm reads the group's desired capacity (free for group metrics at 1-minute granularity).
      enabledMetrics: ["GroupDesiredCapacity"],
      metricsGranularity: "1Minute",
      tags: asgTags(tags),
    }, { parent: this, ignoreChanges: ["desiredCapacity"] });

    // Scaling on the routers' demand, and the routers' liveness (infra/aws/scaling.ts).
    const scaling = addDemandScaling(name, { ...args, groupName: this.group.name, tags }, this);
    if (scaling.scaleOut) this.scaleOut = scaling.scaleOut;
    if (scaling.scaleIn) this.scaleIn = scaling.scaleIn;
    if (scaling.demandHigh) this.demandHigh = scaling.demandHigh;
    if (scaling.demandQuiet) this.demandQuiet = scaling.demandQuiet;
    if (scaling.publisherSilent) this.publisherSilent = scaling.publisherSilent;

    // The routers publish demand with a key of their own: it may only PutMetricData in the demand namespace, and only
    // from the routers' addresses (Hetzner has no instance roles, so a key is the only way; it is pinned instead).
    if (args.publisherSources && args.publisherSources.length > 0) {
      const sources = args.publisherSources;
      const publisherUser = new aws.iam.User(`${name}-demand-publisher`, { path: "/hybrid-inference/", tags }, child);
      const publisherGroup = new aws.iam.Group(`${name}-demand-publishers`, { path: "/hybrid-inference/" }, child);
      new aws.iam.GroupPolicy(`${name}-demand-publishers`, {
        group: publisherGroup.name,
        policy: pulumi.all(sources).apply((ips) => JSON.stringify(demandPublisherPolicy(ips.map((ip) => (ip.includes("/") ? ip : `${ip}/32`))))),
      }, child);
      new aws.iam.UserGroupMembership(`${name}-demand-publisher`, { user: publisherUser.name, groups: [publisherGroup.name] }, child);
      const publisherKey = new aws.iam.AccessKey(`${name}-demand-publisher`, { user: publisherUser.name }, child);
      this.publisher = { accessKeyId: pulumi.secret(publisherKey.id), secretAccessKey: pulumi.secret(publisherKey.secret) };
    }

    this.host = this.loadBalancer.dnsName;
    this.endpoint = pulumi.interpolate`https://${this.loadBalancer.dnsName}`;
    this.groupName = this.group.name;
    this.registerOutputs({ endpoint: this.endpoint, groupName: this.groupName });
  }
}
