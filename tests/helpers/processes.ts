/** Real processes for the process tests: who still refers to a directory, and waiting until nobody does. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "./paths";

/** Pids (other than this one) whose command line or environment mentions `needle` (a private TMPDIR, say). */
export function processesMentioning(needle: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      const env = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (cmd.includes(needle) || env.includes(needle)) found.push({ pid: Number(entry), cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

export async function until<T>(probe: () => T, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = probe();
  while (!done(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = probe();
  }
  return v;
}

export interface Running {
  child: ChildProcess;
  /** The run's private TMPDIR: everything it creates goes there, so "nothing left" is checked on its files only. */
  tmp: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts a command in the checkout with a private TMPDIR; the caller removes the directory. */
export function startProcess(cmd: string, args: string[], exitWithinMs = 30_000): Running {
  const tmp = mkdtempSync(path.join(tmpdir(), "hi-cli-test-"));
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  // Bounded: a process that does not stop fails the test with a message instead of hanging it.
  const exited = Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${cmd} ${args.join(" ")} did not exit`)), exitWithinMs).unref())]);
  exited.catch(() => undefined);
  return { child, tmp, stdout: () => out, stderr: () => err, exited };
}

/** Nothing of a run is left: no process mentions its TMPDIR, and no hi-* directory is left in it. */
export async function nothingLeft(tmp: string): Promise<{ procs: Array<{ pid: number; cmd: string }>; dirs: string[] }> {
  const procs = await until(() => processesMentioning(tmp), (p) => p.length === 0, 15_000);
  const dirs = readdirSync(tmp).filter((d) => d.startsWith("hi-"));
  return { procs, dirs };
}
