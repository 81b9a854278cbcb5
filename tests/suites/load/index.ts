/** The load suite: bounded streaming users for --duration, then the runner's own ceiling next to it. */
import { expect, Skip, type SuiteTest } from "../framework";
import { measureCeiling } from "./ceiling";
import { loadFigures, runLoad } from "./generator";

/** Tokens per request: long enough for inter-token gaps, short enough for many requests in a short run. */
const MAX_TOKENS = 32;
/** The runner must sustain this many times the server's request rate, or its figures would be its own. */
const HEADROOM = 5;

const streamingUsers: SuiteTest = {
  name: "streaming users for the duration",
  timeoutMs: (o) => o.durationS * 1000 + o.testTimeoutMs,
  async run(ctx) {
    const users = ctx.options.concurrency;
    const retriesBefore = ctx.http.staleRetries;
    const stats = await runLoad(ctx.http, ctx.model, {
      users,
      durationMs: ctx.options.durationS * 1000,
      maxTokens: MAX_TOKENS,
      signal: ctx.signal,
      onTick: (p) => ctx.progress(`[load] ${p.elapsedS.toFixed(0)}/${ctx.options.durationS} s  users ${users}  requests ${p.requests}  errors ${p.errors}  ${p.currentRps.toFixed(1)} req/s  ${p.currentTokensPerS.toFixed(0)} tok/s`),
    });
    const figures = loadFigures(stats);
    ctx.artifacts.load = figures;
    const metrics = { ...figures, usage_missing: stats.usageMissing, stale_connection_retries: ctx.http.staleRetries - retriesBefore, ...(stats.errorSamples.length ? { error_samples: stats.errorSamples.join(" | ") } : {}) };
    for (const h of [stats.latency, stats.ttft, stats.itl]) h.destroy();
    expect(stats.endpointLost === undefined, `the endpoint stopped answering: ${stats.endpointLost ?? ""}`, metrics);
    expect(figures.requests > 0, "no request completed within the duration", metrics);
    expect(figures.error_rate <= ctx.options.maxErrorRate, `error rate ${figures.error_rate} > ${ctx.options.maxErrorRate} (${stats.errorSamples.join(" | ")})`, metrics);
    expect(stats.usageMissing === 0, `${stats.usageMissing} streams carried no usage, so output tokens cannot be counted`, metrics);
    return { metrics };
  },
};

const runnerCeiling: SuiteTest = {
  name: "runner sustains far more than the server under test",
  async run(ctx) {
    const load = ctx.artifacts.load;
    if (!load) throw new Skip("the load run produced no figures to compare with");
    const ceiling = await measureCeiling();
    load.runner_ceiling_rps = ceiling.rps;
    const metrics = { runner_ceiling_rps: ceiling.rps, server_rps: load.requests_per_second, headroom: Math.round((ceiling.rps / Math.max(load.requests_per_second, 0.001)) * 10) / 10 };
    expect(ceiling.errors === 0, `the loopback stub returned ${ceiling.errors} errors`, metrics);
    expect(ceiling.rps >= HEADROOM * load.requests_per_second, `the runner tops out at ${ceiling.rps} req/s, less than ${HEADROOM}x the server's ${load.requests_per_second} req/s: the figures measure the runner`, metrics);
    return { metrics };
  },
};

export const load: SuiteTest[] = [streamingUsers, runnerCeiling];
