/** Polls /health until it answers 200. 503 means the model is still loading; anything else is reported. */

export interface HealthOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called for every answer that is not 200 (503 while loading, or something unexpected). */
  onStatus?: (status: number | string) => void;
  /** Fails fast when it resolves (for example when the server process exits). */
  abort?: Promise<string>;
}

export class HealthTimeout extends Error {
  constructor(readonly url: string, readonly last: number | string, readonly waitedMs: number) {
    super(`${url} not healthy after ${waitedMs} ms (last answer: ${last})`);
    this.name = "HealthTimeout";
  }
}

export async function waitHealthy(baseUrl: string, o: HealthOptions): Promise<number> {
  const url = `${baseUrl.replace(/\/$/, "")}/health`;
  const started = Date.now();
  let last: number | string = "no answer";
  let aborted: string | undefined;
  void o.abort?.then((why) => {
    aborted = why;
  });
  while (Date.now() - started < o.timeoutMs) {
    if (aborted !== undefined) throw new Error(`${url}: gave up: ${aborted}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(5000, o.timeoutMs)) });
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - started;
      last = res.status;
      o.onStatus?.(res.status);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      last = cause?.code ?? cause?.message ?? (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
  throw new HealthTimeout(url, last, Date.now() - started);
}
