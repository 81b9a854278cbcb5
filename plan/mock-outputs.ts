/**
 * Computed outputs for the mock runtime: what the providers return after create (ids, ARNs, IPs, self links),
 * echoed on top of the inputs. Physical names come from the inputs as the provider's Check left them (the
 * autonamed field is filled in by the mock runtime, see provider-rules/autonaming.ts); nothing here shortens,
 * lowercases or repairs a name, so an output is never kinder than what the provider would return.
 */
import { createHash } from "node:crypto";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";
import { replacementKey } from "./force-new";
import { seedOf } from "./mock-keys";
import { type MockContext, serviceAccountKey, tlsOutputs } from "./mock-tls";
import { unwrapSecrets } from "./secret-values";

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_AWS_REGION = "eu-central-1";

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function num(seed: string, max: number): number {
  return parseInt(hex(seed, 8), 16) % max;
}

type State = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * A version the provider adds on every update (a launch template's, an SSM parameter's), numbered here from the
 * content: without the stack's state the mock cannot count from 1, but a change shows as a new number, as it would.
 */
function contentVersion(inputs: State): number {
  return 1 + num(seedOf(unwrapSecrets(inputs)[0]).toString("hex"), 9999);
}

function awsOutputs(type: string, name: string, seed: string, inputs: State, region: string): { id: string; state: State } {
  const [, mod = "", kind = ""] = type.split(":");
  const service = mod.split("/")[0] ?? "";
  const physical = text(inputs.name) ?? name;
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = text(inputs.bucket) ?? name;
      return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}`, bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`, region } };
    }
    case "aws:iam/role:Role":
    case "aws:iam/user:User":
    case "aws:iam/group:Group":
    case "aws:iam/instanceProfile:InstanceProfile": {
      const kindPath = kind === "InstanceProfile" ? "instance-profile" : kind.toLowerCase();
      const path = text(inputs.path) ?? "/";
      return { id: physical, state: { name: physical, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kindPath}${path}${physical}`, uniqueId: `AROA${hex(seed, 16).toUpperCase()}` } };
    }
    case "aws:iam/accessKey:AccessKey":
      return { id: `AKIA${hex(seed, 16).toUpperCase()}`, state: { secret: hex(`${seed}/secret`, 40), status: "Active" } };
    case "aws:ssm/parameter:Parameter": {
      // A name without a leading slash still gets one in the ARN: arn:aws:ssm:<region>:<account>:parameter/<name>.
      const arnPath = physical.startsWith("/") ? physical : `/${physical}`;
      return { id: physical, state: { name: physical, arn: `arn:aws:ssm:${region}:${MOCK_ACCOUNT_ID}:parameter${arnPath}`, version: contentVersion(inputs) } };
    }
    case "aws:autoscaling/group:Group":
      return { id: physical, state: { name: physical, arn: `arn:aws:autoscaling:${region}:${MOCK_ACCOUNT_ID}:autoScalingGroup:${hex(seed, 8)}-${hex(seed + "1", 4)}:autoScalingGroupName/${physical}` } };
    case "aws:lb/loadBalancer:LoadBalancer": {
      const kindPath = text(inputs.loadBalancerType) === "network" ? "net" : "app";
      const arn = `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:loadbalancer/${kindPath}/${physical}/${hex(seed, 16)}`;
      return { id: arn, state: { name: physical, arn, arnSuffix: arn.split(":loadbalancer/")[1], dnsName: `${physical}-${hex(seed, 16)}.elb.${region}.amazonaws.com`, zoneId: "Z3F0SRJ5LGBH90" } };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const arn = `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:targetgroup/${physical}/${hex(seed, 16)}`;
      return { id: arn, state: { name: physical, arn, arnSuffix: `targetgroup/${physical}/${hex(seed, 16)}` } };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id: `lt-${hex(seed, 17)}`, state: { name: physical, latestVersion: contentVersion(inputs), defaultVersion: 1, arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:launch-template/lt-${hex(seed, 17)}` } };
    case "aws:ec2/vpc:Vpc":
      return { id: `vpc-${hex(seed, 17)}`, state: { arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:vpc/vpc-${hex(seed, 17)}`, defaultSecurityGroupId: `sg-${hex(seed + "default", 17)}` } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${hex(seed, 17)}`, state: { name: physical, arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:security-group/sg-${hex(seed, 17)}` } };
    case "aws:ec2/subnet:Subnet":
      return { id: `subnet-${hex(seed, 17)}`, state: {} };
    case "aws:ec2/eip:Eip":
      return { id: `eipalloc-${hex(seed, 17)}`, state: { publicIp: `198.51.100.${num(seed, 250) + 1}` } };
    case "aws:kms/key:Key": {
      const id = `${hex(seed, 8)}-${hex(seed + "a", 4)}-${hex(seed + "b", 4)}-${hex(seed + "c", 4)}-${hex(seed + "d", 12)}`;
      return { id, state: { keyId: id, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/${id}` } };
    }
    case "aws:acm/certificate:Certificate": {
      const id = `arn:aws:acm:${region}:${MOCK_ACCOUNT_ID}:certificate/${hex(seed, 8)}-${hex(seed + "a", 4)}-${hex(seed + "b", 4)}-${hex(seed + "c", 4)}-${hex(seed + "d", 12)}`;
      return { id, state: { arn: id, status: "PENDING_VALIDATION" } };
    }
    default: {
      const prefix = service === "ec2" ? kind.replace(/[a-z]/g, "").toLowerCase() || "res" : service;
      return { id: `${prefix}-${hex(seed, 12)}`, state: { arn: `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${kind.toLowerCase()}/${physical}` } };
    }
  }
}

