/**
 * A rolling update of the base under load, as `pulumi up` runs one: each base node in turn drains (its unit's
 * ExecStop: the drain agent tells every router to send it nothing new, then its requests in flight finish), is
 * replaced by a new node through the boot path, and the stack's rollout gate waits until every router sees it up
 * before the next one goes. Meanwhile clients send streamed and non-streamed requests back to back: every one is
 * served, every stream complete. With one base node (staging) the base's requests go to the burst pools meanwhile.
 */
import { request } from "undici";
import { expect, type SuiteTest } from "../framework";
import type { Http } from "../http";
import { PROMPT } from "../requests";
import { controlOf, idle } from "./router";

const CLIENTS = 3;
const TOKENS = 48;

export interface Sent {
  stream: boolean;
  status: number;
  ms: number;
  complete: boolean;
  backend: string;
  error?: string;
}

/** One completion, streamed or not, timed from send to its last byte; `complete` when it arrived whole. */
export async function send(ctx: { http: Http; apiKey?: string; model: string; signal: AbortSignal }, stream: boolean): Promise<Sent> {
  const t0 = performance.now();
  try {
    const r = await request(ctx.http.url("/v1/completions"), {
      method: "POST",
      dispatcher: ctx.http.agent,
      headers: { "content-type": "application/json", ...(ctx.apiKey ? { authorization: `Bearer ${ctx.apiKey}` } : {}) },
      body: JSON.stringify({ model: ctx.model, prompt: PROMPT, max_tokens: TOKENS, ignore_eos: true, temperature: 0, stream }),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(120_000)]),
    });
    const text = await r.body.text();
    const backend = String(r.headers["x-hybrid-backend"] ?? "");
    const complete = r.statusCode === 200 && (stream ? /data: \[DONE\]\s*$/.test(text) : /"choices"/.test(text));
    return { stream, status: r.statusCode, ms: performance.now() - t0, complete, backend };
  } catch (e) {
    return { stream, status: 0, ms: performance.now() - t0, complete: false, backend: "", error: (e as Error).message };
  }
}

export const rollingUpdate: SuiteTest = {
  name: "a rolling update of the base under load: one node at a time drains, is replaced and passes its gate, and every request is served",
  timeoutMs: 240_000,
  async run(ctx) {
    const control = controlOf(ctx);
    await idle(ctx);
    const sent: Sent[] = [];
    let rolling = true;
    const client = async (n: number) => {
      for (let i = 0; rolling; i++) sent.push(await send(ctx, (i + n) % 2 === 0));
    };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    let steps: Awaited<ReturnType<typeof control.rollBase>>;
    try {
      steps = await control.rollBase();
    } finally {
      rolling = false;
      await Promise.all(clients);
    }
    const rollMs = performance.now() - t0;
    const failed = sent.filter((s) => !s.complete);
    expect(failed.length === 0, `${failed.length} of ${sent.length} requests were not served whole during the rolling update: ${JSON.stringify(failed.slice(0, 3))}`);
    expect(sent.filter((s) => s.stream).length > 0 && sent.some((s) => !s.stream), "both streamed and non-streamed requests should have been sent");
    const byBackend: Record<string, number> = {};
    for (const s of sent) byBackend[s.backend] = (byBackend[s.backend] ?? 0) + 1;
    return {
      metrics: {
        nodes_replaced: steps.length,
        requests: sent.length,
        streamed: sent.filter((s) => s.stream).length,
        served: sent.filter((s) => s.complete).length,
        longest_ms: Math.round(Math.max(...sent.map((s) => s.ms))),
        roll_ms: Math.round(rollMs),
        steps: JSON.stringify(steps),
        served_by: JSON.stringify(byBackend),
      },
    };
  },
};
