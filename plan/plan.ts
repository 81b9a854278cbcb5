/**
 * The offline plan: the real program under the mock runtime with a stack's config, then every policy of the pack
 * over what it registered, and a cost estimate from the catalog. No cloud credentials and no Pulumi CLI needed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policies/all";
import { type CostEstimate, type CostResource, estimateCost } from "../policies/lib/cost";
import { type PackConfig, runPolicies, type Verdict } from "../policies/lib/runner";
import { CONFIG_NAMESPACE, ConfigError } from "../infra/config";
import { readStackConfig } from "../infra/stack-config";
import * as pulumi from "@pulumi/pulumi";
import { type CapturedResource, ROOT_STACK_TYPE, startMockRuntime } from "./mock-runtime";
import { checkProviderRules, type ProviderError, REDACTED } from "./provider-rules";
import { readStackFile } from "./stack-file";
import { dayEpoch } from "./mock-tls";

export { REDACTED };
const PROGRAM = path.resolve(__dirname, "..", "infra", "index.ts");

export interface PlanResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** Secret inputs as "[secret sha256:<8 hex>]": a change shows, the value never does (offline, secrets are stand-ins). */
  inputs: Record<string, unknown>;
  /** Every resource it depends on (its inputs' sources and dependsOn). */
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  options: { protect: boolean; deleteBeforeReplace: boolean; retainOnDelete: boolean; ignoreChanges: string[]; replaceOnChanges: string[] };
  /** The input the provider named the resource through when the program did not (autonaming). */
  autonamed?: string;
}

export interface PlanResult {
  stack: string;
  /** The run's "now" (certificate validity): an update plan runs both sides at one epoch. */
  epoch: string;
  resources: PlanResource[];
  cost: CostEstimate;
  /** Where the real providers would refuse the stack (`pulumi preview` or `pulumi up` would fail). */
  providerErrors: ProviderError[];
  violations: Verdict[];
  summary: {
    resources: number;
    /** Provider-rule failures; any one fails the plan. */
    providerErrors: number;
    policies: number;
    mandatory: number;
    advisory: number;
    notCheckable: number;
    standInSecrets: string[];
    passed: boolean;
    durationMs: number;
  };
}

export class PlanConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanConfigError";
  }
}

export function policyConfigPath(root: string, stack: string): string {
  return path.join(root, "policies", "config", `${stack}.json`);
}

