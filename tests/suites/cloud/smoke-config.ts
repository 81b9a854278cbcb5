/**
 * What the cloud smoke brings up: the staging stack's settings cut down to one node of the chosen cloud
 * (a spot node for AWS and GCP), serving the generated test model from the stack's own ephemeral bucket.
 */
import { getInstanceType, hourlyUsd, SERVICE_PRICES, toUsd } from "../../../infra/catalog";
import { parseStackConfig, type StackConfig } from "../../../infra/config";
import { smallestType } from "../../../infra/fleet";
import { readStackFile } from "../../../plan/stack-file";
import { rawConfig } from "../../../infra/stack-config";
import type { TestModel } from "../../../local/toolchain/test-model";
import { DEFAULT_TINY_MODEL } from "../../../local/toolchain/tiny-model";

/** K and V, f16, for every layer: what one token of context costs the tiny model. */
const TINY_KV_BYTES_PER_TOKEN = 2 * 2 * DEFAULT_TINY_MODEL.nLayer * DEFAULT_TINY_MODEL.nEmbd;

export type SmokeCloud = "aws" | "gcp" | "hetzner";

/** The stack config a smoke starts from (its admin CIDRs, regions, projects, labels, image), decoded as the program does. */
export function baseConfig(root: string, stack = "staging"): StackConfig {
  return parseStackConfig(rawConfig(readStackFile(root, stack).config));
}

/** The domain a Hetzner smoke's router answers on: never resolvable, the smoke reaches the load balancer by address. */
export function smokeDomain(stackName: string): string {
  return `${stackName}.smoke.invalid`;
}

/**
 * `clientCidr` is this machine's public address: an AWS or GCP smoke reaches its pool directly, and the pools admit
 * only the addresses a stack names (the routers, or burstClientCidrs).
 */
function withoutDnsZone<T extends { dnsZone?: string } | undefined>(router: T): Omit<NonNullable<T>, "dnsZone"> | undefined {
  if (!router) return undefined;
  const { dnsZone: _zone, ...rest } = router;
  return rest;
}

export function smokeConfig(base: StackConfig, cloud: SmokeCloud, model: TestModel, o: { stackName?: string; clientCidr?: string } = {}): StackConfig {
  return parseStackConfig({
    ...base,
    burstClientCidrs: cloud !== "hetzner" && o.clientCidr ? [o.clientCidr] : [],
    // A Hetzner smoke goes through the routers, with a certificate of its own for a domain nobody resolves (no DNS zone:
    // it writes no records).
    router: { ...withoutDnsZone(base.router), domain: smokeDomain(o.stackName ?? "smk-h-000000"), certificate: "uploaded" },
    model: { name: model.name, file: model.file, sha256: model.sha256, sizeBytes: model.sizeBytes, kvBytesPerToken: TINY_KV_BYTES_PER_TOKEN },
    // Hetzner nodes read the model from S3, so the Hetzner smoke keeps AWS for its bucket with the pool at zero.
    aws: { ...base.aws, enabled: cloud === "aws" || cloud === "hetzner", minSize: cloud === "aws" ? 1 : 0, maxSize: cloud === "aws" ? 1 : 0, desiredCapacity: cloud === "aws" ? 1 : 0 },
    gcp: { ...base.gcp, enabled: cloud === "gcp", minReplicas: cloud === "gcp" ? 1 : 0, maxReplicas: cloud === "gcp" ? 1 : 0 },
    hetzner: { ...base.hetzner, enabled: cloud === "hetzner", count: cloud === "hetzner" ? 1 : 0, serverType: "cpx22", modelSource: "aws", dedicatedHosts: [] },
    storage: { ...base.storage, protect: false },
  });
}

export interface SmokeEstimate {
  node: string;
  hourlyUsd: number;
  budgetMinutes: number;
  /** Node and load balancer for the whole budget, rounded up to a cent. */
  maxCostUsd: number;
}

export function estimate(cfg: StackConfig, cloud: SmokeCloud, budgetMinutes: number): SmokeEstimate {
  const node =
    cloud === "aws" ? smallestType("aws", cfg.aws.instanceTypes) : cloud === "gcp" ? getInstanceType("gcp", cfg.gcp.machineType) : getInstanceType("hetzner", cfg.hetzner.serverType);
  const lb = cloud === "aws" ? SERVICE_PRICES["aws/nlb"] : cloud === "gcp" ? SERVICE_PRICES["gcp/forwarding-rule"] : SERVICE_PRICES["hcloud/lb11"];
  const hourly = hourlyUsd(node, cloud === "hetzner" ? "on-demand" : "spot") + (lb ? toUsd(lb.hourly, lb.currency) : 0);
  return { node: `${cloud} ${node.name}${cloud === "hetzner" ? "" : " (spot)"}`, hourlyUsd: hourly, budgetMinutes, maxCostUsd: Math.ceil(hourly * (budgetMinutes / 60) * 100) / 100 };
}

/** A unique, sortable, valid stack name: smoke-aws-20261121t175002-k3f9. */
/**
 * An ephemeral stack's name: "smk-<cloud initial>-<6 hex>", 12 characters, the most the program's physical names
 * leave for a stack (MAX_STACK_NAME_LENGTH in infra/stack-config.ts).
 */
export function smokeStackName(cloud: SmokeCloud, random: string): string {
  if (!/^[0-9a-f]{6}$/.test(random)) throw new Error(`smoke stack suffix must be 6 hex characters (got ${random})`);
  return `smk-${cloud[0]}-${random}`;
}
