/**
 * Runs the pack's policies outside the engine, the way the engine would: `validateResource` on each resource's
 * inputs, `validateStack` on all of them with parents and property dependencies joined, config merged from the
 * policy's schema defaults and the stack's policy config, unknown values reported as not checkable.
 * The offline plan and the policy tests both use it.
 */
import type { EnforcementLevel, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy/policy";
import { UnknownValueError, unknownCheckingProxy } from "./engine-proxy";
import { type HybridPolicy, isStackPolicy } from "./policy";

export interface RunnerResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  /** What validateResource sees: the resource's inputs. */
  inputs: Record<string, unknown>;
  /** What validateStack sees: inputs and computed outputs. Defaults to the inputs. */
  state?: Record<string, unknown>;
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
  ignoreChanges?: string[];
}

export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Record<string, PolicyConfigEntry>;

export interface Verdict {
  policy: string;
  enforcementLevel: EnforcementLevel;
  severity: string;
  /** violation: the policy failed; not-checkable: a value it needs is unknown until the resource exists. */
  kind: "violation" | "not-checkable";
  urn?: string;
  message: string;
}

export interface RunOptions {
  config?: PackConfig;
  stackTags?: Record<string, string>;
  /** The pack's default level, as PolicyPackArgs.enforcementLevel. */
  packEnforcementLevel?: EnforcementLevel;
}

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "not applicable");
  }
}

type ClassWithToken = { __pulumiType?: string };

/** The policy's effective level and config: schema defaults, then the stack's entry. */
export function resolvePolicyConfig(p: HybridPolicy, entry: PolicyConfigEntry | undefined, packLevel: EnforcementLevel): { level: EnforcementLevel; config: Record<string, unknown> } {
  const defaults: Record<string, unknown> = {};
  for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
    if (schema && typeof schema === "object" && "default" in schema) defaults[k] = structuredClone((schema as { default: unknown }).default);
  }
  if (typeof entry === "string") return { level: entry, config: defaults };
  const { enforcementLevel, ...rest } = entry ?? {};
  return { level: enforcementLevel ?? p.enforcementLevel ?? packLevel, config: { ...defaults, ...rest } };
}

const DEFAULT_OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function buildStackResources(resources: RunnerResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const r of resources) {
    const state = r.state ?? r.inputs;
    byUrn.set(r.urn, {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unknownCheckingProxy(state),
      opts: { ...DEFAULT_OPTS, protect: r.protect ?? false, ignoreChanges: r.ignoreChanges ?? [], ...(r.parent ? { parent: r.parent } : {}) },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: ClassWithToken) => cls.__pulumiType === r.type,
      asType: (cls: ClassWithToken) => (cls.__pulumiType === r.type ? (state as never) : undefined),
    } as unknown as PolicyResource);
  }
  for (const r of resources) {
    const pr = byUrn.get(r.urn) as PolicyResource;
    if (r.parent) pr.parent = byUrn.get(r.parent);
    const deps = new Map<string, PolicyResource>();
    for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
      const found = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
      pr.propertyDependencies[prop] = found;
      for (const f of found) deps.set(f.urn, f);
    }
    pr.dependencies = [...deps.values()];
  }
  return [...byUrn.values()];
}

export async function runPolicies(policies: HybridPolicy[], resources: RunnerResource[], opts: RunOptions = {}): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  const stackTags = new Map(Object.entries(opts.stackTags ?? {}));
  const packLevel = opts.packEnforcementLevel ?? "mandatory";
  let stackResources: PolicyResource[] | undefined;

  for (const p of policies) {
    const { level, config } = resolvePolicyConfig(p, opts.config?.[p.name], packLevel);
    if (level === "disabled") continue;
    const push = (kind: Verdict["kind"], message: string, urn?: string) =>
      verdicts.push({ policy: p.name, enforcementLevel: kind === "not-checkable" ? "advisory" : level, severity: p.severity, kind, message, ...(urn ? { urn } : {}) });
    const guard = async (fn: () => void | Promise<void>, urn?: string) => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof UnknownValueError) push("not-checkable", `can't run policy '${p.name}' during preview: ${e.message}`, urn);
        else if (!(e instanceof NotApplicable)) throw e;
      }
    };
    const notApplicable = (reason?: string): never => {
      throw new NotApplicable(reason);
    };

    if (isStackPolicy(p)) {
      stackResources ??= buildStackResources(resources);
      const args: StackValidationArgs = { resources: stackResources, stackTags, getConfig: <T extends object>() => config as T, notApplicable };
      const report: ReportViolation = (message, urn) => push("violation", message, urn);
      await guard(() => p.validateStack(args, report));
      continue;
    }
    for (const r of resources) {
      const args: ResourceValidationArgs = {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: unknownCheckingProxy(r.inputs),
        opts: { ...DEFAULT_OPTS, protect: r.protect ?? false, ignoreChanges: r.ignoreChanges ?? [], ...(r.parent ? { parent: r.parent } : {}) },
        stackTags,
        isType: (cls: ClassWithToken) => cls.__pulumiType === r.type,
        asType: (cls: ClassWithToken) => (cls.__pulumiType === r.type ? (r.inputs as never) : undefined),
        getConfig: <T extends object>() => config as T,
        notApplicable,
      } as unknown as ResourceValidationArgs;
      const report: ReportViolation = (message) => push("violation", message, r.urn);
      await guard(() => p.validateResource(args, report), r.urn);
    }
  }
  return verdicts;
}
