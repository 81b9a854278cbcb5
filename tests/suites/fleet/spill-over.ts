/**
 * Above the base layer's capacity the overflow goes to the burst pools while the base stays full: with twice the
 * base's slots in flight (sent one at a time, so each routing decision sees a settled router), the base serves all
 * its slots, the rest is served by the burst backends and nothing queues; the first request past the base goes to
 * the cheaper pool. Every request succeeds, and x-hybrid-backend names the backend the metrics counted it on.
 */
import { burstBackends } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { fill, holdTokens, tally } from "./hold";
import { BASE, burstServing, describe, fleetOf, idle, layout, queued, serving } from "./router";

export const spillOver: SuiteTest = {
  name: "above base capacity, the overflow goes to burst while the base stays full",
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots } = layout(before);
    const n = Math.min(2 * baseSlots, baseSlots + burstSlots);
    expect(n > baseSlots, `the burst pools have no slot up (${describe(before)})`);
    const f = await fill(ctx, n, hold, { stream: true });
    try {
      const at = f.router;
      const state = describe(at);
      expect(f.settledEarly === 0, `${f.settledEarly} held stream(s) ended before the fill was done`, { state });
      expect(serving(at, BASE) === baseSlots, `the base should stay full (${baseSlots}) while it spills; the router shows ${state}`);
      expect(burstServing(at) === n - baseSlots, `the burst pools should serve the ${n - baseSlots} requests past the base; the router shows ${state}`);
      expect(queued(at) === 0, `nothing should queue while a burst pool has room; ${state}`);
      for (const b of burstBackends(at)) expect(queued(at, b.proxy) === 0, `${b.proxy} queued ${queued(at, b.proxy)}; ${state}`);
      const answers = await Promise.all(f.answers);
      expect(answers.every((a) => a.status === 200), `not every request succeeded: ${JSON.stringify(answers.map((a) => `${a.status} ${a.backend}`))}`);
      const t = tally(answers);
      expect(t[BASE] === baseSlots, `x-hybrid-backend: the base should have served ${baseSlots}, got ${JSON.stringify(t)}`);
      const firstSpill = answers[baseSlots]?.backend;
      const order = fleetOf(ctx).spec?.burstOrder;
      const notes: string[] = [];
      if (order) expect(firstSpill === order[0], `the first request past the base went to ${firstSpill}, not to the cheaper pool ${order[0]}`);
      else notes.push("the burst pools' prices are not known for a remote router: which pool comes first is not checked");
      return { metrics: { fill_ms: Math.round(f.ms), requests: n, base: t[BASE] ?? 0, burst: n - (t[BASE] ?? 0), first_spill: firstSpill ?? "", served_by: JSON.stringify(t), state }, notes };
    } finally {
      await f.release();
    }
  },
};
