/**
 * `npm run local -- --fleet [--stack S]` as a user runs it, with outside clients (curl, raw sockets): the fleet of
 * staging comes up with a key of its own, printed in a try: line that works when pasted; 16 concurrent requests
 * answer 200; after SIGKILL of a base node the command keeps running and the next 8 requests answer 200; 300 idle TCP
 * connections leave a request answered within 5 s; curl's 20 MB body gets a JSON 413; SIGTERM leaves nothing behind.
 * Prod's fleet comes up too, every router seeing every server as it is. The run gets a private TMPDIR, so "nothing
 * left" is checked on its own files only.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAILOVER_SUFFIX } from "../../../infra/hetzner/haproxy";
import { freePort } from "../../../local/stack/ports";
import { scrapeRouter } from "../../../local/fleet/router-metrics";
import { nothingLeft, processesMentioning, type Running, startProcess, until } from "../../helpers/processes";

const runs: Running[] = [];
afterAll(() => {
  for (const r of runs) {
    for (const p of processesMentioning(r.tmp)) process.kill(p.pid, "SIGKILL");
    rmSync(r.tmp, { recursive: true, force: true });
  }
});

/** curl as a user runs it; resolves with the status and the body. */
function curl(args: string[]): Promise<{ status: string; body: string }> {
  return new Promise((resolve) => {
    const c = spawn("curl", ["-sS", "-w", "\n%{http_code}", ...args]);
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", () => {
      const lines = out.split("\n");
      resolve({ status: lines.pop() ?? "", body: lines.join("\n") });
    });
  });
}

