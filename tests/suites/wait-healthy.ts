/**
 * `npm run wait-healthy -- --base-url URL [--wait S]`: polls /health until 200, saying on stderr what it answers
 * while it waits (at once, then every 5 s). Exit 0 healthy, 2 not healthy in time, 3 bad flags.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { describeAnswer, type HealthProgress, HealthTimeout, waitHealthy } from "../../local/stack/health";
import { baseUrlSchema, DEFAULT_WAIT_S, UsageError, withValue } from "./options";
import { EXIT, type ExitCode } from "./results";

export const WAIT_USAGE = `usage: npm run wait-healthy -- --base-url URL [--wait S]
Polls URL/health until it answers 200, printing what it answers on stderr while it waits.
  --base-url URL   the endpoint (http:// or https://), required
  --wait S         seconds to wait, 0 to probe once (default ${DEFAULT_WAIT_S}, the suite runner's default too); --timeout S is the same
Exit codes: 0 healthy, 2 not healthy in time, 3 a bad flag or value.`;

const seconds = (flag: string) =>
  z.coerce.number({ error: `--${flag} must be seconds from 0 to 3600` }).refine((n) => Number.isFinite(n) && n >= 0 && n <= 3600, { message: `--${flag} must be seconds from 0 to 3600` });

const schema = z.object({ "base-url": baseUrlSchema, wait: seconds("wait").optional(), timeout: seconds("timeout").optional() });

export function parseWaitArgs(argv: string[]): { baseUrl: string; waitS: number } {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: { "base-url": { type: "string" }, wait: { type: "string" }, timeout: { type: "string" } }, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const r = schema.safeParse(values);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => (values[String(i.path[0])] === undefined ? `--${String(i.path[0])} is required` : withValue(i.message, i.path[0], values))).join("; "));
  if (r.data.wait !== undefined && r.data.timeout !== undefined) throw new UsageError("--wait and --timeout are the same setting; give one");
  return { baseUrl: r.data["base-url"], waitS: r.data.wait ?? r.data.timeout ?? DEFAULT_WAIT_S };
}

/** The progress line both wait-healthy and the runner print while they wait. */
export function waitingLine(url: string, p: HealthProgress): string {
  const total = Math.round(p.timeoutMs / 1000);
  if (p.first) return `${url}/health: ${describeAnswer(p.last)}; waiting up to ${total} s (--wait)`;
  return `${url}/health: still ${describeAnswer(p.last)} after ${Math.round(p.elapsedMs / 1000)} of ${total} s`;
}

export async function waitHealthyCli(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<ExitCode> {
  const o = parseWaitArgs(argv);
  try {
    const ms = await waitHealthy(o.baseUrl, {
      timeoutMs: o.waitS * 1000,
      intervalMs: 500,
      onProgress: (p) => io.stderr(`wait-healthy: ${waitingLine(o.baseUrl, p)}\n`),
    });
    io.stdout(`healthy after ${(ms / 1000).toFixed(1)} s\n`);
    return EXIT.passed;
  } catch (e) {
    io.stderr(`wait-healthy: ${e instanceof HealthTimeout ? e.message : (e as Error).message}\n`);
    return EXIT.infrastructure;
  }
}
