/**
 * A client that leaves frees what it held: a request waiting in the router's queue is dropped there and never reaches
 * a node (`option abortonclose`); a stream is closed towards its node at once, and llama-server stops generating when
 * its next write fails. A non-streamed request already on a node runs to its end: HAProxy 2.6 does not pass a client's
 * close to a server that has the whole request (configuration.txt, option abortonclose), docs/architecture.md.
 */
import { expect, type SuiteTest } from "../framework";
import { fill, holdTokens } from "./hold";
import { BASE, describe, idle, layout, queued, serving, until } from "./router";
import { serversOf } from "../../../local/fleet/router-metrics";

export const clientGone: SuiteTest = {
  name: "a client that leaves frees its place: dropped from the queue before any node sees it, its stream closed towards the node at once",
  timeoutMs: 120_000,
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots } = layout(before);
    const baseTotal = (m: typeof before) => serversOf(m, BASE).reduce((n, s) => n + s.sessionsTotal, 0);
    // Every slot held by a stream, then one request waiting in the base queue.
    const f = await fill(ctx, baseSlots + burstSlots, hold, { stream: true });
    const full = f.router;
    expect(serving(full, BASE) === baseSlots, `the base should be full; the router shows ${describe(full)}`);
    const w = await fill(ctx, 1, hold, { stream: false, tokens: 8 });
    expect(queued(w.router) === 1, `one request should wait in the base queue; the router shows ${describe(w.router)}`);
    const totalQueued = baseTotal(w.router);
    (w.held[0] as (typeof w.held)[number]).abort();
    const dropped = await until(ctx, "the abandoned request dropped from the queue", (m) => queued(m) === 0, 5000, 25);
    // One stream let go: the router closes it towards its node at once.
    const baseStream = f.held.find((h) => h.placed.startsWith(`${BASE}/`));
    if (!baseStream) throw new Error(`no held stream is on a base node: ${f.held.map((h) => h.placed).join(", ")}`);
    const t0 = performance.now();
    baseStream.abort();
    const closed = await until(ctx, "the abandoned stream closed towards its node", (m) => serving(m, BASE) === baseSlots - 1, 5000, 25);
    const closeMs = performance.now() - t0;
    await f.release();
    const after = await idle(ctx);
    // The base served only the held streams: the abandoned queued request never reached a node.
    const reached = baseTotal(after) - totalQueued;
    expect(reached === 0, `the abandoned queued request reached a base node (${reached} new session(s) after it left)`);
    return { metrics: { held: f.held.length, queue_after_leave: queued(dropped), stream_closed_ms: Math.round(closeMs), state: describe(closed) } };
  },
};
