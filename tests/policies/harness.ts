/**
 * A small harness over policies/lib/runner.ts, which mirrors the engine's ResourceValidationArgs and
 * StackValidationArgs (getConfig with schema defaults, notApplicable, stackTags, property dependencies,
 * the unknown-checking proxy).
 */
import { UNKNOWN } from "../../policies/lib/engine-proxy";
import type { HybridPolicy } from "../../policies/lib/policy";
import { type PackConfig, type RunnerResource, runPolicies, type Verdict } from "../../policies/lib/runner";

export { UNKNOWN };

export const urnOf = (type: string, name: string) => `urn:pulumi:test::hybrid-inference::${type}::${name}`;

export interface ResOptions {
  /** Property name to the resources its value came from. */
  deps?: Record<string, RunnerResource[]>;
  parent?: RunnerResource;
  state?: Record<string, unknown>;
}

export function res(type: string, name: string, inputs: Record<string, unknown>, o: ResOptions = {}): RunnerResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    inputs,
    ...(o.state ? { state: o.state } : {}),
    ...(o.parent ? { parent: o.parent.urn } : {}),
    propertyDependencies: Object.fromEntries(Object.entries(o.deps ?? {}).map(([k, v]) => [k, v.map((r) => r.urn)])),
  };
}

export async function check(policy: HybridPolicy, resources: RunnerResource | RunnerResource[], config?: PackConfig[string], stackTags?: Record<string, string>): Promise<Verdict[]> {
  const list = Array.isArray(resources) ? resources : [resources];
  return runPolicies([policy], list, { ...(config !== undefined ? { config: { [policy.name]: config } } : {}), ...(stackTags ? { stackTags } : {}) });
}

export const messages = (vs: Verdict[]) => vs.filter((v) => v.kind === "violation").map((v) => v.message);
