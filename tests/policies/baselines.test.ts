import { describe, expect, it } from "vitest";
import { kmsKeyHardening, secretsAndLogsUseCmk } from "../../policies/encryption";
import { awsVpcBaseline, burstNodesPrivate } from "../../policies/network";
import { lbDeletionProtection, statefulResourcesProtected } from "../../policies/resilience";
import type { RunnerResource } from "../../policies/lib/runner";
import { check, messages, res } from "./harness";

const protectedRes = (r: RunnerResource, protect: boolean): RunnerResource => ({ ...r, protect });

describe("stateful-resources-protected", () => {
  const p = statefulResourcesProtected;
  it("reads the protect option the engine passes, for the configured types only", async () => {
    const bucket = res("aws:s3/bucket:Bucket", "ckpt", {});
    expect(messages(await check(p, bucket))).toEqual(["ckpt: Bucket is not protected (resource option protect)"]);
    expect(await check(p, protectedRes(bucket, true))).toEqual([]);
    expect(messages(await check(p, res("gcp:storage/bucket:Bucket", "g", {})))).toHaveLength(1);
    expect(messages(await check(p, res("aws:kms/key:Key", "k", {})))).toHaveLength(1);
    expect(await check(p, res("aws:ec2/vpc:Vpc", "v", {}))).toEqual([]);
    expect(await check(p, res("aws:kms/key:Key", "k", {}), { types: ["aws:s3/bucket:Bucket"] })).toEqual([]);
  });
  it("is advisory unless the stack's policy config makes it mandatory", async () => {
    expect((await check(p, res("aws:s3/bucket:Bucket", "b", {})))[0]?.enforcementLevel).toBe("advisory");
    expect((await check(p, res("aws:s3/bucket:Bucket", "b", {}), "mandatory"))[0]?.enforcementLevel).toBe("mandatory");
  });
});

describe("lb-deletion-protection", () => {
  it("flags AWS and Hetzner load balancers without deletion protection", async () => {
    expect(messages(await check(lbDeletionProtection, res("aws:lb/loadBalancer:LoadBalancer", "nlb", { loadBalancerType: "network" })))).toEqual(["nlb: enableDeletionProtection is not true"]);
    expect(await check(lbDeletionProtection, res("aws:lb/loadBalancer:LoadBalancer", "nlb", { enableDeletionProtection: true }))).toEqual([]);
    expect(messages(await check(lbDeletionProtection, res("hcloud:index/loadBalancer:LoadBalancer", "lb", { deleteProtection: false })))).toHaveLength(1);
    expect(await check(lbDeletionProtection, res("hcloud:index/loadBalancer:LoadBalancer", "lb", { deleteProtection: true }))).toEqual([]);
  });
});

describe("burst-nodes-private (stack)", () => {
  const p = burstNodesPrivate;
  it.each([
    ["a launch template that associates a public IP (string)", [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { networkInterfaces: [{ associatePublicIpAddress: "true" }] })]],
    ["a launch template that associates a public IP (boolean)", [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { networkInterfaces: [{ associatePublicIpAddress: true }] })]],
    ["an instance with a public IP", [res("aws:ec2/instance:Instance", "i", { associatePublicIpAddress: true })]],
    ["a group in a subnet that maps public IPs", (() => {
      const subnet = res("aws:ec2/subnet:Subnet", "pub", { mapPublicIpOnLaunch: true });
      return [subnet, res("aws:autoscaling/group:Group", "g", { vpcZoneIdentifiers: ["subnet-1"] }, { deps: { vpcZoneIdentifiers: [subnet] } })];
    })()],
    ["a GCP template with an access config", [res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { networkInterfaces: [{ accessConfigs: [{ networkTier: "STANDARD" }] }] })]],
    ["a GCP instance with an IPv6 access config", [res("gcp:compute/instance:Instance", "vm", { networkInterfaces: [{ ipv6AccessConfigs: [{ networkTier: "PREMIUM" }] }] })]],
  ])("flags %s", async (_, rs) => {
    expect(messages(await check(p, rs))).toHaveLength(1);
  });
  it("passes private nodes", async () => {
    const subnet = res("aws:ec2/subnet:Subnet", "priv", { mapPublicIpOnLaunch: false });
    expect(await check(p, [subnet, res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { networkInterfaces: [{ associatePublicIpAddress: "false" }] }), res("aws:autoscaling/group:Group", "g", {}, { deps: { vpcZoneIdentifiers: [subnet] } }), res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { networkInterfaces: [{ subnetwork: "s" }] })])).toEqual([]);
  });
});

