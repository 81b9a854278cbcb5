import { expect, type SuiteTest } from "../framework";
import { percentiles } from "../load/histogram";
import { completionBody } from "../requests";

const SAMPLES = 5;

export const latency: SuiteTest = {
  name: "short completion latency under the threshold",
  async run(ctx) {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const res = await ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 16 }), { signal: ctx.signal });
      expect(res.status === 200, `request ${i + 1} answered ${res.status}`);
      times.push(res.ms);
    }
    const p = percentiles(times);
    const metrics = { p50_ms: p.p50, p95_ms: p.p95, max_ms: p.max, threshold_ms: ctx.options.latencyMs, samples: SAMPLES };
    expect(p.p95 <= ctx.options.latencyMs, `p95 latency ${p.p95} ms > threshold ${ctx.options.latencyMs} ms`, metrics);
    return { metrics };
  },
};