function gcpOutputs(type: string, name: string, seed: string, inputs: State, provider: State | undefined): { id: string; state: State } {
  const project = text(inputs.project) ?? text(provider?.project) ?? "mock-project";
  const region = text(inputs.region) ?? text(provider?.region) ?? "europe-west4";
  const physical = text(inputs.name) ?? name;
  const base = `https://www.googleapis.com/compute/v1/projects/${project}`;
  switch (type) {
    case "gcp:storage/bucket:Bucket":
      return { id: physical, state: { name: physical, url: `gs://${physical}`, selfLink: `https://www.googleapis.com/storage/v1/b/${physical}` } };
    case "gcp:serviceaccount/account:Account": {
      const email = `${text(inputs.accountId) ?? name}@${project}.iam.gserviceaccount.com`;
      return { id: `projects/${project}/serviceAccounts/${email}`, state: { email, name: `projects/${project}/serviceAccounts/${email}`, uniqueId: String(100000000000 + num(seed, 899999999)), member: `serviceAccount:${email}` } };
    }
    case "gcp:serviceaccount/key:Key": {
      // The key file names the account the key is for (serviceAccountId: projects/<p>/serviceAccounts/<email>).
      const email = String(inputs.serviceAccountId ?? "").split("/").pop() || `${name}@${project}.iam.gserviceaccount.com`;
      const n = `projects/${project}/serviceAccounts/${email}/keys/${hex(seed, 40)}`;
      return { id: n, state: { name: n, keyAlgorithm: "KEY_ALG_RSA_2048", publicKeyType: "TYPE_X509_PEM_FILE", privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE" } };
    }
    case "gcp:storage/hmacKey:HmacKey":
      return { id: `GOOG1E${hex(seed, 20).toUpperCase()}`, state: { accessId: `GOOG1E${hex(seed, 20).toUpperCase()}`, secret: hex(`${seed}/secret`, 40), state: "ACTIVE" } };
    case "gcp:secretmanager/secret:Secret": {
      const secretId = text(inputs.secretId) ?? name;
      return { id: `projects/${project}/secrets/${secretId}`, state: { secretId, name: `projects/${100000000000 + num(project, 899999999)}/secrets/${secretId}` } };
    }
    case "gcp:secretmanager/secretVersion:SecretVersion": {
      const version = String(1 + num(seed, 9));
      const n = `projects/${100000000000 + num(project, 899999999)}/secrets/${String(inputs.secret ?? name).split("/").pop()}/versions/${version}`;
      return { id: n, state: { name: n, version } };
    }
    case "gcp:storage/bucketObject:BucketObject":
      return { id: `${String(inputs.bucket)}-${physical}`, state: { md5hash: hex(seed, 22), selfLink: `https://www.googleapis.com/storage/v1/b/${String(inputs.bucket)}/o/${encodeURIComponent(physical)}` } };
    case "gcp:compute/instanceTemplate:InstanceTemplate": {
      // With namePrefix (<= 37 characters) the provider appends YYYYmmddHHSSssss and an 8-digit counter.
      const n = text(inputs.namePrefix) !== undefined ? `${text(inputs.namePrefix)}20261203060000000000${String(num(seed, 1e8)).padStart(8, "0")}` : physical;
      const selfLink = `${base}/global/instanceTemplates/${n}`;
      return { id: `projects/${project}/global/instanceTemplates/${n}`, state: { name: n, selfLink, selfLinkUnique: `${selfLink}?uniqueId=${num(seed, 1e9)}` } };
    }
    case "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager":
      return { id: `projects/${project}/regions/${region}/instanceGroupManagers/${physical}`, state: { name: physical, instanceGroup: `${base}/regions/${region}/instanceGroups/${physical}`, selfLink: `${base}/regions/${region}/instanceGroupManagers/${physical}` } };
    case "gcp:compute/instanceGroupManager:InstanceGroupManager": {
      const zone = text(inputs.zone) ?? `${region}-a`;
      return { id: `projects/${project}/zones/${zone}/instanceGroupManagers/${physical}`, state: { name: physical, instanceGroup: `${base}/zones/${zone}/instanceGroups/${physical}`, selfLink: `${base}/zones/${zone}/instanceGroupManagers/${physical}` } };
    }
    case "gcp:compute/globalAddress:GlobalAddress":
      return { id: `projects/${project}/global/addresses/${physical}`, state: { name: physical, address: `34.120.${num(seed, 250)}.${num(seed + "x", 250) + 1}`, selfLink: `${base}/global/addresses/${physical}` } };
    default: {
      const kind = (type.split(":")[2] ?? "resource").replace(/^[A-Z]/, (c) => c.toLowerCase());
      const scope = inputs.region ? `regions/${region}` : "global";
      return { id: `projects/${project}/${scope}/${kind}s/${physical}`, state: { name: physical, selfLink: `${base}/${scope}/${kind}s/${physical}` } };
    }
  }
}

function hcloudOutputs(type: string, name: string, seed: string, inputs: State): { id: string; state: State } {
  const id = String(1000000 + num(seed, 8999999));
  const named = { name: text(inputs.name) ?? name };
  switch (type) {
    case "hcloud:index/loadBalancer:LoadBalancer":
      return { id, state: { ...named, ipv4: `49.13.${num(seed, 250)}.${num(seed + "x", 250) + 1}`, ipv6: `2a01:4f8:c2c:${hex(seed, 4)}::1` } };
    case "hcloud:index/server:Server":
      return { id, state: { ...named, ipv4Address: `167.235.${num(seed, 250)}.${num(seed + "x", 250) + 1}`, ipv6Address: `2a01:4f8:c17:${hex(seed, 4)}::1`, status: "running" } };
    case "hcloud:index/primaryIp:PrimaryIp":
      return inputs.type === "ipv6"
        ? { id, state: { ...named, ipAddress: `2a01:4f8:c17:${hex(seed, 4)}::`, ipNetwork: `2a01:4f8:c17:${hex(seed, 4)}::/64` } }
        : { id, state: { ...named, ipAddress: `167.235.${num(seed, 250)}.${num(seed + "x", 250) + 1}` } };
    case "hcloud:index/networkSubnet:NetworkSubnet":
      return { id: `${id}-subnet`, state: {} };
    default:
      return { id, state: named };
  }
}

/**
 * Echoes the inputs and adds what the provider would compute. `provider` holds the inputs of the resource's provider;
 * `epoch` is the run's "now". Outputs depend only on the stack, the resource and its inputs, never on chance.
 */
export async function mockResource(args: MockResourceArgs, provider: State | undefined, stack: string, epoch: Date, replaceOnChanges: string[] = []): Promise<{ id: string; state: State }> {
  const inputs = (args.inputs ?? {}) as State;
  // Cloud-assigned ids and addresses stay while the resource is not replaced and change when it is.
  const seed = `${args.name}#${createHash("sha256").update(replacementKey(args.type, unwrapSecrets(inputs)[0] as State, replaceOnChanges)).digest("hex").slice(0, 16)}`;
  const ctx = (): MockContext => ({ seed: seedOf(stack, args.type, args.name, unwrapSecrets(inputs)[0]), epoch });
  const pkg = args.type.split(":")[0];
  const out =
    pkg === "aws" ? awsOutputs(args.type, args.name, seed, inputs, text(provider?.region) ?? MOCK_AWS_REGION)
    : pkg === "gcp" ? gcpOutputs(args.type, args.name, seed, inputs, provider)
    : pkg === "hcloud" ? hcloudOutputs(args.type, args.name, seed, inputs)
    : pkg === "tls" ? { id: hex(seed, 40), state: (await tlsOutputs(args.type, unwrapSecrets(inputs)[0] as State, ctx())) ?? {} }
    : { id: `${args.name}-id`, state: {} };
  if (args.type === "gcp:serviceaccount/key:Key") {
    const email = String(inputs.serviceAccountId ?? "").split("/").pop() ?? "";
    Object.assign(out.state, await serviceAccountKey(text(provider?.project) ?? "mock-project", email, hex(seed, 40), ctx()));
  }
  return { id: args.id || out.id, state: { ...inputs, ...out.state } };
}

/** Answers to provider functions; `provider` holds the inputs of the provider the call goes through. */
export function mockCall(args: MockCallArgs, provider?: State): Record<string, unknown> {
  const region = text(provider?.region) ?? MOCK_AWS_REGION;
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: [1, 2, 3].map((i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i}`), id: region };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/ci`, userId: "AIDAEXAMPLE", id: MOCK_ACCOUNT_ID };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0a1b2c3d4e5f67890", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261015", architecture: "x86_64" };
    default:
      return {};
  }
}
