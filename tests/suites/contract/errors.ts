/**
 * Invalid input gets a 4xx with an OpenAI error object: never a 5xx, never a hang. One test per case. Some requests
 * that OpenAI refuses are served by llama-server; those pass only as a named deviation (deviations.ts).
 */
import { expect, type SuiteTest } from "../framework";
import { ACCEPTANCE_DEVIATIONS, ERROR_DEVIATIONS } from "./deviations";
import { chatCompletion, conformance, errorResponse } from "./openai-schemas";

interface ErrorCase {
  case: string;
  path: string;
  body?: Record<string, unknown>;
  raw?: string;
}

const CASES: ErrorCase[] = [
  { case: "completion without a prompt", path: "/v1/completions", body: { max_tokens: 4 } },
  { case: "prompt of the wrong type", path: "/v1/completions", body: { prompt: { nested: true }, max_tokens: 4 } },
  { case: "negative max_tokens", path: "/v1/completions", body: { prompt: "x", max_tokens: -5 } },
  { case: "temperature as a string", path: "/v1/completions", body: { prompt: "x", max_tokens: 4, temperature: "hot" } },
  { case: "chat messages not an array", path: "/v1/chat/completions", body: { messages: "hello", max_tokens: 4 } },
  { case: "malformed JSON body", path: "/v1/completions", raw: '{"prompt": "x", "max_tokens":' },
];

/** Requests OpenAI refuses although each part is well-formed JSON of the right type. */
const REFUSED_BY_OPENAI: ErrorCase[] = [
  { case: "chat with empty messages", path: "/v1/chat/completions", body: { messages: [], max_tokens: 4 } },
  { case: "chat message with an unknown role", path: "/v1/chat/completions", body: { messages: [{ role: "wizard", content: "hi" }], max_tokens: 4 } },
  { case: "unknown model", path: "/v1/chat/completions", body: { model: "no-such-model-hybrid-inference", messages: [{ role: "user", content: "hi" }], max_tokens: 4 } },
  { case: "negative temperature", path: "/v1/chat/completions", body: { messages: [{ role: "user", content: "hi" }], max_tokens: 4, temperature: -1 } },
];

/** An error answer is cheap: waiting longer than this is a hang. */
const ERROR_DEADLINE_MS = 10_000;

export const errorCases: SuiteTest[] = CASES.map((c) => ({
  name: `invalid input: ${c.case}`,
  timeoutMs: (o) => Math.min(o.testTimeoutMs, ERROR_DEADLINE_MS),
  async run(ctx) {
    const res = await ctx.http.post(c.path, { model: ctx.model, ...c.body }, { signal: ctx.signal, ...(c.raw !== undefined ? { rawBody: c.raw } : {}) });
    const problems = conformance(errorResponse, res.json);
    expect(problems.length === 0, `answered ${res.status} without an OpenAI error object: ${problems.join("; ")} (${res.text.slice(0, 120)})`);
    const metrics = { status: res.status };
    if (res.status >= 400 && res.status < 500) return { metrics };
    const message = (res.json as { error: { message: string } }).error.message;
    const deviation = ERROR_DEVIATIONS.find((d) => d.case === c.case && d.status === res.status && message.includes(d.messageIncludes));
    expect(deviation !== undefined, `answered ${res.status}, expected a 4xx: ${message.slice(0, 160)}`, metrics);
    return { metrics, notes: [`known deviation: ${deviation.why}`] };
  },
}));

export const refusedCases: SuiteTest[] = REFUSED_BY_OPENAI.map((c) => ({
  name: `refused by OpenAI: ${c.case}`,
  timeoutMs: (o) => Math.min(o.testTimeoutMs, ERROR_DEADLINE_MS),
  async run(ctx) {
    const res = await ctx.http.post(c.path, { model: ctx.model, ...c.body }, { signal: ctx.signal });
    const metrics = { status: res.status };
    if (res.status >= 400 && res.status < 500) {
      const problems = conformance(errorResponse, res.json);
      expect(problems.length === 0, `answered ${res.status} without an OpenAI error object: ${problems.join("; ")} (${res.text.slice(0, 120)})`, metrics);
      return { metrics };
    }
    const deviation = ACCEPTANCE_DEVIATIONS.find((d) => d.case === c.case);
    expect(res.status === 200 && deviation !== undefined, `answered ${res.status} where OpenAI refuses with ${deviation?.openai ?? "4xx"}, and no known deviation excuses it: ${res.text.slice(0, 160)}`, metrics);
    const problems = conformance(chatCompletion, res.json);
    expect(problems.length === 0, `served it with 200 (a known deviation) but the answer does not conform: ${problems.join("; ")}`, metrics);
    return { metrics, notes: [`known deviation: ${deviation.why}`] };
  },
}));