describe("aws-vpc-baseline (stack)", () => {
  const p = awsVpcBaseline;
  const vpc = res("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.20.0.0/16" });
  const flow = res("aws:ec2/flowLog:FlowLog", "flow", { trafficType: "ALL", vpcId: "vpc-1" }, { deps: { vpcId: [vpc] } });
  const dsg = res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", { vpcId: "vpc-1" }, { deps: { vpcId: [vpc] } });
  it("passes a VPC with a flow log and an empty default group", async () => {
    expect(await check(p, [vpc, flow, dsg])).toEqual([]);
  });
  it("flags a missing flow log, one that captures only accepted traffic, an unmanaged default group, and rules on it", async () => {
    expect(messages(await check(p, [vpc, dsg]))).toEqual(["VPC vpc has no flow log"]);
    const accepted = res("aws:ec2/flowLog:FlowLog", "flow", { trafficType: "ACCEPT" }, { deps: { vpcId: [vpc] } });
    expect(messages(await check(p, [vpc, accepted, dsg]))).toEqual(["VPC vpc: no flow log captures ALL traffic"]);
    expect(messages(await check(p, [vpc, flow]))).toEqual([expect.stringContaining("default security group is not managed")]);
    const open = res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", { ingress: [{ protocol: "-1", self: true, fromPort: 0, toPort: 0 }] }, { deps: { vpcId: [vpc] } });
    expect(messages(await check(p, [vpc, flow, open]))).toEqual([expect.stringContaining("default security group default has rules")]);
    const added = res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "egress", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }, { deps: { securityGroupId: [dsg] } });
    expect(messages(await check(p, [vpc, flow, dsg, added]))).toEqual([expect.stringContaining("egress adds a rule to the default security group")]);
  });
});

describe("kms-key-hardening", () => {
  it("requires rotation on symmetric keys, an explicit policy and an enabled key", async () => {
    expect(await check(kmsKeyHardening, res("aws:kms/key:Key", "k", { enableKeyRotation: true, policy: "{}" }))).toEqual([]);
    expect(messages(await check(kmsKeyHardening, res("aws:kms/key:Key", "k", {})))).toEqual(["k: automatic key rotation is off", "k: no explicit key policy (the default grants the whole account)"]);
    expect(messages(await check(kmsKeyHardening, res("aws:kms/key:Key", "k", { enableKeyRotation: true, policy: "{}", isEnabled: false })))).toEqual(["k: the key is disabled"]);
    expect(await check(kmsKeyHardening, res("aws:kms/key:Key", "k", { customerMasterKeySpec: "RSA_2048", policy: "{}" }))).toEqual([]);
  });
});

describe("secrets-and-logs-use-cmk", () => {
  const p = secretsAndLogsUseCmk;
  it("flags SecureStrings on the AWS-managed key and secret-looking plain parameters", async () => {
    expect(messages(await check(p, res("aws:ssm/parameter:Parameter", "k", { type: "SecureString", value: "x" })))).toEqual([expect.stringContaining("AWS-managed key alias/aws/ssm")]);
    expect(messages(await check(p, res("aws:ssm/parameter:Parameter", "k", { type: "SecureString", keyId: "alias/aws/ssm" })))).toHaveLength(1);
    expect(await check(p, res("aws:ssm/parameter:Parameter", "k", { type: "SecureString", keyId: "arn:aws:kms:eu-central-1:123456789012:key/1" }))).toEqual([]);
    expect(messages(await check(p, res("aws:ssm/parameter:Parameter", "api-key", { type: "String", value: "x" })))).toEqual([expect.stringContaining("looks like a secret")]);
    expect(await check(p, res("aws:ssm/parameter:Parameter", "region", { type: "String", value: "eu-central-1" }))).toEqual([]);
  });
  it("requires log groups encrypted with a customer key and kept at least the configured days", async () => {
    expect(messages(await check(p, res("aws:cloudwatch/logGroup:LogGroup", "lg", {})))).toEqual([expect.stringContaining("not encrypted"), expect.stringContaining("no retention")]);
    expect(messages(await check(p, res("aws:cloudwatch/logGroup:LogGroup", "lg", { kmsKeyId: "arn", retentionInDays: 30 })))).toEqual(["lg: retention 30 days is below 365"]);
    expect(await check(p, res("aws:cloudwatch/logGroup:LogGroup", "lg", { kmsKeyId: "arn", retentionInDays: 30 }), { minRetentionDays: 30 })).toEqual([]);
  });
});
