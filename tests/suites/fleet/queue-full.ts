/**
 * Past every slot plus the queue, the router answers at once with a clean 503: an OpenAI-style JSON error
 * (capacity_exhausted) with Retry-After, no hang. The requests already in, the queued ones included, still succeed,
 * and the frontend's 5xx counter holds the 503s.
 */
import { expect, type SuiteTest } from "../framework";
import { ask, fill, holdTokens, tally } from "./hold";
import { BASE, burstServing, describe, fleetOf, idle, layout, queued, scrape, serving } from "./router";

const EXTRA = 2;
/** A 503 from a full router comes from the frontend's rules, before any server: well under this. */
const PROMPT_503_MS = 2000;

export const queueFull: SuiteTest = {
  name: "past all slots plus the queue: a clean 503 with a JSON body, no hang",
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots, base } = layout(before);
    const spec = fleetOf(ctx).spec;
    // The queue's depth: the local fleet's spec, else the base servers' maxqueue (the renderer spreads the depth over them).
    const depth = spec?.queueDepth ?? base.reduce((n, s) => n + s.queueLimit, 0);
    const capacity = baseSlots + burstSlots + depth;
    const f = await fill(ctx, capacity, hold);
    const at = f.router;
    const state = describe(at);
    expect(f.settledEarly === 0, `${f.settledEarly} held request(s) ended before the router was full: the hold (${hold.tokens} tokens) is too short here`, { state });
    expect(serving(at, BASE) === baseSlots && burstServing(at) === burstSlots, `every slot should be busy; the router shows ${state}`);
    expect(queued(at) === depth, `${depth} requests should wait in the base queue; the router shows ${state}`);

    const api = [...at.frontends.values()].find((x) => x.proxy !== "metrics");
    const extra = await Promise.all(Array.from({ length: EXTRA }, () => ask(ctx, hold.tokens)));
    for (const a of extra) {
      expect(a.status === 503, `a request past the queue got ${a.status} (${a.backend || "from the router"}), not 503; ${state}`);
      expect(a.ms < PROMPT_503_MS, `the 503 took ${Math.round(a.ms)} ms: it should come at once`);
      expect(a.contentType.startsWith("application/json"), `the 503's content-type is ${a.contentType}`);
      const err = (a.json as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined)?.error;
      expect(typeof err?.message === "string" && typeof err.type === "string" && err.code === "capacity_exhausted", `the 503's body is not an OpenAI error with code capacity_exhausted: ${a.text.slice(0, 200)}`);
      expect(a.retryAfter !== undefined, "the 503 has no Retry-After header");
    }
    const answers = await Promise.all(f.answers);
    const after = await scrape(ctx);
    expect(answers.every((a) => a.status === 200), `the requests already in should all succeed: ${JSON.stringify(tally(answers))}`);
    const frontend5xx = api ? (after.frontends.get(api.proxy)?.responses["5xx"] ?? 0) - (api.responses["5xx"] ?? 0) : -1;
    expect(frontend5xx === EXTRA, `the frontend's 5xx counter moved by ${frontend5xx}, not ${EXTRA}`);
    const slowest = Math.max(...answers.map((a) => a.ms));
    return { metrics: { fill_ms: Math.round(f.ms), capacity, queue_depth: depth, rejected: EXTRA, reject_ms: Math.round(Math.max(...extra.map((a) => a.ms))), slowest_admitted_ms: Math.round(slowest), frontend_5xx: frontend5xx, served_by: JSON.stringify(tally(answers)), state } };
  },
};
