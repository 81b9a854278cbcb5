/**
 * The router's rendered config run by the real HAProxy, for what a config check cannot show: a body that stalls gets
 * the router's JSON 408 (the `http-error` replies apply to `wait-for-body`'s timeout), and a body past the limit is
 * refused with a JSON 413 before any `100 Continue`. The body timeout is shortened here so the test takes seconds.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHaproxyConfig } from "../../infra/hetzner/haproxy";
import { HAPROXY_CHECK, ROUTER_HAPROXY_SERIES } from "../../infra/hetzner/router-cloud-init";
import { routerSpec } from "../../infra/hetzner/router-spec";
import { freePort } from "../../local/stack/ports";

let haproxy: ChildProcess;
let port: number;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "router-runtime-"));
  [port] = [await freePort()];
  const spec = routerSpec({
    id: "router-0",
    listen: { address: "127.0.0.1", port },
    ops: { address: "127.0.0.1", port: await freePort() },
    statsSocket: path.join(dir, "admin.sock"),
    base: [{ name: "base0", address: "127.0.0.1", port: 9, slots: 2 }],
    burst: [],
    ctxPerSlot: 512,
    queueTimeoutSeconds: 5,
    queuePerSlot: 1,
    log: "stdout",
    share: { index: 0, of: 1 },
  });
  const file = path.join(dir, "haproxy.cfg");
  writeFileSync(file, renderHaproxyConfig({ ...spec, timeouts: { ...spec.timeouts, bodySeconds: 1 } }));
  haproxy = spawn("haproxy", ["-db", "-f", file], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => connect({ port, host: "127.0.0.1" }).once("connect", function (this: import("node:net").Socket) { this.destroy(); r(true); }).once("error", () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("haproxy did not listen");
});

afterAll(() => haproxy?.kill("SIGKILL"));

/** Sends `raw`, reads until the server closes or 5 s pass. */
function exchange(raw: string): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = connect({ port, host: "127.0.0.1" });
    let text = "";
    const done = () => resolve({ text, ms: performance.now() - t0 });
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, 5000);
    s.on("data", (b: Buffer) => (text += b.toString()));
    s.on("close", () => {
      clearTimeout(timer);
      done();
    });
    s.on("error", () => undefined);
    s.write(raw);
  });
}

describe("the HAProxy the tests run", () => {
  it("is the series the routers check for at boot, with the Prometheus exporter compiled in", () => {
    const v = spawnSync("haproxy", ["-vv"], { encoding: "utf8" }).stdout;
    expect(v).toMatch(new RegExp(`^HAProxy version ${ROUTER_HAPROXY_SERIES.replace(".", "\\.")}\\.`, "m"));
    expect(v).toContain("Built with the Prometheus exporter");
    // The same check the routers' cloud-init runs before it starts HAProxy passes here.
    expect(spawnSync("sh", ["-c", HAPROXY_CHECK]).status).toBe(0);
  });
});

describe("the router's rendered config under HAProxy 2.6", () => {
  it("answers a body that stalls with its JSON 408 once the body timeout passes", async () => {
    const r = await exchange("POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"prompt\":");
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.text).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(JSON.parse(r.text.split("\r\n\r\n")[1] ?? "")).toMatchObject({ error: { code: "request_timeout", type: "invalid_request_error" } });
    expect(r.ms).toBeGreaterThan(900);
    expect(r.ms).toBeLessThan(4000);
  });

  it("refuses a body past the limit on its headers: a JSON 413 and no 100 Continue", async () => {
    const r = await exchange("POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 20971520\r\nexpect: 100-continue\r\n\r\n");
    expect(r.text).not.toMatch(/100 Continue/);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(JSON.parse(r.text.split("\r\n\r\n")[1] ?? "")).toMatchObject({ error: { code: "request_too_large" } });
  });
});
