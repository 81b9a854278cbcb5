import { describe, expect, it } from "vitest";
import * as rules from "../../../plan/provider-rules/aws";
import { problems, res, run } from "./harness";

const subnet = (n: string, az: string, cidr = "10.20.0.0/20", vpc = res("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.20.0.0/16" })) =>
  res("aws:ec2/subnet:Subnet", n, { availabilityZone: az, cidrBlock: cidr }, { deps: { vpcId: [vpc] } });
const nlb = (subnets = [subnet("a", "eu-central-1a"), subnet("b", "eu-central-1b")]) =>
  res("aws:lb/loadBalancer:LoadBalancer", "hi-staging-burst", { loadBalancerType: "network", subnets: subnets.map((s) => s.urn) }, { deps: { subnets } });
const tg = (inputs: Record<string, unknown> = {}) => res("aws:lb/targetGroup:TargetGroup", "hi-staging-burst", { port: 8080, protocol: "TCP", ...inputs });
const listener = (inputs: Record<string, unknown>, lb = nlb(), group = tg()) =>
  res("aws:lb/listener:Listener", "l", { port: 443, defaultActions: [{ type: "forward" }], ...inputs }, { deps: { loadBalancerArn: [lb], defaultActions: [group] } });

describe("AWS provider rules", () => {
  it("aws-lb-subnets-one-per-zone", () => {
    expect(problems(rules.lbSubnetsOnePerZone, nlb())).toEqual([]);
    expect(problems(rules.lbSubnetsOnePerZone, nlb([subnet("a", "eu-central-1a"), subnet("b", "eu-central-1a")]))).toEqual(["subnets share Availability Zone eu-central-1a"]);
  });

  it("aws-listener-protocol-certificate", () => {
    expect(problems(rules.listenerProtocolAndCertificate, listener({ protocol: "TLS", certificateArn: "arn:aws:acm:x", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }))).toEqual([]);
    expect(problems(rules.listenerProtocolAndCertificate, listener({ protocol: "TLS" }))).toEqual(["a TLS listener needs a certificate (certificateArn)"]);
    expect(problems(rules.listenerProtocolAndCertificate, listener({ protocol: "HTTPS", certificateArn: "arn" }))).toEqual(["a network load balancer's listener protocol must be one of TCP, TLS, UDP, TCP_UDP"]);
    expect(problems(rules.listenerProtocolAndCertificate, listener({ protocol: "TCP", sslPolicy: "p", alpnPolicy: "None" }))).toEqual(["sslPolicy is only for TLS and HTTPS listeners (protocol TCP)", "alpnPolicy is only for TLS listeners"]);
  });

  it("aws-listener-target-group-protocol", () => {
    expect(problems(rules.listenerTargetGroupProtocol, listener({ protocol: "TCP" }))).toEqual([]);
    expect(problems(rules.listenerTargetGroupProtocol, listener({ protocol: "TCP" }, nlb(), tg({ protocol: "HTTP" })))).toEqual([expect.stringContaining("uses protocol HTTP; a network load balancer needs TCP, TLS, UDP, TCP_UDP")]);
  });

  it("aws-target-group-health-check", () => {
    expect(problems(rules.targetGroupHealthCheck, tg({ deregistrationDelay: 30, healthCheck: { protocol: "HTTP", path: "/health", matcher: "200", interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 } }))).toEqual([]);
    expect(problems(rules.targetGroupHealthCheck, tg({ healthCheck: { protocol: "TCP", matcher: "200", interval: 3 } }))).toEqual(["healthCheck.interval must be between 5 and 300", "a TCP health check takes no matcher or path"]);
    expect(problems(rules.targetGroupHealthCheck, tg({ protocol: "HTTP", healthCheck: { protocol: "TCP" } }))).toEqual(["a HTTP target group cannot use a TCP health check"]);
    expect(problems(rules.targetGroupHealthCheck, tg({ healthCheck: { protocol: "HTTP", matcher: "100-200" } }))).toEqual(["matcher code 100 is outside 200-599 (network load balancer target groups)"]);
  });

  it("aws-asg-shape", () => {
    const ok = { minSize: 0, maxSize: 2, mixedInstancesPolicy: { launchTemplate: { overrides: [{ instanceType: "r7a.large" }] } } };
    expect(problems(rules.asgShape, res("aws:autoscaling/group:Group", "g", ok))).toEqual([]);
    expect(problems(rules.asgShape, res("aws:autoscaling/group:Group", "g", { ...ok, desiredCapacity: 3, initialLifecycleHooks: [{ heartbeatTimeout: 10 }] }))).toEqual([
      "desiredCapacity 3 is outside [0, 2]",
      "initialLifecycleHooks[0].heartbeatTimeout must be between 30 and 7200",
    ]);
    expect(problems(rules.asgShape, res("aws:autoscaling/group:Group", "g", { minSize: 3, maxSize: 2 }))).toEqual([
      "exactly one of launchConfiguration, launchTemplate, mixedInstancesPolicy must be set (set: none)",
      "minSize 3 is above maxSize 2",
    ]);
  });

  it("aws-asg-refresh-version", () => {
    const group = (version: string | undefined, refresh = true) =>
      res("aws:autoscaling/group:Group", "g", { ...(refresh ? { instanceRefresh: { strategy: "Rolling" } } : {}), mixedInstancesPolicy: { launchTemplate: { launchTemplateSpecification: { launchTemplateId: "lt-1", ...(version ? { version } : {}) } } } });
    expect(problems(rules.asgRefreshVersion, group("3"))).toEqual([]);
    expect(problems(rules.asgRefreshVersion, group("$Latest", false))).toEqual([]);
    expect(problems(rules.asgRefreshVersion, group("$Latest"))).toEqual([expect.stringContaining("runs version $Latest: a new template version never reaches running nodes")]);
    expect(problems(rules.asgRefreshVersion, group("$Default"))).toEqual([expect.stringContaining("runs version $Default")]);
    expect(problems(rules.asgRefreshVersion, res("aws:autoscaling/group:Group", "g", { instanceRefresh: { strategy: "Rolling" }, launchTemplate: { id: "lt-1" } }))).toEqual([expect.stringContaining("runs version $Default")]);
  });

  it("aws-asg-mixed-policy-template", () => {
    const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceMarketOptions: { marketType: "spot" } });
    const asg = res("aws:autoscaling/group:Group", "g", { mixedInstancesPolicy: {} }, { deps: { mixedInstancesPolicy: [lt] } });
    expect(problems(rules.asgNoSpotTemplateInMixedPolicy, [lt, asg])).toEqual(["launch template lt sets instanceMarketOptions"]);
  });

  it("aws-scaling-policy-shape", () => {
    const step = (steps: Record<string, number>[], extra: Record<string, unknown> = {}) =>
      res("aws:autoscaling/policy:Policy", "p", { policyType: "StepScaling", adjustmentType: "ExactCapacity", stepAdjustments: steps, ...extra });
    expect(problems(rules.scalingPolicyShape, step([{ metricIntervalUpperBound: 1, scalingAdjustment: 0 }, { metricIntervalLowerBound: 1, scalingAdjustment: 1 }]))).toEqual([]);
    // 21 steps, one per node of a 21-node pool, is refused; 20 pass.
    const perNode = (n: number) => Array.from({ length: n }, (_, i) => ({ metricIntervalLowerBound: i * 2, ...(i < n - 1 ? { metricIntervalUpperBound: (i + 1) * 2 } : {}), scalingAdjustment: i + 1 }));
    expect(problems(rules.scalingPolicyShape, step(perNode(20)))).toEqual([]);
    expect(problems(rules.scalingPolicyShape, step(perNode(21)))).toEqual(["a step scaling policy takes at most 20 step adjustments (got 21); use wider steps"]);
    expect(problems(rules.scalingPolicyShape, step([{ metricIntervalLowerBound: 0, metricIntervalUpperBound: 2, scalingAdjustment: 1 }, { metricIntervalLowerBound: 3, scalingAdjustment: 2 }]))).toEqual([
      "step intervals must meet without gap or overlap (one ends at 2, the next starts at 3)",
    ]);
    // A scale-in step below a LessThan alarm's threshold: open below, bounded at 0 above, and that is complete.
    expect(problems(rules.scalingPolicyShape, step([{ metricIntervalUpperBound: 0, scalingAdjustment: 0 } as unknown as Record<string, number>]))).toEqual([]);
    expect(problems(rules.scalingPolicyShape, step([{ metricIntervalLowerBound: 0, metricIntervalUpperBound: 2, scalingAdjustment: 1 }]))).toEqual(["a step with a positive upper bound needs a step with no upper bound"]);
    expect(problems(rules.scalingPolicyShape, res("aws:autoscaling/policy:Policy", "p", { policyType: "StepScaling", targetTrackingConfiguration: {} }))).toEqual([
      "stepAdjustments is required for policy type StepScaling",
      "adjustmentType is required for policy type StepScaling",
      "targetTrackingConfiguration is not supported for policy type StepScaling",
    ]);
  });

  it("aws-metric-alarm-shape", () => {
    const ok = { comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1, period: 60, statistic: "Maximum", treatMissingData: "notBreaching" };
    expect(problems(rules.metricAlarmShape, res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", ok))).toEqual([]);
    expect(problems(rules.metricAlarmShape, res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { ...ok, period: 45, extendedStatistic: "p99", treatMissingData: "zero" }))).toEqual([
      "period must be 10, 20, 30 or a multiple of 60",
      "exactly one of statistic, extendedStatistic must be set (set: statistic, extendedStatistic)",
      "treatMissingData must be one of breaching, notBreaching, ignore, missing",
    ]);
  });

  it("aws-metric-alarm-shape: metric math queries", () => {
    const base = { comparisonOperator: "GreaterThanOrEqualToThreshold", evaluationPeriods: 1, threshold: 0.5 };
    const q = (id: string, returnData: boolean) => ({ id, returnData, metric: { namespace: "n", metricName: "m", period: 60, stat: "Maximum" } });
    expect(problems(rules.metricAlarmShape, res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { ...base, metricQueries: [q("r0", false), { id: "d", expression: "SUM([FILL(r0, 0)])", returnData: true }] }))).toEqual([]);
    expect(problems(rules.metricAlarmShape, res("aws:cloudwatch/metricAlarm:MetricAlarm", "a", { ...base, namespace: "n", metricQueries: [q("r0", true), q("r1", true)] }))).toEqual([
      "exactly one metric query must return data (the alarm's series)",
      "namespace cannot be set with metricQueries",
    ]);
  });

  it("aws-launch-template-user-data: 16 KB raw, base64 in a launch template", () => {
    const lt = (raw: string) => res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { userData: Buffer.from(raw).toString("base64") }, { secretKeys: ["userData"] });
    expect(run(rules.launchTemplateUserData, lt("x".repeat(16384)))).toEqual([]);
    const [e] = run(rules.launchTemplateUserData, lt("x".repeat(16385)));
    expect(e).toMatchObject({ message: "user data is 16385 bytes raw, above the 16384-byte limit", value: "16385 bytes" });
    expect(problems(rules.launchTemplateUserData, res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { userData: "#!/bin/bash\necho hi" }))).toEqual(["launch template user data must be base64-encoded"]);
  });

  it("aws-security-group-rule-shape", () => {
    const rule = (inputs: Record<string, unknown>) => res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", { ipProtocol: "tcp", fromPort: 22, toPort: 22, ...inputs });
    expect(problems(rules.securityGroupRuleShape, rule({ cidrIpv4: "203.0.113.0/24" }))).toEqual([]);
    expect(problems(rules.securityGroupRuleShape, rule({ cidrIpv4: "203.0.113.5/24" }))).toEqual(["cidrIpv4 203.0.113.5/24 has host bits set; give the network address"]);
    expect(problems(rules.securityGroupRuleShape, rule({ cidrIpv4: "2001:db8::/32" }))).toEqual(["cidrIpv4 must be an IPv4 CIDR"]);
    expect(problems(rules.securityGroupRuleShape, rule({ cidrIpv4: "10.0.0.0/8", cidrIpv6: "::/0", fromPort: 443 }))).toEqual([
      "exactly one of cidrIpv4, cidrIpv6, prefixListId, referencedSecurityGroupId must be set (set: cidrIpv4, cidrIpv6)",
      "fromPort 443 is above toPort 22",
    ]);
  });

  it("aws-s3-lifecycle-rules", () => {
    const lc = (days: number) => res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc", { rules: [{ id: "a", status: "Enabled", transitions: [{ days, storageClass: "STANDARD_IA" }] }] });
    expect(problems(rules.s3LifecycleRules, lc(30))).toEqual([]);
    expect(problems(rules.s3LifecycleRules, lc(15))).toEqual(["a transition to STANDARD_IA needs at least 30 days"]);
  });

  it("aws-ssm-parameter-value-size", () => {
    const p = (value: string, tier?: string) => res("aws:ssm/parameter:Parameter", "k", { type: "SecureString", value, ...(tier ? { tier } : {}) }, { secretKeys: ["value"] });
    expect(problems(rules.ssmParameterValueSize, p("k".repeat(4096)))).toEqual([]);
    expect(run(rules.ssmParameterValueSize, p("k".repeat(4097)))).toEqual([expect.objectContaining({ value: "4097 characters", message: "value is 4097 characters, above 4096 for the Standard tier" })]);
    expect(problems(rules.ssmParameterValueSize, p("k".repeat(4097), "Advanced"))).toEqual([]);
  });

  it("aws-iam-policy-size sums a user's inline policies", () => {
    const user = res("aws:iam/user:User", "u");
    const pol = (n: string, chars: number) => res("aws:iam/userPolicy:UserPolicy", n, { policy: JSON.stringify({ Statement: [{ Sid: "x".repeat(chars) }] }) }, { deps: { user: [user] } });
    expect(problems(rules.iamPolicySize, [user, pol("a", 1000)])).toEqual([]);
    expect(problems(rules.iamPolicySize, [user, pol("a", 1000), pol("b", 1100)])).toHaveLength(2);
  });

  it("aws-tag-limits", () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(problems(rules.awsTagLimits, res("aws:ec2/vpc:Vpc", "v", { tags: { a: "b" } }))).toEqual([]);
    expect(problems(rules.awsTagLimits, res("aws:ec2/vpc:Vpc", "v", { tags: { ...tags, "aws:x": "y" } }))).toEqual(["52 tags; at most 50", "tag keys must not begin with aws:"]);
  });

  it("aws-security-group-description: EC2's character set", () => {
    expect(problems(rules.securityGroupDescriptions, res("aws:ec2/securityGroup:SecurityGroup", "sg", { description: "inference nodes (port 8080)" }))).toEqual([]);
    expect(problems(rules.securityGroupDescriptions, res("aws:ec2/securityGroup:SecurityGroup", "sg", { description: "router's nodes – TLS" }))).toEqual(["description has characters EC2 refuses: ' –"]);
  });

  it("aws-eip-domain and aws-policy-document-size", () => {
    expect(problems(rules.eipDomain, res("aws:ec2/eip:Eip", "e", { domain: "vpc" }))).toEqual([]);
    expect(problems(rules.eipDomain, res("aws:ec2/eip:Eip", "e", {}))).toEqual(['domain must be "vpc"']);
    const trust = (n: number) => res("aws:iam/role:Role", "r", { assumeRolePolicy: JSON.stringify({ Statement: [{ Sid: "x".repeat(n) }] }) });
    expect(problems(rules.policyDocumentSizes, trust(100))).toEqual([]);
    expect(problems(rules.policyDocumentSizes, trust(2100))).toEqual([expect.stringMatching(/^assumeRolePolicy is \d+ characters, above 2048$/)]);
  });

  it("aws-vpc-subnet-cidrs", () => {
    const vpc = res("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.20.0.0/16" });
    const a = subnet("a", "x", "10.20.0.0/20", vpc);
    expect(problems(rules.vpcAndSubnetCidrs, [vpc, a, subnet("b", "y", "10.20.16.0/20", vpc)])).toEqual([]);
    expect(problems(rules.vpcAndSubnetCidrs, [vpc, a, subnet("b", "y", "10.21.0.0/20", vpc)])).toEqual(["subnet block is not inside its VPC's 10.20.0.0/16"]);
    expect(problems(rules.vpcAndSubnetCidrs, [vpc, a, subnet("b", "y", "10.20.8.0/21", vpc)])).toEqual(["overlaps subnet b (10.20.8.0/21)", "overlaps subnet a (10.20.0.0/20)"]);
  });
});
