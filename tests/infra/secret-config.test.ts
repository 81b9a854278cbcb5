import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { plainTextSecrets } from "../../infra/secret-config";
import { planCli } from "../../plan/cli";
import { ROOT } from "../helpers/paths";

const none = () => false;

describe("plain-text secrets in a stack file", () => {
  it.each([
    ["the API key", { "hybrid-inference:apiKey": "k3y" }, /hybrid-inference:apiKey holds a secret in plain text; set it with: pulumi config set --secret hybrid-inference:apiKey/],
    ["the Hetzner token", { "hcloud:token": "a".repeat(64) }, /hcloud:token holds a secret in plain text/],
    ["an AWS secret key", { "aws:secretKey": "x" }, /aws:secretKey holds a secret/],
    ["any namespace's *Token", { "cloudflare:apiToken": "x" }, /cloudflare:apiToken holds a secret/],
    ["a password under any name", { "acme:dbPassword": "hunter2" }, /acme:dbPassword holds a secret/],
    ["a secret nested in a config object", { "hybrid-inference:hetzner": JSON.stringify({ enabled: true, apiToken: "x" }) }, /hybrid-inference:hetzner\.apiToken holds a secret in plain text; secrets cannot sit inside a plain config object/],
    ["an AWS access key id as a value", { "hybrid-inference:owner": "AKIAIOSFODNN7EXAMPLE" }, /hybrid-inference:owner contains an AWS access key id/],
    ["a private key in a nested value", { "hybrid-inference:hetzner": JSON.stringify({ sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...\n-----END OPENSSH PRIVATE KEY-----" }) }, /hybrid-inference:hetzner\.sshPublicKey contains a private key/],
    ["a GitHub token in a list", { "acme:things": JSON.stringify(["ok", `ghp_${"a".repeat(36)}`]) }, /acme:things\[1\] contains a GitHub token/],
    ["a GCP service-account key file pasted as a string", { "acme:sa": JSON.stringify('{"type": "service_account", "project_id": "p"}') }, /acme:sa contains a GCP service-account key/],
    ["a GCP service-account key file as an object", { "acme:sa": '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----"}' }, /acme:sa\.private_key holds a secret/],
    ["a Pulumi access token", { "acme:ci": `pul-${"0".repeat(40)}` }, /contains a Pulumi access token/],
  ])("refuses %s", (_, all, message) => {
    expect(plainTextSecrets(all, none).join("\n")).toMatch(message);
  });

  it("accepts the same keys held encrypted, and the shipped stacks' plain settings", () => {
    expect(plainTextSecrets({ "hybrid-inference:apiKey": "k3y", "hcloud:token": "t" }, () => true)).toEqual([]);
    for (const stack of ["staging", "prod"]) {
      const yaml = readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
      const all: Record<string, string> = {};
      for (const [k, v] of Object.entries((require("yaml") as typeof import("yaml")).parse(yaml).config as Record<string, unknown>)) all[k] = typeof v === "string" ? v : JSON.stringify(v);
      expect(plainTextSecrets(all, none), stack).toEqual([]);
    }
    // A public key, a key ARN and a boolean named like a secret are not secrets.
    expect(plainTextSecrets({ "hybrid-inference:inference": JSON.stringify({ requireApiKey: true }), "hybrid-inference:storage": JSON.stringify({ kmsKeyArn: "arn:aws:kms:eu-central-1:1:key/x" }) }, none)).toEqual([]);
  });

  it("makes the offline plan refuse a stack file with a plain secret, with exit code 3 and the key named", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hi-plain-secret-"));
    const staging = readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
    writeFileSync(path.join(dir, "Pulumi.leaky.yaml"), `${staging}  hcloud:token: ${"f".repeat(64)}\n`);
    const err: string[] = [];
    const code = await planCli(["--stack", "leaky"], { root: dir, out: () => undefined, err: (s) => err.push(s), load: async () => { vi.resetModules(); return import("../../infra/index"); } });
    expect(code).toBe(3);
    expect(err.join("\n")).toContain("hcloud:token holds a secret in plain text");
  });
});
