/**
 * With the burst endpoints down, requests queue on the base and all complete within `timeout queue`: the burst pools'
 * terminators and nodes are stopped, the router's health checks take them out, then the base's slots plus its queue
 * arrive at once (real concurrent traffic). Every one is served by a base node, some after waiting in the queue, none
 * waits longer than the queue timeout, none is refused.
 */
import { burstBackends, serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { ask, holdTokens, tally } from "./hold";
import { BASE, controlOf, describe, fleetOf, idle, layout, queued, scrape, until } from "./router";

export const burstDown: SuiteTest = {
  name: "with the burst endpoints down, requests queue on the base and all complete within timeout queue",
  timeoutMs: 120_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const spec = fleetOf(ctx).spec;
    if (!spec) throw new Error("the local fleet's spec is missing");
    const hold = await holdTokens(ctx);
    await idle(ctx);
    await control.stopBurst();
    const t0 = performance.now();
    // Health checks every 5 s, down after 2 failures.
    const down = await until(ctx, "every burst server down", (m) => burstBackends(m).every((b) => serversOf(m, b.proxy).every((s) => s.state === "DOWN")), 30_000, 250);
    const detectMs = performance.now() - t0;
    const { baseSlots } = layout(down);
    const n = baseSlots + spec.queueDepth;
    const api = [...down.frontends.values()].find((x) => x.proxy !== "metrics");
    let peakQueue = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakQueue = Math.max(peakQueue, queued(await scrape(ctx)));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const answers = await Promise.all(Array.from({ length: n }, () => ask(ctx, hold.tokens))).finally(() => (sampling = false));
    await sampler;
    const after = await scrape(ctx);
    const t = tally(answers);
    expect(answers.every((a) => a.status === 200), `every request should complete; got ${JSON.stringify(t)} (${describe(after)})`);
    expect(t[BASE] === n, `every request should be served by the base; x-hybrid-backend says ${JSON.stringify(t)}`);
    expect(peakQueue > 0, `${n} requests on ${baseSlots} base slots should have queued; the queue never showed any`);
    const slowest = Math.max(...answers.map((a) => a.ms));
    expect(slowest < spec.queueTimeoutSeconds * 1000, `the slowest request took ${Math.round(slowest)} ms, more than the queue timeout (${spec.queueTimeoutSeconds} s)`);
    const frontend5xx = api ? (after.frontends.get(api.proxy)?.responses["5xx"] ?? 0) - (api.responses["5xx"] ?? 0) : 0;
    expect(frontend5xx === 0, `the router answered ${frontend5xx} requests with 5xx`);
    return { metrics: { requests: n, hold_tokens: hold.tokens, burst_down_detected_ms: Math.round(detectMs), peak_queue: peakQueue, slowest_ms: Math.round(slowest), queue_timeout_s: spec.queueTimeoutSeconds, state: describe(after) } };
  },
};
