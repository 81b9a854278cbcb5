/**
 * `npm run wait-healthy -- --base-url URL [--timeout S]`: polls /health until 200. 503 means the model is
 * still loading and is waited out quietly; any other answer is reported as it happens.
 * Exit 0 healthy, 2 not healthy in time, 3 bad flags.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { HealthTimeout, waitHealthy } from "../../inference-image/local/health";
import { baseUrlSchema } from "./options";
import { EXIT, type ExitCode } from "./results";

const schema = z.object({
  "base-url": baseUrlSchema,
  timeout: z.coerce.number().refine((n) => Number.isFinite(n) && n > 0 && n <= 3600, { message: "--timeout must be seconds from 1 to 3600" }).default(120),
});

export async function waitHealthyCli(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<ExitCode> {
  let o: z.infer<typeof schema>;
  try {
    const { values } = parseArgs({ args: argv, options: { "base-url": { type: "string" }, timeout: { type: "string" } }, strict: true });
    const r = schema.safeParse(values);
    if (!r.success) throw new Error(r.error.issues.map((i) => (i.code === "invalid_type" ? `--${String(i.path[0])} is required` : i.message)).join("; "));
    o = r.data;
  } catch (e) {
    io.stderr(`wait-healthy: ${(e as Error).message}\n`);
    return EXIT.configuration;
  }
  let loading = false;
  const seen = new Set<string>();
  try {
    const ms = await waitHealthy(o["base-url"], {
      timeoutMs: o.timeout * 1000,
      intervalMs: 500,
      onStatus: (s) => {
        if (s === 503) {
          if (!loading) io.stderr("wait-healthy: 503, the model is loading\n");
          loading = true;
        } else if (!seen.has(String(s))) {
          seen.add(String(s));
          io.stderr(`wait-healthy: /health answered ${s}\n`);
        }
      },
    });
    io.stdout(`healthy after ${(ms / 1000).toFixed(1)} s\n`);
    return EXIT.passed;
  } catch (e) {
    io.stderr(`wait-healthy: ${e instanceof HealthTimeout ? e.message : (e as Error).message}\n`);
    return EXIT.infrastructure;
  }
}
