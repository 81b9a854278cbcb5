/**
 * The router's benchmark, on the local fleet of staging (what the stack renders), side by side in one run:
 * - TTFT through one router against direct to the base node behind it: both plain HTTP on loopback (the load balancer
 *   in front ends TLS), one streaming user, the two paths taking turns round by round (the order swapped every round),
 *   every sample of a path in one distribution;
 * - throughput at twice the base's slots through the router with spill-over against the base alone (the burst
 *   servers put in maintenance over the admin socket, so the same router queues on the base), taking turns round by
 *   round; each keeps its median round. The router's metrics say where the requests went.
 */
import { FAILOVER_SUFFIX } from "../../infra/hetzner/haproxy";
import { startLocalFleet, type LocalFleet } from "../../local/fleet/fleet";
import { haproxyAdmin } from "../../local/fleet/haproxy-process";
import { burstBackends, type RouterMetrics, scrapeRouter, serversOf } from "../../local/fleet/router-metrics";
import { Http } from "../suites/http";
import { loadFigures, runLoad } from "../suites/load/generator";
import { Latencies } from "../suites/load/histogram";
import type { LoadResult } from "../suites/results";

export interface PathTtft {
  requests: number;
  errors: number;
  ttft_p50_ms: number;
  ttft_p99_ms: number;
  p50_latency_ms: number;
  p99_latency_ms: number;
}

export interface SpillCell {
  figures: LoadResult & { ttft_p99_ms: number };
  /** The first distinct errors of the median round ("HTTP 503", a connection error). */
  errorSamples: string[];
  /** Successful responses per backend in the median round, from the router's metrics. */
  served: Record<string, number>;
  roundsRps: number[];
}

export interface RouterBench {
  base_slots: number;
  burst_slots: number;
  queue_depth: number;
  duration_s: number;
  rounds: number;
  ttft: { users: number; max_tokens: number; direct: PathTtft; router: PathTtft; added_p50_ms: number; added_p99_ms: number };
  spill: { users: number; max_tokens: number; base_alone: SpillCell; with_spill: SpillCell; gain: number };
}

export interface RouterBenchOptions {
  durationS: number;
  rounds: number;
  progress: (line: string) => void;
}

