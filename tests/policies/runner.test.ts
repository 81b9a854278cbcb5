import { describe, expect, it } from "vitest";
import type { HybridPolicy, ResourcePolicy, StackPolicy } from "../../policies/lib/policy";
import { runPolicies } from "../../policies/lib/runner";
import { res, UNKNOWN } from "./harness";

const probe = (seen: unknown[]): ResourcePolicy => ({
  name: "probe",
  description: "records what the engine-like args carry",
  severity: "low",
  enforcementLevel: "advisory",
  anchor: "test",
  remediationSteps: "none needed",
  configSchema: { properties: { limit: { type: "number", default: 3 }, names: { type: "array", default: ["a"] } } },
  validateResource: (args, report) => {
    if (args.type === "skip:me") args.notApplicable("skipped");
    seen.push({ config: args.getConfig(), tag: args.stackTags.get("team"), name: args.name, parent: args.opts.parent });
    report(`saw ${args.name}`);
  },
});

describe("the policy runner (engine mirror)", () => {
  it("merges schema defaults with the stack's config and passes stackTags and options", async () => {
    const seen: unknown[] = [];
    const parent = res("hybrid:aws:BurstPool", "pool", {});
    const v = await runPolicies([probe(seen)], [res("x:y:Z", "one", {}, { parent })], { config: { probe: { enforcementLevel: "mandatory", limit: 9 } }, stackTags: { team: "platform" } });
    expect(seen).toEqual([{ config: { limit: 9, names: ["a"] }, tag: "platform", name: "one", parent: parent.urn }]);
    expect(v).toEqual([expect.objectContaining({ policy: "probe", enforcementLevel: "mandatory", kind: "violation", message: "saw one" })]);
  });

  it("takes a bare level string, falls back to the policy's own level, and skips disabled policies", async () => {
    expect((await runPolicies([probe([])], [res("x:y:Z", "a", {})], { config: { probe: "mandatory" } }))[0]?.enforcementLevel).toBe("mandatory");
    expect((await runPolicies([probe([])], [res("x:y:Z", "a", {})]))[0]?.enforcementLevel).toBe("advisory");
    expect(await runPolicies([probe([])], [res("x:y:Z", "a", {})], { config: { probe: "disabled" } })).toEqual([]);
  });

  it("treats notApplicable as no verdict", async () => {
    expect(await runPolicies([probe([])], [res("skip:me", "a", {})])).toEqual([]);
  });

  it("reports a read of an unknown value as not checkable, at advisory level, for resource and stack policies", async () => {
    const reader: StackPolicy = {
      name: "reader", description: "reads a prop of every resource in the stack", severity: "low", enforcementLevel: "mandatory", anchor: "test", remediationSteps: "none needed",
      validateStack: (args) => {
        for (const r of args.resources) if (r.props.size === 0) throw new Error("unreachable");
      },
    };
    const v = await runPolicies([reader as HybridPolicy], [res("x:y:Z", "a", { size: UNKNOWN.number })]);
    expect(v).toEqual([expect.objectContaining({ kind: "not-checkable", enforcementLevel: "advisory", message: expect.stringContaining("can't be known during preview") })]);
  });

  it("joins property dependencies and parents for stack policies", async () => {
    let joined: string[] = [];
    const joiner: StackPolicy = {
      name: "joiner", description: "joins rules to their groups for the test", severity: "low", enforcementLevel: "advisory", anchor: "test", remediationSteps: "none needed",
      validateStack: (args) => {
        joined = args.resources.flatMap((r) => (r.propertyDependencies.securityGroupId ?? []).map((d) => `${r.name}->${d.name} (parent ${r.parent?.name ?? "-"})`));
      },
    };
    const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {});
    await runPolicies([joiner], [sg, res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "rule", {}, { deps: { securityGroupId: [sg] }, parent: sg })]);
    expect(joined).toEqual(["rule->sg (parent sg)"]);
  });
});
