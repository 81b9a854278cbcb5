/**
 * As many concurrent streams as the server has slots: all succeed, and they are served side by side
 * (every stream has its first token before any stream finishes), not one after another.
 */
import { expect, type SuiteTest } from "../framework";
import { chunks, chunkText, completionBody } from "../requests";

const TOKENS = 96;

export const parallelSlots: SuiteTest = {
  name: "concurrent requests are served across the parallel slots",
  async run(ctx) {
    const n = Math.max(2, ctx.slots ?? ctx.options.concurrency);
    const sentAt = performance.now();
    const results = await Promise.all(
      Array.from({ length: n }, async () => {
        const offset = performance.now() - sentAt;
        const res = await ctx.http.stream("/v1/completions", completionBody(ctx, { max_tokens: TOKENS, ignore_eos: true }), { signal: ctx.signal });
        expect(res.status === 200, `a concurrent request answered ${res.status}`);
        const content = chunks(res.events).filter((c) => chunkText(c.body) !== "");
        expect(content.length > 0, "a concurrent request streamed no content");
        return { first: offset + (content[0]?.at ?? 0), end: offset + res.ms };
      }),
    );
    const lastFirst = Math.max(...results.map((r) => r.first));
    const firstEnd = Math.min(...results.map((r) => r.end));
    const metrics = { requests: n, last_first_token_ms: Math.round(lastFirst), first_finish_ms: Math.round(firstEnd) };
    expect(lastFirst < firstEnd, `requests were served one after another: the last first token came ${Math.round(lastFirst)} ms in, after a request had finished at ${Math.round(firstEnd)} ms`, metrics);
    return { metrics };
  },
};