export function readPolicyConfig(root: string, stack: string): PackConfig {
  const file = policyConfigPath(root, stack);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackConfig;
  } catch (e) {
    throw new PlanConfigError(`${path.relative(root, file)} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A secret's stand-in for the plan's JSON: its digest, so the update plan sees a rotation without the value. */
export function secretDigest(v: unknown): string {
  return `[secret sha256:${createHash("sha256").update(JSON.stringify(v) ?? "").digest("hex").slice(0, 8)}]`;
}

export function redact(r: CapturedResource): PlanResource {
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.inputs)) inputs[k] = r.secretKeys.includes(k) ? secretDigest(v) : v;
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    ...(r.parent ? { parent: r.parent } : {}),
    inputs,
    dependencies: [...new Set([...(r.dependencies ?? []), ...Object.values(r.propertyDependencies).flat()])],
    propertyDependencies: r.propertyDependencies,
    options: { protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace ?? false, retainOnDelete: r.retainOnDelete, ignoreChanges: r.ignoreChanges, replaceOnChanges: r.replaceOnChanges },
    ...(r.autonamed ? { autonamed: r.autonamed.field } : {}),
  };
}

function costResources(captured: CapturedResource[]): CostResource[] {
  const byUrn = new Map<string, CostResource>();
  for (const r of captured) byUrn.set(r.urn, { urn: r.urn, type: r.type, name: r.name, props: r.state, propertyDependencies: {} });
  for (const r of captured) {
    const cr = byUrn.get(r.urn) as CostResource;
    for (const [k, urns] of Object.entries(r.propertyDependencies)) cr.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is CostResource => !!x);
  }
  return [...byUrn.values()];
}

export interface PlanOptions {
  root: string;
  stack: string;
  /** Loads the program (default: imports infra/index.ts). Tests pass fixture programs and fresh module registries. */
  load?: () => Promise<unknown>;
  /** Replaces the policy config for the stack. */
  policyConfig?: PackConfig;
  /** The stack name the program sees (default: `stack`), for programs planned under another stack's config. */
  stackName?: string;
  /** The run's "now" (default: the start of the current UTC day). */
  epoch?: Date;
}

export interface StackRunOptions {
  root: string;
  stack: string;
  /** Loads the program (default: imports infra/index.ts). Tests pass fixture programs and fresh module registries. */
  load?: () => Promise<unknown>;
  /** The stack name the program sees (default: `stack`). */
  stackName?: string;
  /** Values for secret config keys ("ns:key") in place of offline stand-ins (the local fleet's own API key). */
  secrets?: Record<string, string>;
  epoch?: Date;
}

export interface StackRun {
  /** Every resource the program registered, secrets unwrapped (never print these inputs as they are). */
  captured: CapturedResource[];
  /** Secret keys that got offline stand-in values. */
  standIns: string[];
}

/** Runs the real program for a stack under the mock runtime and returns what it registered. */
export async function runStackProgram(o: StackRunOptions): Promise<StackRun> {
  let file;
  try {
    file = readStackFile(o.root, o.stack, [`${CONFIG_NAMESPACE}:apiKey`]);
  } catch (e) {
    throw new PlanConfigError((e as Error).message);
  }
  const config = { ...file.config, ...(o.secrets ?? {}) };
  const secretKeys = [...new Set([...file.secretKeys, ...Object.keys(o.secrets ?? {})])];
  const standIns = file.standIns.filter((k) => !(k in (o.secrets ?? {})));
  const runtime = await startMockRuntime({ project: "hybrid-inference", stack: o.stackName ?? o.stack, config, secretKeys, ...(o.epoch ? { epoch: o.epoch } : {}) });
  try {
    // Config errors surface here, before the root stack or any resource exists.
    readStackConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new PlanConfigError(e.message);
    throw e;
  }
  try {
    // Like the engine: the program runs inside the root stack resource, so stack transformations apply.
    const load = o.load ?? (() => import(PROGRAM));
    await pulumi.runtime.runInPulumiStack(async () => ({ ...((await load()) as Record<string, unknown>) }));
  } catch (e) {
    // Compared by name: a fresh module registry (tests) has its own ConfigError class.
    if (e instanceof Error && e.name === ConfigError.name) throw new PlanConfigError(e.message);
    throw e;
  }
  const captured = (await runtime.settle()).filter((r) => r.type !== ROOT_STACK_TYPE);
  return { captured, standIns };
}

export async function plan(o: PlanOptions): Promise<PlanResult> {
  const started = performance.now();
  const epoch = o.epoch ?? dayEpoch();
  const policyConfig = o.policyConfig ?? readPolicyConfig(o.root, o.stack);
  const { captured, standIns } = await runStackProgram({ root: o.root, stack: o.stack, ...(o.load ? { load: o.load } : {}), ...(o.stackName ? { stackName: o.stackName } : {}), epoch });
  const providerErrors = checkProviderRules(captured);
  const violations = await runPolicies(allPolicies, captured, { config: policyConfig, stackTags: {} });
  const cost = estimateCost(costResources(captured));
  const mandatory = violations.filter((v) => v.kind === "violation" && v.enforcementLevel === "mandatory").length;
  return {
    stack: o.stack,
    epoch: epoch.toISOString(),
    resources: captured.map(redact),
    cost,
    providerErrors,
    violations,
    summary: {
      resources: captured.filter((r) => !r.type.startsWith("pulumi:providers:")).length,
      providerErrors: providerErrors.length,
      policies: allPolicies.length,
      mandatory,
      advisory: violations.filter((v) => v.kind === "violation" && v.enforcementLevel === "advisory").length,
      notCheckable: violations.filter((v) => v.kind === "not-checkable").length,
      standInSecrets: standIns,
      passed: mandatory === 0 && providerErrors.length === 0,
      durationMs: Math.round(performance.now() - started),
    },
  };
}
