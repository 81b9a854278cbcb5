/**
 * The HTTP client every suite uses: undici with a connection pool sized for the load suite, an optional bearer
 * key, JSON helpers, and an SSE reader that stamps every event with its arrival time.
 */
import { createParser } from "eventsource-parser";
import { Agent, request } from "undici";
import type { TlsTrust } from "../../local/stack/health";

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

export interface SseEvent {
  data: string;
  /** Milliseconds since the request was sent, when the network read that completed the event arrived. */
  at: number;
  /** Which network read completed the event (0, 1, ...): events of one read arrived together. */
  read: number;
}

export interface SseResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: SseEvent[];
  /** The raw body when the answer was not a 200 stream (an error object, usually). */
  text: string;
  ms: number;
}

export interface RequestOptions {
  /** Send the API key (default true). False sends no Authorization header; a string sends that key instead. */
  auth?: boolean | string;
  signal?: AbortSignal;
  /** A raw body sent as is, for malformed-input tests. */
  rawBody?: string;
  timeoutMs?: number;
}

/**
 * llama-server (cpp-httplib) sometimes closes a kept-alive connection after a streamed response without saying
 * so, and the next request on that socket is reset before any answer. Like the OpenAI SDKs, the client retries
 * such a request once on a fresh connection (nothing reached the server's handler); `staleRetries` counts them.
 */

function isStaleSocket(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === "UND_ERR_SOCKET" && err.message === "other side closed";
}

export class Http {
  readonly agent: Agent;
  /** Requests retried because a reused connection had been closed by the server before it answered. */
  staleRetries = 0;

  constructor(
    readonly baseUrl: string,
    readonly apiKey?: string,
    connections = 64,
    /** Certificates to trust and the name to check, for an endpoint behind a private CA. */
    tls?: TlsTrust,
  ) {
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
      ...(tls ? { connect: { ca: tls.ca, ...(tls.servername ? { servername: tls.servername } : {}) } } : {}),
    });
  }

  url(path: string): string {
    return `${this.baseUrl.replace(/\/$/, "")}${path}`;
  }

  private headers(o: RequestOptions, json: boolean): Record<string, string> {
    const h: Record<string, string> = json ? { "content-type": "application/json" } : {};
    const key = typeof o.auth === "string" ? o.auth : o.auth === false ? undefined : this.apiKey;
    if (key !== undefined) h.authorization = `Bearer ${key}`;
    return h;
  }

  private signal(o: RequestOptions): AbortSignal | undefined {
    const timeout = o.timeoutMs !== undefined ? AbortSignal.timeout(o.timeoutMs) : undefined;
    if (o.signal && timeout) return AbortSignal.any([o.signal, timeout]);
    return o.signal ?? timeout;
  }

  async get(path: string, o: RequestOptions = {}): Promise<HttpResponse> {
    return this.send("GET", path, undefined, o);
  }

  async post(path: string, body: unknown, o: RequestOptions = {}): Promise<HttpResponse> {
    return this.send("POST", path, o.rawBody ?? JSON.stringify(body), o);
  }

  private async send(method: "GET" | "POST", path: string, body: string | undefined, o: RequestOptions): Promise<HttpResponse> {
    const started = performance.now();
    const signal = this.signal(o);
    const res = await this.dispatch(this.url(path), {
      method,
      dispatcher: this.agent,
      headers: this.headers(o, body !== undefined),
      ...(body !== undefined ? { body } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json, ms: performance.now() - started };
  }

  /** POSTs a streaming request and collects every SSE `data:` payload with its arrival time. */
  async stream(path: string, body: Record<string, unknown>, o: RequestOptions & { onEvent?: (e: SseEvent) => void } = {}): Promise<SseResponse> {
    const started = performance.now();
    const signal = this.signal(o);
    const res = await this.dispatch(this.url(path), {
      method: "POST",
      dispatcher: this.agent,
      headers: { ...this.headers(o, true), accept: "text/event-stream" },
      body: JSON.stringify({ ...body, stream: true }),
      ...(signal ? { signal } : {}),
    });
    const contentType = String(res.headers["content-type"] ?? "");
    if (res.statusCode !== 200 || !contentType.includes("text/event-stream")) {
      return { status: res.statusCode, headers: res.headers, events: [], text: await res.body.text(), ms: performance.now() - started };
    }
    const events: SseEvent[] = [];
    let read = -1;
    let at = 0;
    const parser = createParser({
      onEvent: (e) => {
        const event = { data: e.data, at, read };
        events.push(event);
        o.onEvent?.(event);
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      read++;
      at = performance.now() - started;
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
    }
    parser.feed(decoder.decode());
    return { status: res.statusCode, headers: res.headers, events, text: "", ms: performance.now() - started };
  }

  private async dispatch(url: string, opts: Parameters<typeof request>[1]): ReturnType<typeof request> {
    try {
      return await request(url, opts);
    } catch (e) {
      if (!isStaleSocket(e)) throw e;
      this.staleRetries++;
      return request(url, opts);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
