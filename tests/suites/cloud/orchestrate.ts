/**
 * The cloud smoke's orchestration, independent of Pulumi so it can be proven against a fake workspace:
 * check prerequisites, create an ephemeral stack, up, wait for /health, one completion, and always tear down
 * (destroy, then remove the stack), even after a failure, a blown time budget or Ctrl-C.
 */
import { type TlsTrust, waitHealthy } from "../../../local/stack/health";
import { withDeadline } from "../framework";
import { Http } from "../http";
import { EXIT, type ResultsDocument, type TestResult } from "../results";
import { errorDocument, summarize } from "../run";
import type { SmokeCloud, SmokeEstimate } from "./smoke-config";

export interface SmokeStack {
  readonly name: string;
  /** Brings the stack up and returns the inference endpoint it exports, and what to trust to verify it. */
  up(o: { onOutput: (line: string) => void }): Promise<{ endpoint: string; tls?: TlsTrust }>;
  destroy(o: { onOutput: (line: string) => void }): Promise<void>;
  remove(): Promise<void>;
  /** Cancels an update in flight (Ctrl-C, or the budget ran out). */
  cancel(): Promise<void>;
}

export interface SmokeDeps {
  /** Prerequisites that are missing (CLI, backend, credentials); empty when the smoke may run. */
  missing(): string[];
  create(name: string, apiKey: string): Promise<SmokeStack>;
  /** Subscribes to Ctrl-C; returns the unsubscribe function. */
  onInterrupt(handler: () => void): () => void;
}

export interface SmokeOptions {
  cloud: SmokeCloud;
  stackName: string;
  apiKey: string;
  estimate: SmokeEstimate;
  skipTeardown: boolean;
  /** The whole run, teardown excluded. */
  budgetMs: number;
  healthTimeoutMs: number;
  /** How often /health is polled (default 5 s). */
  healthPollMs?: number;
  teardownTimeoutMs: number;
  /** How to remove a kept stack by hand (printed with --skip-teardown or when teardown fails). */
  removeHint: string;
}

export interface SmokeIo {
  log: (line: string) => void;
}

class Interrupted extends Error {}

export async function runCloudSmoke(o: SmokeOptions, deps: SmokeDeps, io: SmokeIo): Promise<ResultsDocument> {
  const startedAt = new Date();
  const started = performance.now();
  io.log(`cloud smoke: stack ${o.stackName}, one ${o.estimate.node} node`);
  io.log(`cloud smoke: time budget ${o.estimate.budgetMinutes} min, estimated cost at most $${o.estimate.maxCostUsd.toFixed(2)} ($${o.estimate.hourlyUsd.toFixed(4)}/h for node and load balancer)`);
  const missing = deps.missing();
  if (missing.length > 0) return errorDocument("cloud", "infrastructure", `cannot run the ${o.cloud} cloud smoke; missing: ${missing.join("; ")}`, startedAt);

  const tests: TestResult[] = [];
  let failedStep: string | undefined;
  let interrupted = false;
  let stack: SmokeStack | undefined;
  let abort: (why: Error) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  aborted.catch(() => undefined);
  const stopAll = (why: Error) => {
    abort(why);
    void stack?.cancel().catch(() => undefined);
  };
  const unsubscribe = deps.onInterrupt(() => {
    interrupted = true;
    io.log("cloud smoke: interrupted; cancelling and tearing down (this takes a few minutes)");
    stopAll(new Interrupted("interrupted (Ctrl-C)"));
  });
  const budget = setTimeout(() => stopAll(new Error(`the time budget of ${o.estimate.budgetMinutes} min ran out`)), o.budgetMs);

  const step = async <T>(name: string, fn: () => Promise<T>, cancellable = true): Promise<T | undefined> => {
    const t0 = performance.now();
    const row = (status: TestResult["status"], error?: string): TestResult => ({ name: `cloud/${name}`, suite: "cloud", status, duration: Math.round((performance.now() - t0) / 10) / 100, ...(error ? { error } : {}) });
    if (failedStep) {
      tests.push(row("skipped", `not reached: ${failedStep} failed`));
      return undefined;
    }
    io.log(`cloud smoke: ${name}`);
    try {
      const value = await (cancellable ? Promise.race([fn(), aborted]) : fn());
      tests.push(row("passed"));
      return value;
    } catch (e) {
      failedStep = `cloud/${name}`;
      tests.push(row("failed", (e as Error).message));
      return undefined;
    }
  };

  const onOutput = (line: string) => {
    for (const l of line.split("\n")) if (l.trim()) io.log(`  ${l.trimEnd()}`);
  };
  try {
    stack = await step("create stack", () => deps.create(o.stackName, o.apiKey));
    const up = await step("up", () => (stack ? stack.up({ onOutput }) : Promise.reject(new Error("no stack"))));
    const endpoint = up?.endpoint;
    const trust = up?.tls;
    await step("health", () => waitHealthy(endpoint ?? "", { timeoutMs: o.healthTimeoutMs, intervalMs: o.healthPollMs ?? 5000, onStatus: (s) => io.log(`  /health: ${s}`), abort: aborted.catch((e: Error) => e.message), ...(trust ? { tls: trust } : {}) }));
    await step("completion", async () => {
      const http = new Http(endpoint ?? "", o.apiKey, 1, trust);
      try {
        const res = await http.post("/v1/completions", { prompt: "Hello", max_tokens: 8 }, { timeoutMs: 60_000 });
        const text = (res.json as { choices?: Array<{ text?: unknown }> } | undefined)?.choices?.[0]?.text;
        if (res.status !== 200 || typeof text !== "string") throw new Error(`POST /v1/completions answered ${res.status}: ${res.text.slice(0, 200)}`);
      } finally {
        await http.close();
      }
    });
  } finally {
    clearTimeout(budget);
    if (stack) {
      const keep = stack;
      if (o.skipTeardown) {
        tests.push({ name: "cloud/teardown", suite: "cloud", status: "skipped", duration: 0, error: `kept by --skip-teardown; remove it with: ${o.removeHint}` });
        io.log(`cloud smoke: kept stack ${keep.name}; remove it with:\n  ${o.removeHint}`);
      } else {
        failedStep = undefined;
        await step(
          "teardown",
          () => withDeadline((async () => { await keep.destroy({ onOutput }); await keep.remove(); })(), o.teardownTimeoutMs, () => new Error(`destroy and stack removal did not finish within ${Math.round(o.teardownTimeoutMs / 1000)} s`)),
          false,
        );
        if (tests[tests.length - 1]?.status === "failed") io.log(`cloud smoke: TEARDOWN FAILED; resources may still be running. Remove them with:\n  ${o.removeHint}`);
      }
    }
    unsubscribe();
  }
  const failed = tests.filter((t) => t.status === "failed").length;
  return {
    suite: "cloud",
    started_at: startedAt.toISOString(),
    exit_code: failed > 0 || interrupted ? EXIT.failed : EXIT.passed,
    summary: summarize(tests, started),
    tests,
  };
}
