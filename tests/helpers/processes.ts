/** Real processes for the process tests: who still refers to a directory, and waiting until nobody does. */
import { readdirSync, readFileSync } from "node:fs";

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
