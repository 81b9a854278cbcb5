/**
 * Requests that hold a slot, for the fleet suite.
 *
 * - A held stream asks for as many tokens as the slot's context takes and is let go (aborted) when the test is done:
 *   llama-server stops generating once the client is gone mid-stream. Its status and the router's x-hybrid-backend
 *   header arrive with the first bytes, so what served it is known at once; the hold costs no time.
 * - A waiting request is a non-streaming completion: nothing reaches the client until the node is done, so it
 *   "waits for its first byte" the whole time. llama-server does not stop a non-streaming request whose client went
 *   away, so these run to the end.
 *
 * `fill` sends requests one at a time, each once the router has routed and placed the one before (its backends'
 * session counter moved and a server or queue took it): the router decides with a known state every time, never
 * between two requests that arrive together.
 */
import { request } from "undici";
import type { Http } from "../http";
import { Failure, type SuiteContext } from "../framework";
import { PROMPT } from "../requests";
import type { RouterMetrics } from "../../../local/fleet/router-metrics";
import { routedTotal, scrape, until } from "./router";

export interface Answer {
  status: number;
  /** The backend that served it (the router's x-hybrid-backend header), or "" for the router's own answers. */
  backend: string;
  /** Until the whole answer (waiting requests) or its headers (held streams). */
  ms: number;
  contentType: string;
  retryAfter?: string;
  json: unknown;
  text: string;
}

const header = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(",") : (h ?? ""));

function body(ctx: SuiteContext, tokens: number): Record<string, unknown> {
  return { model: ctx.model, prompt: PROMPT, max_tokens: tokens, ignore_eos: true, temperature: 0 };
}

/** A non-streaming completion of `tokens` tokens: its answer once the node is done. */
export async function ask(ctx: SuiteContext, tokens: number, signal: AbortSignal = ctx.signal): Promise<Answer> {
  const r = await ctx.http.post("/v1/completions", body(ctx, tokens), { signal, timeoutMs: 120_000 });
  const retryAfter = header(r.headers["retry-after"]);
  return { status: r.status, backend: header(r.headers["x-hybrid-backend"]), ms: r.ms, contentType: header(r.headers["content-type"]), ...(retryAfter ? { retryAfter } : {}), json: r.json, text: r.text };
}

export interface Held {
  /** The answer: its headers for a held stream, the whole of it for a waiting request. */
  answer: Promise<Answer>;
  /** Settles when the request is over (the stream ended or was let go, the completion arrived, or it failed). */
  over: Promise<void>;
  /** For a held stream: resolves true when it ended as a stream should (its `data: [DONE]`), false when it was cut. */
  done?: Promise<boolean>;
  /** Where the router put it: "<backend>/<server>" whose sessions grew, "<backend>/<server> queue", "<backend> queue". */
  placed: string;
  /** Lets go of the request: the client goes away. */
  abort(): void;
}

/** A streaming completion of `tokens` tokens, held until aborted; `answer` resolves with the response's headers. */
function holdStream(ctx: SuiteContext, tokens: number, signal: AbortSignal): Pick<Held, "answer" | "over" | "done"> {
  const started = performance.now();
  const res = request(ctx.http.url("/v1/completions"), {
    method: "POST",
    dispatcher: ctx.http.agent,
    headers: { "content-type": "application/json", accept: "text/event-stream", ...(ctx.apiKey ? { authorization: `Bearer ${ctx.apiKey}` } : {}) },
    body: JSON.stringify({ ...body(ctx, tokens), stream: true }),
    signal,
  });
  const answer = res.then(async (r): Promise<Answer> => {
    const ms = performance.now() - started;
    const text = r.statusCode === 200 ? "" : await r.body.text();
    return { status: r.statusCode, backend: header(r.headers["x-hybrid-backend"]), ms, contentType: header(r.headers["content-type"]), json: undefined, text };
  });
  const done = res.then(async (r) => {
    let tail = "";
    for await (const chunk of r.body) tail = (tail + (chunk as Buffer).toString()).slice(-64);
    return /data: \[DONE\]\s*$/.test(tail);
  }).catch(() => false);
  return { answer, over: done.then(() => undefined), done };
}

/** How long one waiting request takes on an idle node (burst-down sends a burst of them). */
export const HOLD_TARGET_MS = 350;
const CALIBRATION_TOKENS = 256;

