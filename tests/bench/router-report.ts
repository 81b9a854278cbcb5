/** The router's benchmark as rows for the terminal table and as its section of docs/performance.md. */
import type { PathTtft, RouterBench, SpillCell } from "./router";

export const TTFT_HEAD = ["path", "requests", "TTFT p50 ms", "TTFT p99 ms", "latency p50 ms", "latency p99 ms", "errors"];
export const SPILL_HEAD = ["at twice the base's slots", "req/s", "rounds req/s", "p50 ms", "p99 ms", "TTFT p50 ms", "TTFT p99 ms", "errors", "served by"];

const servedBy = (c: SpillCell) =>
  Object.entries(c.served)
    .map(([backend, n]) => `${backend} ${n}`)
    .join(", ");

export function routerRows(r: RouterBench): { ttft: string[][]; spill: string[][] } {
  const path = (name: string, p: PathTtft) => [name, String(p.requests), String(p.ttft_p50_ms), String(p.ttft_p99_ms), String(p.p50_latency_ms), String(p.p99_latency_ms), String(p.errors)];
  const cell = (name: string, c: SpillCell) => {
    const f = c.figures;
    return [name, String(f.requests_per_second), c.roundsRps.join(" / "), String(f.p50_latency_ms), String(f.p99_latency_ms), String(f.ttft_p50_ms), String(f.ttft_p99_ms), `${f.errors}/${f.requests}${c.errorSamples.length ? ` (${c.errorSamples.join(", ")})` : ""}`, servedBy(c)];
  };
  return {
    ttft: [path("direct to the base node (HTTP)", r.ttft.direct), path("through one router to it (HTTP)", r.ttft.router)],
    spill: [cell("the base alone (burst in maintenance)", r.spill.base_alone), cell("with spill-over", r.spill.with_spill)],
  };
}

const table = (head: string[], rows: string[][]) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

export function routerMarkdown(r: RouterBench, vcpus: number): string {
  const rows = routerRows(r);
  const t = r.ttft;
  const s = r.spill;
  const burstServed = Object.entries(s.with_spill.served).filter(([b]) => b.startsWith("burst_")).reduce((n, [, v]) => n + v, 0);
  const allServed = Object.values(s.with_spill.served).reduce((n, v) => n + v, 0);
  const aloneErrors = s.base_alone.figures.errors;
  const p50Verdict = t.added_p50_ms <= 1 ? "within the goal of at most 1 ms" : "over the goal of at most 1 ms";
  return `## The router: one hybrid endpoint (the local fleet)

The local fleet of staging (\`npm run local -- --fleet\`): what the stack renders, run on this machine. One router's share is
${r.base_slots} base slots (the base node's slots split between the stack's routers) and ${r.burst_slots} burst slots, with a
queue of ${r.queue_depth}; the tiny model; HAProxy with the router's rendered config, only its addresses moved to loopback.

**TTFT through the router against direct to the base node behind it.** The same node, both paths plain HTTP (on Hetzner the
load balancer ends TLS and the router listens in plain HTTP on the private network). One streaming chat user,
${t.max_tokens} tokens per request, ${r.rounds} rounds of ${r.duration_s} s per path, the paths taking turns (the order swapped every
round); every sample of a path in one distribution.

${table(TTFT_HEAD, rows.ttft)}

The router adds **${t.added_p50_ms} ms** to TTFT at p50, ${p50Verdict}, and ${t.added_p99_ms} ms at p99.

**Throughput with spill-over against the base alone**, at twice the base's slots: ${s.users} streaming chat users,
${s.max_tokens} tokens per request, through the router, either with the burst servers in maintenance (set over the router's
admin socket, so the same router queues on the base) or in service; ${r.rounds} rounds of ${r.duration_s} s each, taking turns; each
row is its median round.

${table(SPILL_HEAD, rows.spill)}

With spill-over the router sent ${burstServed} of ${allServed} requests to the burst pools: ${s.gain}x the base alone's
throughput. Every node here shares this machine's ${vcpus} vCPUs, so spill-over adds no compute: ${s.gain >= 0.95 ? "the router spread the load without losing throughput" : `spreading the load cost ${Math.round((1 - s.gain) * 100)}% of the base alone's throughput`},
which says nothing of the capacity a cloud pool adds (there each burst node brings its own cores). That the base stays
full while it spills, and that the cheaper pool fills first, the fleet suite checks.${
    aloneErrors > 0
      ? `
The base alone's errors are the router's 503s at the edge of its queue: with exactly slots plus queue clients, a
client's next request can reach the router just before it has freed the slot of the request that just ended.`
      : ""
  }
`;
}
