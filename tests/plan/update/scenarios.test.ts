/**
 * The update plan of the real program for the day-two changes the runbook names: each stack file edited as an
 * operator would, planned before and after at one epoch, and the verdict read as CI reads it.
 */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { plan, type PlanResult, readPolicyConfig } from "../../../plan/plan";
import { updatePlan, type UpdatePlan } from "../../../plan/update/update-plan";
import { ROOT } from "../../helpers/paths";

const EPOCH = new Date("2026-12-01T00:00:00Z");

/** A root holding Pulumi.yaml and the stack file with `edit` applied. */
function rootWith(stack: string, edit: (yaml: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "update-plan-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const yaml = readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
  const edited = edit(yaml);
  if (edited === yaml) throw new Error("the edit changed nothing");
  writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edited);
  return dir;
}

async function planOf(stack: string, root = ROOT, fixture?: string): Promise<PlanResult> {
  return plan({
    root, stack, epoch: EPOCH, policyConfig: readPolicyConfig(ROOT, stack),
    load: async () => {
      vi.resetModules();
      if (fixture) await import(path.join(ROOT, "tests/fixtures/plan/update", `${fixture}.ts`));
      return import("../../../infra/index");
    },
  });
}

const replace = (stack: string, from: RegExp, to: string) => (y: string) => y.replace(from, to);
const names = (u: UpdatePlan, action: string, type: string) => u.steps.filter((s) => s.action === action && s.type === type).map((s) => s.name).sort();
const changedOnly = (u: UpdatePlan) => u.steps.filter((s) => s.action !== "same").map((s) => `${s.action} ${s.name}`);
const servers = (u: UpdatePlan, role: string) => u.steps.filter((s) => s.type === "hcloud:index/server:Server" && s.name.includes(`-${role}-`));

