/**
 * Stack configuration: parsed once, at the edge, into one typed object.
 * Every invalid value is rejected before any resource is registered, with the key, the value and what is allowed.
 */
import { z } from "zod";
import { findInstanceType, HCLOUD_LOCATIONS_BY_ZONE, instanceTypesFor, RETIRED_HCLOUD_TYPES, type Cloud } from "./catalog";
import { broaderThan, isWorldOpen, parseCidr, readSource } from "./cidr";
import { memoryRequiredGiB, deriveParallel } from "./inference/sizing";

export const CONFIG_NAMESPACE = "hybrid-inference";

/** Top-level keys read from `Pulumi.<stack>.yaml`. Secrets are read separately, as Pulumi secrets. */
export const CONFIG_KEYS = ["owner", "costCenter", "adminCidrs", "burstClientCidrs", "model", "inference", "hetzner", "router", "aws", "gcp", "storage"] as const;
/** A key travels as one line of a key file (llama-server's --api-key-file, the routers' list): printable, no spaces. */
export const API_KEY_SHAPE = /^[\x21-\x7e]{16,512}$/;

export const SECRET_KEYS = ["apiKey", "apiKeyPrevious", "dedicatedSshPrivateKey", "routerTlsCertificate", "routerTlsPrivateKey"] as const;

const MIN_PREFIX = { 4: 8, 6: 16 } as const;

const labelValue = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lowercase letters, digits and hyphens, start with a letter, at most 63 characters (valid as a GCP label, an hcloud label and an AWS tag)");

const adminCidr = z.string().superRefine((v, ctx) => {
  const p = parseCidr(v);
  if (!p) {
    ctx.addIssue({ code: "custom", message: "must be a CIDR such as 203.0.113.0/24 or 2001:db8::/48" });
    return;
  }
  if (isWorldOpen(v)) {
    ctx.addIssue({ code: "custom", message: "is open to the whole internet; SSH sources must be admin networks (allowed: a prefix of at least /8 for IPv4, /16 for IPv6)" });
    return;
  }
  // An IPv6 block that carries IPv4 addresses (::ffff:0:0/96 and the like) is judged by the IPv4 addresses it covers.
  const broad = broaderThan(readSource(v)?.ranges ?? [], { minIpv4Prefix: MIN_PREFIX[4], minIpv6Prefix: MIN_PREFIX[6] });
  if (broad.length > 0) {
    ctx.addIssue({ code: "custom", message: `is too broad for an SSH source (allowed: a prefix of at least /${MIN_PREFIX[4]} for IPv4 and /${MIN_PREFIX[6]} for IPv6; an IPv6 block that carries IPv4 addresses counts by the ${broad.join(" and ")} addresses it covers)` });
  }
});

/** Extra clients of the burst pools' TLS endpoints: IPv4 networks of at least /16 (the routers are always allowed). */
const clientCidr = z.string().superRefine((v, ctx) => {
  const p = parseCidr(v);
  if (!p || p.family !== 4) ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR such as 198.51.100.7/32" });
  else if (p.prefix < 16) ctx.addIssue({ code: "custom", message: "is too broad for a burst pool client (allowed: a prefix of at least /16)" });
});

const networkCidr = z.string().refine((v) => parseCidr(v)?.family === 4, "must be an IPv4 CIDR such as 10.10.0.0/16");

function instanceTypeOf(cloud: Cloud, opts: { dedicated?: boolean } = {}) {
  const names = instanceTypesFor(cloud).filter((n) => {
    if (opts.dedicated === undefined) return true;
    const isRobot = n.startsWith("ax");
    return opts.dedicated ? isRobot : !isRobot;
  });
  return z.string().superRefine((v, ctx) => {
    if (names.includes(v)) return;
    const retired = cloud === "hetzner" ? RETIRED_HCLOUD_TYPES[v] : undefined;
    ctx.addIssue({
      code: "custom",
      message: retired
        ? `can no longer be ordered (${retired.why} on ${retired.since}); the nearest orderable type is ${retired.successor}; allowed: ${names.join(", ")}`
        : `unknown ${cloud} instance type; allowed: ${names.join(", ")}`,
    });
  });
}

const count = (max: number) => z.number().int().min(0).max(max);

const modelSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be a short lowercase model alias such as qwen2.5-1.5b-instruct"),
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/, "must be a GGUF file name such as model-q4_k_m.gguf"),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, "must be 64 lowercase hex characters"),
  sizeBytes: z.number().int().positive(),
  /** K and V cache bytes per token of context, all layers (f16). */
  kvBytesPerToken: z.number().int().positive().default(131072),
});

const inferenceSchema = z.strictObject({
  port: z.number().int().min(1024).max(65535).default(8080),
  /** The base nodes' drain agent: the routers ask it whether a node takes new requests ("up") or drains before it stops. */
  agentPort: z.number().int().min(1024).max(65535).default(8081),
  ctxPerSlot: z.number().int().min(256).max(131072).default(4096),
  parallel: z.number().int().min(1).max(64).optional(),
  /**
   * The node image, pinned by the digest the image workflow (.github/workflows/image.yml) printed; a tag may stay
   * beside it for people to read (registry/repo:tag@sha256:digest pulls by digest, the tag is ignored).
   */
  image: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?@sha256:[a-f0-9]{64}$/, "must be pinned by digest: registry/repo@sha256:<digest> or registry/repo:tag@sha256:<digest>, as the image workflow prints it (a tag alone can be moved)"),
  metrics: z.boolean().default(true),
  /** Refuse to deploy without the secret hybrid-inference:apiKey. */
  requireApiKey: z.boolean().default(true),
});

const dedicatedHost = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a short lowercase host name"),
  ip: z.string().refine((v) => parseCidr(`${v}/32`) !== undefined || parseCidr(`${v}/128`) !== undefined, "must be an IP address"),
  serverType: instanceTypeOf("hetzner", { dedicated: true }),
  user: z.string().default("root"),
  /** The host's address on a vSwitch subnet coupled to the cloud network: how the routers reach it privately. */
  privateIp: z.string().refine((v) => parseCidr(`${v}/32`) !== undefined, "must be an IPv4 address").optional(),
});

const hetznerSchema = z.strictObject({
  enabled: z.boolean(),
  location: z.enum(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"]).default("fsn1"),
  networkZone: z.enum(["eu-central", "us-east", "us-west", "ap-southeast"]).default("eu-central"),
  serverType: instanceTypeOf("hetzner", { dedicated: false }),
  count: count(50),
  image: z.string().default("ubuntu-24.04"),
  loadBalancerType: z.enum(["lb11", "lb21", "lb31"]).default("lb11"),
  networkCidr: networkCidr.default("10.10.0.0/16"),
  sshPublicKey: z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/, "must be an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa)"),
  /** Which checkpoint bucket the base layer reads the model from, through the S3 API. */
  modelSource: z.enum(["aws", "gcp"]).default("aws"),
  dedicatedHosts: z.array(dedicatedHost).default([]),
  /** Delete protection on the routers. load balancer and every primary IP (the addresses the model-store key and the burst pools trust). */
  deletionProtection: z.boolean().default(false),
});

