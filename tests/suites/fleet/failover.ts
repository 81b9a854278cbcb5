/**
 * Failover between pools, with real processes: the cheaper pool gets no spot capacity (every launch refused), the
 * base overflows, and the routers' publisher (the script the stack renders, its failover time shortened here) marks
 * that pool starved and gives its share of the queue to the next pool, whose node boots and serves. Every request
 * completes (the base queue holds them meanwhile); the starved pool never comes up.
 */
import { expect, Skip, type SuiteTest } from "../framework";
import { holdTokens, tally } from "./hold";
import { controlOf, fleetOf, idle, layout, until } from "./router";
import { drained, loadUntilServing, serverState } from "./scale-from-zero";

export const failover: SuiteTest = {
  name: "a pool that gets no spot capacity: the routers give its share to the next pool, which serves it; nothing fails",
  timeoutMs: 240_000,
  async run(ctx) {
    const scaling = controlOf(ctx).scaling;
    const [first, second] = (fleetOf(ctx).spec?.burstOrder ?? []).map((b) => b.replace(/^burst_/, ""));
    if (!first || !second) throw new Skip("needs two burst pools");
    const hold = await holdTokens(ctx);
    await idle(ctx);
    const minimums = scaling.minimums();
    scaling.setMinimum(0);
    scaling.setCapacity(first, false);
    try {
      const zero = await drained(ctx, scaling.nodes, "drain to zero once their minimum is 0", scaling.quietMs + 60_000);
      const { baseSlots } = layout(zero);
      const eventsBefore = scaling.events().length;
      const clients = baseSlots + 2;
      const { answers, upMs } = await loadUntilServing(ctx, clients, hold.tokens, second, scaling.failoverSeconds * 1000 + 90_000);
      const t = tally(answers);
      const events = scaling.events().slice(eventsBefore);
      const refused = events.filter((e) => e.pool === first && e.error).length;
      expect(answers.every((a) => a.status === 200), `every request should complete; got ${JSON.stringify(t)} and statuses ${JSON.stringify([...new Set(answers.map((a) => a.status))])}`);
      expect((t[`burst_${second}`] ?? 0) > 0, `the ${second} pool should have served after the failover; x-hybrid-backend says ${JSON.stringify(t)}`);
      expect((t[`burst_${first}`] ?? 0) === 0, `the ${first} pool had no capacity and cannot have served; x-hybrid-backend says ${JSON.stringify(t)}`);
      expect(refused > 0, `the ${first} pool's launches should have been refused; events ${JSON.stringify(events)}`);
      expect(upMs >= scaling.failoverSeconds * 1000, `the ${second} pool came up after ${Math.round(upMs)} ms, before the failover time (${scaling.failoverSeconds} s): it had demand of its own`);
      return { metrics: { starved: first, served_by_next: second, failover_s: scaling.failoverSeconds, next_up_ms: Math.round(upMs), refused_launches: refused, requests: answers.length, served_by: JSON.stringify(t) } };
    } finally {
      scaling.setCapacity(first, true);
      scaling.setMinimum(minimums);
      const warm = Object.entries(minimums).filter(([, n]) => n > 0).map(([p]) => `burst_${p}`);
      await until(ctx, "the burst pools back at their minimum", (m) => warm.every((p) => serverState(m, p) === "UP"), 60_000, 100).catch(() => undefined);
    }
  },
};
