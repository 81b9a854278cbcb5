import { expect, type SuiteTest } from "../framework";
import { completionBody } from "../requests";
import { completion, conformance } from "./openai-schemas";

export const completionSchema: SuiteTest = {
  name: "completions response matches the OpenAI Completion type",
  async run(ctx) {
    const res = await ctx.http.post("/v1/completions", completionBody(ctx), { signal: ctx.signal });
    expect(res.status === 200, `POST /v1/completions answered ${res.status}`);
    const problems = conformance(completion, res.json);
    expect(problems.length === 0, `does not conform: ${problems.join("; ")}`);
  },
};
