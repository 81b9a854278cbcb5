/**
 * What the cloud smoke would bring up, proven offline: its inline program under the mock runtime with the
 * policy pack, one node of the chosen cloud, the test model in the stack's bucket. Plus the prerequisite
 * check and the command line's exit 2 on a machine without the CLI or credentials.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { checkStackName } from "../../infra/stack-config";
import { plan, type PlanResource, type PlanResult } from "../../plan/plan";
import { modelKey } from "../../infra/storage/layout";
import { ensureTestModel } from "../../local/toolchain/test-model";
import { runScript } from "../helpers/cli";
import { ROOT } from "../helpers/paths";
import { resultsValidator } from "../helpers/results-schema";
import { missingPrerequisites } from "../suites/cloud/preflight";
import { baseConfig, estimate, type SmokeCloud, smokeConfig, smokeStackName } from "../suites/cloud/smoke-config";
import type { ResultsDocument } from "../suites/results";

async function planSmoke(cloud: SmokeCloud) {
  const model = await ensureTestModel();
  const stackName = smokeStackName(cloud, "c0ffee");
  const cfg = smokeConfig(baseConfig(ROOT), cloud, model, { stackName, clientCidr: "198.51.100.7/32" });
  const result = await plan({
    root: ROOT,
    stack: "staging",
    // The stack file gives the base config; the smoke's own stack name is what its physical names carry.
    stackName,
    load: async () => {
      vi.resetModules();
      const { smokeProgram } = await import("../suites/cloud/automation");
      return smokeProgram(cfg, cloud, model, "k")();
    },
  });
  return { result, model, cfg };
}

const ofType = (r: PlanResult, type: string): PlanResource[] => r.resources.filter((x) => x.type === type);

describe("the cloud smoke's stack", () => {
  it.each(["aws", "gcp", "hetzner"] as const)("%s: every name and setting is one the providers accept", async (cloud) => {
    const { result } = await planSmoke(cloud);
    expect(result.providerErrors).toEqual([]);
  });

  it("aws and gcp: the pool admits the machine running the smoke, and exports what verifies its certificate", async () => {
    for (const cloud of ["aws", "gcp"] as const) {
      const { result } = await planSmoke(cloud);
      const rules = result.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.inputs.fromPort === 443).map((r) => r.inputs.cidrIpv4);
      const armor = result.resources.find((r) => r.type === "gcp:compute/securityPolicy:SecurityPolicy");
      if (cloud === "aws") expect(rules).toEqual(["198.51.100.7/32"]);
      else expect(JSON.stringify(armor?.inputs.rules)).toContain("198.51.100.7/32");
    }
  });

  it("hetzner: the router serves the smoke's own certificate for a domain nobody resolves", async () => {
    const { result } = await planSmoke("hetzner");
    const cert = result.resources.find((r) => r.type === "hcloud:index/uploadedCertificate:UploadedCertificate");
    expect(cert?.inputs.privateKey).toMatch(/^\[secret sha256:[0-9a-f]{8}\]$/);
    expect(result.resources.find((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")?.inputs.dnsNames).toEqual(["smk-h-c0ffee.smoke.invalid"]);
  });

  it("aws: one spot node, the test model uploaded, every policy passes", async () => {
    const { result, model } = await planSmoke("aws");
    expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    const [group] = ofType(result, "aws:autoscaling/group:Group");
    expect(group?.inputs).toMatchObject({ minSize: 1, maxSize: 1, desiredCapacity: 1 });
    const upload = ofType(result, "aws:s3/bucketObjectv2:BucketObjectv2")[0];
    expect(upload?.inputs.key).toBe(modelKey(model.file));
    expect(ofType(result, "hcloud:index/server:Server")).toEqual([]);
    expect(ofType(result, "gcp:compute/instanceGroupManager:InstanceGroupManager")).toEqual([]);
  });

  it("gcp: one spot VM in the group, the model in the GCS bucket", async () => {
    const { result, model } = await planSmoke("gcp");
    expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    const [autoscaler] = ofType(result, "gcp:compute/autoscaler:Autoscaler");
    expect(autoscaler?.inputs.autoscalingPolicy).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
    const objects = ofType(result, "gcp:storage/bucketObject:BucketObject");
    expect(objects.map((o) => o.inputs.name)).toContain(modelKey(model.file));
    expect(ofType(result, "aws:autoscaling/group:Group")).toEqual([]);
  });

  it("hetzner: one base server behind the two routers, the AWS pool at zero (its bucket holds the model)", async () => {
    const { result } = await planSmoke("hetzner");
    expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    const servers = ofType(result, "hcloud:index/server:Server");
    expect(servers.filter((s) => (s.inputs.labels as Record<string, string>).role === "router")).toHaveLength(2);
    expect(servers).toHaveLength(3);
    const [group] = ofType(result, "aws:autoscaling/group:Group");
    expect(group?.inputs).toMatchObject({ minSize: 0, maxSize: 0 });
  });

  it("estimates cost from the catalog and names stacks uniquely and validly", async () => {
    const model = await ensureTestModel();
    const e = estimate(smokeConfig(baseConfig(ROOT), "aws", model), "aws", 60);
    expect(e.node).toBe("aws m7a.large (spot)");
    expect(e.hourlyUsd).toBeCloseTo(0.0452 + 0.027, 4);
    expect(e.maxCostUsd).toBe(0.08);
    expect(smokeStackName("gcp", "0a3f9c")).toBe("smk-g-0a3f9c");
    expect(() => checkStackName(smokeStackName("hetzner", "ffffff"))).not.toThrow();
    expect(() => smokeStackName("aws", "k3f9")).toThrow(/6 hex characters/);
  });
});

describe("cloud smoke prerequisites", () => {
  const binDir = mkdtempSync(path.join(tmpdir(), "hi-bin-"));
  mkdirSync(binDir, { recursive: true });
  writeFileSync(path.join(binDir, "pulumi"), "#!/bin/sh\n");
  chmodSync(path.join(binDir, "pulumi"), 0o755);
  const home = mkdtempSync(path.join(tmpdir(), "hi-home-"));

  it("names the CLI, the backend and the cloud's credentials when none is there", () => {
    const m = missingPrerequisites("aws", { PATH: "/nonexistent" }, home);
    expect(m).toHaveLength(3);
    expect(m[0]).toMatch(/Pulumi CLI/);
    expect(m[1]).toMatch(/PULUMI_ACCESS_TOKEN/);
    expect(m[2]).toMatch(/AWS credentials/);
  });

  it("accepts a complete environment for each cloud, and asks each cloud for its own credentials", () => {
    const base = { PATH: binDir, PULUMI_ACCESS_TOKEN: "t" };
    expect(missingPrerequisites("aws", { ...base, AWS_ACCESS_KEY_ID: "a" }, home)).toEqual([]);
    expect(missingPrerequisites("gcp", { ...base, AWS_ACCESS_KEY_ID: "a" }, home)).toEqual([expect.stringMatching(/GCP credentials/)]);
    expect(missingPrerequisites("gcp", { ...base, GOOGLE_APPLICATION_CREDENTIALS: "/k.json" }, home)).toEqual([]);
    expect(missingPrerequisites("hetzner", { ...base, AWS_PROFILE: "p" }, home)).toEqual([expect.stringMatching(/HCLOUD_TOKEN/)]);
    expect(missingPrerequisites("aws", { PATH: binDir, PULUMI_BACKEND_URL: "s3://state", AWS_PROFILE: "p" }, home)).toEqual([expect.stringMatching(/PULUMI_CONFIG_PASSPHRASE/)]);
  });

  it("the command exits 2 with a JSON document on a machine without the Pulumi CLI", async () => {
    const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, PULUMI_ACCESS_TOKEN: "", PULUMI_BACKEND_URL: "", AWS_ACCESS_KEY_ID: "", AWS_PROFILE: "" };
    const r = await runScript("suite.ts", ["--suite", "cloud", "--cloud", "aws", "--output", "json"], env);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(resultsValidator()(doc)).toEqual([]);
    expect(doc.error?.message).toMatch(/missing: the Pulumi CLI: `pulumi` is not on PATH/);
    expect(r.stderr).toMatch(/time budget 25 min, estimated cost at most \$\d+\.\d\d/);
  });
});
