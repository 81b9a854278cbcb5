import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  NODE_SETUP_PATH, nodeEnv, type NodeBootSettings, renderBootScript, renderCloudInit, renderShutdownScript, renderSshInstall, shellQuote,
} from "../../infra/inference/bootscript";
import { deriveLaunchSpec, launchEnv } from "../../infra/inference/launch";
import { cloudInitSchema, shellcheck } from "../helpers/tools";

const launch = deriveLaunchSpec({
  instance: { vcpu: 2, memoryGiB: 16, physicalCores: 2 },
  model: { name: "qwen2.5-1.5b-instruct", file: "q.gguf" },
  inference: { port: 8080, ctxPerSlot: 4096, metrics: true },
  apiKey: true,
});

const base: NodeBootSettings = {
  cloud: "aws",
  image: "ghcr.io/acme/hybrid-inference-server:v0.5.0-1",
  modelUri: "s3://bucket/models/q.gguf",
  modelSha256: "ab".repeat(32),
  modelSizeBytes: 1234,
  launch,
  apiKey: { kind: "aws-ssm", name: "/hybrid/api-key" },
  spot: true,
  awsRegion: "eu-central-1",
};

const variants: Record<string, NodeBootSettings> = {
  aws: base,
  gcp: { ...base, cloud: "gcp", modelUri: "gs://bucket/models/q.gguf", apiKey: { kind: "gcp-secret", version: "projects/123/secrets/api-key/versions/2" } },
  hetzner: { ...base, cloud: "hetzner", spot: false, apiKey: { kind: "preset" }, s3Endpoint: "https://s3.eu-central-1.amazonaws.com", s3Region: "eu-central-1" },
  "no API key": { ...base, apiKey: { kind: "none" }, launch: { ...launch, apiKeyFile: undefined } as typeof launch },
};

/** Runs only the rendered header and prints one variable, to prove the quoting round-trips. */
function headerValue(script: string, name: string): string {
  const header = script.split("\n").filter((l) => l.startsWith("export ")).join("\n");
  const r = spawnSync("bash", ["-c", `${header}\nprintf '%s' "$${name}"`], { encoding: "utf8" });
  return r.stdout;
}

describe("node boot script", () => {
  it.each(Object.entries(variants))("passes shellcheck as rendered for %s", (_, settings) => {
    const r = shellcheck(renderBootScript(settings));
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });

  it("shellcheck catches a broken script (the check is real)", () => {
    expect(shellcheck("#!/bin/bash\necho $undefined_var\nif [ $x = 1 ]; then echo; fi\n").status).not.toBe(0);
  });

  it("carries every launch-spec value, shell-quoted", () => {
    const script = renderBootScript(base);
    for (const [k, v] of Object.entries(launchEnv(launch))) expect(headerValue(script, k)).toBe(v);
    expect(headerValue(script, "HI_MODEL_SHA256")).toBe(base.modelSha256);
    expect(headerValue(script, "HI_API_KEY_SOURCE")).toBe("aws-ssm:/hybrid/api-key");
    expect(headerValue(script, "HI_SPOT")).toBe("1");
  });

  it("quotes hostile values so they stay data", () => {
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
    const script = renderBootScript({ ...base, modelUri: "s3://b/it's $(touch /tmp/pwned).gguf" });
    expect(headerValue(script, "HI_MODEL_URI")).toBe("s3://b/it's $(touch /tmp/pwned).gguf");
  });

  it("rejects values with newlines (they would break the container env file)", () => {
    expect(() => nodeEnv({ ...base, image: "a\nb" })).toThrow(/HI_IMAGE must not contain a newline/);
  });

  it("is the node-setup body under the rendered header", () => {
    const body = readFileSync(NODE_SETUP_PATH, "utf8");
    expect(renderBootScript(base).endsWith(body)).toBe(true);
    expect(body).toMatch(/docker pull \$\{HI_IMAGE\}/);
    expect(body).toContain("--network host");
  });

  it("refuses to run without its settings", () => {
    const r = spawnSync("bash", [NODE_SETUP_PATH], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("HI_CLOUD");
  });

  it("fetches the API key at boot on AWS and GCP instead of embedding it", () => {
    expect(renderBootScript(variants.aws as NodeBootSettings)).not.toMatch(/api-key-value/);
    expect(headerValue(renderBootScript(variants.gcp as NodeBootSettings), "HI_API_KEY_SOURCE")).toBe("gcp-secret:projects/123/secrets/api-key/versions/2");
  });

  it("wraps the script in cloud-init that passes `cloud-init schema`", () => {
    const userData = renderCloudInit(renderBootScript(variants.hetzner as NodeBootSettings), [
      { path: "/etc/hybrid-inference/secrets/llama-api-key", content: "k3y", permissions: "0400" },
    ]);
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    const r = cloudInitSchema(userData);
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });

  it("`cloud-init schema` rejects a broken document (the check is real)", () => {
    expect(cloudInitSchema("#cloud-config\nwrite_files: 5\nruncmd: {a: 1}\n").status).not.toBe(0);
  });

  it("renders an SSH install script for dedicated hosts that lays down the same files", () => {
    const boot = renderBootScript(variants.hetzner as NodeBootSettings);
    const install = renderSshInstall(boot, [{ path: "/etc/hybrid-inference/secrets/llama-api-key", content: "k3y", permissions: "0400" }]);
    expect(shellcheck(install).status).toBe(0);
    const chunks = [...install.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d > '([^']+)'/g)];
    expect(chunks.map((c) => c[2])).toEqual(["/etc/hybrid-inference/secrets/llama-api-key", "/opt/hybrid-inference/node-setup.sh"]);
    expect(Buffer.from(chunks[1]?.[1] ?? "", "base64").toString("utf8")).toBe(boot);
    expect(install.trimEnd().endsWith("exec /opt/hybrid-inference/node-setup.sh")).toBe(true);
  });

  it("renders a shutdown script that drains before the server stops", () => {
    const s = renderShutdownScript();
    expect(shellcheck(s).status).toBe(0);
    expect(s.indexOf("--signal USR1")).toBeLessThan(s.indexOf("docker stop"));
  });
});
