/**
 * HAProxy as a foreground process (`haproxy -db -f <file>`), in a process group of its own that the reaper knows, so
 * it goes with the fleet however the fleet's Node process ends. Its log (the config's `log stdout`) and its alerts
 * go to `log`; the last lines are kept for error messages.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { stopGroup } from "../stack/node";
import type { Reaper } from "../stack/reaper";

export interface HaproxyOptions {
  /** A name for messages: "router", "aws terminator". */
  name: string;
  config: string;
  /** Where the config is written (a temporary directory the caller removes). */
  file: string;
  reaper: Reaper;
  log?: (line: string) => void;
}

export interface HaproxyProcess {
  name: string;
  child: ChildProcess;
  /** The last log lines, oldest first. */
  tail(): string[];
  /** Resolves once something accepts connections on the port; rejects when HAProxy exits first. */
  listening(port: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const TAIL = 50;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export function startHaproxy(o: HaproxyOptions): HaproxyProcess {
  writeFileSync(o.file, o.config);
  const child = spawn("haproxy", ["-db", "-f", o.file], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (child.pid !== undefined) o.reaper.group(child.pid);
  const lines: string[] = [];
  let spawnError: Error | undefined;
  child.on("error", (e) => (spawnError = new Error(`haproxy is not installed (scripts/setup-machine.sh installs it): ${e.message}`)));
  const feed = (b: Buffer) =>
    b
      .toString()
      .split("\n")
      .filter(Boolean)
      .forEach((l) => {
        lines.push(l);
        if (lines.length > TAIL) lines.shift();
        o.log?.(`${o.name}: ${l}`);
      });
  child.stdout?.on("data", feed);
  child.stderr?.on("data", feed);
  let stopped: Promise<void> | undefined;
  return {
    name: o.name,
    child,
    tail: () => [...lines],
    async listening(port, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (spawnError) throw spawnError;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${o.name}: haproxy exited (${child.exitCode ?? child.signalCode}): ${lines.slice(-5).join(" | ")}`);
        if (await accepts(port)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${o.name}: nothing listens on port ${port} after ${timeoutMs} ms: ${lines.slice(-5).join(" | ")}`);
    },
    stop: () => (stopped ??= child.pid === undefined ? Promise.resolve() : stopGroup(child, 5000)),
  };
}

/** One command on HAProxy's admin socket ("disable server burst_aws/aws", "show info"); resolves with its answer. */
export function haproxyAdmin(socket: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: socket });
    let out = "";
    const timer = setTimeout(() => s.destroy(new Error(`${socket}: no answer to "${command}" in ${timeoutMs} ms`)), timeoutMs);
    s.on("connect", () => s.end(`${command}\n`));
    s.on("data", (b: Buffer) => (out += b.toString()));
    s.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on("close", () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

/**
 * Drains a load balancer's target as the clouds deregister one: no new connections to it (`state drain`), then, once
 * `idle()` says its node serves nothing or the window has passed, out of rotation (`state maint`).
 */
export async function drainTarget(socket: string, server: string, windowMs: number, idle: () => Promise<boolean>): Promise<{ waitedMs: number; idle: boolean }> {
  const started = Date.now();
  await haproxyAdmin(socket, `set server ${server} state drain`);
  let quiet = false;
  while (!(quiet = await idle().catch(() => false)) && Date.now() - started < windowMs) await new Promise((r) => setTimeout(r, 200));
  await haproxyAdmin(socket, `set server ${server} state maint`);
  return { waitedMs: Date.now() - started, idle: quiet };
}
