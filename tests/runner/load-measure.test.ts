/**
 * What the load generator measures, against a scripted stream with known timing: TTFT at the first content
 * delta (not the role delta), inter-token latency from the gaps, tokens from the server's usage, errors counted.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../local/stack/ports";
import { Http } from "../suites/http";
import { percentiles } from "../suites/load/histogram";
import { backoffMs, interTokenGaps, loadFigures, runLoad } from "../suites/load/generator";

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

  it("measures inter-token latency per streamed event when several events arrive in one network read", async () => {
    // Two content deltas per write, 40 ms apart: per network read half the gaps would read 0 ms.
    const coalesced = await scripted(async (res, chunk) => {
      chunk({ role: "assistant", content: null });
      for (let i = 0; i < 4; i++) {
        await sleep(40);
        res.write(chunk({ content: `a${i}` }, null, false) + chunk({ content: `b${i}` }, i === 3 ? "length" : null, false));
      }
      usageAndDone(res);
    });
    const http = new Http(coalesced.url, undefined, 2);
    const stats = await runLoad(http, "m", { users: 1, durationMs: 600, maxTokens: 8 });
    await http.close();
    await coalesced.close();
    const f = loadFigures(stats);
    expect(stats.ok).toBeGreaterThan(0);
    // Each read after the first brings two events: each gets half of the ~40 ms since the previous read.
    expect(stats.itl.count).toBe(stats.ok * 6);
    expect(f.itl_p50_ms).toBeGreaterThanOrEqual(18);
    expect(f.itl_p50_ms).toBeLessThan(40);
  });

  it("spreads a read's gap over its events and gives events that came with the first token none", () => {
    expect(interTokenGaps([{ at: 10, read: 1 }, { at: 10, read: 1 }, { at: 50, read: 2 }, { at: 50, read: 2 }, { at: 80, read: 3 }])).toEqual([20, 20, 30]);
    expect(interTokenGaps([{ at: 5, read: 0 }])).toEqual([]);
    expect(interTokenGaps([{ at: 5, read: 0 }, { at: 5, read: 0 }])).toEqual([]);
  });

  it("computes the request rate over the load window, not over a straggler's drain", async () => {
    const started = Date.now();
    let stalled = false;
    const straggler = await scripted(async (res, chunk) => {
      // One request late in the window takes 2 s; the rest answer at once.
      if (!stalled && Date.now() - started > 500) {
        stalled = true;
        await sleep(2000);
      }
      chunk({ role: "assistant", content: null });
      chunk({ content: "x" }, "length");
      usageAndDone(res);
    });
    const http = new Http(straggler.url, undefined, 4);
    const stats = await runLoad(http, "m", { users: 2, durationMs: 1000, maxTokens: 1 });
    await http.close();
    await straggler.close();
    const f = loadFigures(stats);
    expect(stats.elapsedS).toBeGreaterThan(2);
    expect(f.duration_seconds).toBeCloseTo(1, 1);
    // Over the wall time (2.5 s and more) the rate would be under requests / 2.
    expect(f.requests_per_second).toBeGreaterThan(f.requests / 2);
    expect(stats.latency.max).toBeGreaterThan(1900);
  });

  it("backs off and stops when nothing listens, instead of counting refused connections for the whole duration", async () => {
    const port = await freePort();
    const http = new Http(`http://127.0.0.1:${port}`, undefined, 8);
    const t0 = performance.now();
    const stats = await runLoad(http, "m", { users: 4, durationMs: 20_000, maxTokens: 8, lostAfterMs: 1000 });
    await http.close();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(stats.endpointLost).toMatch(/no request succeeded for 1\.\d s; the last failed with ECONNREFUSED/);
    expect(stats.requests).toBe(stats.connectionErrors);
    expect(stats.requests).toBeLessThan(60);
    expect([1, 2, 3, 7, 30].map(backoffMs)).toEqual([50, 100, 200, 2000, 2000]);
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

type ChunkWriter = (delta: object, finish?: string | null, write?: boolean) => string;

function usageAndDone(res: ServerResponse): void {
  res.write(`data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage: { prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 } })}\n\n`);
  res.end("data: [DONE]\n\n");
}

/** A loopback SSE server whose every answer is written by `script`. */
async function scripted(script: (res: ServerResponse, chunk: ChunkWriter) => Promise<void>): Promise<{ url: string; close: () => Promise<void> }> {
  const srv = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk: ChunkWriter = (delta, finish = null, write = true) => {
        const text = `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        if (write) res.write(text);
        return text;
      };
      void script(res, chunk);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
