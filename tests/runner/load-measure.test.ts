/**
 * What the load generator measures, against a scripted stream with known timing: TTFT at the first content
 * delta (not the role delta), inter-token latency from the gaps, tokens from the server's usage, errors counted.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Http } from "../suites/http";
import { percentiles } from "../suites/load/histogram";
import { loadFigures, runLoad } from "../suites/load/generator";

const FIRST_CONTENT_MS = 80;
const GAP_MS = 40;
const CONTENT_DELTAS = 4;
const USAGE_TOKENS = 11;

let server: Server;
let baseUrl: string;
let requests = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      void (async () => {
        requests++;
        if (requests % 3 === 0) return res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"boom","type":"server_error"}}');
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: object, finish: string | null = null) => res.write(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
        chunk({ role: "assistant", content: null });
        await sleep(FIRST_CONTENT_MS);
        for (let i = 0; i < CONTENT_DELTAS; i++) {
          if (i > 0) await sleep(GAP_MS);
          chunk({ content: `t${i}` }, i === CONTENT_DELTAS - 1 ? "length" : null);
        }
        res.write(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage: { prompt_tokens: 2, completion_tokens: USAGE_TOKENS, total_tokens: 13 } })}\n\n`);
        res.end("data: [DONE]\n\n");
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("load generator", () => {
  it("measures TTFT at the first content delta, ITL from the gaps, tokens from usage, and counts errors", async () => {
    const http = new Http(baseUrl, undefined, 4);
    const ticks: number[] = [];
    const stats = await runLoad(http, "m", { users: 3, durationMs: 1500, maxTokens: 8, onTick: (p) => ticks.push(p.requests) });
    await http.close();
    const f = loadFigures(stats);
    expect(f.requests).toBe(stats.ok + stats.errors);
    expect(stats.errors).toBeGreaterThan(0);
    expect(f.error_rate).toBeCloseTo(stats.errors / f.requests, 2);
    expect(stats.errorSamples).toEqual(["HTTP 500"]);
    expect(f.output_tokens).toBe(stats.ok * USAGE_TOKENS);
    expect(f.ttft_p50_ms).toBeGreaterThanOrEqual(FIRST_CONTENT_MS - 2);
    expect(f.ttft_p50_ms).toBeLessThan(FIRST_CONTENT_MS + 60);
    expect(f.itl_p50_ms).toBeGreaterThanOrEqual(GAP_MS - 2);
    expect(f.itl_p50_ms).toBeLessThan(GAP_MS + 40);
    expect(stats.itl.count).toBe(stats.ok * (CONTENT_DELTAS - 1));
    expect(f.p50_latency_ms).toBeGreaterThanOrEqual(FIRST_CONTENT_MS + (CONTENT_DELTAS - 1) * GAP_MS - 2);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
  });

  it("percentiles come from the histogram, to within its precision", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1);
    const p = percentiles(samples);
    expect(p.p50).toBeCloseTo(500, -1);
    expect(p.p95).toBeCloseTo(950, -1);
    expect(p.p99).toBeCloseTo(990, -1);
    expect(p.max).toBeCloseTo(1000, -1);
    expect(percentiles([0.35, 0.4, 0.45]).p50).toBeCloseTo(0.4, 2);
  });
});
