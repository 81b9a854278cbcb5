/**
 * Below the base layer's capacity every request is served by base nodes: with as many requests in flight as the base
 * has slots, each base server serves its maxconn, no burst server serves anything, nothing queues, and every answer
 * comes from the base backend (x-hybrid-backend) and adds to the base servers' 2xx counters only.
 */
import { backendOf, burstBackends, serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { fill, holdTokens, tally } from "./hold";
import { BASE, burstServing, describe, idle, layout, queued, responses2xx, routedTotal, scrape, serving } from "./router";

export const belowCapacity: SuiteTest = {
  name: "below base capacity, every request is served by base nodes",
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots } = layout(before);
    const f = await fill(ctx, baseSlots, hold, { stream: true });
    try {
      const at = f.router;
      const state = describe(at);
      expect(f.settledEarly === 0, `${f.settledEarly} held stream(s) ended before the base was full`, { state });
      expect(serving(at, BASE) === baseSlots, `with ${baseSlots} requests in flight the base should serve ${baseSlots}; the router shows ${state}`);
      for (const s of serversOf(at, BASE)) expect(s.sessions === s.limit, `base server ${s.server} serves ${s.sessions} of its ${s.limit} slots (leastconn should fill each); ${state}`);
      expect(burstServing(at) === 0 && queued(at) === 0, `nothing should spill or queue below capacity; ${state}`);
      const answers = await Promise.all(f.answers);
      const after = await scrape(ctx);
      const t = tally(answers);
      expect(answers.every((a) => a.status === 200), `not every request succeeded: ${JSON.stringify(answers.map((a) => a.status))}`);
      expect(t[BASE] === baseSlots, `every answer should come from the base backend; x-hybrid-backend says ${JSON.stringify(t)}`);
      const base2xx = responses2xx(after, BASE) - responses2xx(before, BASE);
      const burstRouted = burstBackends(after).reduce((n, b) => n + b.sessionsTotal, 0) - burstBackends(before).reduce((n, b) => n + b.sessionsTotal, 0);
      expect(base2xx === baseSlots, `the base servers' 2xx counters moved by ${base2xx}, not ${baseSlots}`);
      expect(burstRouted === 0, `the burst backends' session counters moved by ${burstRouted}`);
      expect(routedTotal(after) - routedTotal(before) === baseSlots, "the router routed other requests meanwhile");
      return { metrics: { fill_ms: Math.round(f.ms), requests: baseSlots, base_2xx: base2xx, burst_sessions: burstRouted, base_retries: backendOf(after, BASE).retries - backendOf(before, BASE).retries, state } };
    } finally {
      await f.release();
    }
  },
};
