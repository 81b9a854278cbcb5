/**
 * The fleet suite's view of the router: its metrics, scraped and parsed, and waits on what they show. Base figures
 * are per server (a server's sessions are the requests it serves; a backend's also count the ones waiting in its
 * queue); the queue is the base backend's.
 */
import { backendOf, burstBackends, type RouterMetrics, scrapeRouter, type ServerStats, serversOf } from "../../../local/fleet/router-metrics";
import { Failure, type FleetContext, Skip, type SuiteContext } from "../framework";

export const BASE = "base";

export function fleetOf(ctx: SuiteContext): FleetContext {
  if (!ctx.fleet) throw new Skip("the fleet suite reads the router's metrics: run it without --base-url (it starts the local fleet) or pass --metrics-url");
  return ctx.fleet;
}

/** The processes behind the router, or a skip: only the local fleet the runner started can be stopped in part. */
export function controlOf(ctx: SuiteContext): NonNullable<FleetContext["control"]> {
  const control = fleetOf(ctx).control;
  if (!control) throw new Skip("needs the fleet's processes: runs against the local fleet the runner starts (no --base-url)");
  return control;
}

export function scrape(ctx: SuiteContext): Promise<RouterMetrics> {
  return scrapeRouter(fleetOf(ctx).metricsUrl, { signal: ctx.signal });
}

export interface Layout {
  base: ServerStats[];
  /** Slots of the base servers that are up: the sum of their maxconn. */
  baseSlots: number;
  burst: Array<{ proxy: string; slots: number }>;
  burstSlots: number;
}

/** The fleet's shape as the router sees it: maxconn of every server that is up. */
export function layout(m: RouterMetrics): Layout {
  const base = serversOf(m, BASE).filter((s) => s.state === "UP");
  const burst = burstBackends(m).map((b) => ({ proxy: b.proxy, slots: serversOf(m, b.proxy).filter((s) => s.state === "UP").reduce((n, s) => n + s.limit, 0) }));
  return { base, baseSlots: base.reduce((n, s) => n + s.limit, 0), burst, burstSlots: burst.reduce((n, b) => n + b.slots, 0) };
}

/** Requests being served by a backend's servers. */
export const serving = (m: RouterMetrics, proxy: string) => serversOf(m, proxy).reduce((n, s) => n + s.sessions, 0);
/**
 * Requests waiting for a backend's slots. With leastconn and a maxqueue on every server, HAProxy queues a request on
 * the server it picked (haproxy_server_current_queue) and only uses the backend's own queue
 * (haproxy_backend_current_queue) when every server's queue is full: the two together are what `queue(base)` counts.
 */
export const queued = (m: RouterMetrics, proxy = BASE) => backendOf(m, proxy).queue + serversOf(m, proxy).reduce((n, s) => n + s.queue, 0);
const routedBackends = (m: RouterMetrics) => [backendOf(m, BASE), ...burstBackends(m)];
/** Requests the frontend has handed to a backend since the router started. */
export const routedTotal = (m: RouterMetrics) => routedBackends(m).reduce((n, b) => n + b.sessionsTotal, 0);
/** Requests being served or waiting, over the base and burst backends. */
export const inFlight = (m: RouterMetrics) => routedBackends(m).reduce((n, b) => n + b.sessions, 0);
export const burstServing = (m: RouterMetrics) => burstBackends(m).reduce((n, b) => n + serving(m, b.proxy), 0);
export const responses2xx = (m: RouterMetrics, proxy: string) => serversOf(m, proxy).reduce((n, s) => n + (s.responses["2xx"] ?? 0), 0);

/** One line for messages and metrics: who serves what, the queue, each server's state. */
export function describe(m: RouterMetrics): string {
  const parts = routedBackends(m).map((b) => `${b.proxy} ${serving(m, b.proxy)}/${serversOf(m, b.proxy).reduce((n, s) => n + s.limit, 0)}${queued(m, b.proxy) ? ` (queue ${queued(m, b.proxy)})` : ""}`);
  const down = m.servers.filter((s) => s.state !== "UP").map((s) => `${s.proxy}/${s.server} ${s.state}`);
  return `${parts.join(", ")}${down.length ? `; ${down.join(", ")}` : ""}`;
}

/** Scrapes until `check` holds; fails naming what was awaited and what the router showed last. */
export async function until(ctx: SuiteContext, what: string, check: (m: RouterMetrics) => boolean, timeoutMs: number, pollMs = 25): Promise<RouterMetrics> {
  const deadline = performance.now() + timeoutMs;
  let m = await scrape(ctx);
  while (!check(m)) {
    if (performance.now() > deadline) throw new Failure(`the router did not show ${what} within ${(timeoutMs / 1000).toFixed(1)} s; it shows ${describe(m)}`);
    await new Promise((r) => setTimeout(r, pollMs));
    m = await scrape(ctx);
  }
  return m;
}

/** Waits until nothing is in flight, so a test starts from an idle router. */
export function idle(ctx: SuiteContext, timeoutMs = 60_000): Promise<RouterMetrics> {
  return until(ctx, "an idle fleet (nothing served or queued)", (m) => inFlight(m) === 0, timeoutMs, 100);
}
