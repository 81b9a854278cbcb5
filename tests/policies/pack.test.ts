import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readLabelSupport } from "../../plan/label-support";
import { allPolicies } from "../../policies/all";
import { COVERAGE } from "../../policies/coverage";
import { renderPolicyDocs } from "../../policies/lib/docs";
import { isStackPolicy } from "../../policies/lib/policy";
import { type PackConfig, resolvePolicyConfig } from "../../policies/lib/runner";
import { ROOT } from "../helpers/paths";

const readJson = <T>(rel: string) => JSON.parse(readFileSync(path.join(ROOT, rel), "utf8")) as T;
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];
const rank = (l: string) => ({ disabled: 0, advisory: 1, mandatory: 2, remediate: 2 })[l] ?? -1;

describe("the policy pack", () => {
  it("gives every policy a unique name, a description, a severity, remediation steps and an anchor", () => {
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of allPolicies) {
      expect(p.name).toMatch(/^[a-z0-9-]+$/);
      expect(p.description.length, p.name).toBeGreaterThan(30);
      expect(["low", "medium", "high", "critical"]).toContain(p.severity);
      expect(p.remediationSteps.length, p.name).toBeGreaterThan(20);
      expect(p.anchor.length, p.name).toBeGreaterThan(5);
      expect(LEVELS).toContain(p.enforcementLevel);
    }
  });

  it("has resource and stack policies, the latter for rules that span resources", () => {
    const stack = allPolicies.filter(isStackPolicy).map((p) => p.name).sort();
    expect(stack).toEqual([
      "aws-vpc-baseline", "burst-endpoints-not-world-open", "burst-nodes-private", "burst-scales-from-zero", "effective-ingress", "gcs-data-access-logged", "hetzner-server-firewall", "iam-user-keys-pinned",
      "no-market-options-in-mixed-template", "pool-worst-case-cost", "s3-bucket-hardening", "stack-budget", "tls-on-public-listeners",
    ]);
  });

  it("builds the PolicyPack only in index.ts, from the shared list", () => {
    const index = readFileSync(path.join(ROOT, "policies/index.ts"), "utf8");
    expect(index).toMatch(/new PolicyPack\(PACK_NAME, \{[\s\S]*policies: allPolicies/);
    for (const f of ["ssh", "labels", "spot", "cost", "storage", "compute", "iam", "network", "encryption", "resilience", "tls", "scaling", "all"]) {
      expect(readFileSync(path.join(ROOT, `policies/${f}.ts`), "utf8")).not.toContain("new PolicyPack");
    }
  });

  it("is a real pack: PulumiPolicy.yaml and a versioned package.json with the policy SDK", () => {
    expect(readFileSync(path.join(ROOT, "policies/PulumiPolicy.yaml"), "utf8")).toMatch(/runtime:\s*\n\s*name: nodejs/);
    const pkg = readJson<{ version: string; dependencies: Record<string, string> }>("policies/package.json");
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["@pulumi/policy", "@pulumi/pulumi"]));
  });

  it.each(["staging", "prod"])("has a policy config for %s naming only real policies, with valid levels and config keys", (stack) => {
    const cfg = readJson<PackConfig>(`policies/config/${stack}.json`);
    for (const [name, entry] of Object.entries(cfg)) {
      const policy = allPolicies.find((p) => p.name === name);
      expect(policy, name).toBeDefined();
      const level = typeof entry === "string" ? entry : entry.enforcementLevel;
      if (level) expect(LEVELS).toContain(level);
      if (typeof entry === "object") {
        const known = Object.keys(policy?.configSchema?.properties ?? {});
        for (const k of Object.keys(entry).filter((k) => k !== "enforcementLevel")) expect(known, `${name}.${k}`).toContain(k);
      }
    }
    expect(resolvePolicyConfig(allPolicies.find((p) => p.name === "stack-budget")!, cfg["stack-budget"], "mandatory").config.monthlyBudgetUsd).toBeGreaterThan(0);
  });

  it("is stricter on prod than on staging for every policy, and strictly so for some", () => {
    const staging = readJson<PackConfig>("policies/config/staging.json");
    const prod = readJson<PackConfig>("policies/config/prod.json");
    let stricter = 0;
    for (const p of allPolicies) {
      const s = resolvePolicyConfig(p, staging[p.name], "mandatory").level;
      const q = resolvePolicyConfig(p, prod[p.name], "mandatory").level;
      expect(rank(q), p.name).toBeGreaterThanOrEqual(rank(s));
      if (rank(q) > rank(s)) stricter++;
    }
    expect(stricter).toBeGreaterThan(0);
  });

  it("mirrors each stack's admin CIDRs in its SSH policy config", () => {
    for (const stack of ["staging", "prod"]) {
      const yaml = readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
      const cfg = readJson<PackConfig>(`policies/config/${stack}.json`)["ssh-from-admin-cidrs-only"] as { allowedCidrs: string[] };
      for (const cidr of cfg.allowedCidrs) expect(yaml).toContain(`- ${cidr}`);
    }
  });

  it("documents every policy with its anchor and level per stack in docs/policies.md (generated, not stale)", () => {
    const doc = readFileSync(path.join(ROOT, "docs/policies.md"), "utf8");
    const configs = { staging: readJson<PackConfig>("policies/config/staging.json"), prod: readJson<PackConfig>("policies/config/prod.json") };
    expect(doc).toBe(renderPolicyDocs(allPolicies, configs));
    for (const p of allPolicies) expect(doc).toContain(`| \`${p.name}\` |`);
  });

  it("maps peer-scanner checks only to policies that exist, each check once, each with a policy or a reason", () => {
    const names = new Set(allPolicies.map((p) => p.name));
    const seen = new Set<string>();
    for (const c of COVERAGE) {
      for (const p of c.policies ?? []) expect(names, `${c.ids.join(",")} names ${p}`).toContain(p);
      expect((c.policies?.length ?? 0) > 0 || (c.reason?.length ?? 0) > 20, c.ids.join(",")).toBe(true);
      for (const id of c.ids) {
        expect(seen.has(`${c.scanner}:${id}`), `${c.scanner} ${id} listed twice`).toBe(false);
        seen.add(`${c.scanner}:${id}`);
        expect(id).toMatch(c.scanner === "checkov" ? /^CKV2?_(AWS|GCP)_\d+$/ : c.scanner === "trivy" ? /^(AWS|GCP)-\d{4}$/ : /^FG_R\d{5}$/);
      }
    }
    expect(seen.size).toBeGreaterThan(200);
  });

  it("renders the coverage map into docs/policies.md", () => {
    const doc = readFileSync(path.join(ROOT, "docs/policies.md"), "utf8");
    expect(doc).toContain("## Coverage of the peer scanners");
    for (const c of COVERAGE) expect(doc).toContain(`| ${c.ids.join(", ")} |`);
  });

  it("keeps the label-support list in step with the installed provider SDKs", () => {
    const committed = readJson<ReturnType<typeof readLabelSupport>>("policies/generated/label-support.json");
    expect(readLabelSupport(path.join(ROOT, "node_modules"))).toEqual(committed);
  });
});
