import { expect, type SuiteTest } from "../framework";
import { completionBody, firstChoice, usageOf } from "../requests";

export const completions: SuiteTest = {
  name: "completions answer with text and usage",
  async run(ctx) {
    const res = await ctx.http.post("/v1/completions", completionBody(ctx), { signal: ctx.signal });
    expect(res.status === 200, `POST /v1/completions answered ${res.status}: ${res.text.slice(0, 200)}`);
    const choice = firstChoice(res.json);
    expect(choice !== undefined, "the answer has no choices[0]");
    expect(typeof choice.text === "string", "choices[0].text is not a string");
    const usage = usageOf(res.json);
    expect(usage !== undefined && usage.completion_tokens > 0, "usage.completion_tokens is missing or zero");
    return { metrics: { completion_tokens: usage.completion_tokens, latency_ms: Math.round(res.ms) } };
  },
};
