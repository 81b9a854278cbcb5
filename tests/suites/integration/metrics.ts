/** /metrics counters move as requests are served (llama-server runs with --metrics on every node). */
import { expect, Skip, type SuiteContext, type SuiteTest } from "../framework";
import { completionBody, usageOf } from "../requests";

const PREDICTED = "llamacpp:tokens_predicted_total";
const PROMPT = "llamacpp:prompt_tokens_total";

/** Reads the unlabelled samples of a Prometheus text exposition. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined && Number.isFinite(Number(m[2]))) out.set(m[1], Number(m[2]));
  }
  return out;
}

async function scrape(ctx: SuiteContext): Promise<Map<string, number>> {
  const res = await ctx.http.get("/metrics", { signal: ctx.signal });
  if (res.status === 501 || res.status === 404) throw new Skip(`/metrics answered ${res.status}: the server runs without --metrics`);
  expect(res.status === 200, `GET /metrics answered ${res.status}`);
  const m = parsePrometheus(res.text);
  expect(m.has(PREDICTED) && m.has(PROMPT), `/metrics lacks ${PREDICTED} or ${PROMPT}`);
  return m;
}

export const metricsMove: SuiteTest = {
  name: "metrics counters move as requests are served",
  async run(ctx) {
    const before = await scrape(ctx);
    const res = await ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 12, ignore_eos: true }), { signal: ctx.signal });
    expect(res.status === 200, `the completion answered ${res.status}`);
    const usage = usageOf(res.json);
    expect(usage !== undefined, "the completion reported no usage");
    const after = await scrape(ctx);
    const predicted = (after.get(PREDICTED) ?? 0) - (before.get(PREDICTED) ?? 0);
    const metrics = { tokens_predicted_delta: predicted, usage_completion_tokens: usage.completion_tokens };
    expect(predicted >= usage.completion_tokens, `${PREDICTED} moved by ${predicted}, but the request generated ${usage.completion_tokens} tokens`, metrics);
    return { metrics };
  },
};
