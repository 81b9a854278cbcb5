/**
 * The burst pools start from zero on the router's demand and go back after the quiet period, the whole loop with
 * real processes: the pools' minimum drops to 0 (as in the stacks) and they drain; then more clients than the base
 * has slots keep sending requests back to back, so the base is full and a queue stands. The router's publisher sends
 * that demand to the CloudWatch and Cloud Monitoring stand-ins, the autoscaler stand-in starts the cheaper pool's
 * node through the boot path, the router finds it and spills to it. Every request completes; once the clients stop,
 * the pool goes back to zero after the quiet period. The pool goes 0 -> 1 -> 0 in the autoscaler's events and in
 * the router's view (its server DOWN, UP, DOWN); the other pool, whose share of the queue is nothing, stays at 0.
 */
import { serversOf } from "../../../local/fleet/router-metrics";
import { expect, Failure, type SuiteContext, type SuiteTest } from "../framework";
import { type Answer, ask, holdTokens, tally } from "./hold";
import { controlOf, describe, fleetOf, idle, layout, scrape, until } from "./router";

export const serverState = (m: Awaited<ReturnType<typeof scrape>>, proxy: string) => serversOf(m, proxy).map((s) => s.state).join(",");

/** Waits until the pools have no node and the router sees every burst server down. */
export async function drained(ctx: SuiteContext, nodes: () => Record<string, number>, what: string, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (Object.values(nodes()).some((n) => n > 0)) {
    if (performance.now() > deadline) throw new Failure(`the burst pools did not ${what} within ${timeoutMs / 1000} s: nodes ${JSON.stringify(nodes())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return until(ctx, `every burst server down (${what})`, (m) => [...m.backends.keys()].filter((p) => p.startsWith("burst_")).every((p) => serverState(m, p) === "DOWN"), Math.max(1000, deadline - performance.now()), 100);
}

/**
 * `clients` send requests back to back (each the next as soon as its last is answered) until `pool` is up in the
 * router and has served a few more; then they stop. Resolves with every answer and how long the pool took to be up.
 */
export async function loadUntilServing(ctx: SuiteContext, clients: number, tokens: number, pool: string, upTimeoutMs: number): Promise<{ answers: Answer[]; upMs: number }> {
  const answers: Answer[] = [];
  let running = true;
  const client = async () => {
    while (running) answers.push(await ask(ctx, tokens));
  };
  const t0 = performance.now();
  const load = Array.from({ length: clients }, client);
  try {
    const up = await until(ctx, `the ${pool} pool up in the router`, (m) => serverState(m, `burst_${pool}`) === "UP", upTimeoutMs, 100);
    const upMs = performance.now() - t0;
    // Let the pool serve a few requests before the clients stop.
    await until(ctx, `the ${pool} pool serving`, (m) => (serversOf(m, `burst_${pool}`)[0]?.sessionsTotal ?? 0) >= (serversOf(up, `burst_${pool}`)[0]?.sessionsTotal ?? 0) + 4, 30_000, 100);
    return { answers, upMs };
  } finally {
    running = false;
    await Promise.all(load);
  }
}

export const scaleFromZero: SuiteTest = {
  name: "burst pools scale from zero on the router's demand: 0 -> 1 while the base overflows, back to 0 after the quiet period",
  timeoutMs: 240_000,
  async run(ctx) {
    const scaling = controlOf(ctx).scaling;
    const order = fleetOf(ctx).spec?.burstOrder ?? [];
    const first = order[0]?.replace(/^burst_/, "");
    if (!first) throw new Error("the local fleet's spec names no burst pool");
    const hold = await holdTokens(ctx);
    await idle(ctx);
    const t0 = performance.now();
    const minimums = scaling.minimums();
    scaling.setMinimum(0);
    try {
      const zero = await drained(ctx, scaling.nodes, "drain to zero once their minimum is 0", scaling.quietMs + 60_000);
      const drainMs = performance.now() - t0;
      const { baseSlots } = layout(zero);
      const eventsBefore = scaling.events().length;
      const loadStarted = Date.now();

      // More clients than base slots, each sending the next request as soon as its last one is answered.
      const clients = baseSlots + 2;
      const { answers, upMs } = await loadUntilServing(ctx, clients, hold.tokens, first, 90_000);
      const loadEnded = performance.now();
      const peak = scaling.demandPeak(first, loadStarted);
      const t = tally(answers);
      expect(answers.every((a) => a.status === 200), `every request should complete; got ${JSON.stringify(t)} and statuses ${JSON.stringify([...new Set(answers.map((a) => a.status))])}`);
      expect((t[`burst_${first}`] ?? 0) > 0, `the ${first} pool should have served once it was up; x-hybrid-backend says ${JSON.stringify(t)}`);
      expect(peak > 0, `the cloud stand-ins never received demand for the ${first} pool while the base overflowed`);

      const back = await drained(ctx, scaling.nodes, "go back to zero after the quiet period", scaling.quietMs + 60_000);
      const backMs = performance.now() - loadEnded;
      const events = scaling.events().slice(eventsBefore);
      const path = (pool: string) => [0, ...events.filter((e) => e.pool === pool).map((e) => e.to)].join(" -> ");
      expect(path(first) === "0 -> 1 -> 0", `the ${first} pool should go 0 -> 1 -> 0; the autoscaler took it ${path(first)} (${JSON.stringify(events)})`);
      expect(events.every((e) => !e.error), `a scaling step failed: ${JSON.stringify(events.filter((e) => e.error))}`);
      const out = events.find((e) => e.pool === first && e.to === 1);
      const inn = events.find((e) => e.pool === first && e.to === 0);
      expect(out !== undefined && inn !== undefined && inn.atMs - loadStarted >= (out.doneMs ?? out.atMs) - loadStarted, "the pool went back to zero before it had started");
      // The queue never passes the extra clients (2), all of it the cheaper pool's to take: the other has no demand.
      const others = order.map((o) => o.replace(/^burst_/, "")).filter((p) => p !== first);
      for (const p of others) expect(path(p) === "0", `the ${p} pool had no demand and should stay at 0; the autoscaler took it ${path(p)}`);
      expect(scaling.refusals().length === 0, `the cloud stand-ins refused publish requests: ${scaling.refusals().join("; ")}`);
      return {
        metrics: {
          pool: first,
          path: path(first),
          others: others.map((p) => `${p} ${path(p)}`).join(", "),
          clients,
          requests: answers.length,
          served_by: JSON.stringify(t),
          demand_peak_slots: peak,
          drain_to_zero_ms: Math.round(drainMs),
          scale_out_ms: Math.round(upMs ?? 0),
          node_boot_ms: out?.doneMs !== undefined ? out.doneMs - out.atMs : 0,
          back_to_zero_ms: Math.round(backMs),
          quiet_ms: scaling.quietMs,
          state: describe(back),
        },
      };
    } finally {
      // The later checks start from the pools as the fleet began (warm, unless it started from zero).
      scaling.setMinimum(minimums);
      const warm = Object.entries(minimums).filter(([, n]) => n > 0).map(([p]) => `burst_${p}`);
      await until(ctx, "the burst pools back at their minimum", (m) => warm.every((p) => serverState(m, p) === "UP"), 60_000, 100).catch(() => undefined);
    }
  },
};
