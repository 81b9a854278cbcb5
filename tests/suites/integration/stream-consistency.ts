/** With greedy, seeded sampling, a streamed answer is the same text as the non-streamed one. */
import { expect, type SuiteContext, type SuiteTest } from "../framework";
import { chatBody, chunks, chunkText, completionBody, DETERMINISTIC } from "../requests";

async function compare(ctx: SuiteContext, path: string, body: Record<string, unknown>, read: (json: unknown) => string): Promise<{ chars: number }> {
  const whole = await ctx.http.post(path, body, { signal: ctx.signal });
  expect(whole.status === 200, `${path} answered ${whole.status}`);
  const streamed = await ctx.http.stream(path, body, { signal: ctx.signal });
  expect(streamed.status === 200, `${path} stream answered ${streamed.status}`);
  const a = read(whole.json);
  const b = chunks(streamed.events).map((c) => chunkText(c.body)).join("");
  expect(a === b, `${path}: streamed text differs from the non-streamed text: ${JSON.stringify(a.slice(0, 60))} vs ${JSON.stringify(b.slice(0, 60))}`);
  return { chars: a.length };
}

type Choices = { choices?: Array<{ text?: string; message?: { content?: string } }> };

export const streamConsistency: SuiteTest[] = [
  {
    name: "streaming and non-streaming completions agree with a fixed seed",
    async run(ctx) {
      const r = await compare(ctx, "/v1/completions", completionBody(ctx, { ...DETERMINISTIC, max_tokens: 24 }), (j) => (j as Choices).choices?.[0]?.text ?? "");
      return { metrics: { chars: r.chars } };
    },
  },
  {
    name: "streaming and non-streaming chat agree with a fixed seed",
    async run(ctx) {
      const r = await compare(ctx, "/v1/chat/completions", chatBody(ctx, { ...DETERMINISTIC, max_tokens: 24 }), (j) => (j as Choices).choices?.[0]?.message?.content ?? "");
      return { metrics: { chars: r.chars } };
    },
  },
];
