/**
 * The router's Prometheus exporter is scraped and parsed: the base backend and the burst backends are there with
 * every server's maxconn (be_conn_free() needs it on every base server), state and last check, and the counters move
 * with traffic: one request adds to the frontend's requests and to a base server's 2xx responses.
 */
import { backendOf, burstBackends, serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { completionBody } from "../requests";
import { BASE, describe, idle, layout, responses2xx, scrape } from "./router";

export const metricsParsed: SuiteTest = {
  name: "the router's metrics are scraped and parsed",
  async run(ctx) {
    const before = await idle(ctx);
    const base = serversOf(before, BASE);
    expect(base.length > 0, "the metrics have no base server");
    const routed = (proxy: string) => proxy === BASE || proxy.startsWith("burst_");
    for (const s of [...base, ...before.servers.filter((x) => x.proxy !== BASE && routed(x.proxy))]) {
      expect(s.limit >= 1, `server ${s.proxy}/${s.server} has no maxconn (limit_sessions ${s.limit}): be_conn_free() is then -1`);
    }
    const burst = burstBackends(before);
    expect(burst.length > 0, `the metrics have no burst backend (backends: ${[...before.backends.keys()].join(", ")})`);
    const notUp = before.servers.filter((s) => s.state !== "UP");
    expect(notUp.length === 0, `servers not up: ${notUp.map((s) => `${s.proxy}/${s.server} ${s.state} (${s.check})`).join(", ")}`);
    const api = before.frontends.get("api");
    expect(api, `the metrics have no api frontend (frontends: ${[...before.frontends.keys()].join(", ")})`);

    const r = await ctx.http.post("/v1/completions", completionBody(ctx, { max_tokens: 4 }), { signal: ctx.signal });
    expect(r.status === 200, `a completion through the router answered ${r.status}`);
    const after = await scrape(ctx);
    const requests = (after.frontends.get(api.proxy)?.requestsTotal ?? 0) - api.requestsTotal;
    const served = responses2xx(after, BASE) - responses2xx(before, BASE);
    expect(requests >= 1, `the frontend's request counter did not move (${requests})`);
    expect(served === 1, `one request should add one 2xx response on a base server, not ${served}`);
    const l = layout(after);
    return {
      metrics: {
        samples: after.samples.length,
        backends: [...after.backends.keys()].filter(routed).join(","),
        base_slots: l.baseSlots,
        burst_slots: l.burstSlots,
        base_retries: backendOf(after, BASE).retries,
        state: describe(after),
      },
    };
  },
};
