/**
 * The provider-rules layer of the offline plan: every registered resource is checked against what the real
 * providers and cloud APIs accept (names after autonaming, documented limits, cross-field and cross-resource
 * rules), so the plan fails wherever `pulumi preview` or `pulumi up` would. Policies are separate: they say what
 * this team wants; these rules say what the clouds allow.
 */
import type { CapturedResource } from "../mock-runtime";
import { awsRules } from "./aws";
import { fleetRules } from "./fleet";
import { gcpRules } from "./gcp";
import { hcloudRules } from "./hcloud";
import { nameRules } from "./names";
import { routerContractRules } from "./router-contracts";
import { get } from "./read";
import type { ProviderError, ProviderRule, RuleContext, RuleResource } from "./types";

export type { ProviderError, ProviderRule } from "./types";

export const providerRules: ProviderRule[] = [...nameRules, ...awsRules, ...gcpRules, ...hcloudRules, ...fleetRules, ...routerContractRules];

export const REDACTED = "[secret]";

export function toRuleResources(captured: CapturedResource[]): RuleResource[] {
  const byUrn = new Map<string, RuleResource>();
  for (const c of captured) {
    byUrn.set(c.urn, {
      urn: c.urn,
      type: c.type,
      name: c.name,
      ...(c.parent ? { parent: c.parent } : {}),
      inputs: c.inputs,
      state: c.state,
      secretKeys: c.secretKeys,
      deps: {},
      ...(c.autonamed ? { autonamed: c.autonamed } : {}),
    });
  }
  for (const c of captured) {
    const r = byUrn.get(c.urn) as RuleResource;
    for (const [k, urns] of Object.entries(c.propertyDependencies)) r.deps[k] = urns.map((u) => byUrn.get(u)).filter((x): x is RuleResource => x !== undefined);
  }
  return [...byUrn.values()];
}

function applies(rule: ProviderRule, type: string): boolean {
  return rule.types.includes("*") || rule.types.includes(type);
}

/** Runs every rule over the resources; the values of secret inputs are never copied into the result. */
export function checkProviderRules(captured: CapturedResource[], rules: ProviderRule[] = providerRules): ProviderError[] {
  const all = toRuleResources(captured.filter((c) => c.custom && !c.type.startsWith("pulumi:")));
  const byType = new Map<string, RuleResource[]>();
  for (const r of all) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  const ctx: RuleContext = { all, ofType: (t) => byType.get(t) ?? [] };
  const errors: ProviderError[] = [];
  for (const r of all) {
    for (const rule of rules) {
      if (!applies(rule, r.type)) continue;
      for (const f of rule.check(r, ctx)) {
        const top = f.field.split(".")[0] ?? "";
        const secret = r.secretKeys.includes(top);
        const value = f.value !== undefined ? f.value : get(r.inputs, f.field);
        errors.push({
          rule: rule.id,
          phase: f.phase ?? rule.phase,
          type: r.type,
          resource: r.name,
          urn: r.urn,
          field: f.field,
          value: secret && f.value === undefined ? REDACTED : value,
          message: f.message,
          source: f.source ?? rule.source,
        });
      }
    }
  }
  return errors;
}
