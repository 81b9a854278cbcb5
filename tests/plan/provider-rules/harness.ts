/** Builds captured resources the way the mock runtime records them, and runs one provider rule over them. */
import type { CapturedResource } from "../../../plan/mock-runtime";
import { checkProviderRules, type ProviderError, type ProviderRule } from "../../../plan/provider-rules";
import { checkedInputs } from "../../../plan/provider-rules/autonaming";

export interface ResOptions {
  deps?: Record<string, CapturedResource[]>;
  secretKeys?: string[];
}

/** The dependencies each built resource was given, so a rule also sees them. */
const depsOf = new WeakMap<CapturedResource, CapturedResource[]>();

/** A custom resource as the provider's Check leaves it: autonamed like the real provider when no name is set. */
export function res(type: string, name: string, inputs: Record<string, unknown> = {}, o: ResOptions = {}): CapturedResource {
  const { inputs: checked, autonamed } = checkedInputs(type, name, inputs);
  const r: CapturedResource = {
    urn: `urn:pulumi:test::hybrid-inference::${type}::${name}`,
    type,
    name,
    custom: true,
    inputs: checked,
    secretKeys: o.secretKeys ?? [],
    protect: false,
    retainOnDelete: false,
    replaceOnChanges: [],
    ignoreChanges: [],
    deleteBeforeReplace: false,
    dependencies: Object.values(o.deps ?? {}).flat().map((r) => r.urn),
    propertyDependencies: Object.fromEntries(Object.entries(o.deps ?? {}).map(([k, rs]) => [k, rs.map((r) => r.urn)])),
    state: checked,
    ...(autonamed ? { autonamed } : {}),
  };
  depsOf.set(r, Object.values(o.deps ?? {}).flat());
  return r;
}

/** The given resources and, transitively, the resources their inputs came from. */
function withDependencies(given: CapturedResource[]): CapturedResource[] {
  const out = new Map<string, CapturedResource>();
  const visit = (r: CapturedResource) => {
    if (out.has(r.urn)) return;
    out.set(r.urn, r);
    (depsOf.get(r) ?? []).forEach(visit);
  };
  given.forEach(visit);
  return [...out.values()];
}

export function run(rule: ProviderRule, resources: CapturedResource | CapturedResource[]): ProviderError[] {
  return checkProviderRules(withDependencies(Array.isArray(resources) ? resources : [resources]), [rule]);
}

/** The messages a rule reports, for compact assertions. */
export function problems(rule: ProviderRule, resources: CapturedResource | CapturedResource[]): string[] {
  return run(rule, resources).map((e) => e.message);
}
