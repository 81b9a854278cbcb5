import { expect, type SuiteTest } from "../framework";
import { chatBody, firstChoice, usageOf } from "../requests";

export const chat: SuiteTest = {
  name: "chat completions answer with an assistant message",
  async run(ctx) {
    const res = await ctx.http.post("/v1/chat/completions", chatBody(ctx), { signal: ctx.signal });
    expect(res.status === 200, `POST /v1/chat/completions answered ${res.status}: ${res.text.slice(0, 200)}`);
    const choice = firstChoice(res.json) as { message?: { role?: string; content?: unknown } } | undefined;
    expect(choice !== undefined, "the answer has no choices[0]");
    expect(choice.message?.role === "assistant", `choices[0].message.role is ${String(choice.message?.role)}, not assistant`);
    expect(typeof choice.message.content === "string", "choices[0].message.content is not a string");
    const usage = usageOf(res.json);
    expect(usage !== undefined && usage.completion_tokens > 0, "usage.completion_tokens is missing or zero");
    return { metrics: { completion_tokens: usage.completion_tokens, latency_ms: Math.round(res.ms) } };
  },
};
