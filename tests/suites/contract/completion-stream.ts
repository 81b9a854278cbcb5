import { expect, type SuiteTest } from "../framework";
import { completionBody, usageOf } from "../requests";
import { checkFraming } from "./framing";
import { completionChunk } from "./openai-schemas";

export const completionStream: SuiteTest = {
  name: "completions stream: SSE framing, chunk schema, finish_reason, usage, [DONE]",
  async run(ctx) {
    const res = await ctx.http.stream("/v1/completions", completionBody(ctx, { max_tokens: 8, stream_options: { include_usage: true } }), { signal: ctx.signal });
    const bodies = checkFraming(res, completionChunk, "completions");
    const usage = usageOf(bodies[bodies.length - 1]);
    expect(usage !== undefined && usage.completion_tokens === 8, `final usage.completion_tokens is ${usage?.completion_tokens}, expected 8 (max_tokens)`);
    return { metrics: { events: res.events.length } };
  },
};
