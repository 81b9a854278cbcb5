/**
 * Prod's invariants hold because prod's policy config says so, not because today's Pulumi.prod.yaml happens to:
 * the real program, run with prod's stack file weakened one setting at a time, must fail prod's policy config.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/all";
import { type PackConfig, runPolicies } from "../../policies/lib/runner";
import { runProgram } from "../helpers/fleet";
import { rawStackConfig } from "../helpers/config-fixture";
import { ROOT } from "../helpers/paths";

const policyConfig = (stack: string) => JSON.parse(readFileSync(path.join(ROOT, "policies/config", `${stack}.json`), "utf8")) as PackConfig;
const prod = rawStackConfig("prod") as Record<string, Record<string, unknown>>;
const weaken = (key: string, patch: Record<string, unknown>) => ({ [`hybrid-inference:${key}`]: { ...prod[key], ...patch } });

async function mandatoryFailures(stack: string, overrides: Record<string, unknown>, config: PackConfig): Promise<string[]> {
  const { resources } = await runProgram(stack, { overrides });
  const verdicts = await runPolicies(allPolicies, resources, { config });
  return [...new Set(verdicts.filter((v) => v.kind === "violation" && v.enforcementLevel === "mandatory").map((v) => v.policy))].sort();
}

describe("prod invariants come from prod's policy config", () => {
  it("the shipped prod stack passes its policy config", async () => {
    expect(await mandatoryFailures("prod", {}, policyConfig("prod"))).toEqual([]);
  });

  it.each([
    ["public AWS burst nodes", weaken("aws", { publicIp: true }), ["burst-nodes-private"]],
    ["public GCP burst nodes", weaken("gcp", { publicIp: true }), ["burst-nodes-private"]],
    ["unprotected buckets and keys", weaken("storage", { protect: false }), ["stateful-resources-protected"]],
    ["SSE-S3 instead of SSE-KMS", weaken("storage", { s3Encryption: "sse-s3" }), ["s3-bucket-hardening"]],
    ["no deletion protection on the AWS load balancer", weaken("aws", { deletionProtection: false }), ["lb-deletion-protection"]],
    ["no deletion protection on the Hetzner load balancer", weaken("hetzner", { deletionProtection: false }), ["lb-deletion-protection"]],
  ])("a prod stack file with %s fails", async (_, overrides, policies) => {
    expect(await mandatoryFailures("prod", overrides, policyConfig("prod"))).toEqual(policies);
  });

  it("staging's own choices (public nodes, no protection, SSE-S3) pass staging's config and fail prod's", async () => {
    expect(await mandatoryFailures("staging", {}, policyConfig("staging"))).toEqual([]);
    // (and staging's IPv6 admin network is not one of prod's SSH sources)
    expect(await mandatoryFailures("staging", {}, policyConfig("prod"))).toEqual(["burst-nodes-private", "lb-deletion-protection", "s3-bucket-hardening", "ssh-from-admin-cidrs-only", "stateful-resources-protected"]);
  });
});
