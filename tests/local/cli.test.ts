/**
 * `npm run local` as a command-line tool, with real processes and signals: a busy --port is an error, two stacks
 * started at once never race for a port, the `try:` hint works when pasted (key included), and neither SIGTERM to
 * `npm run local` nor the death of its node process leaves a llama-server, the reaper or a temporary directory.
 * Each run gets a private TMPDIR, so "nothing left" is checked on this run's files only.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, PortBusy } from "../../local/stack/ports";
import { type LocalStack, startLocalStack } from "../../local/stack/stack";
import { nothingLeft, processesMentioning, type Running, startProcess, until } from "../helpers/processes";

const stacks: LocalStack[] = [];
const servers: Server[] = [];
async function healthy(r: Running): Promise<string> {
  const line = await until(() => /llama-server is healthy at (http:\/\/\S+)/.exec(r.stdout()), (m) => m !== null, 60_000);
  if (!line?.[1]) throw new Error(`the stack did not come up:\n${r.stderr()}`);
  return line[1];
}

const tmps: string[] = [];
const start = (cmd: string, args: string[]): Running => {
  const r = startProcess(cmd, args);
  tmps.push(r.tmp);
  return r;
};

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  for (const s of servers) s.close();
  // Whatever a failed run left (tsx also keeps a cache here) goes with the private TMPDIR.
  for (const tmp of tmps) {
    for (const p of processesMentioning(tmp)) process.kill(p.pid, "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  }
});

describe("npm run local", () => {
  it("refuses an explicit --port that another process holds, with exit 3, before starting anything", async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const r = start(process.execPath, ["--import", "tsx", "scripts/local-stack.ts", "--port", String(port)]);
    expect(await r.exited).toBe(3);
    expect(r.stderr()).toContain(`local: --port ${port}: port ${port} is in use on 127.0.0.1 by another process`);
    expect(r.stdout()).toBe("");
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
  });

  it("starts two stacks at once on two ports: only one gets the preferred port, the other a free one", async () => {
    const preferred = await freePort();
    const [a, b] = await Promise.all([startLocalStack({ preferredPort: preferred }), startLocalStack({ preferredPort: preferred })]);
    stacks.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect([a.port, b.port]).toContain(preferred);
    for (const s of [a, b]) expect((await fetch(`${s.baseUrl}/health`)).status).toBe(200);
    // And an explicit port that a running stack holds is refused as such.
    await expect(startLocalStack({ port: preferred })).rejects.toThrow(new PortBusy(preferred, "local stack").message);
  }, 120_000);

  it("prints a try: line that works when pasted (with the key), and SIGTERM to npm leaves nothing behind", async () => {
    const key = "k-'quoted'-123456";
    const r = start("npm", ["run", "--silent", "local", "--", "--api-key", key]);
    const baseUrl = await healthy(r);
    expect(processesMentioning(r.tmp).some((p) => p.cmd.includes("llama-server"))).toBe(true);
    const hint = /^ {2}try: (.+)$/m.exec(r.stdout())?.[1] ?? "";
    expect(hint).toContain(baseUrl);
    const pasted = spawnSync("bash", ["-c", `${hint} -sS -w '\\n%{http_code}'`], { encoding: "utf8" });
    expect(pasted.stdout.trim().split("\n").pop()).toBe("200");
    expect(pasted.stdout).toMatch(/"choices"/);
    const keyless = spawnSync("bash", ["-c", `curl -sS -o /dev/null -w '%{http_code}' ${baseUrl}/v1/completions -H 'content-type: application/json' -d '{"prompt":"x","max_tokens":1}'`], { encoding: "utf8" });
    expect(keyless.stdout).toBe("401");

    r.child.kill("SIGTERM");
    expect(await r.exited).toBe(0);
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
    expect((await fetch(`${baseUrl}/health`).then(() => "open", (e: { cause?: { code?: string } }) => e.cause?.code))).toBe("ECONNREFUSED");
  }, 120_000);

  it("is never open: without --api-key it makes a key of its own and prints it in the try: line; killed outright it leaves nothing", async () => {
    const r = start(process.execPath, ["--import", "tsx", "scripts/local-stack.ts", "--port", String(await freePort())]);
    const baseUrl = await healthy(r);
    expect(processesMentioning(r.tmp).some((p) => p.cmd.includes("llama-server"))).toBe(true);
    const key = /^ {2}api key ([0-9a-f]{48}) \(made for this run/m.exec(r.stdout())?.[1];
    expect(key, r.stdout()).toBeDefined();
    const hint = /^ {2}try: (.+)$/m.exec(r.stdout())?.[1] ?? "";
    expect(hint).toContain(`authorization: Bearer ${key}`);
    expect(spawnSync("bash", ["-c", `${hint} -sS -o /dev/null -w '%{http_code}'`], { encoding: "utf8" }).stdout).toBe("200");
    expect(spawnSync("bash", ["-c", `curl -sS -o /dev/null -w '%{http_code}' ${baseUrl}/v1/models`], { encoding: "utf8" }).stdout).toBe("401");
    r.child.kill("SIGKILL");
    await r.exited;
    expect(await nothingLeft(r.tmp)).toEqual({ procs: [], dirs: [] });
    expect((await fetch(`${baseUrl}/health`).then(() => "open", (e: { cause?: { code?: string } }) => e.cause?.code))).toBe("ECONNREFUSED");
  }, 120_000);
});
