/**
 * Names and labels: one convention, `<project>-<stack>-<component>`, and the required label set,
 * rendered once per cloud's rules (hcloud labels, GCP labels, AWS tags).
 */

export interface LabelContext {
  project: string;
  stack: string;
  owner: string;
  costCenter: string;
}

/** Keys every labelled resource carries. `environment` mirrors `stack` for tools that expect it. */
export const REQUIRED_LABEL_KEYS = ["project", "stack", "environment", "component", "owner", "cost-center", "managed-by"] as const;
export type RequiredLabelKey = (typeof REQUIRED_LABEL_KEYS)[number];

export function resourceName(ctx: Pick<LabelContext, "project" | "stack">, component: string, ...parts: string[]): string {
  return [ctx.project, ctx.stack, component, ...parts].filter((p) => p.length > 0).join("-");
}

export function baseLabels(ctx: LabelContext, component: string): Record<RequiredLabelKey, string> {
  return {
    project: ctx.project,
    stack: ctx.stack,
    environment: ctx.stack,
    component,
    owner: ctx.owner,
    "cost-center": ctx.costCenter,
    "managed-by": "pulumi",
  };
}

// GCP: keys start with a lowercase letter; keys and values use [a-z0-9_-], up to 63 characters.
const GCP_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const GCP_VALUE = /^[a-z0-9_-]{0,63}$/;
// hcloud: Kubernetes-style. Key: optional DNS prefix + '/' + name of up to 63 characters; value up to 63, alnum at both ends.
const HCLOUD_NAME = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)$/;
const HCLOUD_VALUE = /^(([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?)$/;
// AWS: key up to 128, value up to 256 Unicode characters; letters, digits, spaces and _.:/=+-@; no aws: prefix.
const AWS_KEY = /^(?!aws:)[\p{L}\p{N}\s_.:/=+\-@]{1,128}$/u;
const AWS_VALUE = /^[\p{L}\p{N}\s_.:/=+\-@]{0,256}$/u;

export function isValidGcpLabel(key: string, value: string): boolean {
  return GCP_KEY.test(key) && GCP_VALUE.test(value);
}

export function isValidHcloudLabel(key: string, value: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : "";
  const prefixOk = prefix === "" || (prefix.length <= 253 && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(prefix));
  return prefixOk && HCLOUD_NAME.test(name) && HCLOUD_VALUE.test(value);
}

export function isValidAwsTag(key: string, value: string): boolean {
  return AWS_KEY.test(key) && AWS_VALUE.test(value);
}

/** Lowercases and replaces what GCP does not allow, then trims to 63 characters. */
export function toGcpLabelValue(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63);
}

function toHcloudLabelValue(v: string): string {
  const cleaned = v.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}

export function gcpLabels(ctx: LabelContext, component: string, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...baseLabels(ctx, component), ...extra })) {
    const key = k.toLowerCase().replace(/[^a-z0-9_-]/g, "_").replace(/^[^a-z]+/, "").slice(0, 63);
    out[key] = toGcpLabelValue(v);
  }
  return out;
}

export function hcloudLabels(ctx: LabelContext, component: string, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...baseLabels(ctx, component), ...extra })) out[k] = toHcloudLabelValue(v);
  return out;
}

export function awsTags(ctx: LabelContext, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Name: resourceName(ctx, component), ...baseLabels(ctx, component), ...extra };
}

/** AWS Auto Scaling group tags: every tag propagates at launch to instances (and through the template, to volumes). */
export function asgTags(tags: Record<string, string>): { key: string; value: string; propagateAtLaunch: boolean }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true }));
}

/**
 * Logical names for AWS load balancers and target groups. Both are autonamed "<logical>-<7 hex>" and must fit 32
 * characters (elbv2 validName; pulumi-aws autonames target groups with a 32-character maximum and fails, never
 * truncates, above it), so the logical name is at most 24: "hi-<stack>-<role>". Stack names are at most 12
 * lowercase characters (MAX_STACK_NAME_LENGTH in stack-config.ts), so a short role always fits.
 */
export const AWS_LB_LOGICAL_MAX = 24;

export function awsLbLogicalName(ctx: Pick<LabelContext, "stack">, role: string): string {
  const name = `hi-${ctx.stack}-${role}`;
  if (name.length > AWS_LB_LOGICAL_MAX || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(name)) {
    throw new Error(`load balancer name "${name}" must be at most ${AWS_LB_LOGICAL_MAX} letters, digits and hyphens (the provider adds 8 characters within AWS's 32)`);
  }
  return name;
}

/** GCP resource names: lowercase letters, digits and hyphens, 63 characters, starting with a letter. */
export function gcpName(name: string, maxLength = 63): string {
  const n = name.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-");
  return n.slice(0, maxLength).replace(/-+$/, "");
}

/** GCP service account ids: 6-30 characters, lowercase, starting with a letter. */
export function gcpAccountId(ctx: Pick<LabelContext, "stack">, role: string): string {
  return gcpName(`hi-${ctx.stack}-${role}`, 30);
}

/**
 * The DNS name a burst pool's certificate is issued to, which the routers send as SNI and verify. HAProxy's
 * verifyhost compares a certificate's DNS names and CN, never its IP addresses, so a pool reached by address (GCP's
 * global IP) still needs a name. Under `.internal`, which ICANN keeps for private use: nothing resolves it, the routers
 * connect to the pool's address and only verify the name.
 */
export function burstTlsName(ctx: Pick<LabelContext, "project" | "stack">, pool: string): string {
  const name = `${pool}.burst.${ctx.stack}.${ctx.project}.internal`.toLowerCase();
  const labels = name.split(".");
  if (name.length > 253 || labels.some((l) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) {
    throw new Error(`burst TLS name "${name}" is not a valid DNS name (labels of 1-63 letters, digits and inner hyphens, 253 characters in all)`);
  }
  return name;
}
