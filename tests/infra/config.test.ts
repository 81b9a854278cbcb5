import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig } from "../../infra/config";
import { rawConfig } from "../../infra/stack-config";
import { rawStackConfig, withChange } from "../helpers/config-fixture";

const staging = rawStackConfig("staging");

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}

function rejects(dotted: string, value: unknown): string {
  const problems = problemsOf(withChange(staging, dotted, value));
  expect(problems).toHaveLength(1);
  return problems[0] as string;
}

describe("stack config", () => {
  it("accepts both shipped stacks", () => {
    expect(parseStackConfig(rawStackConfig("staging")).hetzner.count).toBe(1);
    const prod = parseStackConfig(rawStackConfig("prod"));
    expect(prod.hetzner.count).toBeGreaterThan(1);
    expect(prod.aws.maxSize).toBeGreaterThan(parseStackConfig(staging).aws.maxSize);
  });

  it("fills defaults", () => {
    const c = parseStackConfig(withChange(staging, "inference.port", undefined));
    expect(c.inference.port).toBe(8080);
    expect(c.inference.requireApiKey).toBe(true);
    expect(c.model.kvBytesPerToken).toBe(28672);
  });

  it("needs the Hetzner DNS zone that holds the domain for a managed certificate, and only Debian 12 routers", () => {
    expect(rejects("router.dnsZone", undefined)).toMatch(/hybrid-inference:router\.dnsZone is required with router\.certificate managed: the Hetzner DNS zone that holds staging\.inference\.acme-platform\.example/);
    expect(rejects("router.dnsZone", "other.example")).toMatch(/hybrid-inference:router\.dnsZone other\.example does not hold router\.domain staging\.inference\.acme-platform\.example/);
    // An uploaded certificate needs no zone: the records are the operator's.
    expect(parseStackConfig(withChange(withChange(staging, "router.dnsZone", undefined), "router.certificate", "uploaded")).router?.dnsZone).toBeUndefined();
    expect(parseStackConfig(staging).router?.image).toBe("debian-12");
    expect(rejects("router.image", "ubuntu-24.04")).toMatch(/hybrid-inference:router\.image/);
  });

  it("rejects an unknown Hetzner server type, naming key, value and the allowed types", () => {
    const msg = rejects("hetzner.serverType", "cx99");
    expect(msg).toContain("hybrid-inference:hetzner.serverType");
    expect(msg).toContain('"cx99"');
    expect(msg).toMatch(/allowed: .*cpx22.*ccx33/);
  });

  it("rejects a Hetzner type that can no longer be ordered, naming its successor", () => {
    const msg = rejects("hetzner.serverType", "cx32");
    expect(msg).toContain("hybrid-inference:hetzner.serverType can no longer be ordered (CX Gen 2 removed from the Hetzner Cloud API on 2025-12-31)");
    expect(msg).toContain("the nearest orderable type is cpx32");
    expect(msg).toContain('(got "cx32")');
  });

  it("rejects a Hetzner location outside the network zone, and a type not sold there", () => {
    expect(problemsOf(withChange(staging, "hetzner.location", "ash"))).toEqual(expect.arrayContaining([expect.stringContaining("hybrid-inference:hetzner.location is not in network zone eu-central; allowed: fsn1, nbg1, hel1")]));
    const raw = withChange(withChange(staging, "hetzner.location", "ash"), "hetzner.networkZone", "us-east");
    expect(problemsOf(raw)).toEqual([expect.stringContaining("hybrid-inference:hetzner.serverType is not sold in ash; it is sold in fsn1, nbg1, hel1")]);
  });

  it("offers GCS soft delete in the range GCS accepts, and no retention policy", () => {
    expect(rejects("storage.softDeleteDays", 3)).toContain("must be 0 (off) or 7-90 days");
    expect(rejects("storage.retentionDays", 7)).toMatch(/^hybrid-inference:storage\.retentionDays is not a known key/);
  });

  it("rejects an unknown AWS instance type at its list index", () => {
    const msg = rejects("aws.instanceTypes", ["r7a.large", "x9.huge"]);
    expect(msg).toContain("hybrid-inference:aws.instanceTypes[1]");
    expect(msg).toContain('"x9.huge"');
    expect(msg).toContain("r6a.large");
  });

  it("rejects an unknown GCP machine type", () => {
    const msg = rejects("gcp.machineType", "n1-standard-96");
    expect(msg).toContain("hybrid-inference:gcp.machineType");
    expect(msg).toContain("n2d-highmem-2");
  });

  it("rejects a Hetzner dedicated type for cloud servers", () => {
    expect(rejects("hetzner.serverType", "ax42")).toContain("hetzner.serverType");
  });

  it("rejects min > max for AWS", () => {
    const msg = rejects("aws.minSize", 3);
    expect(msg).toContain("hybrid-inference:aws.minSize");
    expect(msg).toContain("must not exceed aws.maxSize (2)");
    expect(msg).toContain("(got 3)");
  });

  it("rejects min > max for GCP", () => {
    expect(rejects("gcp.minReplicas", 5)).toContain("must not exceed gcp.maxReplicas (2)");
  });

  it("takes the liveness alert's SNS topic only as an ARN in aws.region, and GCP channels only as channel names", () => {
    expect(rejects("aws.alertTopicArn", "platform-alerts")).toContain("hybrid-inference:aws.alertTopicArn must be an SNS topic ARN");
    expect(rejects("aws.alertTopicArn", "arn:aws:sns:us-east-1:123456789012:platform-alerts")).toContain("must be a topic in aws.region (eu-central-1)");
    expect(rejects("gcp.alertChannels", ["ops@example.com"])).toContain("must be a notification channel such as projects/");
  });

  it("rejects a desired capacity outside min..max", () => {
    expect(rejects("aws.desiredCapacity", 9)).toContain("hybrid-inference:aws.desiredCapacity must lie between");
  });

  it("rejects an admin CIDR that is not a CIDR", () => {
    const msg = rejects("adminCidrs", ["203.0.113.0/24", "10.0.0.300/8"]);
    expect(msg).toContain("hybrid-inference:adminCidrs[1]");
    expect(msg).toContain('"10.0.0.300/8"');
    expect(msg).toContain("must be a CIDR");
  });

  it.each(["0.0.0.0/0", "::/0", "::ffff:0:0/96"])("rejects %s as an SSH source", (cidr) => {
    const msg = rejects("adminCidrs", [cidr]);
    expect(msg).toContain("hybrid-inference:adminCidrs[0]");
    expect(msg).toContain("open to the whole internet");
  });

  it("rejects a very broad admin CIDR that is not /0", () => {
    expect(rejects("adminCidrs", ["0.0.0.0/1"])).toContain("at least /8");
    expect(rejects("adminCidrs", ["::ffff:0:0/100"])).toContain("counts by the IPv4 addresses it covers");
  });

  it("rejects a model too large for an instance's memory", () => {
    const problems = problemsOf(withChange(staging, "model.sizeBytes", 7 * 1024 ** 3));
    const msg = problems.find((p) => p.startsWith("hybrid-inference:hetzner.serverType"));
    expect(msg).toMatch(/cpx32 has 8 GiB but model qwen2\.5-1\.5b-instruct needs \d+\.\d GiB/);
    expect(msg).toContain("allowed: a type with more memory");
  });

  it("checks memory for every type of a mixed pool", () => {
    const raw = withChange(withChange(staging, "hetzner.enabled", false), "gcp.enabled", false);
    const problems = problemsOf(withChange(raw, "model.sizeBytes", 8 * 1024 ** 3));
    expect(problems).toEqual([expect.stringContaining("hybrid-inference:aws.instanceTypes[2] m7a.large has 8 GiB")]);
  });

  it("rejects a missing required label (owner)", () => {
    const msg = rejects("owner", undefined);
    expect(msg).toBe("hybrid-inference:owner is required (got missing)");
  });

  it("rejects a label value that some cloud would not accept", () => {
    expect(rejects("costCenter", "ML Inference")).toContain("hybrid-inference:costCenter must be lowercase");
  });

  it("rejects an unpinned image", () => {
    expect(rejects("inference.image", "ghcr.io/acme/server:latest")).toContain("must be pinned by digest");
    expect(rejects("inference.image", "ghcr.io/acme/server:v1")).toContain("a tag alone can be moved");
    expect(rejects("inference.image", "ghcr.io/acme/server")).toContain("hybrid-inference:inference.image must be pinned by digest");
    expect(parseStackConfig(withChange(staging, "inference.image", `ghcr.io/acme/server:v1@sha256:${"a".repeat(64)}`)).inference.image).toContain("@sha256:");
  });

  it("rejects a malformed sha256", () => {
    expect(rejects("model.sha256", "ABC")).toContain("hybrid-inference:model.sha256 must be 64 lowercase hex");
  });

  it("rejects an unknown key inside an object (a typo must not fall back to a default)", () => {
    expect(rejects("aws.maxSzie", 4)).toMatch(/^hybrid-inference:aws\.maxSzie is not a known key; allowed: enabled, region, instanceTypes, minSize/);
  });

  it("rejects a Hetzner model source whose cloud is disabled", () => {
    expect(rejects("aws.enabled", false)).toContain("hybrid-inference:hetzner.modelSource names aws, which is disabled");
  });

  it("requires at least one cloud", () => {
    const raw = withChange(withChange(withChange(staging, "hetzner.enabled", false), "aws.enabled", false), "gcp.enabled", false);
    expect(problemsOf(raw)).toContain("hybrid-inference:hetzner.enabled at least one of hetzner, aws or gcp must be enabled (got false)");
  });

  it("reports every problem at once", () => {
    const raw = withChange(withChange(staging, "aws.minSize", 7), "gcp.machineType", "nope");
    expect(problemsOf(raw)).toHaveLength(2);
  });

  it("rejects unknown top-level keys in the namespace and ignores other namespaces", () => {
    expect(() => rawConfig({ "hybrid-inference:ownr": "x", "aws:region": "eu-central-1" })).toThrow(/hybrid-inference:ownr is not a known key; allowed: owner/);
    expect(rawConfig({ "hybrid-inference:owner": "x", "aws:region": "eu-central-1", "hybrid-inference:apiKey": "secret" })).toEqual({ owner: "x" });
  });

  it("decodes JSON values and keeps plain strings", () => {
    expect(rawConfig({ "hybrid-inference:adminCidrs": '["203.0.113.0/24"]', "hybrid-inference:owner": "team" })).toEqual({
      adminCidrs: ["203.0.113.0/24"],
      owner: "team",
    });
  });
});
