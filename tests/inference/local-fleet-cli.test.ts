/**
 * `npm run local -- --fleet` as a command-line tool: it prints the router's HTTPS URL, its certificate and its
 * metrics URL; the printed try: line works when pasted (TLS verified against the printed certificate, with the key);
 * and SIGTERM stops the router, the terminators, every llama-server and the reaper, and removes the keys and
 * certificates. The run gets a private TMPDIR, so "nothing left" is checked on its own files only.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../local/stack/ports";
import { scrapeRouter, serversOf } from "../../local/fleet/router-metrics";
import { nothingLeft, processesMentioning, type Running, startProcess, until } from "../helpers/processes";

const runs: Running[] = [];
afterAll(() => {
  for (const r of runs) {
    for (const p of processesMentioning(r.tmp)) process.kill(p.pid, "SIGKILL");
    rmSync(r.tmp, { recursive: true, force: true });
  }
});

describe("npm run local -- --fleet", () => {
  it("prints the router's URL, certificate and metrics, a try: line that works, and SIGTERM leaves nothing behind", async () => {
    const key = "k-'fleet'-1";
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--fleet", "--port", String(await freePort()), "--api-key", key]);
    runs.push(r);
    const up = await until(() => /the HAProxy router at (https:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout()), (m) => m !== null || r.child.exitCode !== null, 90_000);
    if (!up?.[1]) throw new Error(`the fleet did not come up:\n${r.stderr()}`);
    const baseUrl = up[1];
    const cert = /^ {2}certificate (\S+)/m.exec(r.stdout())?.[1] ?? "";
    const metricsUrl = /^ {2}metrics (\S+)/m.exec(r.stdout())?.[1] ?? "";
    expect(cert.startsWith(r.tmp)).toBe(true);
    expect(existsSync(cert)).toBe(true);
    const cmds = processesMentioning(r.tmp).map((p) => p.cmd);
    expect(cmds.filter((c) => c.includes("llama-server"))).toHaveLength(4);
    expect(cmds.filter((c) => /^haproxy -db -f /.test(c))).toHaveLength(3);

    const hint = /^ {2}try: (.+)$/m.exec(r.stdout())?.[1] ?? "";
    expect(hint).toContain(`--cacert '${cert}'`);
    const pasted = spawnSync("bash", ["-c", `${hint} -sS -D - -w '\\n%{http_code}'`], { encoding: "utf8" });
    expect(pasted.stdout.trim().split("\n").pop(), pasted.stderr).toBe("200");
    expect(pasted.stdout).toMatch(/^x-hybrid-backend: base\r?$/m);
    expect(pasted.stdout).toMatch(/"choices"/);
    const keyless = spawnSync("bash", ["-c", `curl -sS --cacert '${cert}' -o /dev/null -w '%{http_code}' ${baseUrl}/v1/models`], { encoding: "utf8" });
    expect(keyless.stdout).toBe("401");
    const untrusted = spawnSync("bash", ["-c", `curl -sS -o /dev/null ${baseUrl}/health`], { encoding: "utf8" });
    expect(untrusted.status).not.toBe(0);
    const m = await scrapeRouter(metricsUrl);
    expect(serversOf(m, "base").map((s) => s.state)).toEqual(["UP", "UP"]);
    expect(r.stdout()).toContain(`--base-url ${baseUrl} --metrics-url ${metricsUrl}`);

    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(r.stderr()).toMatch(/local: SIGTERM, stopping/);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
    await expect(scrapeRouter(metricsUrl)).rejects.toThrow(/ECONNREFUSED/);
  }, 150_000);

  it("--from-zero starts the burst pools at zero nodes, as the stacks have them: the router sees them down", async () => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--fleet", "--from-zero", "--port", String(await freePort())]);
    runs.push(r);
    const up = await until(() => /the HAProxy router at (https:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout()), (m) => m !== null || r.child.exitCode !== null, 90_000);
    if (!up?.[1]) throw new Error(`the fleet did not come up:\n${r.stderr()}`);
    const metricsUrl = /^ {2}metrics (\S+)/m.exec(r.stdout())?.[1] ?? "";
    const cmds = processesMentioning(r.tmp).map((p) => p.cmd);
    expect(cmds.filter((c) => c.includes("llama-server"))).toHaveLength(2);
    expect(cmds.filter((c) => /^haproxy -db -f /.test(c))).toHaveLength(3);
    expect(r.stdout()).toMatch(/^ {2}burst .*no node yet .*min 0 node/m);
    expect(r.stdout()).toMatch(/^ {2}demand published every \d+ s to the CloudWatch stand-in http:\/\/127\.0\.0\.1:\d+\//m);
    const m = await scrapeRouter(metricsUrl);
    expect(m.servers.filter((s) => s.proxy.startsWith("burst_")).map((s) => s.state)).toEqual(["DOWN", "DOWN"]);
    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
  }, 150_000);

  it("refuses --from-zero without --fleet with exit 3", async () => {
    const r = startProcess("npm", ["run", "--silent", "local", "--", "--from-zero"]);
    runs.push(r);
    expect(await r.exited).toBe(3);
    expect(r.stderr()).toMatch(/--from-zero only applies to --fleet/);
  }, 30_000);
});
