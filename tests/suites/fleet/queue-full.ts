/**
 * Past every slot plus the queue, the router answers at once with a clean 503: an OpenAI-style JSON error
 * (capacity_exhausted) with Retry-After, no hang. The requests already in, the queued ones included, still succeed
 * (the queued ones once the first ones let go of their slots), and the frontend's 5xx counter holds the 503s. The
 * queue's depth is the local fleet's spec; a remote router's is in its config only, so there requests are added one
 * at a time until the router refuses one.
 */
import { expect, type SuiteTest } from "../framework";
import { type Answer, ask, type Fill, fill, holdTokens, tally } from "./hold";
import { BASE, burstServing, describe, fleetOf, idle, layout, queued, scrape, serving } from "./router";

const EXTRA = 2;
/** A 503 from a full router comes from the frontend's rules, before any server: well under this. */
const PROMPT_503_MS = 2000;
/** Most waiting requests added to find a remote router's queue depth (the config allows 64 per base slot). */
const MAX_PROBE_PER_SLOT = 64;

export const queueFull: SuiteTest = {
  name: "past all slots plus the queue: a clean 503 with a JSON body, no hang",
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots } = layout(before);
    const known = fleetOf(ctx).spec?.queueDepth;
    const fills: Fill[] = [];
    try {
      const f = await fill(ctx, baseSlots + burstSlots + (known ?? 0), hold, { stream: true });
      fills.push(f);
      let at = f.router;
      expect(f.settledEarly === 0, `${f.settledEarly} held stream(s) ended before the router was full`, { state: describe(at) });
      expect(serving(at, BASE) === baseSlots && burstServing(at) === burstSlots, `every slot should be busy; the router shows ${describe(at)}`);
      const extra: Answer[] = [];
      let depth = known;
      for (let i = 0; depth === undefined && i < MAX_PROBE_PER_SLOT * baseSlots; i++) {
        const probe = await fill(ctx, 1, hold, { stream: true });
        fills.push(probe);
        if (probe.settledEarly === 0) at = probe.router;
        else {
          depth = queued(at);
          extra.push(await (probe.answers[0] as Promise<Answer>));
        }
      }
      if (depth === undefined) throw new Error(`the router never refused a request after ${MAX_PROBE_PER_SLOT * baseSlots} waiting ones`);
      const state = describe(at);
      expect(queued(at) === depth, `${depth} requests should wait in the base queue; the router shows ${state}`);

      const api = [...at.frontends.values()].find((x) => x.proxy !== "metrics");
      const api5xx = api?.responses["5xx"] ?? 0;
      extra.push(...(await Promise.all(Array.from({ length: EXTRA - extra.length }, () => ask(ctx, hold.tokens)))));
      for (const a of extra) {
        expect(a.status === 503, `a request past the queue got ${a.status} (${a.backend || "from the router"}), not 503; ${state}`);
        expect(a.ms < PROMPT_503_MS, `the 503 took ${Math.round(a.ms)} ms: it should come at once`);
        expect(a.contentType.startsWith("application/json"), `the 503's content-type is ${a.contentType}`);
        const err = (a.json as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined)?.error;
        expect(typeof err?.message === "string" && typeof err.type === "string" && err.code === "capacity_exhausted", `the 503's body is not an OpenAI error with code capacity_exhausted: ${a.text.slice(0, 200)}`);
        expect(a.retryAfter !== undefined, "the 503 has no Retry-After header");
      }
      const after = await scrape(ctx);
      const frontend5xx = api ? (after.frontends.get(api.proxy)?.responses["5xx"] ?? 0) - api5xx : -1;
      expect(frontend5xx === EXTRA, `the frontend's 5xx counter moved by ${frontend5xx}, not ${EXTRA}`);

      // The first requests let go of their slots; the queued ones must then be served.
      const held = fills.flatMap((x) => x.held).filter((h) => h.answer !== undefined);
      const waiting = held.filter((h) => h.placed.endsWith("queue"));
      for (const h of held) if (!h.placed.endsWith("queue")) h.abort();
      const served = await Promise.all(waiting.map((h) => h.answer));
      expect(served.every((a) => a.status === 200 && a.backend === BASE), `the queued requests should be served by the base: ${JSON.stringify(tally(served))}`);
      return { metrics: { fill_ms: Math.round(f.ms), capacity: baseSlots + burstSlots + depth, queue_depth: depth, rejected: extra.length, reject_ms: Math.round(Math.max(...extra.map((a) => a.ms))), queued_served: served.length, frontend_5xx: frontend5xx, state } };
    } finally {
      await Promise.all(fills.map((x) => x.release()));
    }
  },
};
