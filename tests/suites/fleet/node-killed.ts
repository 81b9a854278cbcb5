/**
 * A base node killed while requests wait for their first byte: every request still succeeds, and the router's
 * metrics count the retries. The base is filled with held requests (non-streaming: no byte reaches the client until
 * a node is done), then one base node's llama-server is killed outright. The router sees its connections close
 * with no response (retry-on empty-response), redispatches them to the other base node (they wait in the queue for
 * its slots), and takes the dead node out once its health checks fail.
 */
import { backendOf, serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { fill, holdTokens, tally } from "./hold";
import { BASE, controlOf, describe, idle, layout, until } from "./router";

export const nodeKilled: SuiteTest = {
  name: "a base node killed while requests wait for their first byte: every request still succeeds, the metrics count the retries",
  timeoutMs: 120_000,
  async run(ctx) {
    const control = controlOf(ctx);
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots } = layout(before);
    // Waiting requests long enough to outlast the fill by far: a third of the slot's context.
    const tokens = Math.round(hold.max / 3);
    const f = await fill(ctx, baseSlots, hold, { stream: false, tokens });
    const at = f.router;
    expect(f.settledEarly === 0, `${f.settledEarly} held request(s) ended before the base was full: the hold (${tokens} tokens) is too short here`, { state: describe(at) });
    const victim = serversOf(at, BASE).find((s) => s.sessions > 0);
    if (!victim) throw new Error(`no base server is serving: ${describe(at)}`);
    const waiting = victim.sessions;
    await control.killBase(victim.server);
    const answers = await Promise.all(f.answers);
    const t = tally(answers);
    expect(answers.every((a) => a.status === 200), `every request should succeed after ${victim.server} died; got ${JSON.stringify(answers.map((a) => a.status))}`);
    expect(t[BASE] === baseSlots, `every request should be served by the base; x-hybrid-backend says ${JSON.stringify(t)}`);
    const after = await until(ctx, `${victim.server} marked down`, (m) => serversOf(m, BASE).find((s) => s.server === victim.server)?.state === "DOWN", 15_000, 100);
    const b0 = backendOf(before, BASE);
    const b1 = backendOf(after, BASE);
    const retries = b1.retries - b0.retries;
    const redispatches = b1.redispatches - b0.redispatches;
    expect(retries >= waiting, `the router should count a retry for each of the ${waiting} requests on ${victim.server}; haproxy_backend_retry_warnings_total moved by ${retries}`);
    expect(redispatches >= 1, `the retries should be redispatched to another server; haproxy_backend_redispatch_warnings_total moved by ${redispatches}`);
    const victimServed = (serversOf(after, BASE).find((s) => s.server === victim.server)?.responses["2xx"] ?? 0) - (victim.responses["2xx"] ?? 0);
    expect(victimServed === 0, `${victim.server} was killed before answering, yet it is counted for ${victimServed} 2xx`);
    return { metrics: { fill_ms: Math.round(f.ms), requests: baseSlots, killed: victim.server, waiting_on_killed: waiting, retries, redispatches, slowest_ms: Math.round(Math.max(...answers.map((a) => a.ms))), state: describe(after) } };
  },
};
