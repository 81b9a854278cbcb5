/**
 * Realistic computed outputs for the mock runtime: what the providers would return after create
 * (ids, ARNs, IPs, self links), echoed on top of the inputs.
 */
import { createHash } from "node:crypto";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";

export const MOCK_ACCOUNT_ID = "123456789012";

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function num(seed: string, max: number): number {
  return parseInt(hex(seed, 8), 16) % max;
}

type State = Record<string, unknown>;

function awsOutputs(type: string, name: string, inputs: State): { id: string; state: State } {
  const region = "eu-central-1";
  const [, mod = "", kind = ""] = type.split(":");
  const service = mod.split("/")[0] ?? "";
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string | undefined) ?? `${name}-${hex(name, 7)}`;
      return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region } };
    }
    case "aws:iam/role:Role":
    case "aws:iam/user:User":
    case "aws:iam/group:Group":
    case "aws:iam/instanceProfile:InstanceProfile": {
      const n = `${name}-${hex(name, 7)}`;
      const kindPath = kind === "InstanceProfile" ? "instance-profile" : kind.toLowerCase();
      return { id: n, state: { name: n, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kindPath}/${n}`, uniqueId: `AROA${hex(name, 16).toUpperCase()}` } };
    }
    case "aws:iam/accessKey:AccessKey":
      return { id: `AKIA${hex(name, 16).toUpperCase()}`, state: { secret: hex(`${name}/secret`, 40), status: "Active" } };
    case "aws:ssm/parameter:Parameter": {
      const n = `/${name}`;
      return { id: n, state: { name: n, arn: `arn:aws:ssm:${region}:${MOCK_ACCOUNT_ID}:parameter${n}`, version: 1 } };
    }
    case "aws:autoscaling/group:Group": {
      const n = (inputs.name as string | undefined) ?? `${name}-${hex(name, 7)}`;
      return { id: n, state: { name: n, arn: `arn:aws:autoscaling:${region}:${MOCK_ACCOUNT_ID}:autoScalingGroup:${hex(name, 8)}-${hex(name + "1", 4)}:autoScalingGroupName/${n}` } };
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const short = name.slice(0, 24);
      return { id: `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:loadbalancer/net/${short}/${hex(name, 16)}`, state: { arn: `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:loadbalancer/net/${short}/${hex(name, 16)}`, dnsName: `${short}-${hex(name, 16)}.elb.${region}.amazonaws.com`, zoneId: "Z3F0SRJ5LGBH90" } };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const arn = `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:targetgroup/${name.slice(0, 24)}/${hex(name, 16)}`;
      return { id: arn, state: { arn } };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id: `lt-${hex(name, 17)}`, state: { latestVersion: 1, defaultVersion: 1, arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:launch-template/lt-${hex(name, 17)}` } };
    case "aws:ec2/vpc:Vpc":
      return { id: `vpc-${hex(name, 17)}`, state: { arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:vpc/vpc-${hex(name, 17)}`, defaultSecurityGroupId: `sg-${hex(name + "default", 17)}` } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${hex(name, 17)}`, state: { arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:security-group/sg-${hex(name, 17)}` } };
    case "aws:ec2/subnet:Subnet":
      return { id: `subnet-${hex(name, 17)}`, state: {} };
    case "aws:ec2/eip:Eip":
      return { id: `eipalloc-${hex(name, 17)}`, state: { publicIp: `198.51.100.${num(name, 250) + 1}` } };
    default: {
      const prefix = service === "ec2" ? kind.replace(/[a-z]/g, "").toLowerCase() || "res" : service;
      return { id: `${prefix}-${hex(name, 12)}`, state: { arn: `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${kind.toLowerCase()}/${name}` } };
    }
  }
}

function gcpOutputs(type: string, name: string, inputs: State): { id: string; state: State } {
  const project = (inputs.project as string | undefined) ?? "mock-project";
  const region = (inputs.region as string | undefined) ?? "europe-west4";
  const autoName = (inputs.name as string | undefined) ?? `${name}-${hex(name, 7)}`.toLowerCase();
  const base = `https://www.googleapis.com/compute/v1/projects/${project}`;
  switch (type) {
    case "gcp:storage/bucket:Bucket":
      return { id: autoName, state: { name: autoName, url: `gs://${autoName}`, selfLink: `https://www.googleapis.com/storage/v1/b/${autoName}` } };
    case "gcp:serviceaccount/account:Account": {
      const email = `${inputs.accountId as string}@${project}.iam.gserviceaccount.com`;
      return { id: `projects/${project}/serviceAccounts/${email}`, state: { email, name: `projects/${project}/serviceAccounts/${email}`, uniqueId: String(100000000000 + num(name, 899999999)), member: `serviceAccount:${email}` } };
    }
    case "gcp:storage/hmacKey:HmacKey":
      return { id: `GOOG1E${hex(name, 20).toUpperCase()}`, state: { accessId: `GOOG1E${hex(name, 20).toUpperCase()}`, secret: hex(`${name}/secret`, 40), state: "ACTIVE" } };
    case "gcp:secretmanager/secret:Secret": {
      const id = `projects/${project}/secrets/${String(inputs.secretId ?? autoName)}`;
      return { id, state: { name: `projects/${100000000000 + num(project, 899999999)}/secrets/${String(inputs.secretId ?? autoName)}` } };
    }
    case "gcp:secretmanager/secretVersion:SecretVersion": {
      const version = String(1 + num(name, 9));
      const n = `projects/${100000000000 + num(project, 899999999)}/secrets/${String(inputs.secret ?? name).split("/").pop()}/versions/${version}`;
      return { id: n, state: { name: n, version } };
    }
    case "gcp:storage/bucketObject:BucketObject":
      return { id: `${String(inputs.bucket)}-${String(inputs.name)}`, state: { md5hash: hex(name, 22), selfLink: `https://www.googleapis.com/storage/v1/b/${String(inputs.bucket)}/o/${encodeURIComponent(String(inputs.name))}` } };
    case "gcp:compute/instanceTemplate:InstanceTemplate": {
      const n = `${(inputs.namePrefix as string | undefined) ?? name}${hex(name, 26)}`;
      const selfLink = `${base}/global/instanceTemplates/${n}`;
      return { id: `projects/${project}/global/instanceTemplates/${n}`, state: { name: n, selfLink, selfLinkUnique: `${selfLink}?uniqueId=${num(name, 1e9)}` } };
    }
    case "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager":
      return { id: `projects/${project}/regions/${region}/instanceGroupManagers/${autoName}`, state: { name: autoName, instanceGroup: `${base}/regions/${region}/instanceGroups/${autoName}`, selfLink: `${base}/regions/${region}/instanceGroupManagers/${autoName}` } };
    case "gcp:compute/globalAddress:GlobalAddress":
      return { id: `projects/${project}/global/addresses/${autoName}`, state: { name: autoName, address: `34.120.${num(name, 250)}.${num(name + "x", 250) + 1}`, selfLink: `${base}/global/addresses/${autoName}` } };
    default: {
      const kind = (type.split(":")[2] ?? "resource").replace(/^[A-Z]/, (c) => c.toLowerCase());
      const scope = inputs.region ? `regions/${region}` : "global";
      return { id: `projects/${project}/${scope}/${kind}s/${autoName}`, state: { name: autoName, selfLink: `${base}/${scope}/${kind}s/${autoName}` } };
    }
  }
}

function hcloudOutputs(type: string, name: string, inputs: State): { id: string; state: State } {
  const id = String(1000000 + num(name, 8999999));
  const named = { name: (inputs.name as string | undefined) ?? `${name}-${hex(name, 7)}` };
  switch (type) {
    case "hcloud:index/loadBalancer:LoadBalancer":
      return { id, state: { ...named, ipv4: `49.13.${num(name, 250)}.${num(name + "x", 250) + 1}`, ipv6: `2a01:4f8:c2c:${hex(name, 4)}::1` } };
    case "hcloud:index/server:Server":
      return { id, state: { ...named, ipv4Address: `167.235.${num(name, 250)}.${num(name + "x", 250) + 1}`, ipv6Address: `2a01:4f8:c17:${hex(name, 4)}::1`, status: "running" } };
    case "hcloud:index/primaryIp:PrimaryIp":
      return inputs.type === "ipv6"
        ? { id, state: { ...named, ipAddress: `2a01:4f8:c17:${hex(name, 4)}::`, ipNetwork: `2a01:4f8:c17:${hex(name, 4)}::/64` } }
        : { id, state: { ...named, ipAddress: `167.235.${num(name, 250)}.${num(name + "x", 250) + 1}` } };
    case "hcloud:index/networkSubnet:NetworkSubnet":
      return { id: `${id}-subnet`, state: {} };
    default:
      return { id, state: named };
  }
}

/** Echoes the inputs and adds what the provider would compute. */
export function mockResource(args: MockResourceArgs): { id: string; state: State } {
  const inputs = (args.inputs ?? {}) as State;
  const pkg = args.type.split(":")[0];
  const out =
    pkg === "aws" ? awsOutputs(args.type, args.name, inputs)
    : pkg === "gcp" ? gcpOutputs(args.type, args.name, inputs)
    : pkg === "hcloud" ? hcloudOutputs(args.type, args.name, inputs)
    : { id: `${args.name}-id`, state: {} };
  return { id: args.id || out.id, state: { ...inputs, ...out.state } };
}

export function mockCall(args: MockCallArgs): Record<string, unknown> {
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["eu-central-1a", "eu-central-1b", "eu-central-1c"], zoneIds: ["euc1-az2", "euc1-az3", "euc1-az1"], id: "eu-central-1" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/ci`, userId: "AIDAEXAMPLE", id: MOCK_ACCOUNT_ID };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0a1b2c3d4e5f67890", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261015", architecture: "x86_64" };
    default:
      return {};
  }
}