const TTFT_TOKENS = 8;
const SPILL_TOKENS = 32;
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Puts every burst server in maintenance (base alone) or back in service, and waits until the router shows it. */
async function burst(fleet: LocalFleet, on: boolean): Promise<void> {
  const r = routerOf(fleet);
  const m = await scrapeRouter(r.metricsUrl);
  for (const b of burstBackends(m)) for (const s of serversOf(m, b.proxy)) await haproxyAdmin(r.statsSocket, `${on ? "enable" : "disable"} server ${b.proxy}/${s.server}`);
  const want = on ? "UP" : "MAINT";
  const deadline = Date.now() + 20_000;
  for (;;) {
    const now = await scrapeRouter(r.metricsUrl);
    if (now.servers.filter((s) => s.proxy.startsWith("burst_")).every((s) => s.state === want)) return;
    if (Date.now() > deadline) throw new Error(`the burst servers did not turn ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function served(before: RouterMetrics, after: RouterMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of after.servers) {
    const b = before.servers.find((x) => x.proxy === s.proxy && x.server === s.server);
    const n = (s.responses["2xx"] ?? 0) - (b?.responses["2xx"] ?? 0);
    if (n > 0) out[s.proxy] = (out[s.proxy] ?? 0) + n;
  }
  return out;
}

/** The router the bench measures: the first of the stack's. */
function routerOf(fleet: LocalFleet): LocalFleet["routers"][number] {
  const r = fleet.routers[0];
  if (!r) throw new Error("the fleet has no router");
  return r;
}

export async function runRouterBench(o: RouterBenchOptions): Promise<RouterBench> {
  o.progress("starting the local fleet of staging");
  const fleet = await startLocalFleet({ port: 0 });
  const r0 = routerOf(fleet);
  const model = (await new Http(r0.apiUrl, fleet.apiKey, 1).get("/v1/models")).json as { data?: Array<{ id: string }> };
  const modelId = model.data?.[0]?.id ?? fleet.model.name;
  const share = (prefix: string) => Object.entries(fleet.facts.slots).filter(([k]) => k.startsWith(prefix) && !k.endsWith(FAILOVER_SUFFIX)).reduce((n, [, v]) => n + v, 0);
  const baseSlots = share("base/");
  const burstSlots = share("burst_");
  const users = 2 * baseSlots;
  const base0 = fleet.base[0]?.node();
  if (!base0) throw new Error("the fleet has no base node");
  const direct = new Http(base0.baseUrl, fleet.apiKey, 4);
  const router = new Http(r0.apiUrl, fleet.apiKey, 2 * users);
  const durationMs = o.durationS * 1000;
  try {
    // TTFT: one user, direct and through the router taking turns; a short warm-up on each path first.
    const paths = { direct, router } as const;
    const ttft = { direct: new Latencies(), router: new Latencies() };
    const latency = { direct: new Latencies(), router: new Latencies() };
    const counts = { direct: { requests: 0, errors: 0 }, router: { requests: 0, errors: 0 } };
    for (const http of [direct, router]) await runLoad(http, modelId, { users: 1, durationMs: 1000, maxTokens: TTFT_TOKENS });
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 ? (["direct", "router"] as const) : (["router", "direct"] as const);
      for (const path of order) {
        o.progress(`router round ${round}/${o.rounds}: TTFT, 1 user, ${path === "direct" ? "direct to one base node" : "through the router"}, ${o.durationS} s`);
        const stats = await runLoad(paths[path], modelId, { users: 1, durationMs, maxTokens: TTFT_TOKENS });
        ttft[path].merge(stats.ttft);
        latency[path].merge(stats.latency);
        counts[path].requests += stats.requests;
        counts[path].errors += stats.errors;
        for (const h of [stats.latency, stats.ttft, stats.itl]) h.destroy();
      }
    }
    const figures = (path: "direct" | "router"): PathTtft => ({
      ...counts[path],
      ttft_p50_ms: ttft[path].at(50),
      ttft_p99_ms: ttft[path].at(99),
      p50_latency_ms: latency[path].at(50),
      p99_latency_ms: latency[path].at(99),
    });
    const ttftResult = { users: 1, max_tokens: TTFT_TOKENS, direct: figures("direct"), router: figures("router"), added_p50_ms: 0, added_p99_ms: 0 };
    ttftResult.added_p50_ms = r2(ttftResult.router.ttft_p50_ms - ttftResult.direct.ttft_p50_ms);
    ttftResult.added_p99_ms = r2(ttftResult.router.ttft_p99_ms - ttftResult.direct.ttft_p99_ms);
    for (const h of [...Object.values(ttft), ...Object.values(latency)]) h.destroy();

    // Throughput at twice the base's slots: the base alone (burst in maintenance) and with spill-over, taking turns.
    const cells: Record<"alone" | "spill", Array<Omit<SpillCell, "roundsRps">>> = { alone: [], spill: [] };
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2 ? (["alone", "spill"] as const) : (["spill", "alone"] as const);
      for (const mode of order) {
        await burst(fleet, mode === "spill");
        o.progress(`router round ${round}/${o.rounds}: ${users} users through the router, ${mode === "spill" ? "with spill-over" : "the base alone"}, ${o.durationS} s`);
        const before = await scrapeRouter(r0.metricsUrl);
        const stats = await runLoad(router, modelId, { users, durationMs, maxTokens: SPILL_TOKENS });
        const after = await scrapeRouter(r0.metricsUrl);
        cells[mode].push({ figures: { ...loadFigures(stats), ttft_p99_ms: stats.ttft.at(99) }, errorSamples: stats.errorSamples, served: served(before, after) });
        for (const h of [stats.latency, stats.ttft, stats.itl]) h.destroy();
      }
    }
    await burst(fleet, true);
    const medianCell = (rounds: (typeof cells)["alone"]): SpillCell => {
      const sorted = [...rounds].sort((a, b) => a.figures.requests_per_second - b.figures.requests_per_second);
      const mid = sorted[Math.floor((sorted.length - 1) / 2)];
      if (!mid) throw new Error("no round was measured");
      return { ...mid, roundsRps: rounds.map((c) => c.figures.requests_per_second) };
    };
    const alone = medianCell(cells.alone);
    const spill = medianCell(cells.spill);
    return {
      base_slots: baseSlots,
      burst_slots: burstSlots,
      queue_depth: fleet.facts.queueDepth,
      duration_s: o.durationS,
      rounds: o.rounds,
      ttft: ttftResult,
      spill: { users, max_tokens: SPILL_TOKENS, base_alone: alone, with_spill: spill, gain: alone.figures.requests_per_second === 0 ? 0 : r2(spill.figures.requests_per_second / alone.figures.requests_per_second) },
    };
  } finally {
    await Promise.all([direct.close(), router.close()]);
    await fleet.stop();
  }
}
