/**
 * The results document the suite runner prints with `--output json`: the contract scripts and agents read.
 * This zod schema is the one source; docs/test-results.schema.json is generated from it (npm run gen:results-schema)
 * and the tests validate the runner's real output against that published file with an independent validator.
 */
import { z } from "zod";

/** The suites `--suite all` runs against one endpoint. */
export const SUITES = ["smoke", "contract", "integration", "load"] as const;
/** The router's behaviour: against the local fleet, or a router given with --base-url and --metrics-url. */
export const FLEET_SUITE = "fleet";
export const SUITE_CHOICES = [...SUITES, FLEET_SUITE, "all", "cloud"] as const;
export type SuiteName = (typeof SUITES)[number] | typeof FLEET_SUITE;

export const EXIT = { passed: 0, failed: 1, infrastructure: 2, configuration: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const ms = z.number().nonnegative().describe("milliseconds");

export const testResult = z
  .object({
    name: z.string().describe("suite/behaviour, for example smoke/health"),
    suite: z.string(),
    status: z.enum(["passed", "failed", "skipped"]),
    duration: z.number().nonnegative().describe("seconds"),
    error: z.string().optional().describe("why it failed, or why it was skipped"),
    metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
    notes: z.array(z.string()).optional().describe("known deviations and other facts worth reading"),
  })
  .strict();

export const loadResult = z
  .object({
    users: z.number().int().positive(),
    duration_seconds: z.number().nonnegative(),
    requests: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    error_rate: z.number().min(0).max(1),
    requests_per_second: z.number().nonnegative(),
    p50_latency_ms: ms,
    p95_latency_ms: ms,
    p99_latency_ms: ms,
    ttft_p50_ms: ms,
    ttft_p95_ms: ms,
    itl_p50_ms: ms.describe("inter-token latency: gaps between streamed content deltas"),
    itl_p95_ms: ms,
    output_tokens: z.number().int().nonnegative().describe("sum of the server's usage.completion_tokens"),
    output_tokens_per_second: z.number().nonnegative(),
    runner_ceiling_rps: z.number().nonnegative().optional().describe("what the runner sustains against a loopback stub"),
  })
  .strict();

export const resultsDocument = z
  .object({
    suite: z.enum(SUITE_CHOICES).nullable().describe("the suite asked for; null only when a configuration error's --suite named none (the message quotes it)"),
    target: z.object({ base_url: z.string(), kind: z.enum(["local", "remote"]) }).strict().optional(),
    started_at: z.string().describe("ISO 8601"),
    exit_code: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    error: z
      .object({ kind: z.enum(["infrastructure", "configuration"]), message: z.string() })
      .strict()
      .optional()
      .describe("set when the run could not start (exit codes 2 and 3) or the endpoint went away during it (exit code 2, with the tests run until then)"),
    summary: z
      .object({
        total: z.number().int().nonnegative(),
        passed: z.number().int().nonnegative(),
        failed: z.number().int().nonnegative(),
        skipped: z.number().int().nonnegative(),
        duration_seconds: z.number().nonnegative(),
      })
      .strict(),
    tests: z.array(testResult),
    load_test: loadResult.optional(),
  })
  .strict();

export type TestResult = z.infer<typeof testResult>;
export type LoadResult = z.infer<typeof loadResult>;
export type ResultsDocument = z.infer<typeof resultsDocument>;

/** The JSON Schema published in docs/. */
export function resultsJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://hybrid-inference.invalid/schemas/test-results.schema.json",
    title: "hybrid-inference suite runner results",
    ...z.toJSONSchema(resultsDocument, { target: "draft-2020-12" }),
  };
}
