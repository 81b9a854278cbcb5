/**
 * The stack's routers behind the load balancer in front (the local fleet's stand-in for the Hetzner one, which spreads
 * requests by least connections and checks each router's /healthz). Short completions flow through it from a few
 * clients while one router's HAProxy is killed outright: no request that starts after the kill fails (the balancer
 * tries a refused connection on the other router and stops sending to the dead one once its checks fail), none served
 * by the other router fails, and systemd starts the dead one again. Only requests the killed router was carrying at
 * that instant can be lost; they are counted.
 */
import { Http } from "../http";
import { expect, Skip, type SuiteTest } from "../framework";
import { PROMPT } from "../requests";
import { controlOf } from "./router";

const CLIENTS = 4;
const BEFORE_MS = 2000;
const AFTER_MS = 6000;

interface Sent {
  startMs: number;
  endMs: number;
  status: number;
  router: string;
  error?: string;
}

export const routerKilled: SuiteTest = {
  name: "two routers behind the load balancer: one killed, no request sent after it fails, the other router's requests go on, and it is started again",
  timeoutMs: 120_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const entry = control.entry;
    if (entry.routers.length < 2) throw new Skip(`the stack renders ${entry.routers.length} router(s); this needs two`);
    const http = new Http(entry.baseUrl, ctx.apiKey, CLIENTS * 2, entry.tls);
    const sent: Sent[] = [];
    const t0 = performance.now();
    let killedAt = Number.POSITIVE_INFINITY;
    const victim = entry.routers[1] as (typeof entry.routers)[number];
    const client = async () => {
      while (performance.now() - t0 < BEFORE_MS + AFTER_MS) {
        const startMs = performance.now() - t0;
        try {
          const r = await http.post("/v1/completions", { model: ctx.model, prompt: PROMPT, max_tokens: 8, temperature: 0 }, { signal: ctx.signal, timeoutMs: 30_000 });
          const router = r.headers["x-hybrid-router"];
          sent.push({ startMs, endMs: performance.now() - t0, status: r.status, router: Array.isArray(router) ? router.join(",") : (router ?? "") });
        } catch (e) {
          sent.push({ startMs, endMs: performance.now() - t0, status: 0, router: "", error: (e as Error).message });
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await new Promise((r) => setTimeout(r, BEFORE_MS));
    killedAt = performance.now() - t0;
    await control.killRouter(1);
    await Promise.all(clients);
    const failed = sent.filter((s) => s.status !== 200);
    const inFlightAtKill = failed.filter((s) => s.startMs <= killedAt);
    const afterKill = failed.filter((s) => s.startMs > killedAt);
    const survivor = (entry.routers[0] as (typeof entry.routers)[number]).name;
    const survivorFailed = failed.filter((s) => s.router === survivor);
    // Requests in flight on the victim may fail at the kill (bounded below); the ones served before it name both routers.
    const before = sent.filter((s) => s.startMs <= killedAt && s.status === 200);
    expect(new Set(before.map((s) => s.router)).size === 2, `before the kill both routers should serve; served by ${JSON.stringify([...new Set(before.map((s) => s.router))])}`);
    expect(afterKill.length === 0, `${afterKill.length} request(s) sent after ${victim.name} was killed failed: ${JSON.stringify(afterKill.slice(0, 3))}`);
    expect(survivorFailed.length === 0, `${survivorFailed.length} request(s) served by ${survivor} failed`);
    expect(inFlightAtKill.length <= CLIENTS, `${inFlightAtKill.length} requests failed around the kill; at most the ${CLIENTS} in flight could`);
    const back = await waitFor(() => control.events().some((e) => e.includes(`router ${victim.name} is back`)), 30_000);
    expect(back, `systemd should start ${victim.name} again; the fleet's events: ${control.events().slice(-5).join(" | ")}`);
    // Once back and checked healthy by the balancer, it serves again.
    const servedAgain = await waitFor(async () => {
      const r = await http.post("/v1/completions", { model: ctx.model, prompt: PROMPT, max_tokens: 1 }, { signal: ctx.signal, timeoutMs: 10_000 });
      return r.status === 200 && r.headers["x-hybrid-router"] === victim.name;
    }, 30_000);
    expect(servedAgain, `${victim.name} should serve again through the load balancer once it is back`);
    return {
      metrics: {
        requests: sent.length,
        after_kill: sent.filter((s) => s.startMs > killedAt).length,
        lost_in_flight: inFlightAtKill.length,
        failed_after_kill: afterKill.length,
        served_by: JSON.stringify(Object.fromEntries([...new Set(sent.map((s) => s.router))].map((r) => [r || "none", sent.filter((s) => s.router === r).length]))),
      },
      notes: inFlightAtKill.length ? [`${inFlightAtKill.length} request(s) the killed router was carrying were lost (${inFlightAtKill.map((s) => s.error ?? s.status).join("; ")})`] : [],
    };
  },
};

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
