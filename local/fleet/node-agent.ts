/**
 * A base node's drain agent and drain, run here with the node's own steps (node-setup.sh `agent`, `agent-state`,
 * `drain`): the agent answers the routers' agent-check from the node's state file ("ready" or "drain"); a drain says "drain", waits until
 * the routers sent the node nothing new and its requests in flight finished. Only the loopback map differs: the agent
 * listens on 127.0.0.1 and a port of its own, the state lives in a directory of the fleet's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { NODE_SETUP_PATH } from "../../infra/inference/bootscript";
import type { Reaper } from "../stack/reaper";

export interface NodeAgentSettings {
  /** The node's rendered HI_* settings (node-setup.sh checks the ones every step needs). */
  rendered: Record<string, string>;
  /** The node's inference port here (the drain counts its connections). */
  port: number;
  /** The agent's port here. */
  agentPort: number;
  /** Where the agent's state file lives. */
  runDir: string;
}

function env(s: NodeAgentSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...s.rendered,
    HI_PORT: String(s.port),
    HI_AGENT_PORT: String(s.agentPort),
    HI_AGENT_BIND: "127.0.0.1",
    HI_RUN_DIR: s.runDir,
    ...extra,
  };
}

function step(s: NodeAgentSettings, args: string[], extra: Record<string, string> = {}, log: (line: string) => void = () => undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn("bash", [NODE_SETUP_PATH, ...args], { env: env(s, extra), stdio: ["ignore", "ignore", "pipe"] });
    c.stderr.on("data", (b: Buffer) => b.toString().split("\n").filter(Boolean).forEach(log));
    c.on("error", reject);
    c.on("close", (code) => resolve(code ?? -1));
  });
}

/** The agent (node-setup.sh agent): socat answering the state file, in a process group of its own. */
export function startAgent(s: NodeAgentSettings, reaper: Reaper): ChildProcess {
  const c = spawn("bash", [NODE_SETUP_PATH, "agent"], { env: env(s), stdio: "ignore", detached: true });
  if (c.pid !== undefined) reaper.group(c.pid);
  return c;
}

export async function setAgentState(s: NodeAgentSettings, state: "ready" | "drain"): Promise<void> {
  const code = await step(s, ["agent-state", state]);
  if (code !== 0) throw new Error(`node-setup.sh agent-state ${state} exited ${code}`);
}

/** node-setup.sh drain, as the node's unit runs it before it stops; resolves with its log and how long it took. */
export async function drainNode(s: NodeAgentSettings, log: (line: string) => void): Promise<{ ms: number; lines: string[] }> {
  const lines: string[] = [];
  const t0 = Date.now();
  const code = await step(s, ["drain"], {}, (l) => {
    lines.push(l);
    log(l);
  });
  if (code !== 0) throw new Error(`node-setup.sh drain exited ${code}: ${lines.slice(-3).join(" | ")}`);
  return { ms: Date.now() - t0, lines };
}