export interface Hold {
  /** Tokens for about HOLD_TARGET_MS on an idle node. */
  tokens: number;
  /** The most a request may ask for: the slot's context less room for the prompt. */
  max: number;
}

const calibrated = new WeakMap<Http, Hold>();

/** The hold, measured once per endpoint. */
export async function holdTokens(ctx: SuiteContext): Promise<Hold> {
  const known = calibrated.get(ctx.http);
  if (known !== undefined) return known;
  const props = await ctx.http.get("/props", { signal: ctx.signal, timeoutMs: 10_000 });
  const nCtx = (props.json as { default_generation_settings?: { n_ctx?: unknown } } | undefined)?.default_generation_settings?.n_ctx;
  const room = typeof nCtx === "number" && nCtx > 64 ? nCtx - 32 : 1024;
  const a = await ask(ctx, CALIBRATION_TOKENS);
  if (a.status !== 200) throw new Failure(`a calibration request answered ${a.status}: ${a.text.slice(0, 200)}`);
  const hold = { tokens: Math.max(32, Math.min(room, Math.round((HOLD_TARGET_MS / a.ms) * CALIBRATION_TOKENS))), max: room };
  calibrated.set(ctx.http, hold);
  return hold;
}

export interface Fill {
  held: Held[];
  /** Every request's answer, in order. */
  answers: Array<Promise<Answer>>;
  /** How many requests were over by the time the fill was done (none should be). */
  settledEarly: number;
  /** The router once the last request was routed. */
  router: RouterMetrics;
  /** From the first request sent to the last one routed. */
  ms: number;
  /** Lets go of every request and waits until each is over. */
  release(): Promise<void>;
}

/** Held streams (let go by release()), or waiting requests of a number of tokens. */
export type FillKind = { stream: true } | { stream: false; tokens: number };

/** What grew between two views: the server that took the request, or the queue it waits in. */
function placement(before: RouterMetrics, after: RouterMetrics): string {
  for (const s of after.servers) {
    const b = before.servers.find((x) => x.proxy === s.proxy && x.server === s.server);
    if (b && s.sessions > b.sessions) return `${s.proxy}/${s.server}`;
    if (b && s.queue > b.queue) return `${s.proxy}/${s.server} queue`;
  }
  for (const [proxy, x] of after.backends) if (x.queue > (before.backends.get(proxy)?.queue ?? 0)) return `${proxy} queue`;
  return "unknown";
}

/** Sends `n` requests, one at a time, each after the router has routed and placed the one before. */
export async function fill(ctx: SuiteContext, n: number, hold: Hold, kind: FillKind): Promise<Fill> {
  const started = performance.now();
  const held: Held[] = [];
  const over = new Set<number>();
  let router = await scrape(ctx);
  for (let i = 0; i < n; i++) {
    const before = router;
    const controller = new AbortController();
    const signal = AbortSignal.any([ctx.signal, controller.signal]);
    const sent = kind.stream ? holdStream(ctx, hold.max, signal) : (() => {
      const answer = ask(ctx, kind.tokens, signal);
      return { answer, over: answer.then(() => undefined, () => undefined) };
    })();
    void sent.over.then(() => over.add(i));
    // A held stream let go before its headers came rejects its answer; whoever awaits it sees that.
    void sent.answer.catch(() => undefined);
    // Routed and placed; a request that is already over ends the wait (the fill then fails on settledEarly).
    router = await until(ctx, `request ${i + 1} of ${n} routed`, (m) => over.size > 0 || (routedTotal(m) > routedTotal(before) && placement(before, m) !== "unknown"), 15_000, 10);
    held.push({ ...sent, placed: placement(before, router), abort: () => controller.abort() });
  }
  return {
    held,
    answers: held.map((h) => h.answer),
    settledEarly: over.size,
    router,
    ms: performance.now() - started,
    async release() {
      for (const h of held) h.abort();
      await Promise.allSettled(held.map((h) => h.over));
    },
  };
}

/** Counts of a list: backend name -> how many answers it served. */
export function tally(answers: Answer[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of answers) t[a.backend || `router ${a.status}`] = (t[a.backend || `router ${a.status}`] ?? 0) + 1;
  return t;
}
