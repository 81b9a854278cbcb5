/**
 * A base node killed outright while requests wait for its first byte and streams run on other nodes. The router sees
 * the waiting requests' connections close with no response (retry-on empty-response) and sends them to another base
 * node, or, when none is left, to the burst pools (the base backend's failover servers); the streams elsewhere go on
 * untouched; the dead node is marked down, and the fleet's host (systemd on a base node) starts it again.
 */
import { backendOf, serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { fill, holdTokens, tally } from "./hold";
import { BASE, controlOf, describe, idle, layout, until } from "./router";

export const nodeKilled: SuiteTest = {
  name: "a base node killed: the requests waiting for its first byte are retried, streams on other nodes go on, and it is started again",
  timeoutMs: 180_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots } = layout(before);
    // Waiting requests long enough to outlast the fill by far: a third of the slot's context.
    const tokens = Math.round(hold.max / 3);
    const waiting = await fill(ctx, baseSlots, hold, { stream: false, tokens });
    expect(waiting.settledEarly === 0, `${waiting.settledEarly} waiting request(s) ended before the base was full: the hold (${tokens} tokens) is too short here`, { state: describe(waiting.router) });
    // Streams past the full base run on other nodes (the burst pools); none of them may be cut by the base node's death.
    const streams = await fill(ctx, Math.min(2, burstSlots), hold, { stream: true });
    let released = false;
    // A stream that ended with its [DONE] finished; one that ended otherwise before it was let go was cut.
    const cut = streams.held.map(() => false);
    streams.held.forEach((h, i) => void h.done?.then((ok) => (cut[i] = !ok && !released)));
    const at = streams.router;
    const victim = serversOf(at, BASE).find((s) => s.sessions > 0);
    if (!victim) throw new Error(`no base server is serving: ${describe(at)}`);
    const onVictim = victim.sessions;
    const killedAt = performance.now();
    await control.killBase(victim.server);
    const answers = await Promise.all(waiting.answers);
    const t = tally(answers);
    expect(answers.every((a) => a.status === 200), `every waiting request should succeed after ${victim.server} died; got ${JSON.stringify(answers.map((a) => a.status))}`);
    expect(t[BASE] === baseSlots, `the waiting requests were the base's; x-hybrid-backend says ${JSON.stringify(t)}`);
    // Streams on the other nodes are still running now, as long after the kill as the waiting requests took.
    const streamAnswers = await Promise.all(streams.answers);
    expect(streamAnswers.every((a) => a.status === 200), `the streams on other nodes should have started; got ${JSON.stringify(streamAnswers.map((a) => a.status))}`);
    const cutCount = cut.filter(Boolean).length;
    released = true;
    await streams.release();
    expect(cutCount === 0, `${cutCount} stream(s) on other nodes (${streams.held.map((h) => h.placed).join(", ")}) ended when ${victim.server} died; none should`);
    // Marked down (it may be back already: its host restarts it within seconds), counted by its health checks.
    const down = await until(ctx, `${victim.server} marked down`, (m) => (serversOf(m, BASE).find((s) => s.server === victim.server)?.upDowns ?? 0) > victim.upDowns, 15_000, 100);
    const b0 = backendOf(before, BASE);
    const b1 = backendOf(down, BASE);
    const retries = b1.retries - b0.retries;
    const redispatches = b1.redispatches - b0.redispatches;
    expect(retries >= onVictim, `the router should count a retry for each of the ${onVictim} requests on ${victim.server}; haproxy_backend_retry_warnings_total moved by ${retries}`);
    expect(redispatches >= 1, `the retries should be redispatched to another server; haproxy_backend_redispatch_warnings_total moved by ${redispatches}`);
    const victimServed = (serversOf(down, BASE).find((s) => s.server === victim.server)?.responses["2xx"] ?? 0) - (victim.responses["2xx"] ?? 0);
    expect(victimServed === 0, `${victim.server} was killed before answering, yet it is counted for ${victimServed} 2xx`);
    // The host starts it again (systemd's RestartSec, then the boot path), and the router takes it back.
    const back = await until(ctx, `${victim.server} back up`, (m) => serversOf(m, BASE).find((s) => s.server === victim.server)?.state === "UP", 90_000, 250);
    const backMs = performance.now() - killedAt;
    const restarted = control.events().filter((e) => e.includes(`base node ${victim.server} is back`)).length;
    expect(restarted >= 1, `the fleet should report ${victim.server} started again; its events: ${control.events().slice(-5).join(" | ")}`);
    return {
      metrics: {
        fill_ms: Math.round(waiting.ms),
        requests: baseSlots,
        streams: streams.held.length,
        killed: victim.server,
        waiting_on_killed: onVictim,
        retries,
        redispatches,
        slowest_ms: Math.round(Math.max(...answers.map((a) => a.ms))),
        served_by: JSON.stringify(t),
        back_up_ms: Math.round(backMs),
        state: describe(down),
        after: describe(back),
      },
    };
  },
};
