/**
 * The load generator: a fixed number of users, each sending streaming chat completions back to back until the
 * duration is up. Latency is taken per request (end to end), at the first content delta (TTFT) and per streamed
 * content event (inter-token latency); output tokens come from the server's own usage, never re-counted.
 * Rates are taken over the load window: a straggler that ends after it adds to the latencies, not to the time.
 * When the endpoint stops answering, each user backs off, and the run stops once nothing has succeeded for
 * `lostAfterMs`: it reports the endpoint as lost instead of counting thousands of refused connections.
 */
import type { Http, SseEvent } from "../http";
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
  /** Stop when nothing has succeeded for this long while connections fail (default 5000 ms). */
  lostAfterMs?: number;
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
  /** Length of the load window in seconds (the duration, or less when the run stopped early). */
  windowS: number;
  /** Wall time until the last request ended, stragglers included. */
  elapsedS: number;
  requests: number;
  ok: number;
  /** Successful requests that ended within the window, and their output tokens: the basis of the rates. */
  okInWindow: number;
  tokensInWindow: number;
  errors: number;
  /** Failures to reach the endpoint at all (refused, reset, closed): these back off. */
  connectionErrors: number;
  usageMissing: number;
  outputTokens: number;
  latency: Latencies;
  ttft: Latencies;
  itl: Latencies;
  /** The first few distinct error messages. */
  errorSamples: string[];
  /** Set when the run stopped because the endpoint stopped answering. */
  endpointLost?: string;
}

interface Sample {
  ok: boolean;
  connection?: boolean;
  error?: string;
  ms: number;
  ttft?: number;
  gaps: number[];
  tokens?: number;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether an error means the endpoint could not be reached or dropped the connection (not an HTTP answer). */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return CONNECTION_CODES.has(err.code ?? "") || CONNECTION_CODES.has(err.cause?.code ?? "");
}

/**
 * Inter-token latency per streamed content event. Events that arrive in one network read share its arrival time,
 * so each event of a read gets an equal share of the time since the previous read that brought content; events
 * that came with the first token have no observed interval (it lies inside TTFT) and get none. Without this,
 * every event but the first of a read counted as 0 ms.
 */
export function interTokenGaps(content: Pick<SseEvent, "at" | "read">[]): number[] {
  const reads: Array<{ read: number; at: number; events: number }> = [];
  for (const e of content) {
    const last = reads[reads.length - 1];
    if (last && last.read === e.read) last.events++;
    else reads.push({ read: e.read, at: e.at, events: 1 });
  }
  const gaps: number[] = [];
  for (let j = 1; j < reads.length; j++) {
    const cur = reads[j];
    const prev = reads[j - 1];
    if (!cur || !prev) continue;
    for (let k = 0; k < cur.events; k++) gaps.push((cur.at - prev.at) / cur.events);
  }
  return gaps;
}

async function one(http: Http, model: string, o: LoadOptions): Promise<Sample> {
  try {
    const res = await http.stream("/v1/chat/completions", chatBody({ model }, { max_tokens: o.maxTokens, stream_options: { include_usage: true } }), {
      timeoutMs: o.requestTimeoutMs ?? 60_000,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}`, ms: res.ms, gaps: [] };
    if (res.events[res.events.length - 1]?.data !== DONE) return { ok: false, error: "stream ended without [DONE]", ms: res.ms, gaps: [] };
    const payloads = res.events.filter((e) => e.data !== DONE);
    const parsed = chunks(res.events);
    const contentEvents = payloads.filter((_, i) => chunkText(parsed[i]?.body) !== "");
    const usage = parsed.map((c) => usageOf(c.body)).find((u) => u !== undefined);
    const first = contentEvents[0];
    return { ok: true, ms: res.ms, gaps: interTokenGaps(contentEvents), ...(first ? { ttft: first.at } : {}), ...(usage ? { tokens: usage.completion_tokens } : {}) };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { ok: false, connection: isConnectionError(e), error: err.code ?? err.message, ms: 0, gaps: [] };
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/** Back-off after the n-th consecutive connection failure of a user: 50 ms, doubling, at most 2 s. */
export function backoffMs(consecutive: number): number {
  return Math.min(2000, 50 * 2 ** Math.max(0, consecutive - 1));
}

export async function runLoad(http: Http, model: string, o: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = {
    users: o.users, windowS: 0, elapsedS: 0, requests: 0, ok: 0, okInWindow: 0, tokensInWindow: 0, errors: 0, connectionErrors: 0, usageMissing: 0, outputTokens: 0,
    latency: new Latencies(), ttft: new Latencies(), itl: new Latencies(), errorSamples: [],
  };
  const started = performance.now();
  const stopAt = started + o.durationMs;
  const lostAfterMs = o.lostAfterMs ?? 5000;
  const stop = new AbortController();
  const stopSignal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  let lastSuccessAt = started;
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
    let refused = 0;
    while (performance.now() < stopAt && !stopSignal.aborted) {
      const s = await one(http, model, { ...o, signal: stopSignal });
      if (stop.signal.aborted) break;
      const ended = performance.now();
      stats.requests++;
      if (!s.ok) {
        stats.errors++;
        if (s.error && stats.errorSamples.length < 5 && !stats.errorSamples.includes(s.error)) stats.errorSamples.push(s.error);
        if (!s.connection) continue;
        stats.connectionErrors++;
        refused++;
        if (ended - lastSuccessAt >= lostAfterMs) {
          stats.endpointLost = `no request succeeded for ${((ended - lastSuccessAt) / 1000).toFixed(1)} s; the last failed with ${s.error ?? "a connection error"}`;
          stop.abort();
          break;
        }
        await sleep(Math.min(backoffMs(refused), Math.max(0, stopAt - ended)), stopSignal);
        continue;
      }
      refused = 0;
      lastSuccessAt = ended;
      stats.ok++;
      stats.latency.record(s.ms);
      if (s.ttft !== undefined) stats.ttft.record(s.ttft);
      for (const g of s.gaps) stats.itl.record(g);
      if (s.tokens === undefined) stats.usageMissing++;
      else stats.outputTokens += s.tokens;
      if (ended <= stopAt) {
        stats.okInWindow++;
        stats.tokensInWindow += s.tokens ?? 0;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.users }, user));
  } finally {
    clearInterval(ticker);
  }
  const ended = performance.now();
  stats.elapsedS = (ended - started) / 1000;
  stats.windowS = (Math.min(ended, stopAt) - started) / 1000;
  return stats;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** The figures of a run, in the results document's load_test shape. Rates are over the load window. */
export function loadFigures(s: LoadStats) {
  return {
    users: s.users,
    duration_seconds: r2(s.windowS),
    requests: s.requests,
    errors: s.errors,
    error_rate: s.requests === 0 ? 0 : r2(s.errors / s.requests),
    requests_per_second: s.windowS === 0 ? 0 : r2(s.okInWindow / s.windowS),
    p50_latency_ms: s.latency.at(50),
    p95_latency_ms: s.latency.at(95),
    p99_latency_ms: s.latency.at(99),
    ttft_p50_ms: s.ttft.at(50),
    ttft_p95_ms: s.ttft.at(95),
    itl_p50_ms: s.itl.at(50),
    itl_p95_ms: s.itl.at(95),
    output_tokens: s.outputTokens,
    output_tokens_per_second: s.windowS === 0 ? 0 : r2(s.tokensInWindow / s.windowS),
  };
}
