/**
 * Scale-in under load, with real processes: the cheaper pool runs two nodes and serves streamed and non-streamed
 * requests spilled from a full base; the group removes one node, which its load balancer drains first (no new
 * requests; those in flight finish, as the clouds' deregistration and terminate hook let them). Every request is
 * served whole.
 */
import { serversOf } from "../../../local/fleet/router-metrics";
import { expect, Skip, type SuiteTest } from "../framework";
import { controlOf, fleetOf, idle, layout, scrape, until } from "./router";
import { send, type Sent } from "./rolling-update";
import { serverState } from "./scale-from-zero";

export const scaleIn: SuiteTest = {
  name: "scale-in under load: the leaving node is drained first and every request, streamed or not, is served whole",
  timeoutMs: 180_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const scaling = control.scaling;
    const first = (fleetOf(ctx).spec?.burstOrder ?? [])[0]?.replace(/^burst_/, "");
    if (!first) throw new Skip("needs a burst pool");
    await idle(ctx);
    const minimums = scaling.minimums();
    scaling.setMinimum({ ...minimums, [first]: 2 });
    try {
      const deadline = performance.now() + 90_000;
      while ((scaling.nodes()[first] ?? 0) < 2) {
        if (performance.now() > deadline) throw new Skip(`the ${first} pool cannot run two nodes here`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const up = await until(ctx, `the ${first} pool up`, (m) => serverState(m, `burst_${first}`) === "UP", 60_000, 100);
      const { baseSlots } = layout(up);
      const poolSlots = serversOf(up, `burst_${first}`)[0]?.limit ?? 1;
      // Enough clients to fill the base and the pool's share, streamed and not in turn, back to back.
      const clients = baseSlots + poolSlots;
      const sent: Sent[] = [];
      let running = true;
      const client = async (n: number) => {
        for (let i = 0; running; i++) sent.push(await send(ctx, (i + n) % 2 === 0));
      };
      const load = Array.from({ length: clients }, (_, n) => client(n));
      await until(ctx, `requests on the ${first} pool`, (m) => (serversOf(m, `burst_${first}`)[0]?.sessions ?? 0) > 0, 30_000, 100);
      const before = sent.length;
      const t0 = performance.now();
      await scaling.scaleIn(first, 1);
      const scaleInMs = performance.now() - t0;
      // Keep the load on a little after the node has gone.
      await new Promise((r) => setTimeout(r, 2000));
      running = false;
      await Promise.all(load);
      const failed = sent.filter((s) => !s.complete);
      const onPool = sent.filter((s) => s.backend.startsWith(`burst_${first}`)).length;
      const drained = control.events().filter((e) => e.includes(`${first} pool: node`) && e.includes("drained"));
      expect(failed.length === 0, `${failed.length} of ${sent.length} requests were not served whole during the scale-in: ${JSON.stringify(failed.slice(0, 3))}`);
      expect(onPool > 0, `the ${first} pool served nothing; backends ${JSON.stringify([...new Set(sent.map((s) => s.backend))])}`);
      expect(drained.length > 0, `the leaving node was not drained by its load balancer; events: ${control.events().slice(-5).join(" | ")}`);
      await scrape(ctx);
      return { metrics: { pool: first, requests: sent.length, during_scale_in: sent.length - before, streamed: sent.filter((s) => s.stream).length, on_pool: onPool, scale_in_ms: Math.round(scaleInMs), drained: drained.at(-1) ?? "" } };
    } finally {
      scaling.setMinimum(minimums);
    }
  },
};
