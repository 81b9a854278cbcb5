/**
 * Runs a rollout gate the stack renders (infra/hetzner/rollout.ts, a command.local.Command's script) against this
 * fleet's entry, with the environment `pulumi up` gives it: the domain, the load balancer's address (here loopback and
 * the entry's port), the API key and the CA the entry's certificate is signed by.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";

export interface GateEndpoint {
  host: string;
  address: string;
  port: number;
  apiKey: string;
  caPem?: string;
}

export function runGate(script: string, e: GateEndpoint, log: (line: string) => void, timeoutSeconds?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn("bash", ["-c", script], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HI_GATE_HOST: e.host,
        HI_GATE_ADDRESS: e.address,
        HI_GATE_PORT: String(e.port),
        HI_API_KEY: e.apiKey,
        ...(e.caPem ? { HI_GATE_CA_PEM: e.caPem } : {}),
        ...(timeoutSeconds ? { HI_GATE_TIMEOUT: String(timeoutSeconds) } : {}),
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    c.stderr.on("data", (b: Buffer) => {
      err += b.toString();
      b.toString().split("\n").filter(Boolean).forEach(log);
    });
    c.on("error", reject);
    c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`the rollout gate failed (${code}): ${err.trim().split("\n").pop() ?? ""}`))));
  });
}

/** Resolves once something accepts connections on the loopback port; rejects when `child` exits first. */
export async function waitListening(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the process for port ${port} exited (${child.exitCode ?? child.signalCode})`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ port, host: "127.0.0.1" });
      s.once("connect", () => {
        s.destroy();
        r(true);
      });
      s.once("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}
