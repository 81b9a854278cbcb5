import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { burstOrder, renderHaproxyConfig, ROUTER_ERRORS, type RouterSpec, validateRouterSpec } from "../../infra/hetzner/haproxy";
import { bodyLimitBytes, routerSpec } from "../../infra/hetzner/router-spec";
import { haproxyCheck, throwawayCa } from "../helpers/haproxy";

const ca = throwawayCa(mkdtempSync(path.join(tmpdir(), "ca-")));

function spec(): RouterSpec {
  return routerSpec({
    listen: { address: "127.0.0.1", port: 18000 },
    metrics: { address: "127.0.0.1", port: 18405 },
    statsSocket: "/run/haproxy/admin.sock",
    base: [{ name: "base0", address: "10.10.1.10", port: 8080, slots: 4 }, { name: "base1", address: "10.10.1.11", port: 8080, slots: 4 }],
    burst: [
      { name: "aws", host: "198.51.100.7", port: 443, tlsName: "hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com", caFile: ca, slots: 32, hourlyUsd: 0.0246 },
      { name: "gcp", host: "34.120.1.2", port: 443, tlsName: "34.120.1.2", caFile: ca, slots: 32, hourlyUsd: 0.0148 },
    ],
    ctxPerSlot: 4096,
    queueTimeoutSeconds: 30,
    queuePerSlot: 2,
    log: "stdout",
  });
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
    expect(base.split("\n").filter((l) => l.startsWith("  server ")).every((l) => / maxconn \d+$/.test(l))).toBe(true);
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
    expect(cfg).not.toMatch(/\bbackup\b/);
  });

  it("reaches the burst pools over verified TLS with maxconn = max nodes x slots", () => {
    const cfg = renderHaproxyConfig(spec());
    expect(cfg).toContain(`server aws 198.51.100.7:443 ssl verify required ca-file ${ca} sni str(hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com) verifyhost hi-prod-burst-1234567-0123456789abcdef.elb.eu-central-1.amazonaws.com check check-sni`);
    expect(cfg).toMatch(/server gcp 34\.120\.1\.2:443 ssl verify required .* maxconn 32 maxqueue 1/);
    // A pool at zero is found as soon as its first node serves: checks every 2 s while down, 1 s in transition.
    expect(cfg).toMatch(/server gcp .* check check-sni \S+ inter 5s fastinter 1s downinter 2s fall 2 rise 2 /);
  });

  it("retries a request the server never answered, and hides a closed kept-alive connection", () => {
    const cfg = renderHaproxyConfig(spec());
    expect(cfg).toContain("retry-on conn-failure empty-response 502 503 504");
    expect(cfg).toContain("option redispatch 1");
    expect(cfg).toContain("option http-buffer-request");
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

  it("exports Prometheus metrics on its own listener and keeps an admin socket", () => {
    const cfg = renderHaproxyConfig(spec());
    expect(cfg).toMatch(/frontend metrics\n {2}bind 127\.0\.0\.1:18405\n[\s\S]*use-service prometheus-exporter if \{ path \/metrics \}/);
    expect(cfg).toContain("stats socket /run/haproxy/admin.sock mode 660 level admin");
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
