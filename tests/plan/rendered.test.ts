/**
 * The readers of what the program rendered: HAProxy's config split as HAProxy splits it, cloud-config documents, the
 * settings a boot script exports, and the fleet read back from the resources of both stacks (under the mock runtime,
 * with the tls provider's real certificates).
 */
import { X509Certificate } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { renderBootScript, renderCloudInit, shellQuote } from "../../infra/inference/bootscript";
import { toRuleResources } from "../../plan/provider-rules";
import { envFileSettings, exportedSettings, parseCloudConfig } from "../../plan/rendered/cloud-init";
import { readRenderedFleet, type RenderedFleet } from "../../plan/rendered/fleet";
import { bindsOf, effectiveTimeoutMs, parseHaproxyConfig, section, serversOf, splitWords, timeMs } from "../../plan/rendered/haproxy-config";
import { runProgram } from "../helpers/fleet";

describe("the HAProxy config reader", () => {
  it("splits words as HAProxy does: quotes, escapes and comments", () => {
    expect(splitWords(`  http-error status 503 content-type application/json string '{"a":"b c"}' # note`)).toEqual(["http-error", "status", "503", "content-type", "application/json", "string", '{"a":"b c"}']);
    expect(splitWords(String.raw`  acl x hdr(h) -m str a\ b "c\"d"`)).toEqual(["acl", "x", "hdr(h)", "-m", "str", "a b", 'c"d']);
    expect(() => splitWords("bind 'open")).toThrow(/unterminated/);
  });

  it("reads back any single-quoted word it is given", () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes("'") && !/[\r\n]/.test(s)), (w) => {
      expect(splitWords(`  x '${w}' y`)).toEqual(["x", w, "y"]);
    }));
  });

  it("reads times in HAProxy's units, and a proxy's timeout from itself or the defaults before it", () => {
    expect([timeMs("270s"), timeMs("500ms"), timeMs("2m"), timeMs("1500")]).toEqual([270_000, 500, 120_000, 1500]);
    expect(() => timeMs("soon")).toThrow();
    const cfg = parseHaproxyConfig("defaults\n  timeout server 30s\n\nbackend a\n  timeout server 5s\n\nbackend b\n  server s 10.0.0.1:80 check sni str(x) maxconn 4\n\nfrontend f\n  bind 10.0.0.2:8000\n");
    expect(effectiveTimeoutMs(cfg, section(cfg, "backend", "a") as never, "server")).toBe(5000);
    expect(effectiveTimeoutMs(cfg, section(cfg, "backend", "b") as never, "server")).toBe(30_000);
    expect(serversOf(section(cfg, "backend", "b") as never)[0]).toMatchObject({ name: "s", host: "10.0.0.1", port: 80, options: { check: "", sni: "str(x)", maxconn: "4" } });
    expect(bindsOf(section(cfg, "frontend", "f") as never)[0]).toMatchObject({ host: "10.0.0.2", port: 8000 });
  });
});

describe("the user data readers", () => {
  it("read back every setting a boot script exports, whatever its characters", () => {
    fc.assert(fc.property(fc.string().filter((s) => !/[\r\n]/.test(s)), (v) => {
      expect(exportedSettings(`#!/bin/bash\nexport HI_X=${shellQuote(v)}\n`)).toEqual({ HI_X: v });
    }));
  });

  it("read a cloud-config's files, packages and commands", () => {
    const c = parseCloudConfig(renderCloudInit("#!/bin/bash\nexport HI_PORT='8080'\n", [{ path: "/etc/x", content: "k", permissions: "0400" }]));
    expect(c.files.map((f) => [f.path, f.permissions])).toEqual([["/etc/x", "0400"], ["/opt/hybrid-inference/node-setup.sh", "0700"]]);
    expect(exportedSettings(c.files[1]?.content ?? "")).toEqual({ HI_PORT: "8080" });
    expect(() => parseCloudConfig("#!/bin/bash\n")).toThrow(/not a #cloud-config/);
    expect(envFileSettings("A='1'\nB=two\n")).toEqual({ A: "1", B: "two" });
  });

  it("reads the settings of a real boot script", () => {
    const script = renderBootScript({
      cloud: "aws", image: "i", modelUri: "s3://b/m", modelSha256: "0".repeat(64), modelSizeBytes: 1, spot: true, apiKey: { kind: "none" },
      launch: { host: "0.0.0.0", port: 8080, threads: 2, threadsBatch: 2, parallel: 2, ctxSize: 8192, ctxPerSlot: 4096, metrics: true, alias: "m", modelPath: "/models/m.gguf" },
    });
    expect(exportedSettings(script)).toMatchObject({ HI_CLOUD: "aws", HI_PARALLEL: "2", HI_CTX_SIZE: "8192", HI_MODEL_ALIAS: "m", HI_API_KEY_SOURCE: "none" });
  });
});

describe.each(["staging", "prod"])("the %s fleet read back from what the program registered", (stack) => {
  let fleet: RenderedFleet;
  beforeAll(async () => {
    const run = await runProgram(stack);
    fleet = readRenderedFleet(toRuleResources(run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"))));
  }, 60_000);

  it("has every router with its files and its config, and every base node with its launch settings and key", () => {
    expect(fleet.routers.map((r) => r.name)).toEqual([`hybrid-inference-${stack}-router-0`, `hybrid-inference-${stack}-router-1`]);
    expect(fleet.routers.map((r) => r.privateIp)).toEqual(["10.10.1.2", "10.10.1.3"]);
    expect(fleet.base).toHaveLength(stack === "prod" ? 3 : 1);
    for (const b of fleet.base) expect(b).toMatchObject({ routerName: expect.stringMatching(/^base\d$/), env: { HI_CLOUD: "hetzner", HI_PARALLEL: expect.any(String) }, apiKey: "offline-stand-in-for-hybrid-inference-apiKey\n" });
  });

  it("has each burst pool's endpoint where the routers connect, its real certificate and its nodes' key", () => {
    for (const p of fleet.burst) {
      const server = serversOf(section(fleet.routers[0]?.haproxy ?? [], "backend", `burst_${p.name}`) as never)[0];
      expect(server).toMatchObject({ host: p.endpoint.host, port: p.endpoint.port });
      const cert = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(p.tls.certPem)?.[0] ?? "");
      expect(cert.checkHost(server?.options.verifyhost ?? "")).toBe(server?.options.verifyhost);
      expect(p.tls.keyPem).toMatch(/PRIVATE KEY/);
      expect(p.node.apiKey).toBe("offline-stand-in-for-hybrid-inference-apiKey");
      expect(p.scaling).toEqual({ min: 0, max: stack === "prod" ? 8 : 2 });
    }
    expect(fleet.burst.map((p) => p.lb.kind).sort()).toEqual(["aws-nlb-tls", "gcp-https"]);
  });

  it("has the entry: an HTTPS service with its idle timeout and a health check on the routers' ops port", () => {
    expect(fleet.entry).toMatchObject({ algorithm: "least_connections", service: { protocol: "https", listenPort: 443, destinationPort: 8000, timeoutIdleSeconds: 300, health: { port: 8405, path: "/healthz" } }, certificate: { kind: "managed" } });
  });
});
