import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { burstOrder, renderHaproxyConfig, ROUTER_ERRORS, routerLimits, type RouterSpec, validateRouterSpec } from "../../infra/hetzner/haproxy";
import { bodyLimitBytes, routerShare, routerSpec, type RouterSpecInput } from "../../infra/hetzner/router-spec";
import { haproxyCheck, throwawayCa } from "../helpers/haproxy";

const ca = throwawayCa(mkdtempSync(path.join(tmpdir(), "ca-")));

function spec(): RouterSpec {
  return routerSpec(specInput());
}

function specInput(): RouterSpecInput {
  return {
    id: "router-0",
    listen: { address: "127.0.0.1", port: 18000 },
    ops: { address: "127.0.0.1", port: 18405 },
    statsSocket: "/run/haproxy/admin.sock",
    base: [{ name: "base0", address: "10.10.1.10", port: 8080, slots: 4 }, { name: "base1", address: "10.10.1.11", port: 8080, slots: 4 }],
    burst: [
      { name: "aws", host: "198.51.100.7", port: 443, tlsName: "hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com", caFile: ca, slots: 32, hourlyUsd: 0.0246 },
      { name: "gcp", host: "34.120.1.2", port: 443, tlsName: "gcp.burst.prod.hybrid-inference.internal", caFile: ca, slots: 32, hourlyUsd: 0.0148 },
    ],
    ctxPerSlot: 4096,
    queueTimeoutSeconds: 30,
    queuePerSlot: 2,
    log: "stdout",
    share: { index: 0, of: 1 },
  };
}

