import { expect, type SuiteTest } from "../framework";

export const health: SuiteTest = {
  name: "health answers 200",
  async run(ctx) {
    const res = await ctx.http.get("/health", { auth: false, signal: ctx.signal });
    expect(res.status === 200, `GET /health answered ${res.status}: ${res.text.slice(0, 200)}`);
    return { metrics: { latency_ms: Math.round(res.ms * 10) / 10 } };
  },
};
