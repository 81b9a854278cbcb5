/** Polls /health until it answers 200. 503 means the model is still loading; anything else is reported. */
import { Agent, fetch as undiciFetch } from "undici";

export interface HealthProgress {
  elapsedMs: number;
  timeoutMs: number;
  /** The last answer: an HTTP status, or the connection error's code. */
  last: number | string;
  /** True for the first report (the first answer that is not 200), false for the periodic ones after it. */
  first: boolean;
}

export interface HealthOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called for every answer that is not 200 (503 while loading, or something unexpected). */
  onStatus?: (status: number | string) => void;
  /** Called at the first answer that is not 200, then every `progressEveryMs` while waiting. */
  onProgress?: (p: HealthProgress) => void;
  progressEveryMs?: number;
  /** Fails fast when it resolves (for example when the server process exits). */
  abort?: Promise<string>;
  /** A certificate (PEM) to trust for an https:// URL (the local fleet's self-signed one), besides the system's. */
  ca?: string;
}

export class HealthTimeout extends Error {
  constructor(readonly url: string, readonly last: number | string, readonly waitedMs: number) {
    super(`${url} not healthy after ${(waitedMs / 1000).toFixed(1)} s (last answer: ${describeAnswer(last)})`);
    this.name = "HealthTimeout";
  }
}

/** An answer from /health (or its absence) in words a person or an agent can act on. */
export function describeAnswer(last: number | string): string {
  if (typeof last === "number") return last === 503 ? "503, the model is loading" : `HTTP ${last}`;
  if (last === "ECONNREFUSED") return "nothing listens there (ECONNREFUSED)";
  if (last === "ENOTFOUND" || last === "EAI_AGAIN") return `the host name does not resolve (${last})`;
  if (last === "UND_ERR_CONNECT_TIMEOUT" || last === "TimeoutError") return `no answer in time (${last})`;
  if (last === "bad port") return "a port the HTTP client refuses to use (bad port)";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(last)) return `the server's TLS certificate is not trusted (${last}); for the local fleet, set NODE_EXTRA_CA_CERTS to the certificate it prints`;
  return last;
}

export async function waitHealthy(baseUrl: string, o: HealthOptions): Promise<number> {
  const url = `${baseUrl.replace(/\/$/, "")}/health`;
  const started = Date.now();
  const every = o.progressEveryMs ?? 5000;
  let last: number | string = "no answer";
  let lastReport: number | undefined;
  let aborted: string | undefined;
  void o.abort?.then((why) => {
    aborted = why;
  });
  const report = () => {
    const now = Date.now();
    if (lastReport !== undefined && now - lastReport < every) return;
    o.onProgress?.({ elapsedMs: now - started, timeoutMs: o.timeoutMs, last, first: lastReport === undefined });
    lastReport = now;
  };
  const agent = o.ca ? new Agent({ connect: { ca: o.ca } }) : undefined;
  const probe = (signal: AbortSignal) => (agent ? undiciFetch(url, { signal, dispatcher: agent }) : fetch(url, { signal }));
  try {
    // One probe always, even with a zero timeout.
    for (let attempt = 0; attempt === 0 || Date.now() - started < o.timeoutMs; attempt++) {
      if (aborted !== undefined) throw new Error(`${url}: gave up: ${aborted}`);
      try {
        const res = await probe(AbortSignal.timeout(Math.max(250, Math.min(5000, o.timeoutMs))));
        await res.arrayBuffer();
        if (res.status === 200) return Date.now() - started;
        last = res.status;
        o.onStatus?.(res.status);
      } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        last = err.cause?.code ?? (err.name === "TimeoutError" ? "TimeoutError" : (err.cause?.message ?? err.message));
      }
      report();
      const left = o.timeoutMs - (Date.now() - started);
      if (left <= 0) break;
      await new Promise((r) => setTimeout(r, Math.min(left, o.intervalMs ?? 100)));
    }
    throw new HealthTimeout(url, last, Date.now() - started);
  } finally {
    await agent?.close();
  }
}
