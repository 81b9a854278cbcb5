/** Polls /health until it answers 200. 503 means the model is still loading; anything else is reported. */
import { Agent, request as undiciRequest } from "undici";

/** Certificates to trust and the name to check, for endpoints behind a private CA (the burst pools, a test router). */
export interface TlsTrust {
  ca: string;
  servername?: string;
}

export function tlsAgent(t: TlsTrust, connections = 4): Agent {
  return new Agent({ connections, connect: { ca: t.ca, ...(t.servername ? { servername: t.servername } : {}) } });
}

export interface HealthProgress {
  elapsedMs: number;
  timeoutMs: number;
  /** The last answer: an HTTP status, or the connection error's code. */
  last: number | string;
  /** True for the first report (the first answer that is not 200), false for the periodic ones after it. */
  first: boolean;
}

export interface HealthOptions {
  /** Trust these certificates (PEM) and check this name, for an endpoint signed by a private CA. */
  tls?: TlsTrust;
  timeoutMs: number;
  intervalMs?: number;
  /** Called for every answer that is not 200 (503 while loading, or something unexpected). */
  onStatus?: (status: number | string) => void;
  /** Called at the first answer that is not 200, then every `progressEveryMs` while waiting. */
  onProgress?: (p: HealthProgress) => void;
  progressEveryMs?: number;
  /** Fails fast when it resolves (for example when the server process exits). */
  abort?: Promise<string>;
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
  const agent = o.tls ? tlsAgent(o.tls) : undefined;
  try {
    return await poll(url, o, agent);
  } finally {
    await agent?.close();
  }
}

async function poll(url: string, o: HealthOptions, agent: Agent | undefined): Promise<number> {
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
  // One probe always, even with a zero timeout.
  for (let attempt = 0; attempt === 0 || Date.now() - started < o.timeoutMs; attempt++) {
    if (aborted !== undefined) throw new Error(`${url}: gave up: ${aborted}`);
    try {
      const signal = AbortSignal.timeout(Math.max(250, Math.min(5000, o.timeoutMs)));
      const status = agent ? (await undiciRequest(url, { dispatcher: agent, signal }).then(async (r) => (await r.body.arrayBuffer(), r.statusCode))) : await fetch(url, { signal }).then(async (r) => (await r.arrayBuffer(), r.status));
      if (status === 200) return Date.now() - started;
      last = status;
      o.onStatus?.(status);
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
}
