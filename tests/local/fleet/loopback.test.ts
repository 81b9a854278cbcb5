/**
 * The loopback map: a stack's router configs run here with their addresses, ports and files moved and nothing else
 * changed, and the stand-ins for the load balancers render from what the stack built, all accepted by the real
 * `haproxy -c`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTER_PATHS } from "../../../infra/hetzner/router-spec";
import { toRuleResources } from "../../../plan/provider-rules";
import { readRenderedFleet, type RenderedFleet } from "../../../plan/rendered/fleet";
import { parseHaproxyConfig, splitAddress, splitWords } from "../../../plan/rendered/haproxy-config";
import { renderNlbConfig } from "../../../local/cloud/aws-nlb";
import { renderGcpLbConfig } from "../../../local/cloud/gcp-https-lb";
import { renderHetznerLbConfig } from "../../../local/cloud/hetzner-lb";
import { assertLoopbackOnly, LoopbackMap, nodeLaunchLocally, rewriteRouterConfig, underRoot } from "../../../local/fleet/loopback";
import { routerListeners, writeRouterFiles } from "../../../local/fleet/routers";
import { runProgram } from "../../helpers/fleet";

function check(config: string, dir: string): { status: number | null; out: string } {
  const file = path.join(dir, `check-${Math.random().toString(16).slice(2)}.cfg`);
  writeFileSync(file, config);
  const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.split("\n").filter((l) => /ALERT|WARNING/.test(l)).join("\n") };
}

describe.each(["staging", "prod"])("the %s stack on loopback", (stack) => {
  let fleet: RenderedFleet;
  let map: LoopbackMap;
  let dir: string;
  beforeAll(async () => {
    const run = await runProgram(stack);
    fleet = readRenderedFleet(toRuleResources(run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:"))));
    dir = mkdtempSync(path.join(tmpdir(), "loopback-"));
    map = new LoopbackMap();
    let port = 20000;
    for (const b of fleet.base) {
      map.set(b.privateIp, Number(b.env.HI_PORT), port++);
      map.set(b.privateIp, Number(b.env.HI_AGENT_PORT), port++);
    }
    for (const r of fleet.routers) {
      const { api, ops } = routerListeners(r);
      map.set(api.host, api.port, port++);
      map.set(ops.host, ops.port, port++);
    }
    for (const p of fleet.burst) map.set(p.endpoint.host, p.endpoint.port, port++);
  }, 60_000);

  it("runs each router's config with only addresses, ports, files and logging moved: every other line as rendered", () => {
    for (const [i, r] of fleet.routers.entries()) {
      const root = path.join(dir, `router-${i}`);
      writeRouterFiles(r, root);
      const files = [...r.cloudConfig.files.map((f) => f.path), ROUTER_PATHS.statsSocket];
      const local = rewriteRouterConfig(r.haproxyText, { map, root, files, asRoot: false });
      const before = r.haproxyText.split("\n");
      const after = local.split("\n");
      expect(after).toHaveLength(before.length);
      const changed = before.map((l, n) => [l, after[n] ?? ""] as const).filter(([a, b]) => a !== b);
      for (const [was, now] of changed) {
        const w = splitWords(was);
        const kind = w[0];
        expect(["bind", "server", "stats", "log", "user", "group", "http-request", "ca-file"]).toContain(kind);
        // Names the routers verify and send never change: only the address before them.
        if (kind === "server") {
          // The drain agent's port moves with its node's address; every other word stays.
          const agentPort = (words: string[]) => words.map((x, n) => (words[n - 1] === "agent-port" ? "<port>" : x));
          expect(agentPort(splitWords(now).slice(3)).filter((x) => !x.startsWith(dir))).toEqual(agentPort(w.slice(3)).filter((x) => !x.startsWith("/etc/")));
          const at = splitWords(now).indexOf("agent-port");
          if (at > 0) expect(map.port(splitAddress(w[2] ?? "").host, Number(w[at + 1]))).toBe(Number(splitWords(now)[at + 1]));
          expect(splitWords(now)[2]).toMatch(/^127\.0\.0\.1:\d+$/);
        }
      }
      expect(local).toContain(`stats socket ${underRoot(root, ROUTER_PATHS.statsSocket)}`);
      expect(local).toContain(`ca-file ${underRoot(root, ROUTER_PATHS.burstCa)}`);
      expect(local).toContain(`-f ${underRoot(root, ROUTER_PATHS.apiKeys)}`);
      expect(local).toMatch(/^ {2}log stdout format raw local0 info$/m);
      expect(local).toMatch(/^ {2}# user haproxy/m);
      expect(() => assertLoopbackOnly(parseHaproxyConfig(local))).not.toThrow();
      const c = check(local, dir);
      expect(c.out).toBe("");
      expect(c.status).toBe(0);
    }
  });

  it("refuses a cloud address it has no port for", () => {
    const r = fleet.routers[0];
    if (!r) throw new Error("no router");
    expect(() => rewriteRouterConfig(r.haproxyText, { map: new LoopbackMap(), root: dir, files: [], asRoot: false })).toThrow(/no loopback port for 10\.10\.1\.\d+:\d+/);
    expect(() => assertLoopbackOnly(parseHaproxyConfig("backend b\n  server s 10.0.0.1:80\n"))).toThrow(/still reaches 10\.0\.0\.1/);
  });

  it("keeps each node's launch settings: slots, context per slot and alias", () => {
    for (const b of fleet.base) {
      const l = nodeLaunchLocally(b.env);
      expect(l.parallel * l.ctxPerSlot).toBe(Number(b.env.HI_CTX_SIZE));
      expect(l.alias).toBe(b.env.HI_MODEL_ALIAS);
    }
    expect(() => nodeLaunchLocally({ HI_PARALLEL: "2", HI_CTX_SIZE: "8192", HI_MODEL_ALIAS: "m", HI_METRICS: "0" })).toThrow(/no \/metrics/);
  });

  it("renders load balancer stand-ins from the stack's own services, which haproxy accepts", () => {
    const cert = path.join(dir, "lb.pem");
    const p = fleet.burst[0];
    if (!p || !fleet.entry) throw new Error("no burst pool or entry");
    writeFileSync(cert, `${p.tls.certPem}\n${p.tls.keyPem}`);
    const targets = [{ name: "node0", address: "127.0.0.1", port: 21000 }];
    for (const pool of fleet.burst) {
      const cfg = pool.lb.kind === "aws-nlb-tls"
        ? renderNlbConfig({ lb: pool.lb, listen: { address: "127.0.0.1", port: 21001 }, certFile: cert, targets, checkIntervalMs: 1000 })
        : renderGcpLbConfig({ lb: pool.lb, listen: { address: "127.0.0.1", port: 21002 }, certFile: cert, targets, checkIntervalMs: 1000 });
      expect(check(cfg, dir)).toEqual({ status: 0, out: "" });
      // The health check the stack built, its thresholds kept.
      expect(cfg).toContain(`http-check send meth GET uri ${pool.lb.health.path}`);
      expect(cfg).toContain(`fall ${pool.lb.health.unhealthyThreshold} rise ${pool.lb.health.healthyThreshold}`);
    }
    const entry = renderHetznerLbConfig({ entry: fleet.entry, listen: { address: "127.0.0.1", port: 21003 }, certFile: cert, targets: [{ name: "r0", address: "127.0.0.1", port: 21004, checkPort: 21005 }], checkIntervalMs: 1000, openFileLimit: 4096 });
    expect(check(entry, dir)).toEqual({ status: 0, out: "" });
    expect(entry).toContain(`timeout server ${fleet.entry.service.timeoutIdleSeconds}s`);
    expect(entry).toContain("server r0 127.0.0.1:21004 port 21005");
    expect(entry).toContain("maxconn 1998");
    const e = fleet.entry;
    expect(() => renderHetznerLbConfig({ entry: { ...e, service: { ...e.service, timeoutIdleSeconds: undefined } } as never, listen: { address: "127.0.0.1", port: 1 }, certFile: cert, targets: [], checkIntervalMs: 1000, openFileLimit: 4096 })).toThrow(/idle timeout unset/);
  });
});
