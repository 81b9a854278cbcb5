/**
 * The router's metrics as the fleet suite and the bench read them: HAProxy's real Prometheus exporter, scraped and
 * parsed (parse-prometheus-text-format) into per-backend and per-server figures; the text format's corner cases;
 * an exporter that is not there or answers something else is named as such.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHaproxy, type HaproxyProcess } from "../../../local/fleet/haproxy-process";
import { freePort } from "../../../local/stack/ports";
import { startReaper } from "../../../local/stack/reaper";
import { backendOf, MetricsUnavailable, parseMetrics, sampleValue, scrapeRouter, serversOf } from "../../../local/fleet/router-metrics";

let dir: string;
let haproxy: HaproxyProcess;
let port: number;
let apiPort: number;
const reaper = startReaper();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hi-metrics-"));
  [port, apiPort] = await Promise.all([freePort(), freePort()]);
  // Servers without checks stay UP; they are never connected to.
  const config = [
    "global",
    "  log stdout format raw local0 notice",
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 5s",
    "  timeout server 5s",
    "frontend api",
    `  bind 127.0.0.1:${apiPort}`,
    "  default_backend base",
    "frontend metrics",
    `  bind 127.0.0.1:${port}`,
    "  http-request use-service prometheus-exporter if { path /metrics }",
    "  http-request return status 404",
    "backend base",
    "  balance leastconn",
    "  server base0 127.0.0.1:9 maxconn 2",
    "  server base1 127.0.0.1:9 maxconn 3",
    "backend burst_gcp",
    "  server gcp 127.0.0.1:9 maxconn 4 maxqueue 1",
    "",
  ].join("\n");
  haproxy = startHaproxy({ name: "metrics test", config, file: path.join(dir, "haproxy.cfg"), reaper });
  await haproxy.listening(port);
});

afterAll(async () => {
  await haproxy.stop();
  reaper.dismiss();
  rmSync(dir, { recursive: true, force: true });
});

describe("the router's metrics", () => {
  it("are scraped from HAProxy's exporter and read per backend and per server", async () => {
    const m = await scrapeRouter(`http://127.0.0.1:${port}/metrics`);
    expect(m.samples.length).toBeGreaterThan(200);
    expect([...m.backends.keys()].sort()).toEqual(["base", "burst_gcp"]);
    expect(backendOf(m, "base")).toMatchObject({ sessions: 0, queue: 0, retries: 0, redispatches: 0, activeServers: 2 });
    expect(serversOf(m, "base").map((s) => [s.server, s.limit, s.state, s.sessions])).toEqual([["base0", 2, "UP", 0], ["base1", 3, "UP", 0]]);
    // No maxqueue: the exporter writes NaN.
    expect(serversOf(m, "base").every((s) => Number.isNaN(s.queueLimit))).toBe(true);
    expect(serversOf(m, "burst_gcp")[0]).toMatchObject({ limit: 4, queueLimit: 1, state: "UP", check: "" });
    expect(m.frontends.get("api")).toMatchObject({ sessions: 0, requestsTotal: 0, responses: { "2xx": 0, "5xx": 0 } });
    expect(() => backendOf(m, "burst_aws")).toThrow(/no backend burst_aws \(backends: base, burst_gcp\)/);
  });

  it("count what the frontend answers itself", async () => {
    const before = await scrapeRouter(`http://127.0.0.1:${port}/metrics`);
    expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
    const after = await scrapeRouter(`http://127.0.0.1:${port}/metrics`);
    const metrics = (x: typeof after) => x.frontends.get("metrics");
    expect((metrics(after)?.responses["4xx"] ?? 0) - (metrics(before)?.responses["4xx"] ?? 0)).toBe(1);
  });

  it("read the text format's corner cases: escaped label values, infinities, NaN, timestamps, histograms skipped", () => {
    const text = [
      "# TYPE a gauge",
      'a{path="C:\\\\DIR",msg="say \\"hi\\"\\n"} +Inf',
      "a -Inf 1395066363000",
      "# TYPE b counter",
      "b NaN",
      "# TYPE h histogram",
      'h_bucket{le="1"} 2',
      'h_bucket{le="+Inf"} 3',
      "h_sum 4",
      "h_count 3",
      "",
    ].join("\n");
    const rows = parseMetrics(text);
    expect(rows.filter((r) => r.name === "a").map((r) => [r.labels, r.value])).toEqual([
      [{ path: "C:\\DIR", msg: 'say "hi"\n' }, Infinity],
      [{}, -Infinity],
    ]);
    expect(Number.isNaN(rows.find((r) => r.name === "b")?.value)).toBe(true);
    expect(rows.some((r) => r.name.startsWith("h"))).toBe(false);
    expect([sampleValue("1e3"), sampleValue("+Inf"), sampleValue("-Inf")]).toEqual([1000, Infinity, -Infinity]);
  });

  it("name an exporter that is not there, or a URL that is not the exporter", async () => {
    await expect(scrapeRouter(`http://127.0.0.1:${await freePort()}/metrics`)).rejects.toThrow(MetricsUnavailable);
    await expect(scrapeRouter(`http://127.0.0.1:${port}/other`)).rejects.toThrow(/answered 404/);
  });
});
