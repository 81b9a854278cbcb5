import { expect, type SuiteTest } from "../framework";
import { chatBody } from "../requests";
import { chatCompletion, conformance, RELAXED } from "./openai-schemas";

export const chatSchema: SuiteTest = {
  name: "chat completions response matches the OpenAI ChatCompletion type",
  async run(ctx) {
    const res = await ctx.http.post("/v1/chat/completions", chatBody(ctx), { signal: ctx.signal });
    expect(res.status === 200, `POST /v1/chat/completions answered ${res.status}`);
    const problems = conformance(chatCompletion, res.json);
    expect(problems.length === 0, `does not conform: ${problems.join("; ")}`);
    return { notes: RELAXED.filter((r) => r.startsWith("chat")).map((r) => `relaxed: ${r}`) };
  },
};