async function up(r: Running): Promise<{ baseUrl: string; cert: string; key: string; routers: Array<{ api: string; metrics: string }>; base: Array<{ name: string; port: number }> }> {
  const m = await until(() => /is up: (https:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout()), (x) => x !== null || r.child.exitCode !== null, 150_000);
  if (!m?.[1]) throw new Error(`the fleet did not come up (exit ${r.child.exitCode}):\n${r.stderr().slice(-3000)}`);
  const out = r.stdout();
  return {
    baseUrl: m[1],
    cert: /^ {2}certificate (\S+)/m.exec(out)?.[1] ?? "",
    key: /^ {2}api key (\S+)/m.exec(out)?.[1] ?? "",
    routers: [...out.matchAll(/(?:routers|\s{10})\s*\S+-router-\d+ (http:\/\/127\.0\.0\.1:\d+) \(metrics (\S+),/g)].map((x) => ({ api: x[1] ?? "", metrics: x[2] ?? "" })),
    base: [...out.matchAll(/(base\d+) http:\/\/127\.0\.0\.1:(\d+) \(/g)].map((x) => ({ name: x[1] ?? "", port: Number(x[2]) })),
  };
}

const completion = (f: { baseUrl: string; cert: string; key: string }, extra: string[] = []) =>
  curl(["--cacert", f.cert, `${f.baseUrl}/v1/completions`, "-H", "content-type: application/json", "-H", `authorization: Bearer ${f.key}`, "-d", '{"prompt":"Hello","max_tokens":16}', ...extra]);

describe("npm run local -- --fleet", () => {
  it("staging: a key of its own, 16 concurrent 200s, a killed base node restarted while requests go on, floods and large bodies held, nothing left", async () => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--fleet", "--stack", "staging", "--port", String(await freePort())]);
    runs.push(r);
    const f = await up(r);
    expect(f.key).toMatch(/^[0-9a-f]{48}$/);
    expect(r.stdout()).toContain("(made for this run; --api-key K sets one)");
    expect(f.cert.startsWith(r.tmp) && existsSync(f.cert)).toBe(true);
    expect(f.routers).toHaveLength(2);
    const cmds = processesMentioning(r.tmp).map((p) => p.cmd);
    // One base node, one node per burst pool (warm), two routers, two pool load balancers, the entry.
    expect(cmds.filter((c) => c.includes("llama-server"))).toHaveLength(3);
    expect(cmds.filter((c) => /^haproxy -db -f /.test(c))).toHaveLength(5);

    const hint = /^ {2}try: (.+)$/m.exec(r.stdout())?.[1] ?? "";
    expect(hint).toContain(`--cacert '${f.cert}'`);
    expect(hint).toContain(`authorization: Bearer ${f.key}`);
    const pasted = spawnSync("bash", ["-c", `${hint} -sS -D - -w '\\n%{http_code}'`], { encoding: "utf8" });
    expect(pasted.stdout.trim().split("\n").pop(), pasted.stderr).toBe("200");
    expect(pasted.stdout).toMatch(/^x-hybrid-router: hybrid-inference-staging-router-\d\r?$/m);
    expect((await curl(["--cacert", f.cert, "-o", "/dev/null", `${f.baseUrl}/v1/models`])).status).toBe("401");

    const sixteen = await Promise.all(Array.from({ length: 16 }, () => completion(f)));
    expect(sixteen.map((x) => x.status)).toEqual(Array(16).fill("200"));

    const node = f.base[0];
    if (!node) throw new Error("no base node printed");
    const pid = processesMentioning(r.tmp).find((p) => p.cmd.includes("llama-server") && p.cmd.includes(`--port ${node.port}`))?.pid;
    if (!pid) throw new Error(`no llama-server on port ${node.port}`);
    process.kill(pid, "SIGKILL");
    const eight = await Promise.all(Array.from({ length: 8 }, () => completion(f)));
    expect(eight.map((x) => x.status)).toEqual(Array(8).fill("200"));
    expect(r.child.exitCode).toBeNull();
    await until(() => /base node base0 is back/.test(r.stderr()), Boolean, 60_000);
    expect(r.stderr()).toMatch(/base node base0 exited \(SIGKILL\); systemd .* starts it again/);

    const port = Number(new URL(f.baseUrl).port);
    const idle: Socket[] = await Promise.all(Array.from({ length: 300 }, () => new Promise<Socket>((res, rej) => {
      const s = connect({ host: "127.0.0.1", port });
      s.on("error", () => undefined);
      s.once("connect", () => res(s));
      s.once("error", rej);
    })));
    const t0 = performance.now();
    const during = await completion(f);
    const ms = performance.now() - t0;
    for (const s of idle) s.destroy();
    expect(during.status).toBe("200");
    expect(ms).toBeLessThan(5000);

    const big = path.join(r.tmp, "big.json");
    writeFileSync(big, "x".repeat(20 * 1024 * 1024));
    const tooLarge = await curl(["--cacert", f.cert, `${f.baseUrl}/v1/completions`, "-H", "content-type: application/json", "-H", `authorization: Bearer ${f.key}`, "--data-binary", `@${big}`]);
    expect(tooLarge.status).toBe("413");
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { code: "request_too_large", type: "invalid_request_error" } });

    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(r.stderr()).toMatch(/local: SIGTERM, stopping/);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
  }, 300_000);

  it("prod: every router sees every base node and every pool up, through the certificates the program issued, and serves", async () => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--fleet", "--stack", "prod", "--port", String(await freePort()), "--api-key", "k-prod-'fleet'-1"]);
    runs.push(r);
    const f = await up(r);
    expect(f.key).toBe("k-prod-'fleet'-1");
    expect(f.base.map((b) => b.name)).toEqual(["base0", "base1", "base2"]);
    for (const router of f.routers) {
      const m = await scrapeRouter(router.metrics);
      expect(m.servers.filter((s) => s.proxy === "base" && !s.server.endsWith(FAILOVER_SUFFIX)).map((s) => `${s.server} ${s.state} ${s.check}`)).toEqual(["base0 UP L7OK", "base1 UP L7OK", "base2 UP L7OK"]);
      // Each pool verified over TLS against the name the router renders (L7OK needs the handshake and /health).
      expect(m.servers.filter((s) => s.proxy.startsWith("burst_") || s.server.endsWith(FAILOVER_SUFFIX)).map((s) => `${s.proxy}/${s.server} ${s.state} ${s.check}`).sort()).toEqual(
        ["base/aws-failover UP L7OK", "base/gcp-failover UP L7OK", "burst_aws/aws UP L7OK", "burst_gcp/gcp UP L7OK"],
      );
    }
    const sixteen = await Promise.all(Array.from({ length: 16 }, () => completion(f)));
    expect(sixteen.map((x) => x.status)).toEqual(Array(16).fill("200"));
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
  }, 300_000);

  it("--from-zero: the pools at the stack's minimum (zero), which every router sees down until demand comes", async () => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--fleet", "--from-zero", "--port", String(await freePort())]);
    runs.push(r);
    const f = await up(r);
    expect(r.stdout()).toMatch(/^ {2}burst {3}gcp .*0 of max 2 node\(s\) here, 2 in the stack, min 0/m);
    expect(processesMentioning(r.tmp).filter((p) => p.cmd.includes("llama-server"))).toHaveLength(1);
    for (const router of f.routers) {
      const m = await scrapeRouter(router.metrics);
      expect(m.servers.filter((s) => s.proxy.startsWith("burst_")).map((s) => s.state)).toEqual(["DOWN", "DOWN"]);
    }
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
  }, 300_000);

  it.each([
    [["--from-zero"], /--from-zero only applies to --fleet/],
    [["--stack", "prod"], /--stack only applies to --fleet/],
    [["--fleet", "--stack", "nope"], /no stack file Pulumi\.nope\.yaml; known stacks: prod, staging/],
    [["--fleet", "--api-key", "short"], /--api-key must be 16 to 512 printable characters/],
  ])("refuses %j with exit 3 and the reason", async (args, why) => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", ...args]);
    runs.push(r);
    expect(await r.exited).toBe(3);
    expect(r.stderr()).toMatch(why);
  }, 60_000);
});
