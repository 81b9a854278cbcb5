/** With an API key configured: requests without it or with a wrong one get 401, with it 200, and /health stays open. */
import { expect, Skip, type SuiteContext, type SuiteTest } from "../framework";
import { completionBody } from "../requests";
import { conformance, errorResponse } from "./openai-schemas";

function requireKey(ctx: SuiteContext): void {
  if (ctx.apiKey === undefined) throw new Skip("no API key configured (pass --api-key or set HI_API_KEY to check authentication)");
}

async function expect401(ctx: SuiteContext, auth: false | string): Promise<void> {
  for (const [method, path] of [["POST", "/v1/completions"], ["GET", "/v1/models"]] as const) {
    const res = method === "POST" ? await ctx.http.post(path, completionBody(ctx, { max_tokens: 2 }), { auth, signal: ctx.signal }) : await ctx.http.get(path, { auth, signal: ctx.signal });
    expect(res.status === 401, `${method} ${path} answered ${res.status}, expected 401`);
    const problems = conformance(errorResponse, res.json);
    expect(problems.length === 0, `${method} ${path}: the 401 has no OpenAI error object: ${problems.join("; ")}`);
  }
}

export const authTests: SuiteTest[] = [
  {
    name: "auth: no key gets 401",
    async run(ctx) {
      requireKey(ctx);
      await expect401(ctx, false);
    },
  },
  {
    name: "auth: a wrong key gets 401",
    async run(ctx) {
      requireKey(ctx);
      await expect401(ctx, `${ctx.apiKey}-wrong`);
    },
  },
  {
    name: "auth: the key gets 200",
    async run(ctx) {
      requireKey(ctx);
      const res = await ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 2 }), { signal: ctx.signal });
      expect(res.status === 200, `POST /v1/completions with the key answered ${res.status}`);
    },
  },
  {
    name: "auth: health is open without a key",
    async run(ctx) {
      requireKey(ctx);
      const res = await ctx.http.get("/health", { auth: false, signal: ctx.signal });
      expect(res.status === 200, `GET /health without a key answered ${res.status}; load balancer health checks carry no key`);
    },
  },
];