describe("the router's HAProxy config", () => {
  it("passes haproxy -c with no alert or warning", () => {
    const r = haproxyCheck(renderHaproxyConfig(spec()));
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
  });

  it("gives every base server maxconn = its slots, checks /health for 200 and takes a node out at its first connection error", () => {
    const cfg = renderHaproxyConfig(spec());
    const base = cfg.slice(cfg.indexOf("backend base"), cfg.indexOf("backend burst_"));
    expect(base).toContain("balance leastconn");
    expect(base).toContain("http-check send meth GET uri /health");
    expect(base).toContain("http-check expect status 200");
    // Without it a retry goes back to the dead node (the only base server with a free slot) until its checks fail,
    // and runs out of retries: the fleet suite's node-killed test. Layer 4 only: llama-server's 500 for a malformed
    // request must not count against a node.
    expect(base).toMatch(/default-server check .*observe layer4 error-limit 1 on-error mark-down$/m);
    expect(base).toContain("server base0 10.10.1.10:8080 maxconn 4");
    expect(base).toContain("server base1 10.10.1.11:8080 maxconn 4");
  });

  it("queues waiting requests in the base backend's own queue, never in one server's: no maxqueue on a base server", () => {
    // With leastconn, HAProxy 2.3+ puts a request in a full server's own queue when that server has a maxqueue; it
    // then waits for that server's requests although another base node may free a slot first (the fleet suite's
    // queue-order test shows it with real processes). be_conn_free() needs only the servers' maxconn.
    const cfg = renderHaproxyConfig(spec());
    const base = cfg.slice(cfg.indexOf("backend base"), cfg.indexOf("backend burst_"));
    expect(base).not.toContain("maxqueue");
    expect(base.split("\n").filter((l) => l.startsWith("  server base")).every((l) => / maxconn \d+$/.test(l))).toBe(true);
    expect(cfg).toContain("acl base_queue_full queue(base) ge 16");
  });

  it("spills to the cheaper pool first, only when no base slot is free and the pool is healthy with room", () => {
    const cfg = renderHaproxyConfig(spec());
    const rules = cfg.split("\n").filter((l) => l.includes("set-var(txn.route)"));
    expect(rules).toEqual([
      "  http-request set-var(txn.route) str(base)",
      "  http-request set-var(txn.route) str(burst_aws) if base_full { nbsrv(burst_aws) gt 0 } { be_conn_free(burst_aws) gt 0 }",
      // Last rule wins: the cheapest pool with room.
      "  http-request set-var(txn.route) str(burst_gcp) if base_full { nbsrv(burst_gcp) gt 0 } { be_conn_free(burst_gcp) gt 0 }",
    ]);
    expect(cfg).toContain("acl base_full be_conn_free(base) le 0");
    expect(burstOrder(spec().burst).map((b) => b.name)).toEqual(["gcp", "aws"]);
    // Spill-over never uses `backup` (a backup serves only when every normal server is down); only the base's failover does.
    expect(cfg.slice(cfg.indexOf("backend burst_"))).not.toMatch(/\bbackup\b/);
  });

  it("reaches the burst pools over verified TLS with maxconn = max nodes x slots", () => {
    const cfg = renderHaproxyConfig(spec());
    expect(cfg).toContain(`server aws 198.51.100.7:443 ssl verify required ca-file ${ca} sni str(hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com) verifyhost hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com check check-sni`);
    // The GCP pool is reached at its address and verified by its DNS name: verifyhost never matches an IP address.
    expect(cfg).toMatch(/server gcp 34\.120\.1\.2:443 ssl verify required .* sni str\(gcp\.burst\.prod\.hybrid-inference\.internal\) verifyhost gcp\.burst\.prod\.hybrid-inference\.internal .* maxconn 32 maxqueue 1/);
    // A pool at zero is found as soon as its first node serves: checks every 2 s while down, 1 s in transition.
    expect(cfg).toMatch(/server gcp .* check check-sni \S+ inter 5s fastinter 1s downinter 2s fall 2 rise 2 /);
  });

  it("retries a request the server never answered, and hides a closed kept-alive connection", () => {
    const cfg = renderHaproxyConfig(spec());
    expect(cfg).toContain("retry-on conn-failure empty-response 502 503 504");
    expect(cfg).toContain("option redispatch 1");
    expect(cfg).not.toContain("option http-buffer-request");
    expect(cfg).toMatch(/http-request wait-for-body time \d+s/);
    const base = cfg.slice(cfg.indexOf("backend base"), cfg.indexOf("backend burst_"));
    expect(base).toContain("option http-server-close");
  });

  it("answers a full queue, a large body, chunked bodies and a missing key with JSON errors the OpenAI SDKs parse", () => {
    const withKey = renderHaproxyConfig({ ...spec(), apiKeyFile: "/etc/haproxy/api-keys" });
    expect(withKey).toContain(`if { var(txn.route) -m str base } base_full base_queue_full`);
    expect(withKey).toContain(`acl base_queue_full queue(base) ge 16`);
    expect(withKey).toContain(`if { req.hdr_val(content-length) gt ${bodyLimitBytes(4096)} }`);
    expect(withKey).toMatch(/return status 401 .* if !public_path !\{ req\.hdr\(authorization\) -m str -f \/etc\/haproxy\/api-keys \}/);
    for (const body of [ROUTER_ERRORS.busy, ROUTER_ERRORS.tooLarge(bodyLimitBytes(4096)), ROUTER_ERRORS.unauthorized, ROUTER_ERRORS.lengthRequired, ROUTER_ERRORS.gateway, ROUTER_ERRORS.timeout]) {
      const parsed = JSON.parse(body) as { error: { message: string; type: string; code: string } };
      expect(parsed.error).toMatchObject({ message: expect.any(String), type: expect.any(String), code: expect.any(String) });
      expect(withKey).toContain(`'${body}'`);
    }
    expect(haproxyCheck(withKey, { "/etc/haproxy/api-keys": "Bearer k\n" }).problems).toEqual([]);
  });

  it("sizes the body limit from the context and the buffers to hold it, so a whole request can be retried", () => {
    expect(bodyLimitBytes(4096)).toBe(4096 * 16 + 16 * 1024);
    const cfg = renderHaproxyConfig({ ...spec(), bodyLimitBytes: bodyLimitBytes(8192) });
    const bufsize = Number(/tune\.bufsize (\d+)/.exec(cfg)?.[1]);
    expect(bufsize).toBeGreaterThanOrEqual(bodyLimitBytes(8192));
  });

  it("serves health and Prometheus metrics on their own listener with their own connection limit", () => {
    const cfg = renderHaproxyConfig(spec());
    const limits = routerLimits(spec());
    expect(cfg).toMatch(new RegExp(`frontend ops\\n {2}bind 127\\.0\\.0\\.1:18405\\n {2}maxconn ${limits.ops}\\n[\\s\\S]*monitor-uri /healthz[\\s\\S]*use-service prometheus-exporter if \\{ path /metrics \\}`));
    expect(cfg).toMatch(new RegExp(`frontend api\\n {2}bind 127\\.0\\.0\\.1:18000\\n {2}maxconn ${limits.api}\\n`));
    // The global limit holds both: API traffic alone never reaches it.
    expect(limits.global).toBeGreaterThanOrEqual(limits.api + limits.ops);
    expect(cfg).toContain(`  maxconn ${limits.global}\n`);
    expect(cfg).toContain("stats socket /run/haproxy/admin.sock mode 660 level admin");
  });

  it("refuses oversized, chunked and unauthenticated requests on their headers, before it answers 100 Continue or reads the body", () => {
    const cfg = renderHaproxyConfig({ ...spec(), apiKeyFile: "/etc/haproxy/api-keys" });
    const api = cfg.slice(cfg.indexOf("frontend api"), cfg.indexOf("backend base"));
    const at = (needle: string) => api.indexOf(needle);
    expect(at("wait-for-body")).toBeGreaterThan(at("return status 411"));
    expect(at("wait-for-body")).toBeGreaterThan(at("return status 413"));
    expect(at("wait-for-body")).toBeGreaterThan(at("return status 401"));
    expect(cfg).toContain("option abortonclose");
  });

  it("passes each streamed chunk on at once (server-sent events are interactive)", () => {
    expect(renderHaproxyConfig(spec())).toMatch(/^defaults\n[\s\S]*^ {2}option http-no-delay$/m);
  });

  it("answers every error HAProxy itself may send with an OpenAI-style JSON body", () => {
    const cfg = renderHaproxyConfig(spec());
    for (const status of [400, 403, 408, 500, 502, 503, 504]) {
      const line = cfg.split("\n").find((l) => l.startsWith(`  http-error status ${status} `));
      expect(line, `http-error ${status}`).toBeDefined();
      const body = /string '(.*)'$/.exec(line ?? "")?.[1] ?? "";
      expect((JSON.parse(body) as { error: { type: string; code: string } }).error).toMatchObject({ type: expect.any(String), code: expect.any(String) });
    }
  });

  it("fails over to the burst pools when every base node is down: backup servers, counted only then", () => {
    const cfg = renderHaproxyConfig(spec());
    const base = cfg.slice(cfg.indexOf("backend base"), cfg.indexOf("backend burst_"));
    expect(base).toContain("option allbackups");
    expect(base).toMatch(/server gcp-failover 34\.120\.1\.2:443 ssl verify required .* backup$/m);
    expect(base).toMatch(/server aws-failover 198\.51\.100\.7:443 ssl verify required .* backup$/m);
  });

  it("gives each router its share of every server's slots, adding up to the whole", () => {
    const shares = [0, 1, 2].map((index) => routerSpec({ ...specInput(), share: { index, of: 3 } }));
    for (const [i, name] of ["base0", "base1"].entries()) expect(shares.reduce((n, s) => n + (s.base[i]?.slots ?? 0), 0), name).toBe(4);
    expect(shares.reduce((n, s) => n + (s.burst[0]?.slots ?? 0), 0)).toBe(32);
    expect(shares.map((s) => s.base[0]?.slots)).toEqual([2, 1, 1]);
    // Never 0 (HAProxy reads maxconn 0 as no limit): a one-slot node gets one request per router.
    expect(routerShare(1, { index: 1, of: 2 })).toBe(1);
    expect(() => routerShare(4, { index: 2, of: 2 })).toThrow(/not valid/);
  });

  it("works with no burst pool: base only, queue then 503", () => {
    const cfg = renderHaproxyConfig({ ...spec(), burst: [] });
    expect(cfg).not.toContain("backend burst_");
    expect(cfg).toContain("monitor fail if { nbsrv(base) eq 0 }\n");
    expect(haproxyCheck(cfg).problems).toEqual([]);
  });

  it("refuses a spec it cannot render safely", () => {
    expect(validateRouterSpec({ ...spec(), base: [] })).toContain("the router needs at least one base server");
    expect(validateRouterSpec({ ...spec(), base: [{ name: "x", address: "1.2.3.4", port: 1, slots: 0 }] })).toContain("base server x has 0 slots; at least 1");
    expect(() => renderHaproxyConfig({ ...spec(), base: [] })).toThrow(/invalid router spec/);
  });

  it("is never written by hand: no haproxy.cfg is committed", () => {
    expect(() => readFileSync(path.resolve(__dirname, "../../inference-image/haproxy.cfg"))).toThrow();
  });
});
