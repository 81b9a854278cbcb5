/**
 * Runs the chosen suites against a target and builds the results document. Never throws for an expected
 * problem: a bad option, an unreachable endpoint and a failing test all end as a document with an exit code.
 */
import { describeAnswer, HealthTimeout, type TlsTrust, waitHealthy } from "../../local/stack/health";
import { runTest, type SuiteContext, type SuiteOptions } from "./framework";
import { Http } from "./http";
import type { RunnerOptions } from "./options";
import { REGISTRY } from "./registry";
import { EXIT, type ExitCode, type ResultsDocument, SUITES, type SuiteName, type TestResult } from "./results";
import { InfrastructureError, openTarget, type Target } from "./target";

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

export interface RunIo {
  /** Progress for people; the CLI sends it to stderr. */
  progress: (line: string) => void;
  /** Called after each test, for live text output. */
  onResult?: (r: TestResult) => void;
}

export function suitesFor(suite: RunnerOptions["suite"]): SuiteName[] {
  if (suite === "all") return [...SUITES];
  if (suite === "cloud") return [];
  return [suite];
}

export function summarize(tests: TestResult[], startedMs: number): ResultsDocument["summary"] {
  return {
    total: tests.length,
    passed: tests.filter((t) => t.status === "passed").length,
    failed: tests.filter((t) => t.status === "failed").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
    duration_seconds: Math.round((performance.now() - startedMs) / 10) / 100,
  };
}

export function errorDocument(suite: ResultsDocument["suite"], kind: "infrastructure" | "configuration", message: string, startedAt = new Date()): ResultsDocument {
  const exit_code: ExitCode = kind === "infrastructure" ? EXIT.infrastructure : EXIT.configuration;
  return { suite, started_at: startedAt.toISOString(), exit_code, error: { kind, message }, summary: { total: 0, passed: 0, failed: 0, skipped: 0, duration_seconds: 0 }, tests: [] };
}

/** What the endpoint tells about itself: the model to name in requests and the number of slots. */
async function discover(http: Http): Promise<{ model: string; slots?: number }> {
  const models = await http.get("/v1/models", { timeoutMs: 10_000 });
  if (models.status === 401) throw new ConfigurationError(`${http.baseUrl} requires an API key${http.apiKey ? " and rejected the one given" : ""}: pass --api-key or set HI_API_KEY`);
  const id = (models.json as { data?: Array<{ id?: unknown }> } | undefined)?.data?.[0]?.id;
  const props = await http.get("/props", { timeoutMs: 10_000 }).catch(() => undefined);
  const slots = (props?.json as { total_slots?: unknown } | undefined)?.total_slots;
  return { model: typeof id === "string" ? id : "default", ...(typeof slots === "number" && slots > 0 ? { slots } : {}) };
}

/** After a failed test: is the endpoint still there? Probes /health, backing off, for up to `graceMs`. */
export async function endpointGone(baseUrl: string, graceMs = 5000, tls?: TlsTrust): Promise<string | undefined> {
  try {
    await waitHealthy(baseUrl, { timeoutMs: graceMs, intervalMs: 500, ...(tls ? { tls } : {}) });
    return undefined;
  } catch (e) {
    if (e instanceof HealthTimeout) return `/health: ${describeAnswer(e.last)} for ${(e.waitedMs / 1000).toFixed(1)} s`;
    return (e as Error).message;
  }
}

export function suiteOptions(o: RunnerOptions): SuiteOptions {
  return {
    latencyMs: o["latency-ms"],
    durationS: o.duration,
    concurrency: o.concurrency,
    soakRequests: o["soak-requests"],
    maxErrorRate: o["max-error-rate"],
    testTimeoutMs: o.timeout * 1000,
  };
}

export async function runSuites(o: RunnerOptions, io: RunIo): Promise<ResultsDocument> {
  const startedAt = new Date();
  const started = performance.now();
  let target: Target | undefined;
  let http: Http | undefined;
  try {
    target = await openTarget(o, io);
    http = new Http(target.baseUrl, target.apiKey, Math.max(16, o.concurrency * 2), target.tls);
    const found = await discover(http);
    const base: Omit<SuiteContext, "signal"> = {
      http,
      model: found.model,
      ...(target.apiKey ? { apiKey: target.apiKey } : {}),
      ...(found.slots ? { slots: found.slots } : {}),
      ...(target.localPid ? { localPid: target.localPid } : {}),
      ...(target.fleet ? { fleet: target.fleet } : {}),
      options: suiteOptions(o),
      progress: io.progress,
      artifacts: {},
    };
    const tests: TestResult[] = [];
    let lost: string | undefined;
    run: for (const suite of suitesFor(o.suite)) {
      for (const test of REGISTRY[suite]) {
        const r = await runTest(suite, test, base);
        tests.push(r);
        io.onResult?.(r);
        // A failure may be the endpoint going away: then the rest of the run would only count refused connections.
        if (r.status === "failed" && (lost = await endpointGone(target.baseUrl, 5000, target.tls)) !== undefined) {
          lost = `the endpoint stopped answering during ${r.name}: ${lost}`;
          break run;
        }
      }
    }
    const summary = summarize(tests, started);
    if (lost !== undefined) {
      return {
        suite: o.suite,
        target: { base_url: target.baseUrl, kind: target.kind },
        started_at: startedAt.toISOString(),
        exit_code: EXIT.infrastructure,
        error: { kind: "infrastructure", message: lost },
        summary,
        tests,
        ...(base.artifacts.load ? { load_test: base.artifacts.load } : {}),
      };
    }
    return {
      suite: o.suite,
      target: { base_url: target.baseUrl, kind: target.kind },
      started_at: startedAt.toISOString(),
      exit_code: summary.failed > 0 ? EXIT.failed : EXIT.passed,
      summary,
      tests,
      ...(base.artifacts.load ? { load_test: base.artifacts.load } : {}),
    };
  } catch (e) {
    if (e instanceof ConfigurationError) return errorDocument(o.suite, "configuration", e.message, startedAt);
    if (e instanceof InfrastructureError) return errorDocument(o.suite, "infrastructure", e.message, startedAt);
    const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
    return errorDocument(o.suite, "infrastructure", `${(e as Error).message}${code ? ` (${code})` : ""}`, startedAt);
  } finally {
    await http?.close();
    await target?.stop();
  }
}
