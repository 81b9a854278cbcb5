/**
 * The local fleet's router config is the renderer's, from a typed fixture derived like a stack's (base slots from the
 * launch spec, burst slots = max nodes x slots, the cheaper pool first by the catalog's spot price per slot), and the
 * real `haproxy -c` accepts it with no alert or warning; so do the burst pools' TLS terminators. The burst
 * certificates verify against the local CA for the names the router checks.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worstHourlyUsd } from "../../infra/catalog";
import { burstOrder, renderHaproxyConfig } from "../../infra/hetzner/haproxy";
import { bodyLimitBytes } from "../../infra/hetzner/router-spec";
import { baseNodeName, fleetRouterSpec, type FleetRouterInputs, LOCAL_FLEET } from "../../local/fleet/fleet-spec";
import { localLaunchSpec } from "../../local/stack/node";
import { createLocalCa, type IssuedCert, issueCert, type LocalCa, selfSignedCert } from "../../local/fleet/tls";
import { renderTerminatorConfig } from "../../local/cloud/tls-terminator";
import { haproxyCheck } from "../helpers/haproxy";

let dir: string;
let ca: LocalCa;
let router: IssuedCert;
let burstCerts: IssuedCert[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hi-fleet-spec-"));
  ca = await createLocalCa(dir, "test burst CA");
  router = await selfSignedCert(dir, "router", ["localhost", "IP:127.0.0.1"]);
  burstCerts = await Promise.all(LOCAL_FLEET.burst.map((p) => issueCert(ca, dir, `burst-${p.name}`, [p.tlsName])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const launch = (port: number, parallel: number) => localLaunchSpec({ port, model: { name: "m", file: "m.gguf" }, modelDir: "/models", parallel, ctxPerSlot: LOCAL_FLEET.ctxPerSlot });

function inputs(): FleetRouterInputs {
  return {
    listenPort: 18443,
    metricsPort: 18405,
    certFile: router.pem,
    caFile: ca.cert,
    statsSocket: path.join(dir, "admin.sock"),
    apiKeyFile: path.join(dir, "api-keys"),
    base: Array.from({ length: LOCAL_FLEET.base.nodes }, (_, i) => ({ name: baseNodeName(i), launch: launch(18080 + i, LOCAL_FLEET.base.parallel) })),
    burst: LOCAL_FLEET.burst.map((p, i) => ({ name: p.name, port: 18500 + i, launch: launch(18090 + i, p.parallel) })),
  };
}

describe("the local fleet's router", () => {
  it("is derived like a stack's: slots from the launch spec, burst pools by spot price per slot, queue and body limit from the slots and context", () => {
    const spec = fleetRouterSpec(LOCAL_FLEET, inputs());
    expect(spec.base.map((b) => [b.name, b.port, b.slots])).toEqual([["base0", 18080, 2], ["base1", 18081, 2]]);
    for (const p of LOCAL_FLEET.burst) {
      const b = spec.burst.find((x) => x.name === p.name);
      expect(b).toMatchObject({ host: "127.0.0.1", tlsName: p.tlsName, caFile: ca.cert, slots: p.maxNodes * p.parallel, hourlyUsd: worstHourlyUsd(p.cloud, p.instanceTypes, "spot") / p.parallel });
    }
    expect(burstOrder(spec.burst).map((b) => b.name)).toEqual(["gcp", "aws"]);
    expect(spec.queue).toEqual({ timeoutSeconds: LOCAL_FLEET.queueTimeoutSeconds, depth: 4 * LOCAL_FLEET.queuePerSlot });
    expect(spec.bodyLimitBytes).toBe(bodyLimitBytes(LOCAL_FLEET.ctxPerSlot));
    expect(spec).toMatchObject({ listen: { address: "127.0.0.1", port: 18443, tls: { certFile: router.pem } }, metrics: { address: "127.0.0.1", port: 18405 }, log: "stdout" });
    expect(spec.runAs).toBeUndefined();
  });

  it("passes haproxy -c with no alert or warning, as rendered", () => {
    const cfg = renderHaproxyConfig(fleetRouterSpec(LOCAL_FLEET, inputs()));
    const r = haproxyCheck(cfg, { [path.join(dir, "api-keys")]: "Bearer k\n" });
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
    expect(cfg).toContain(`bind 127.0.0.1:18443 ssl crt ${router.pem}`);
    expect(cfg).toContain("log stdout format raw local0 info");
  });

  it("reaches burst endpoints whose certificates verify against the local CA for the names it checks", () => {
    for (const [i, p] of LOCAL_FLEET.burst.entries()) {
      const cert = burstCerts[i] as IssuedCert;
      const ok = spawnSync("openssl", ["verify", "-CAfile", ca.cert, "-verify_hostname", p.tlsName, cert.cert], { encoding: "utf8" });
      expect(ok.stdout.trim(), ok.stderr).toBe(`${cert.cert}: OK`);
      const wrong = spawnSync("openssl", ["verify", "-CAfile", ca.cert, "-verify_hostname", "other.hybrid-inference.test", cert.cert], { encoding: "utf8" });
      expect(wrong.status).not.toBe(0);
    }
    const self = spawnSync("openssl", ["verify", "-CAfile", router.cert, "-verify_ip", "127.0.0.1", router.cert], { encoding: "utf8" });
    expect(self.stdout.trim(), self.stderr).toBe(`${router.cert}: OK`);
  });

  it.each(["tcp", "http"] as const)("has TLS terminators in %s mode that pass haproxy -c", (mode) => {
    const cfg = renderTerminatorConfig({ mode, listen: { address: "127.0.0.1", port: 18501 }, certFile: (burstCerts[0] as IssuedCert).pem, node: { address: "127.0.0.1", port: 18090 } });
    expect(cfg).toContain(`mode ${mode}`);
    const r = haproxyCheck(cfg);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
  });
});
