/**
 * The load generator: a fixed number of users, each sending streaming chat completions back to back until the
 * duration is up. Latency is taken per request (end to end), at the first content delta (TTFT) and between
 * content deltas (inter-token latency); output tokens come from the server's own usage, never re-counted.
 */
import type { Http } from "../http";
import { chatBody, chunks, chunkText, DONE, usageOf } from "../requests";
import { Latencies } from "./histogram";

export interface LoadOptions {
  users: number;
  durationMs: number;
  maxTokens: number;
  requestTimeoutMs?: number;
  /** Called about once a second with running totals. */
  onTick?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedS: number;
  requests: number;
  errors: number;
  /** Completed requests per second over the last tick. */
  currentRps: number;
  currentTokensPerS: number;
}

export interface LoadStats {
  users: number;
  elapsedS: number;
  requests: number;
  ok: number;
  errors: number;
  usageMissing: number;
  outputTokens: number;
  latency: Latencies;
  ttft: Latencies;
  itl: Latencies;
  /** The first few distinct error messages. */
  errorSamples: string[];
}

interface Sample {
  ok: boolean;
  error?: string;
  ms: number;
  ttft?: number;
  gaps: number[];
  tokens?: number;
}

async function one(http: Http, model: string, o: LoadOptions): Promise<Sample> {
  try {
    const res = await http.stream("/v1/chat/completions", chatBody({ model }, { max_tokens: o.maxTokens, stream_options: { include_usage: true } }), {
      timeoutMs: o.requestTimeoutMs ?? 60_000,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}`, ms: res.ms, gaps: [] };
    if (res.events[res.events.length - 1]?.data !== DONE) return { ok: false, error: "stream ended without [DONE]", ms: res.ms, gaps: [] };
    const parsed = chunks(res.events);
    const content = parsed.filter((c) => chunkText(c.body) !== "").map((c) => c.at);
    const gaps = content.slice(1).map((t, i) => t - (content[i] ?? t));
    const usage = parsed.map((c) => usageOf(c.body)).find((u) => u !== undefined);
    return { ok: true, ms: res.ms, gaps, ...(content[0] !== undefined ? { ttft: content[0] } : {}), ...(usage ? { tokens: usage.completion_tokens } : {}) };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { ok: false, error: err.code ?? err.message, ms: 0, gaps: [] };
  }
}

export async function runLoad(http: Http, model: string, o: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = { users: o.users, elapsedS: 0, requests: 0, ok: 0, errors: 0, usageMissing: 0, outputTokens: 0, latency: new Latencies(), ttft: new Latencies(), itl: new Latencies(), errorSamples: [] };
  const started = performance.now();
  const stopAt = started + o.durationMs;
  let last = { at: started, requests: 0, tokens: 0 };
  const ticker = setInterval(() => {
    const now = performance.now();
    const window = (now - last.at) / 1000;
    o.onTick?.({
      elapsedS: (now - started) / 1000,
      requests: stats.requests,
      errors: stats.errors,
      currentRps: (stats.requests - last.requests) / window,
      currentTokensPerS: (stats.outputTokens - last.tokens) / window,
    });
    last = { at: now, requests: stats.requests, tokens: stats.outputTokens };
  }, 1000);
  const user = async () => {
    while (performance.now() < stopAt && !o.signal?.aborted) {
      const s = await one(http, model, o);
      stats.requests++;
      if (!s.ok) {
        stats.errors++;
        if (s.error && stats.errorSamples.length < 5 && !stats.errorSamples.includes(s.error)) stats.errorSamples.push(s.error);
        continue;
      }
      stats.ok++;
      stats.latency.record(s.ms);
      if (s.ttft !== undefined) stats.ttft.record(s.ttft);
      for (const g of s.gaps) stats.itl.record(g);
      if (s.tokens === undefined) stats.usageMissing++;
      else stats.outputTokens += s.tokens;
    }
  };
  try {
    await Promise.all(Array.from({ length: o.users }, user));
  } finally {
    clearInterval(ticker);
  }
  stats.elapsedS = (performance.now() - started) / 1000;
  return stats;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** The figures of a run, in the results document's load_test shape. */
export function loadFigures(s: LoadStats) {
  return {
    users: s.users,
    duration_seconds: r2(s.elapsedS),
    requests: s.requests,
    errors: s.errors,
    error_rate: s.requests === 0 ? 0 : r2(s.errors / s.requests),
    requests_per_second: s.elapsedS === 0 ? 0 : r2(s.ok / s.elapsedS),
    p50_latency_ms: s.latency.at(50),
    p95_latency_ms: s.latency.at(95),
    p99_latency_ms: s.latency.at(99),
    ttft_p50_ms: s.ttft.at(50),
    ttft_p95_ms: s.ttft.at(95),
    itl_p50_ms: s.itl.at(50),
    itl_p95_ms: s.itl.at(95),
    output_tokens: s.outputTokens,
    output_tokens_per_second: s.elapsedS === 0 ? 0 : r2(s.outputTokens / s.elapsedS),
  };
}
