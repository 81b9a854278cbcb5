/** The runner's flags, parsed and validated at the edge: a bad value names the flag and what it accepts (exit 3). */
import { parseArgs } from "node:util";
import { z } from "zod";
import { SUITE_CHOICES } from "./results";

export const CLOUDS = ["aws", "gcp", "hetzner"] as const;

export class UsageError extends Error {
  override name = "UsageError";
}

const num = (flag: string, min: number, max: number, int = false) =>
  z.coerce
    .number({ error: `--${flag} must be a number` })
    .refine((n) => Number.isFinite(n) && n >= min && n <= max && (!int || Number.isInteger(n)), { message: `--${flag} must be ${int ? "an integer" : "a number"} from ${min} to ${max}` });

/** An http(s) URL without trailing slashes: the endpoint every entry point takes. */
export const baseUrlSchema = z
  .url({ protocol: /^https?$/, error: "--base-url must be an http:// or https:// URL" })
  .transform((u) => u.replace(/\/+$/, ""));

const schema = z
  .object({
    suite: z.enum(SUITE_CHOICES, { error: `--suite must be one of ${SUITE_CHOICES.join(", ")}` }).default("all"),
    "base-url": baseUrlSchema.optional(),
    output: z.enum(["json", "text"], { error: "--output must be json or text" }).default("text"),
    duration: num("duration", 1, 3600).default(10),
    concurrency: num("concurrency", 1, 256, true).default(4),
    "api-key": z.string().min(1, { error: "--api-key must not be empty" }).optional(),
    "latency-ms": num("latency-ms", 1, 600_000).default(2000),
    wait: num("wait", 0, 3600).default(60),
    timeout: num("timeout", 1, 3600).default(60),
    "soak-requests": num("soak-requests", 1, 10_000, true).default(40),
    "max-error-rate": num("max-error-rate", 0, 1).default(0.01),
    cloud: z.enum(CLOUDS, { error: `--cloud must be one of ${CLOUDS.join(", ")}` }).optional(),
    "skip-teardown": z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.suite === "cloud" && !o.cloud) ctx.addIssue({ code: "custom", message: `--suite cloud needs --cloud ${CLOUDS.join("|")}` });
    if (o.suite !== "cloud" && o.cloud) ctx.addIssue({ code: "custom", message: "--cloud only applies to --suite cloud" });
    if (o.suite !== "cloud" && o["skip-teardown"]) ctx.addIssue({ code: "custom", message: "--skip-teardown only applies to --suite cloud" });
  });

export type RunnerOptions = z.infer<typeof schema>;

const FLAGS = {
  suite: { type: "string" },
  "base-url": { type: "string" },
  output: { type: "string" },
  duration: { type: "string" },
  concurrency: { type: "string" },
  "api-key": { type: "string" },
  "latency-ms": { type: "string" },
  wait: { type: "string" },
  timeout: { type: "string" },
  "soak-requests": { type: "string" },
  "max-error-rate": { type: "string" },
  cloud: { type: "string" },
  "skip-teardown": { type: "boolean" },
} as const;

/** Parses argv; the API key may also come from HI_API_KEY, which keeps it out of process lists and CI logs. */
export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RunnerOptions {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Flags: ${Object.keys(FLAGS).map((f) => `--${f}`).join(" ")}`);
  }
  if (values["api-key"] === undefined && env.HI_API_KEY) values["api-key"] = env.HI_API_KEY;
  const r = schema.safeParse(values);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => i.message).join("; "));
  return r.data;
}

/** Whether the caller asked for JSON, read leniently so even a usage error can be reported as JSON. */
export function wantsJson(argv: string[]): boolean {
  const i = argv.findIndex((a) => a === "--output" || a.startsWith("--output="));
  if (i < 0) return false;
  return argv[i] === "--output=json" || (argv[i] === "--output" && argv[i + 1] === "json");
}
