/** Invalid requests sent while a good stream runs do not disturb it, and the server keeps answering. */
import { expect, type SuiteTest } from "../framework";
import { chunks, completionBody, firstChoice, usageOf } from "../requests";

const TOKENS = 64;

export const isolation: SuiteTest = {
  name: "invalid input does not disturb other requests",
  async run(ctx) {
    const good = ctx.http.stream("/v1/completions", completionBody(ctx, { max_tokens: TOKENS, ignore_eos: true, stream_options: { include_usage: true } }), { signal: ctx.signal });
    const bad = await Promise.all([
      ctx.http.post("/v1/completions", undefined, { rawBody: "{not json", signal: ctx.signal }),
      ctx.http.post("/v1/completions", { model: ctx.model, max_tokens: 4 }, { signal: ctx.signal }),
      ctx.http.post("/v1/chat/completions", { model: ctx.model, messages: 42 }, { signal: ctx.signal }),
      ctx.http.post("/v1/completions", { model: ctx.model, prompt: "x", max_tokens: -3 }, { signal: ctx.signal }),
    ]);
    const res = await good;
    expect(res.status === 200, `the good stream answered ${res.status}`);
    const bodies = chunks(res.events).map((c) => c.body);
    const usage = bodies.map(usageOf).find((u) => u !== undefined);
    expect(usage?.completion_tokens === TOKENS, `the good stream produced ${usage?.completion_tokens} tokens, expected ${TOKENS}`);
    expect(bodies.some((b) => firstChoice(b)?.finish_reason === "length"), "the good stream did not finish with finish_reason length");
    const after = await ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 4 }), { signal: ctx.signal });
    expect(after.status === 200, `a request after the bad ones answered ${after.status}`);
    return { metrics: { bad_statuses: bad.map((b) => b.status).join(",") } };
  },
};