/** The retention periods CloudWatch Logs accepts (PutRetentionPolicy, docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const awsSchema = z.strictObject({
  enabled: z.boolean(),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-central-1"),
  instanceTypes: z.array(instanceTypeOf("aws")).min(2, "list at least two types so the spot pool can diversify").refine((a) => new Set(a).size === a.length, "must not repeat a type"),
  minSize: count(100),
  desiredCapacity: count(100).optional(),
  maxSize: count(100),
  publicIp: z.boolean().default(false),
  vpcCidr: networkCidr.default("10.20.0.0/16"),
  availabilityZones: z.number().int().min(2).max(6).default(2),
  rootVolumeGiB: z.number().int().min(8).max(1024).default(30),
  /** Scale the pool back to zero after this many minutes without demand. */
  scaleInQuietMinutes: z.number().int().min(5).max(120).default(15),
  /** Deletion protection on the network load balancer. */
  deletionProtection: z.boolean().default(false),
  flowLogRetentionDays: z.number().int().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be a CloudWatch Logs retention period; allowed: ${LOG_RETENTION_DAYS.join(", ")}`).default(365),
  /** The SNS topic the routers' liveness alarm notifies (an existing topic in aws.region). */
  alertTopicArn: z.string().regex(/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN such as arn:aws:sns:eu-central-1:123456789012:platform-alerts").optional(),
});

const gcpSchema = z.strictObject({
  enabled: z.boolean(),
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id"),
  region: z.string().regex(/^[a-z]+-[a-z]+\d$/, "must be a GCP region such as europe-west4"),
  /** The zone of the burst group (default <region>-b): scaling from zero on the routers' demand needs a zonal group. */
  zone: z.string().regex(/^[a-z]+-[a-z]+\d-[a-z]$/, "must be a GCP zone such as europe-west4-b").optional(),
  machineType: instanceTypeOf("gcp"),
  minReplicas: count(100),
  maxReplicas: count(100),
  publicIp: z.boolean().default(false),
  subnetCidr: networkCidr.default("10.30.0.0/20"),
  bootDiskGiB: z.number().int().min(10).max(1024).default(30),
  /** Scale the pool back to zero after this many minutes without demand. */
  scaleInQuietMinutes: z.number().int().min(5).max(120).default(15),
  /** Cloud Monitoring notification channels the routers' liveness alert policy notifies. */
  alertChannels: z.array(z.string().regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/notificationChannels\/\d+$/, "must be a notification channel such as projects/my-project/notificationChannels/1234567890")).default([]),
});

/** A DNS name the stack's public endpoint answers on. */
const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lowercase DNS name such as inference.example.com");

/**
 * The routers: the fleet's one public endpoint. HAProxy on small Hetzner servers fills the base layer's slots first,
 * spills over to the burst pools, retries, and queues; the Hetzner load balancer in front terminates TLS.
 */
const routerSchema = z.strictObject({
  domain: domainName,
  /** managed: a Let's Encrypt certificate from Hetzner (the domain's zone must be in Hetzner DNS); uploaded: the secrets routerTlsCertificate and routerTlsPrivateKey. */
  certificate: z.enum(["managed", "uploaded"]).default("managed"),
  /**
   * The Hetzner DNS zone that holds the domain (e.g. example.com for inference.example.com). Required with a managed
   * certificate: the stack then points the domain's A and AAAA records at the load balancer, and Hetzner can only issue
   * a managed certificate for a domain whose zone it serves.
   */
  dnsZone: domainName.optional(),
  /**
   * The routers' OS image. Debian 12 ships HAProxy 2.6 LTS with the Prometheus exporter, the version the tests run
   * (docs/testing.md); another image needs its HAProxy checked the same way before it is listed here.
   */
  image: z.enum(["debian-12"]).default("debian-12"),
  serverType: instanceTypeOf("hetzner", { dedicated: false }).default("cpx12"),
  /** At least two, spread across hosts (a spread placement group holds at most 10); they take the private addresses .2-.9. */
  count: z.number().int().min(2).max(8).default(2),
  listenPort: z.number().int().min(1024).max(65535).default(8000),
  metricsPort: z.number().int().min(1024).max(65535).default(8405),
  /** How long a request may wait for a base slot when the burst pools are full or absent. */
  queueTimeoutSeconds: z.number().int().min(1).max(600).default(30),
  /** How many requests may wait, per base slot, before the router answers 503 at once. */
  queuePerSlot: z.number().int().min(0).max(64).default(2),
});

const storageSchema = z.strictObject({
  /** Prevent deletion of the buckets (protect on create, retain on delete). */
  protect: z.boolean().optional(),
  noncurrentVersionDays: z.number().int().min(1).max(3650).default(30),
  checkpointInfrequentAccessDays: z.number().int().min(30).max(3650).default(30),
  /**
   * GCS soft delete: deleted or overwritten objects stay restorable this many days (0 turns it off; GCS takes 7-90).
   * A retention policy is not offered: GCS refuses it beside versioning, and it would block rotating the node key.
   */
  softDeleteDays: z.number().int().refine((d) => d === 0 || (d >= 7 && d <= 90), "must be 0 (off) or 7-90 days (the range GCS accepts)").default(7),
  /** S3 default encryption: SSE-S3, or SSE-KMS with kmsKeyArn or (without it) a customer-managed key the stack creates. */
  s3Encryption: z.enum(["sse-s3", "sse-kms"]).default("sse-s3"),
  kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:/, "must be a KMS key ARN").optional(),
  /** Days the S3 server access logs are kept. */
  accessLogDays: z.number().int().min(1).max(3650).default(365),
  gcsLocation: z.string().default("EU"),
});

export const stackConfigSchema = z
  .strictObject({
    owner: labelValue,
    costCenter: labelValue,
    adminCidrs: z.array(adminCidr).min(1, "list at least one admin CIDR"),
    burstClientCidrs: z.array(clientCidr).default([]),
    model: modelSchema,
    inference: inferenceSchema,
    hetzner: hetznerSchema,
    router: routerSchema.optional(),
    aws: awsSchema,
    gcp: gcpSchema,
    storage: storageSchema.default({ noncurrentVersionDays: 30, checkpointInfrequentAccessDays: 30, softDeleteDays: 7, s3Encryption: "sse-s3", accessLogDays: 365, gcsLocation: "EU" }),
  })
  .superRefine((c, ctx) => {
    if (!c.hetzner.enabled && !c.aws.enabled && !c.gcp.enabled) {
      ctx.addIssue({ code: "custom", path: ["hetzner", "enabled"], message: "at least one of hetzner, aws or gcp must be enabled" });
    }
    if (c.storage.kmsKeyArn && c.storage.s3Encryption !== "sse-kms") {
      ctx.addIssue({ code: "custom", path: ["storage", "kmsKeyArn"], message: "is only used with storage.s3Encryption: sse-kms; allowed: set s3Encryption to sse-kms, or drop kmsKeyArn" });
    }
    if (c.aws.minSize > c.aws.maxSize) {
      ctx.addIssue({ code: "custom", path: ["aws", "minSize"], message: `must not exceed aws.maxSize (${c.aws.maxSize})` });
    }
    if (c.aws.desiredCapacity !== undefined && (c.aws.desiredCapacity < c.aws.minSize || c.aws.desiredCapacity > c.aws.maxSize)) {
      ctx.addIssue({ code: "custom", path: ["aws", "desiredCapacity"], message: `must lie between aws.minSize (${c.aws.minSize}) and aws.maxSize (${c.aws.maxSize})` });
    }
    const topicRegion = c.aws.alertTopicArn?.split(":")[3];
    if (topicRegion !== undefined && topicRegion !== c.aws.region) {
      ctx.addIssue({ code: "custom", path: ["aws", "alertTopicArn"], message: `must be a topic in aws.region (${c.aws.region}): an alarm notifies only a topic in its own region (got ${topicRegion})` });
    }
    if (c.gcp.zone && !c.gcp.zone.startsWith(`${c.gcp.region}-`)) {
      ctx.addIssue({ code: "custom", path: ["gcp", "zone"], message: `must be a zone of gcp.region (${c.gcp.region}-<letter>)` });
    }
    if (c.gcp.minReplicas > c.gcp.maxReplicas) {
      ctx.addIssue({ code: "custom", path: ["gcp", "minReplicas"], message: `must not exceed gcp.maxReplicas (${c.gcp.maxReplicas})` });
    }
    const zoneLocations = HCLOUD_LOCATIONS_BY_ZONE[c.hetzner.networkZone] ?? [];
    if (c.hetzner.enabled && !zoneLocations.includes(c.hetzner.location)) {
      ctx.addIssue({ code: "custom", path: ["hetzner", "location"], message: `is not in network zone ${c.hetzner.networkZone}; allowed: ${zoneLocations.join(", ")} (or change hetzner.networkZone)` });
    }
    const hcloudType = findInstanceType("hetzner", c.hetzner.serverType);
    if (c.hetzner.enabled && hcloudType?.locations && !hcloudType.locations.includes(c.hetzner.location)) {
      ctx.addIssue({ code: "custom", path: ["hetzner", "serverType"], message: `is not sold in ${c.hetzner.location}; it is sold in ${hcloudType.locations.join(", ")}` });
    }
    if (c.hetzner.enabled && !c.router) {
      ctx.addIssue({ code: "custom", path: ["router"], message: "is required when hetzner is enabled: the routers are the stack's public endpoint (set at least router.domain)" });
    }
    if (c.router && c.hetzner.enabled) {
      c.hetzner.dedicatedHosts.forEach((h, i) => {
        if (!h.privateIp) ctx.addIssue({ code: "custom", path: ["hetzner", "dedicatedHosts", i, "privateIp"], message: "is required: the routers reach base servers over the private network (couple the host's vSwitch to the cloud network)" });
      });
    }
    if (c.router?.certificate === "managed" && !c.router.dnsZone) {
      ctx.addIssue({ code: "custom", path: ["router", "dnsZone"], message: `is required with router.certificate managed: the Hetzner DNS zone that holds ${c.router.domain} (Hetzner issues managed certificates only for zones it serves); or use certificate: uploaded` });
    }
    if (c.router?.dnsZone && c.router.domain !== c.router.dnsZone && !c.router.domain.endsWith(`.${c.router.dnsZone}`)) {
      ctx.addIssue({ code: "custom", path: ["router", "dnsZone"], message: `${c.router.dnsZone} does not hold router.domain ${c.router.domain}; allowed: the domain itself or a parent of it` });
    }
    if (c.inference.agentPort === c.inference.port) {
      ctx.addIssue({ code: "custom", path: ["inference", "agentPort"], message: `must differ from inference.port (${c.inference.port})` });
    }
    if (c.router && c.router.listenPort === c.router.metricsPort) {
      ctx.addIssue({ code: "custom", path: ["router", "metricsPort"], message: `must differ from router.listenPort (${c.router.listenPort})` });
    }
    if (c.hetzner.enabled && !c[c.hetzner.modelSource].enabled) {
      ctx.addIssue({ code: "custom", path: ["hetzner", "modelSource"], message: `names ${c.hetzner.modelSource}, which is disabled; allowed: an enabled cloud (aws or gcp)` });
    }
    const checkFits = (cloud: Cloud, type: string, path: (string | number)[]) => {
      const t = findInstanceType(cloud, type);
      if (!t) return; // reported by the enum check
      const parallel = deriveParallel(t.vcpu, c.inference.parallel);
      const need = memoryRequiredGiB(c.model, c.inference.ctxPerSlot, parallel);
      if (need > t.memoryGiB) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `${type} has ${t.memoryGiB} GiB but model ${c.model.name} needs ${need.toFixed(1)} GiB (weights + KV cache for ${parallel} x ${c.inference.ctxPerSlot} tokens + runtime); allowed: a type with more memory, or a smaller model or context`,
        });
      }
    };
    if (c.hetzner.enabled) {
      checkFits("hetzner", c.hetzner.serverType, ["hetzner", "serverType"]);
      c.hetzner.dedicatedHosts.forEach((h, i) => checkFits("hetzner", h.serverType, ["hetzner", "dedicatedHosts", i, "serverType"]));
    }
    if (c.aws.enabled) c.aws.instanceTypes.forEach((t, i) => checkFits("aws", t, ["aws", "instanceTypes", i]));
    if (c.gcp.enabled) checkFits("gcp", c.gcp.machineType, ["gcp", "machineType"]);
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type ModelConfig = StackConfig["model"];
export type InferenceConfig = StackConfig["inference"];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = CONFIG_NAMESPACE + ":";
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (i === 0 ? "" : ".") + String(p);
  });
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** The keys an object in the schema allows, found by walking the schema along a config path. */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let node: z.ZodType = stackConfigSchema;
  for (const p of [...path, null]) {
    for (;;) {
      const def = node._zod.def as { type: string; innerType?: z.ZodType; element?: z.ZodType };
      if ((def.type === "default" || def.type === "optional") && def.innerType) node = def.innerType;
      else break;
    }
    if (p === null) break;
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(p)] ?? node;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** Parses raw config values (one entry per top-level key, already JSON-decoded). Throws ConfigError naming every bad key. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => `${keyPath([...path, k])} is not a known key; allowed: ${allowedKeysAt(path).join(", ")}`);
    }
    const got = valueAt(raw, path);
    const shown = got === undefined ? "missing" : JSON.stringify(got);
    const message = issue.code === "invalid_type" && got === undefined ? "is required" : issue.message;
    return [`${keyPath(path)} ${message} (got ${shown})`];
  });
  throw new ConfigError(problems);
}
