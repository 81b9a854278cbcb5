/**
 * A request waiting for the base takes the first base slot that frees, on any base node. Every slot is taken by a
 * long streaming request, one more request waits; then the client lets go of the requests on one base node (llama-server
 * stops a stream whose client is gone). The waiting request must be served by that node at once, while the other
 * node's streams still run: it must not stay queued behind one particular node's requests (HAProxy's leastconn does
 * that when the base servers have a maxqueue: it puts a request in a full server's own queue).
 */
import { serversOf } from "../../../local/fleet/router-metrics";
import { expect, type SuiteTest } from "../framework";
import { ask, fill, holdTokens } from "./hold";
import { BASE, describe, idle, layout, queued, until } from "./router";

/** A short request: it is served within a moment once it has a slot. */
const SHORT_TOKENS = 16;

export const queueOrder: SuiteTest = {
  name: "a request waiting for the base takes the first base slot that frees, on any base node",
  async run(ctx) {
    const hold = await holdTokens(ctx);
    const before = await idle(ctx);
    const { baseSlots, burstSlots } = layout(before);
    const f = await fill(ctx, baseSlots + burstSlots, hold, { stream: true });
    // When each stream was over: the ones the test does not let go must still run when the waiting request is served.
    const overAt = f.held.map(() => Infinity);
    f.held.forEach((h, i) => void h.over.then(() => (overAt[i] = performance.now())));
    try {
      expect(f.settledEarly === 0, `${f.settledEarly} streams ended before every slot was taken (${describe(f.router)})`);
      const waiting = ask(ctx, SHORT_TOKENS);
      void waiting.catch(() => undefined);
      const queuedAt = await until(ctx, "the extra request waiting in the base queue", (m) => queued(m) === 1, 10_000, 10);
      const pinned = serversOf(queuedAt, BASE).find((s) => s.queue > 0)?.server;
      // Let go of the streams on a base node other than the one the request waits for, if it waits for one.
      const nodes = [...new Set(f.held.map((h) => h.placed).filter((p) => p.startsWith(`${BASE}/`) && !p.endsWith("queue")))];
      const freed = nodes.find((p) => p !== `${BASE}/${pinned}`);
      if (!freed) throw new Error(`no base node to free: the streams went to ${f.held.map((h) => h.placed).join(", ")}`);
      const freedAt = performance.now();
      for (const h of f.held) if (h.placed === freed) h.abort();
      const a = await waiting;
      const servedAt = performance.now();
      const state = describe(queuedAt);
      expect(a.status === 200 && a.backend === BASE, `the waiting request got ${a.status} from ${a.backend || "the router"}`);
      const endedFirst = f.held.map((h, i) => ({ placed: h.placed, at: overAt[i] ?? Infinity })).filter((x) => x.placed !== freed && x.at < servedAt);
      expect(endedFirst.length === 0, `the waiting request was served only after a stream on ${endedFirst[0]?.placed} ended: it waited ${pinned ? `in ${pinned}'s own queue` : "in the queue"} although ${freed} had free slots (${state})`, { waited_ms: Math.round(servedAt - freedAt) });
      return { metrics: { freed, pinned_to: pinned ?? "", waited_after_free_ms: Math.round(servedAt - freedAt), short_request_ms: Math.round(a.ms), streams: f.held.length, state } };
    } finally {
      await f.release();
    }
  },
};
