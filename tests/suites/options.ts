/** The runner's flags, parsed and validated at the edge: a bad value names the flag and what it accepts (exit 3). */
import { parseArgs } from "node:util";
import { z } from "zod";
import { SUITE_CHOICES } from "./results";

export const CLOUDS = ["aws", "gcp", "hetzner"] as const;

export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Seconds the runner and wait-healthy wait for /health by default: long enough for a server that is starting (the
 * local stack takes about a second, a node loading a model longer: a deploy passes its own), and never silent:
 * both print what /health answers on stderr while they wait.
 */
export const DEFAULT_WAIT_S = 60;

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
    "metrics-url": z.url({ protocol: /^https?$/, error: "--metrics-url must be an http:// or https:// URL" }).optional(),
    output: z.enum(["json", "text"], { error: "--output must be json or text" }).default("text"),
    duration: num("duration", 1, 3600).default(10),
    concurrency: num("concurrency", 1, 256, true).default(4),
    "api-key": z.string().min(1, { error: "--api-key must not be empty" }).optional(),
    "latency-ms": num("latency-ms", 1, 600_000).default(2000),
    wait: num("wait", 0, 3600).default(DEFAULT_WAIT_S),
    timeout: num("timeout", 1, 3600).default(60),
    "soak-requests": num("soak-requests", 1, 10_000, true).default(40),
    "max-error-rate": num("max-error-rate", 0, 1).default(0.01),
    cloud: z.enum(CLOUDS, { error: `--cloud must be one of ${CLOUDS.join(", ")}` }).optional(),
    "skip-teardown": z.boolean().default(false),
    stack: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: "--stack must be a stack name (letters, digits, '.', '_', '-')" }).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.suite === "cloud" && !o.cloud) ctx.addIssue({ code: "custom", message: `--suite cloud needs --cloud ${CLOUDS.join("|")}` });
    if (o.suite !== "cloud" && o.cloud) ctx.addIssue({ code: "custom", message: "--cloud only applies to --suite cloud" });
    if (o.suite !== "cloud" && o["skip-teardown"]) ctx.addIssue({ code: "custom", message: "--skip-teardown only applies to --suite cloud" });
    if (o.suite !== "fleet" && o["metrics-url"]) ctx.addIssue({ code: "custom", message: "--metrics-url only applies to --suite fleet" });
    if (o.stack && (o.suite !== "fleet" || o["base-url"])) ctx.addIssue({ code: "custom", message: "--stack only applies to --suite fleet without --base-url (the local fleet renders that stack)" });
    if (o.suite === "fleet" && o["base-url"] && !o["metrics-url"]) ctx.addIssue({ code: "custom", message: "--suite fleet against --base-url needs --metrics-url, the router's Prometheus exporter (http://<router>:8405/metrics)" });
  });

export type RunnerOptions = z.infer<typeof schema>;

const FLAGS = {
  suite: { type: "string" },
  "base-url": { type: "string" },
  "metrics-url": { type: "string" },
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
  stack: { type: "string" },
} as const;

/** A flag's message with the value that was given (never the API key's). */
export function withValue(message: string, flag: PropertyKey | undefined, values: Record<string, unknown>): string {
  const given = typeof flag === "string" && flag !== "api-key" ? values[flag] : undefined;
  return typeof given === "string" ? `${message} (got ${JSON.stringify(given)})` : message;
}

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
  if (!r.success) throw new UsageError(r.error.issues.map((i) => withValue(i.message, i.path[0], values)).join("; "));
  return r.data;
}


export const USAGE = `usage: npm run suite -- [--suite smoke|contract|integration|load|all|fleet|cloud] [--base-url URL] [--output json|text] ...
Runs the test suites against an endpoint, or against the local stack it starts (no --base-url).
  --suite NAME            smoke, contract, integration, load, all (default: the first four), fleet (the routers:
                          spill-over, queue, retries, 503, floods; starts a stack's local fleet), cloud (needs --cloud aws|gcp|hetzner)
  --base-url URL          an http(s):// endpoint; without it the local stack (or fleet) is started and stopped
  --metrics-url URL       --suite fleet against --base-url: the router's Prometheus exporter
  --stack S               --suite fleet without --base-url: the stack whose fleet to start (default staging)
  --output json|text      json prints one document on stdout (docs/test-results.schema.json); default text
  --api-key K             bearer key (or HI_API_KEY)
  --wait S                seconds to wait for /health, with progress on stderr (default ${DEFAULT_WAIT_S})
  --timeout S             per-test deadline (default 60)
  --duration S            load duration (default 10)        --concurrency N   load users (default 4)
  --latency-ms MS         smoke p95 threshold (default 2000)  --soak-requests N memory soak requests (default 40)
  --max-error-rate R      load error rate accepted (default 0.01)
  --cloud aws|gcp|hetzner, --skip-teardown   for --suite cloud
An https:// endpoint with a private or self-signed certificate (npm run local -- --fleet prints its own): set
NODE_EXTRA_CA_CERTS to the certificate file.
Exit codes: 0 passed, 1 a test failed, 2 the endpoint is not reachable or not healthy (or went away), 3 a bad flag or value.`;

/** The --suite value as given, read leniently so a usage error can still name the suite that was asked for. */
export function requestedSuite(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === "--suite" || a.startsWith("--suite="));
  if (i < 0) return undefined;
  const arg = argv[i] ?? "";
  return arg.startsWith("--suite=") ? arg.slice("--suite=".length) : argv[i + 1];
}

/** Whether the caller asked for JSON, read leniently so even a usage error can be reported as JSON. */
export function wantsJson(argv: string[]): boolean {
  const i = argv.findIndex((a) => a === "--output" || a.startsWith("--output="));
  if (i < 0) return false;
  return argv[i] === "--output=json" || (argv[i] === "--output" && argv[i + 1] === "json");
}
