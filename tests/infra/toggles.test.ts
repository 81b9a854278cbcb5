import { describe, expect, it } from "vitest";
import { ofType, runProgram } from "../helpers/fleet";
import { rawStackConfig } from "../helpers/config-fixture";

const staging = rawStackConfig("staging") as Record<string, Record<string, unknown>>;
const off = (cloud: "hetzner" | "aws" | "gcp", extra: Record<string, unknown> = {}) => ({ [`hybrid-inference:${cloud}`]: { ...staging[cloud], enabled: false, ...extra } });
const prefixes = (types: string[]) => [...new Set(types.map((t) => t.split(":")[0]))].sort();

describe("clouds switched off one at a time", () => {
  it("creates nothing on AWS when aws.enabled is false (the base layer reads the model from GCS)", async () => {
    const run = await runProgram("staging", { overrides: { ...off("aws"), "hybrid-inference:hetzner": { ...staging.hetzner, modelSource: "gcp" } } });
    const types = run.resources.map((r) => r.type);
    expect(types.filter((t) => t.startsWith("aws:") || t === "pulumi:providers:aws" || t.startsWith("hybrid:aws") || t === "hybrid:storage:S3Checkpoints")).toEqual([]);
    // command: the rollout gates that serialize base and router replacements.
    expect(prefixes(types)).toEqual(["command", "gcp", "hcloud", "hybrid", "pulumi", "tls"]);
    const hmac = ofType(run.resources, "gcp:storage/hmacKey:HmacKey");
    expect(hmac).toHaveLength(1);
    const server = ofType(run.resources, "hcloud:index/server:Server").find((s) => (s.inputs.labels as Record<string, string>).role !== "router");
    expect(String(server?.inputs.userData)).toContain("HI_S3_ENDPOINT='https://storage.googleapis.com'");
  });

  it("creates nothing on GCP when gcp.enabled is false", async () => {
    const run = await runProgram("staging", { overrides: off("gcp") });
    const types = run.resources.map((r) => r.type);
    expect(types.filter((t) => t.startsWith("gcp:") || t.includes(":gcp") || t.startsWith("hybrid:gcp") || t === "hybrid:storage:GcsCheckpoints")).toEqual([]);
    expect(types).toContain("aws:autoscaling/group:Group");
  });

  it("creates nothing on Hetzner when hetzner.enabled is false, and no external model reader", async () => {
    const run = await runProgram("staging", { overrides: off("hetzner") });
    const types = run.resources.map((r) => r.type);
    expect(types.filter((t) => t.startsWith("hcloud:") || t.startsWith("hybrid:hetzner"))).toEqual([]);
    expect(types).not.toContain("aws:iam/accessKey:AccessKey");
    expect(types).not.toContain("aws:iam/user:User");
    expect(run.outputs.endpoint).toBeUndefined();
    expect(run.outputs.endpoints).toMatchObject({ router: undefined });
    // With no router, the pools admit only the clients the stack names (none here): closed, not open.
    expect(ofType(run.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.fromPort === 443)).toEqual([]);
  });
});

describe("dedicated Hetzner hosts", () => {
  it("installs the boot path over SSH and re-runs when the script changes", async () => {
    const hosts = [{ name: "ax-1", ip: "198.51.100.10", serverType: "ax42", privateIp: "10.10.2.10" }];
    const run = await runProgram("staging", {
      overrides: {
        "hybrid-inference:hetzner": { ...staging.hetzner, dedicatedHosts: hosts },
        "hybrid-inference:dedicatedSshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nstand-in\n-----END OPENSSH PRIVATE KEY-----",
      },
      secrets: ["hybrid-inference:dedicatedSshPrivateKey"],
    });
    const [cmd, ...rest] = ofType(run.resources, "command:remote:Command");
    expect(rest).toHaveLength(0);
    expect(cmd?.inputs.connection).toMatchObject({ host: "198.51.100.10", user: "root" });
    expect(cmd?.secretKeys).toEqual(expect.arrayContaining(["connection", "stdin"]));
    const stdin = String(cmd?.inputs.stdin);
    expect(stdin).toContain("exec /opt/hybrid-inference/node-setup.sh");
    const boot = Buffer.from(/printf '%s' '([^']+)' \| base64 -d > '\/opt\/hybrid-inference\/node-setup.sh'/.exec(stdin)?.[1] ?? "", "base64").toString();
    // AX42: 16 hardware threads on 8 physical cores, one llama.cpp thread per core.
    expect(boot).toContain("export HI_THREADS='8'");
    expect(cmd?.inputs.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    // The routers reach the host over the private network, each with its share of the host's own slot count.
    const routers = ofType(run.resources, "hcloud:index/server:Server").filter((s) => (s.inputs.labels as Record<string, string>).role === "router");
    const shares = routers.map((router) => Number(/server dedicated-ax-1 10\.10\.2\.10:8080 maxconn (\d+)\b/.exec(String(router.inputs.userData))?.[1]));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it("needs a dedicated host's private address when the stack has routers", async () => {
    await expect(
      runProgram("staging", { overrides: { "hybrid-inference:hetzner": { ...staging.hetzner, dedicatedHosts: [{ name: "ax-1", ip: "198.51.100.10", serverType: "ax42" }] } } }),
    ).rejects.toThrow(/hybrid-inference:hetzner\.dedicatedHosts\[0\]\.privateIp is required: the routers reach base servers over the private network/);
  });

  it("refuses dedicated hosts without the SSH key secret, before creating anything", async () => {
    await expect(
      runProgram("staging", { overrides: { "hybrid-inference:hetzner": { ...staging.hetzner, dedicatedHosts: [{ name: "ax-1", ip: "198.51.100.10", serverType: "ax42", privateIp: "10.10.2.10" }] } } }),
    ).rejects.toThrow(/dedicatedSshPrivateKey is required/);
  });
});

describe("invalid config", () => {
  it("fails before any resource is registered", async () => {
    const failing = runProgram("staging", { overrides: { "hybrid-inference:aws": { ...staging.aws, minSize: 5 } }});
    await expect(failing).rejects.toThrow(/hybrid-inference:aws\.minSize must not exceed aws\.maxSize/);
  });

  it("requires the API key secret unless the stack opts out", async () => {
    await expect(runProgram("staging", { withoutApiKey: true })).rejects.toThrow(/hybrid-inference:apiKey is required .* pulumi config set --secret hybrid-inference:apiKey/);
    const run = await runProgram("staging", { withoutApiKey: true, overrides: { "hybrid-inference:inference": { ...staging.inference, requireApiKey: false } } });
    expect(run.resources.map((r) => r.type)).not.toContain("aws:ssm/parameter:Parameter");
    expect(run.resources.map((r) => r.type)).not.toContain("gcp:storage/bucketObject:BucketObject");
  });
});
