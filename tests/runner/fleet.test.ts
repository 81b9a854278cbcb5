/**
 * The fleet suite for real, as the team runs it: no --base-url, so the runner starts the local fleet of staging (what
 * the stack renders: its routers from their cloud-init files, its base node and burst pools through the boot path, the
 * pools' and the entry's load balancer stand-ins, the demand loop), runs every fleet test against it and stops it.
 * Every check must pass, none may be skipped, and the figures must say what the checks claim, against what the
 * stack renders (read here on its own, not from the fleet).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { routerFacts } from "../../local/fleet/fleet";
import { LOCAL_PACE } from "../../local/fleet/loopback";
import { renderStack, type StackRender } from "../../local/fleet/render";
import { FAILOVER_SUFFIX } from "../../infra/hetzner/haproxy";
import { runScript } from "../helpers/cli";
import { resultsValidator } from "../helpers/results-schema";
import { REGISTRY } from "../suites/registry";
import type { ResultsDocument } from "../suites/results";

let staging: StackRender;
beforeAll(async () => {
  staging = await renderStack("staging", "runner-test-key-0123456789");
}, 60_000);

describe("runner against the local fleet", () => {
  it("every fleet check passes with real processes, and the JSON matches the published schema", async () => {
    const r = await runScript("suite.ts", ["--suite", "fleet", "--output", "json"]);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(resultsValidator()(doc)).toEqual([]);
    expect(doc.tests.filter((t) => t.status !== "passed"), r.stderr.slice(-2000)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.target?.kind).toBe("local");
    expect(doc.target?.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.summary).toMatchObject({ total: REGISTRY.fleet.length, passed: REGISTRY.fleet.length, failed: 0, skipped: 0 });

    // What router 0 of staging renders: its share of the base node's and each pool's slots, its queue, its order.
    const facts = routerFacts(staging.fleet.routers[0] as NonNullable<StackRender["fleet"]["routers"][number]>);
    const share = (prefix: string) => Object.entries(facts.slots).filter(([k]) => k.startsWith(prefix) && !k.endsWith(FAILOVER_SUFFIX)).reduce((n, [, v]) => n + v, 0);
    const baseSlots = share("base/");
    const burstSlots = share("burst_");
    const cheapest = facts.burstOrder[0]?.replace(/^burst_/, "");
    const m = (name: string) => doc.tests.find((t) => t.name.startsWith(`fleet/${name}`))?.metrics ?? {};
    expect(m("the router's metrics")).toMatchObject({ base_slots: baseSlots, burst_slots: burstSlots, backends: `base,${facts.burstOrder.join(",")}` });
    expect(m("below base capacity")).toMatchObject({ requests: baseSlots, base_2xx: baseSlots, burst_sessions: 0 });
    expect(m("above base capacity")).toMatchObject({ requests: 2 * baseSlots, base: baseSlots, burst: baseSlots, first_spill: `burst_${cheapest}` });
    expect(m("past all slots")).toMatchObject({ capacity: baseSlots + burstSlots + facts.queueDepth, rejected: 2, frontend_5xx: 2, queued_served: facts.queueDepth });
    expect(Number(m("past all slots").reject_ms)).toBeLessThan(2000);
    expect(m("a client that leaves")).toMatchObject({ queue_after_leave: 0 });
    expect(JSON.parse(String(m("the router's own answers").codes))).toEqual({
      "router 401": "invalid_api_key", "router 411": "length_required", "router 413": "request_too_large",
      "load balancer 401": "invalid_api_key", "load balancer 411": "length_required", "load balancer 413": "request_too_large",
    });
    // The cheaper pool leaves zero on the routers' demand and goes back after the quiet period; the other has none.
    const scale = m("burst pools scale from zero");
    expect(scale).toMatchObject({ pool: cheapest, path: "0 -> 1 -> 0" });
    expect(String(scale.others)).toMatch(/^\w+ 0$/);
    expect(Number(scale.demand_peak_slots)).toBeGreaterThan(0);
    expect(Number(JSON.parse(String(scale.served_by))[`burst_${cheapest}`])).toBeGreaterThan(0);
    expect(Number(scale.back_to_zero_ms)).toBeGreaterThanOrEqual(LOCAL_PACE.quietMs);
    // The cheaper pool out of capacity: the next pool serves, only after the routers' failover time.
    const fo = m("a pool that gets no spot capacity");
    expect(fo).toMatchObject({ starved: cheapest, served_by_next: facts.burstOrder[1]?.replace(/^burst_/, "") });
    expect(Number(fo.next_up_ms)).toBeGreaterThanOrEqual(Number(fo.failover_s) * 1000);
    expect(Number(fo.refused_launches)).toBeGreaterThan(0);
    const scaledIn = m("scale-in under load");
    expect(scaledIn).toMatchObject({ pool: cheapest });
    expect(Number(scaledIn.on_pool)).toBeGreaterThan(0);
    expect(String(scaledIn.drained)).toMatch(/node \d drained in \d+ ms/);
    const killed = m("a base node killed");
    expect(Number(killed.retries)).toBeGreaterThanOrEqual(Number(killed.waiting_on_killed));
    expect(Number(killed.waiting_on_killed)).toBeGreaterThan(0);
    expect(Number(killed.back_up_ms)).toBeGreaterThan(0);
    const floods = m("300 idle connections");
    expect(Number(floods.entry_request_ms)).toBeLessThan(5000);
    expect(Number(floods.router_request_ms)).toBeLessThan(5000);
    expect(Number(floods.api_sessions)).toBeGreaterThanOrEqual(Number(floods.api_limit));
    const routers = m("two routers behind the load balancer");
    expect(Number(routers.failed_after_kill)).toBe(0);
    expect(Number(routers.after_kill)).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(String(routers.served_by)) as object).filter((k) => k !== "none")).toHaveLength(staging.fleet.routers.length);
    const down = m("with the burst endpoints down");
    expect(Number(down.peak_queue)).toBeGreaterThan(0);
    expect(Number(down.slowest_ms)).toBeLessThan(facts.queueTimeoutSeconds * 1000);
    expect(m("a request waiting for the base")).toMatchObject({ pinned_to: "" });
  }, 420_000);
});