describe("prod's day-two changes", () => {
  let base: PlanResult;
  const against = { kind: "file" as const, ref: "prod as committed" };
  beforeAll(async () => {
    base = await planOf("prod");
  });

  it("plans the same program twice to no change at all", async () => {
    const u = updatePlan(base, await planOf("prod"), against);
    expect(changedOnly(u)).toEqual([]);
    expect(u.summary.passed).toBe(true);
  });

  it("rolls a new model onto every base server, one at a time behind a gate, and the pools onto new templates", async () => {
    const u = updatePlan(base, await planOf("prod", rootWith("prod", replace("prod", /sha256: [0-9a-f]{64}/, `sha256: ${"ab".repeat(32)}`))), against);
    expect(u.summary).toMatchObject({ passed: true, mandatory: 0 });
    const base3 = servers(u, "base");
    expect(base3.map((s) => [s.name, s.action, s.deleteFirst, s.replaceReasons.map((r) => r.path)])).toEqual([0, 1, 2].map((i) => [`hybrid-inference-prod-base-${i}`, "replace", true, ["userData"]]));
    // Strictly one after the other: each waits for the gate of the one before.
    const orders = base3.map((s) => s.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    expect(new Set(orders).size).toBe(3);
    for (const s of base3.slice(1)) expect(s.after.some((a) => a.endsWith(`${base3[base3.indexOf(s) - 1]?.name}-ready`))).toBe(true);
    expect(servers(u, "router").every((s) => s.action === "same")).toBe(true);
    expect(names(u, "update", "aws:autoscaling/group:Group")).toHaveLength(1);
    expect(names(u, "update", "aws:ec2/launchTemplate:LaunchTemplate")).toHaveLength(1);
    expect(names(u, "replace", "gcp:compute/instanceTemplate:InstanceTemplate")).toHaveLength(1);
    expect(u.steps.filter((s) => s.action === "delete")).toEqual([]);
  });

  it("rotates the API key onto every node, router and pool without an outage (the new key beside the one being retired)", async () => {
    const rotated = (y: string) => `${y}\n  hybrid-inference:apiKey:\n    secure: v1:new-key-ciphertext\n  hybrid-inference:apiKeyPrevious:\n    secure: v1:old-key-ciphertext\n`;
    const u = updatePlan(base, await planOf("prod", rootWith("prod", rotated)), against);
    expect(u.summary).toMatchObject({ passed: true, mandatory: 0 });
    expect(servers(u, "base").every((s) => s.action === "replace")).toBe(true);
    expect(servers(u, "router").map((s) => [s.action, s.deleteFirst])).toEqual([["replace", true], ["replace", true]]);
    const [r0, r1] = servers(u, "router");
    expect(r1?.after.some((a) => a.endsWith(`${r0?.name}-ready`))).toBe(true);
    expect(names(u, "update", "aws:autoscaling/group:Group")).toHaveLength(1);
    expect(names(u, "update", "aws:ssm/parameter:Parameter")).toHaveLength(1);
    expect(names(u, "replace", "gcp:compute/instanceTemplate:InstanceTemplate")).toHaveLength(1);
    expect(u.findings).toEqual([]);
  });

  it("replaces the routers one at a time, keeping their addresses, for a router config change", async () => {
    const u = updatePlan(base, await planOf("prod", rootWith("prod", (y) => y.replace(/(hybrid-inference:router:\n)/, "$1    queueTimeoutSeconds: 45\n"))), against);
    expect(u.summary).toMatchObject({ passed: true, mandatory: 0 });
    expect(servers(u, "router").map((s) => s.action)).toEqual(["replace", "replace"]);
    expect(servers(u, "base").every((s) => s.action === "same")).toBe(true);
    expect(u.steps.filter((s) => s.type === "hcloud:index/primaryIp:PrimaryIp" && s.action !== "same")).toEqual([]);
  });

  it("replaces base servers for a server type change (not a resize that leaves them off), one at a time", async () => {
    const u = updatePlan(base, await planOf("prod", rootWith("prod", (y) => y.replace(/serverType: ccx33/, "serverType: ccx43"))), against);
    expect(u.summary).toMatchObject({ passed: true, mandatory: 0 });
    // The launch spec follows the type too (threads, slots), so the user data changes with it.
    expect(servers(u, "base").map((s) => [s.action, s.replaceReasons.map((r) => `${r.path} ${r.kind}`)])).toEqual([0, 1, 2].map(() => ["replace", expect.arrayContaining(["serverType replaceOnChanges"])]));
    expect(new Set(servers(u, "base").map((s) => s.order)).size).toBe(3);
  });

  it("fails a bucket rename: the stack would move to an empty bucket, and prod protects it", async () => {
    const u = updatePlan(base, await planOf("prod", ROOT, "bucket-renamed"), against);
    expect(u.summary.passed).toBe(false);
    expect(u.findings.map((f) => `${f.level} ${f.rule}`)).toEqual(expect.arrayContaining(["mandatory replace-refused", "mandatory data-loss"]));
    expect(u.findings.find((f) => f.rule === "data-loss")?.message).toMatch(/checkpoints is replaced \(replaced: bucket\)/);
  });

  it("fails a rollout without the gates: every base server out at once", async () => {
    const roll = rootWith("prod", replace("prod", /sha256: [0-9a-f]{64}/, `sha256: ${"cd".repeat(32)}`));
    const u = updatePlan(base, await planOf("prod", roll, "gates-removed"), against);
    expect(u.findings.map((f) => `${f.level} ${f.rule}`)).toContain("mandatory outage");
  });

  it("fails routers replaced create-first: their primary IPs are still assigned", async () => {
    const u = updatePlan(base, await planOf("prod", rootWith("prod", (y) => y.replace(/(hybrid-inference:router:\n)/, "$1    queueTimeoutSeconds: 45\n")), "routers-create-first"), against);
    expect(u.findings.filter((f) => f.rule === "replace-refused").map((f) => f.message).join("\n")).toMatch(/router-0 is replaced create-first with the primary IPv4/);
  });
});

describe("staging's model roll", () => {
  it("is an outage on its one base node, which the operator must accept", async () => {
    const before = await planOf("staging");
    const after = await planOf("staging", rootWith("staging", replace("staging", /sha256: [0-9a-f]{64}/, `sha256: ${"ef".repeat(32)}`)));
    const u = updatePlan(before, after, { kind: "file", ref: "staging" });
    expect(u.findings.map((f) => `${f.level} ${f.rule}`)).toEqual(["mandatory outage"]);
    expect(u.summary.passed).toBe(false);
    const accepted = updatePlan(before, after, { kind: "file", ref: "staging" }, ["outage"]);
    expect(accepted.summary).toMatchObject({ passed: true, mandatory: 0, accepted: 1 });
  });
});
