/**
 * The fleet suite for real, as the team runs it: no --base-url, so the runner starts the local fleet (four
 * llama-servers through the boot path, two TLS terminators, HAProxy with the rendered router config, the demand
 * publisher, the cloud APIs' and the autoscaler's stand-ins), runs every fleet test against it and stops it. Every check must pass, none may be skipped, and the figures must say what the
 * checks claim.
 */
import { describe, expect, it } from "vitest";
import { worstHourlyUsd } from "../../infra/catalog";
import { LOCAL_FLEET } from "../../local/fleet/fleet-spec";
import { runScript } from "../helpers/cli";
import { resultsValidator } from "../helpers/results-schema";
import { REGISTRY } from "../suites/registry";
import type { ResultsDocument } from "../suites/results";

describe("runner against the local fleet", () => {
  it("every fleet check passes with real processes, and the JSON matches the published schema", async () => {
    const r = await runScript("suite.ts", ["--suite", "fleet", "--output", "json"]);
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    expect(resultsValidator()(doc)).toEqual([]);
    expect(doc.tests.filter((t) => t.status !== "passed"), r.stderr.slice(-2000)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.target?.kind).toBe("local");
    expect(doc.target?.base_url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.summary).toMatchObject({ total: REGISTRY.fleet.length, passed: REGISTRY.fleet.length, failed: 0, skipped: 0 });

    const m = (name: string) => doc.tests.find((t) => t.name.startsWith(`fleet/${name}`))?.metrics ?? {};
    const baseSlots = LOCAL_FLEET.base.nodes * LOCAL_FLEET.base.parallel;
    expect(m("the router's metrics")).toMatchObject({ base_slots: baseSlots, burst_slots: 4, backends: "base,burst_gcp,burst_aws" });
    expect(m("below base capacity")).toMatchObject({ requests: baseSlots, base_2xx: baseSlots, burst_sessions: 0 });
    // The cheaper pool per slot by the catalog's spot price takes the first request past the base.
    const perSlot = (p: (typeof LOCAL_FLEET.burst)[number]) => worstHourlyUsd(p.cloud, p.instanceTypes, "spot") / p.parallel;
    const cheapest = [...LOCAL_FLEET.burst].sort((a, b) => perSlot(a) - perSlot(b))[0]?.name;
    expect(m("above base capacity")).toMatchObject({ requests: 2 * baseSlots, base: baseSlots, burst: baseSlots, first_spill: `burst_${cheapest}` });
    expect(m("past all slots")).toMatchObject({ capacity: baseSlots + 4 + baseSlots * LOCAL_FLEET.queuePerSlot, rejected: 2, frontend_5xx: 2, queued_served: baseSlots * LOCAL_FLEET.queuePerSlot });
    expect(Number(m("past all slots").reject_ms)).toBeLessThan(2000);
    // The cheaper pool leaves zero on the router's demand and goes back after the quiet period; the other has none.
    const scale = m("burst pools scale from zero");
    expect(scale).toMatchObject({ pool: cheapest, path: "0 -> 1 -> 0", clients: baseSlots + 2 });
    expect(String(scale.others)).toMatch(/^\w+ 0$/);
    expect(Number(scale.demand_peak_slots)).toBeGreaterThan(0);
    expect(Number(JSON.parse(String(scale.served_by))[`burst_${cheapest}`])).toBeGreaterThan(0);
    expect(Number(scale.back_to_zero_ms)).toBeGreaterThanOrEqual(LOCAL_FLEET.scaling.quietMs);
    const down = m("with the burst endpoints down");
    expect(Number(down.peak_queue)).toBeGreaterThan(0);
    expect(Number(down.slowest_ms)).toBeLessThan(LOCAL_FLEET.queueTimeoutSeconds * 1000);
    expect(m("a request waiting for the base")).toMatchObject({ pinned_to: "" });
    const killed = m("a base node killed");
    expect(Number(killed.retries)).toBeGreaterThanOrEqual(Number(killed.waiting_on_killed));
    expect(Number(killed.waiting_on_killed)).toBeGreaterThan(0);
    expect(String(killed.state)).toMatch(new RegExp(`base/${String(killed.killed)} DOWN`));
  }, 240_000);
});
