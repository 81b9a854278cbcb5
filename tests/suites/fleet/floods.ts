/**
 * Floods the fleet must hold: 300 raw TCP connections that never start TLS at the load balancer in front, and 300
 * that never send a request at a router, each leave a normal request answered within 5 s; the router cuts its idle
 * ones (`timeout http-request`). With every connection the router's API listener takes in use, its health check and
 * metrics still answer: they have a listener and a connection limit of their own.
 */
import { connect, type Socket } from "node:net";
import { scrapeRouter } from "../../../local/fleet/router-metrics";
import { Http } from "../http";
import { expect, type SuiteContext, type SuiteTest } from "../framework";
import { PROMPT } from "../requests";
import { controlOf, fleetOf } from "./router";

const IDLE = 300;
const ANSWER_MS = 5000;
/** The router cuts a connection that sends no request after its `timeout http-request` (10 s as rendered) and a margin. */
const CUT_MS = 20_000;

/** A raw connection that sends nothing; `closed` turns true when the other side closes it. */
interface Idle {
  socket: Socket;
  closed: boolean;
}

function open(host: string, port: number, n: number): Promise<Idle[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<Idle>((resolve, reject) => {
        const socket = connect({ host, port });
        const idle: Idle = { socket, closed: false };
        socket.on("data", () => undefined);
        socket.on("close", () => (idle.closed = true));
        socket.on("error", () => undefined);
        socket.once("connect", () => resolve(idle));
        socket.once("error", reject);
      }),
    ),
  );
}

const closedCount = (idle: Idle[]) => idle.filter((i) => i.closed).length;

async function timedRequest(http: Http, ctx: SuiteContext): Promise<{ status: number; ms: number }> {
  const r = await http.post("/v1/completions", { model: ctx.model, prompt: PROMPT, max_tokens: 4 }, { signal: ctx.signal, timeoutMs: 30_000 });
  return { status: r.status, ms: r.ms };
}

export const floods: SuiteTest = {
  name: "300 idle connections at the load balancer or a router leave a request answered within 5 s; the router cuts its idle ones; health and metrics survive a full API listener",
  timeoutMs: 120_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const entryUrl = new URL(control.entry.baseUrl);
    const routerUrl = new URL(ctx.http.baseUrl);
    const all: Idle[] = [];
    try {
      const atEntry = await open(entryUrl.hostname, Number(entryUrl.port), IDLE);
      all.push(...atEntry);
      const viaEntry = await timedRequest(new Http(control.entry.baseUrl, ctx.apiKey, 2, control.entry.tls), ctx);
      expect(viaEntry.status === 200 && viaEntry.ms < ANSWER_MS, `with ${IDLE} idle connections at the load balancer a request should answer 200 within ${ANSWER_MS} ms; got ${viaEntry.status} in ${Math.round(viaEntry.ms)} ms`);

      const atRouter = await open(routerUrl.hostname, Number(routerUrl.port), IDLE);
      all.push(...atRouter);
      const viaRouter = await timedRequest(ctx.http, ctx);
      expect(viaRouter.status === 200 && viaRouter.ms < ANSWER_MS, `with ${IDLE} idle connections at the router a request should answer 200 within ${ANSWER_MS} ms; got ${viaRouter.status} in ${Math.round(viaRouter.ms)} ms`);
      const t0 = performance.now();
      while (closedCount(atRouter) < IDLE && performance.now() - t0 < CUT_MS) await new Promise((r) => setTimeout(r, 250));
      const cutMs = performance.now() - t0;
      expect(closedCount(atRouter) === IDLE, `the router should cut connections that send no request; ${IDLE - closedCount(atRouter)} of ${IDLE} still open after ${CUT_MS / 1000} s`);

      // Every connection the API listener takes in use: the ops listener still answers health checks and scrapes.
      const limit = (await scrapeRouter(fleetOf(ctx).metricsUrl)).samples.find((s) => s.name === "haproxy_frontend_limit_sessions" && s.labels.proxy === "api")?.value ?? 0;
      expect(limit > 0, "the router's metrics should give the API listener's connection limit (haproxy_frontend_limit_sessions)");
      const full = await open(routerUrl.hostname, Number(routerUrl.port), limit + 10);
      all.push(...full);
      // HAProxy accepts what the kernel queued in batches: wait until the listener holds its limit.
      let m = await scrapeRouter(fleetOf(ctx).metricsUrl, { timeoutMs: ANSWER_MS });
      for (let i = 0; i < 50 && (m.frontends.get("api")?.sessions ?? 0) < limit; i++) {
        await new Promise((r) => setTimeout(r, 100));
        m = await scrapeRouter(fleetOf(ctx).metricsUrl, { timeoutMs: ANSWER_MS });
      }
      const started = performance.now();
      m = await scrapeRouter(fleetOf(ctx).metricsUrl, { timeoutMs: ANSWER_MS });
      const health = await fetch(fleetOf(ctx).metricsUrl.replace(/\/metrics$/, "/healthz"), { signal: AbortSignal.timeout(ANSWER_MS) });
      const opsMs = performance.now() - started;
      const apiSessions = m.frontends.get("api")?.sessions ?? 0;
      expect(health.status === 200, `the ops listener's /healthz should answer 200 with the API listener full; got ${health.status}`);
      expect(apiSessions >= limit, `the API listener should be full for this check (${apiSessions} of ${limit} connections)`);
      return { metrics: { idle: IDLE, entry_request_ms: Math.round(viaEntry.ms), router_request_ms: Math.round(viaRouter.ms), idle_cut_ms: Math.round(cutMs), api_limit: limit, api_sessions: apiSessions, ops_answer_ms: Math.round(opsMs) } };
    } finally {
      for (const i of all) i.socket.destroy();
    }
  },
};
