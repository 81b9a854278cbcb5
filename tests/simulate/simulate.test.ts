/**
 * The simulator on what each stack's program builds: the shipped scaling meets its checks on the ordinary traces,
 * the mistakes the review found fail them (FILL over a late capacity point, one GCP series for several routers, a
 * zero the provider never sends), and random traces keep the invariants (fast-check).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { toRuleResources } from "../../plan/provider-rules";
import { readScalingModel, type ScalingModel } from "../../simulate/model";
import { simulate } from "../../simulate/run";
import { type Trace, traces } from "../../simulate/traces";
import { runProgram } from "../helpers/fleet";

const models: Record<string, ScalingModel> = {};
beforeAll(async () => {
  for (const stack of ["staging", "prod"]) {
    const { resources } = await runProgram(stack);
    models[stack] = readScalingModel(toRuleResources(resources.filter((c) => c.custom && !c.type.startsWith("pulumi:"))));
  }
}, 60_000);

const traceOf = (m: ScalingModel, name: string): Trace => {
  const t = traces({ burstSlots: m.pools.reduce((n, p) => n + p.maxSlots, 0), pools: m.pools.map((p) => p.name) }).find((x) => x.name === name);
  if (!t) throw new Error(`no trace ${name}`);
  return t;
};
const failed = (m: ScalingModel, name: string) => simulate(m, traceOf(m, name)).checks.filter((c) => !c.passed).map((c) => c.name);
const clone = (m: ScalingModel): ScalingModel => structuredClone(m);

describe.each(["staging", "prod"])("the %s stack's scaling, simulated", (stack) => {
  it("reads the program's alarms, policies and autoscaler as the clouds receive them", () => {
    const m = models[stack] as ScalingModel;
    expect(m.pools.map((p) => p.name)).toEqual(["gcp", "aws"]);
    expect(m.aws?.alarms.map((a) => a.queries.find((q) => q.returnData)?.expression)).toEqual(expect.arrayContaining(["SUM([r0, r1])", `demand - ${m.pools[1]?.slotsPerNode} * capacity`]));
    expect(m.aws?.group.policies.find((p) => p.policyType === "StepScaling")?.steps.length).toBeLessThanOrEqual(20);
    // One signal per router, each a specific series; the scale-in control reaches the API.
    expect(m.gcp?.metrics).toHaveLength(m.routers.length);
    expect(m.gcp?.metrics.every((x) => /metric\.labels\.router = "/.test(x.filter))).toBe(true);
    expect(m.gcp?.scaleInControl?.maxScaledInReplicas).toEqual({ fixed: 1 });
  });

  it.each(["step-up", "ramp", "diurnal", "spike", "late-points"])("%s: every check passes", (name) => {
    expect(failed(models[stack] as ScalingModel, name)).toEqual([]);
  });
});

describe("what the simulator catches", () => {
  it("FILL(capacity, 0) with late capacity points adds nodes on top of those serving (creep)", () => {
    const m = clone(models.prod as ScalingModel);
    for (const a of m.aws?.alarms ?? []) for (const q of a.queries) if (q.expression?.includes("* capacity")) q.expression = q.expression.replace("* capacity", "* FILL(capacity, 0)");
    // Enough demand that both pools serve, and every capacity point 150 s late.
    const both: Trace = { name: "both-late", description: "", minutes: 70, overflow: (t) => (t >= 300 && t < 3600 ? 28 : 0), capacityLag: () => 150 };
    const fails = (x: ScalingModel) => simulate(x, both).checks.filter((c) => !c.passed).map((c) => c.name);
    expect(fails(m)).toContain("no growth past need");
    expect(fails(models.prod as ScalingModel)).toEqual([]);
  });

  it("one GCP series filter for several routers: the autoscaler reads one router's share and demand waits", () => {
    const m = clone(models.prod as ScalingModel);
    const gcp = m.gcp as NonNullable<ScalingModel["gcp"]>;
    gcp.metrics = [{ ...(gcp.metrics[0] as (typeof gcp.metrics)[number]), filter: 'resource.type = "global" AND metric.labels.pool = "gcp"', singleInstanceAssignment: m.pools[0]?.slotsPerNode ?? 1 }];
    expect(failed(m, "step-up")).toEqual(expect.arrayContaining(["the GCP autoscaler reads one series", expect.stringMatching(/^served within/)]));
  });

  it("a silent publisher: both clouds notify within minutes and the pools keep serving; without a topic or channel nobody is told", () => {
    for (const m of Object.values(models)) {
      const r = simulate(m, traceOf(m, "publisher-dies"));
      expect(r.checks.filter((c) => !c.passed)).toEqual([]);
      // The trace starts without history, so the alarm may fire once before the routers' first minutes; then once each.
      const after = r.notifications.filter((n) => n.minute >= 40);
      expect(after.map((n) => n.cloud).sort()).toEqual(["aws", "gcp"]);
      for (const n of after) expect(n.minute - 40).toBeLessThanOrEqual(7);
      const silent = clone(m);
      for (const a of silent.aws?.alarms ?? []) a.alarmActions = a.alarmActions.filter((x) => !x.startsWith("arn:aws:sns:"));
      for (const a of silent.gcpAbsence) a.channels = 0;
      expect(failed(silent, "publisher-dies")).toEqual(["a silent publisher is notified"]);
    }
  });

  it("a cheapest pool without spot capacity: the routers' failover gives its share to the other pool, which serves it; without failover it waits", () => {
    for (const m of Object.values(models)) {
      expect(m.failoverSeconds).toBe(420);
      const r = simulate(m, traceOf(m, "cheapest-no-capacity"));
      expect(r.checks.filter((c) => !c.passed)).toEqual([]);
      expect(r.pools.find((p) => p.pool === "aws")?.peakNodes).toBeGreaterThan(0);
      const without = clone(m);
      delete without.failoverSeconds;
      expect(failed(without, "cheapest-no-capacity")).toEqual([expect.stringMatching(/^served within/)]);
    }
  });
});

describe("random demand against prod's scaling", () => {
  it("never above the maximum, served within the bound, no growth past need, nothing cut", () => {
    const m = models.prod as ScalingModel;
    const slots = m.pools.reduce((n, p) => n + p.maxSlots, 0);
    fc.assert(
      fc.property(fc.array(fc.record({ minutes: fc.integer({ min: 1, max: 30 }), level: fc.integer({ min: 0, max: slots }) }), { minLength: 1, maxLength: 6 }), (segments) => {
        const total = segments.reduce((n, s) => n + s.minutes, 0) + 30;
        const overflow = (t: number) => {
          let m0 = t / 60;
          for (const s of segments) { if (m0 < s.minutes) return s.level; m0 -= s.minutes; }
          return 0;
        };
        const r = simulate(m, { name: "random", description: "random", minutes: total, overflow });
        expect(r.checks.filter((c) => !c.passed)).toEqual([]);
      }),
      { numRuns: 25, seed: 20261208 },
    );
  });
});
