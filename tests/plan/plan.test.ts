import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { planCli } from "../../plan/cli";
import { plan, REDACTED, type PlanResult } from "../../plan/plan";
import { allPolicies } from "../../policies/all";
import { ROOT } from "../helpers/paths";

const FIXTURES = path.join(ROOT, "tests/fixtures/plan");

/** A fresh module registry per plan, so the program registers its resources again. */
function loader(fixture?: string) {
  return async () => {
    vi.resetModules();
    if (fixture) await import(path.join(FIXTURES, "programs", `${fixture}.ts`));
    return import("../../infra/index");
  };
}

async function cli(argv: string[], root = ROOT, fixture?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await planCli(argv, { root, out: (s) => out.push(s), err: (s) => err.push(s), load: loader(fixture) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe.each(["staging", "prod"])("the offline plan of %s", (stack) => {
  let result: PlanResult;

  it("passes with no mandatory violation", async () => {
    result = await plan({ root: ROOT, stack, load: loader() });
    expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(result.summary).toMatchObject({ passed: true, mandatory: 0, policies: allPolicies.length, standInSecrets: ["hybrid-inference:apiKey"] });
  });

  it("lists resources with type, name, urn, parent and redacted secrets", () => {
    const lt = result.resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
    expect(lt?.urn).toMatch(new RegExp(`^urn:pulumi:${stack}::hybrid-inference::hybrid:aws:BurstPool\\$aws:ec2/launchTemplate:LaunchTemplate::`));
    expect(lt?.parent).toMatch(/hybrid:aws:BurstPool::/);
    expect(lt?.inputs.userData).toBe(REDACTED);
    expect(JSON.stringify(result)).not.toContain("offline-stand-in-for-hybrid-inference-apiKey");
    expect(JSON.stringify(result)).not.toContain("AWS_SECRET_ACCESS_KEY=");
  });

  it("estimates base and full-burst cost from the catalog, within the stack's budget", () => {
    expect(result.cost.unpriced).toEqual([]);
    expect(result.cost.monthly.base).toBeGreaterThan(0);
    expect(result.cost.monthly.full).toBeGreaterThan(result.cost.monthly.base);
    expect(result.cost.monthly.full).toBeLessThan(stack === "prod" ? 2500 : 300);
  });
});

describe("the offline plan catches bad changes with the right policy", () => {
  it.each([
    ["world-open-ssh", "bad", ["no-world-open-admin-ingress", "effective-ingress"]],
    ["on-demand-burst", "bad", ["burst-pools-are-spot"]],
    ["unencrypted-bucket", "bad", ["s3-bucket-hardening"]],
    ["missing-labels", "bad", ["required-labels"]],
    [undefined, "over-budget", ["stack-budget"]],
  ])("%s (stack %s)", async (fixture, stack, policies) => {
    const r = await plan({ root: FIXTURES, stack, load: loader(fixture) });
    const failing = [...new Set(r.violations.filter((v) => v.kind === "violation").map((v) => v.policy))].sort();
    for (const p of policies) expect(failing).toContain(p);
    if (stack === "over-budget") expect(failing).toEqual(expect.arrayContaining(["pool-worst-case-cost", "stack-budget"]));
  });

  it("gives mandatory violations exit code 1, with the verdicts in the JSON", async () => {
    const r = await cli(["--stack", "over-budget", "--output", "json"], FIXTURES);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as PlanResult;
    expect(doc.summary.passed).toBe(false);
    expect(doc.violations).toEqual(expect.arrayContaining([expect.objectContaining({ policy: "stack-budget", enforcementLevel: "mandatory" })]));
  });

  it("reports labels missing only as advisory on staging (prod is stricter)", async () => {
    const r = await plan({ root: FIXTURES, stack: "bad", load: loader("missing-labels") });
    expect(r.violations.filter((v) => v.policy === "required-labels").every((v) => v.enforcementLevel === "advisory")).toBe(true);
    expect(r.summary.passed).toBe(true);
  });
});

describe("plan command line", () => {
  it("prints a table with the components, the cost and the verdict, exit 0", async () => {
    const r = await cli(["--stack", "staging"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("hybrid:aws:BurstPool hybrid-inference-staging-aws-burst");
    expect(r.out).toMatch(/base \+ full burst/);
    expect(r.out).toMatch(/PASS: 0 mandatory/);
  });

  it.each([
    [["--stack", "nope"], /no stack file Pulumi\.nope\.yaml; known stacks: prod, staging/],
    [[], /--stack is required/],
    [["--stack", "staging", "--output", "xml"], /--output must be json or table/],
    [["--stack", "staging", "--verbose"], /Unknown option/],
  ])("exits 3 on a configuration error %j", async (argv, pattern) => {
    const r = await cli(argv);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(pattern);
  });

  it("exits 3 on an invalid stack config, naming the key", async () => {
    const r = await cli(["--stack", "bad-config"], FIXTURES);
    expect(r.code).toBe(3);
    expect(r.err).toContain('hybrid-inference:hetzner.serverType unknown hetzner instance type');
  });
});
