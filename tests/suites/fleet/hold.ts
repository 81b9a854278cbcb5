/**
 * Requests that hold a slot: non-streaming completions that generate a fixed number of tokens (ignore_eos), so
 * nothing reaches the client until the node is done: they "wait for their first byte" the whole time. The number of
 * tokens is measured once per endpoint for a hold of about HOLD_TARGET_MS on an idle node (a loaded one takes longer),
 * so the same suite suits the tiny local model and a real one.
 *
 * `fill` sends requests one at a time, each once the router has routed the one before (its backends' session
 * counter moved): the router decides with a known state every time, never between two requests that arrive together.
 * The first requests must outlast the rest of the fill, and they run while few others do, so they hold longer: the
 * i-th of n holds (2 - i/n) times the measured hold, the last one about once.
 */
import type { Http } from "../http";
import { Failure, type SuiteContext } from "../framework";
import { PROMPT } from "../requests";
import type { RouterMetrics } from "../../../inference-image/local/router-metrics";
import { routedTotal, scrape, until } from "./router";

export interface Answer {
  status: number;
  /** The backend that served it (the router's x-hybrid-backend header), or "" for the router's own answers. */
  backend: string;
  ms: number;
  contentType: string;
  retryAfter?: string;
  json: unknown;
  text: string;
}

/** A completion that keeps its slot for `tokens` tokens. */
export async function ask(ctx: SuiteContext, tokens: number): Promise<Answer> {
  const r = await ctx.http.post("/v1/completions", { model: ctx.model, prompt: PROMPT, max_tokens: tokens, ignore_eos: true, temperature: 0 }, { signal: ctx.signal, timeoutMs: 120_000 });
  const header = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(",") : (h ?? ""));
  const retryAfter = header(r.headers["retry-after"]);
  return { status: r.status, backend: header(r.headers["x-hybrid-backend"]), ms: r.ms, contentType: header(r.headers["content-type"]), ...(retryAfter ? { retryAfter } : {}), json: r.json, text: r.text };
}

/** How long one held request should take on an idle node. */
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
  /** Every request sent, in order; each settles with its answer. */
  answers: Array<Promise<Answer>>;
  /** Which requests had settled by the time the fill was done (they should not have, with a long enough hold). */
  settledEarly: number;
  /** The router once the last request was routed. */
  router: RouterMetrics;
  /** From the first request sent to the last one routed. */
  ms: number;
}

/** Tokens for the i-th of n requests of a fill. */
export function fillTokens(hold: Hold, i: number, n: number): number {
  return Math.min(hold.max, Math.round(hold.tokens * (2 - i / n)));
}

/** Sends `n` held requests, one at a time, each after the router has routed the one before. */
export async function fill(ctx: SuiteContext, n: number, hold: Hold): Promise<Fill> {
  const started = performance.now();
  const answers: Array<Promise<Answer>> = [];
  const settled = new Set<number>();
  let router = await scrape(ctx);
  for (let i = 0; i < n; i++) {
    const before = routedTotal(router);
    const p = ask(ctx, fillTokens(hold, i, n));
    answers.push(p);
    void p.then(() => settled.add(i), () => settled.add(i));
    router = await until(ctx, `request ${i + 1} of ${n} routed`, (m) => routedTotal(m) > before || settled.has(i), 15_000, 10);
  }
  return { answers, settledEarly: settled.size, router, ms: performance.now() - started };
}

/** Counts of a list: backend name -> how many answers it served. */
export function tally(answers: Answer[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const a of answers) t[a.backend || `router ${a.status}`] = (t[a.backend || `router ${a.status}`] ?? 0) + 1;
  return t;
}
