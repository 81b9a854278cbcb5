import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addedFromSteps, apportionDemand, awsCapacityAfter, awsStepAdjustments, nodesForDemand } from "../../infra/scaling/demand";

const slots = fc.integer({ min: 1, max: 16 });
const maxNodes = fc.integer({ min: 0, max: 40 });
const demand = fc.integer({ min: 0, max: 2000 });

describe("nodesForDemand", () => {
  it("is monotone in demand, never above the maximum, and zero for zero demand", () => {
    fc.assert(
      fc.property(demand, demand, slots, maxNodes, (a, b, s, m) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(nodesForDemand(lo, s, m)).toBeLessThanOrEqual(nodesForDemand(hi, s, m));
        expect(nodesForDemand(hi, s, m)).toBeLessThanOrEqual(m);
        expect(nodesForDemand(0, s, m)).toBe(0);
      }),
    );
  });

  it("gives every slot of demand a slot of capacity, up to the maximum", () => {
    fc.assert(
      fc.property(demand, slots, maxNodes, (d, s, m) => {
        const n = nodesForDemand(d, s, m);
        if (n < m) expect(n * s).toBeGreaterThanOrEqual(d);
        if (n > 0) expect((n - 1) * s).toBeLessThan(d);
      }),
    );
    expect(nodesForDemand(5, 2, 8)).toBe(3);
    expect(() => nodesForDemand(1, 0, 8)).toThrow(/at least 1/);
  });
});

describe("the AWS step policy", () => {
  it("takes a group of up to 20 nodes from zero to exactly nodesForDemand, as AWS reads the steps", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), slots, fc.integer({ min: 1, max: 20 }), (d, s, m) => {
        expect(awsCapacityAfter(0, d, s, m)).toBe(nodesForDemand(d, s, m));
      }),
    );
  });

  it("from any size: max(size, nodesForDemand), so it grows to the demand and never shrinks while there is demand", () => {
    fc.assert(
      fc.property(demand, slots, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 20 }), (d, s, m, n0) => {
        const n = Math.min(n0, m);
        const after = awsCapacityAfter(n, d, s, m);
        expect(after).toBe(Math.max(n, nodesForDemand(d, s, m)));
        expect(after).toBeGreaterThanOrEqual(n);
        expect(after).toBeLessThanOrEqual(m);
      }),
    );
  });

  it("does not run without a shortfall: zero demand, or a group that already has the slots", () => {
    expect(addedFromSteps(awsStepAdjustments(2, 4), 0)).toBeUndefined();
    expect(awsCapacityAfter(3, 6, 2, 4)).toBe(3);
    expect(awsCapacityAfter(3, 7, 2, 4)).toBe(4);
  });

  it("has contiguous steps from the threshold, the last open above", () => {
    const steps = awsStepAdjustments(4, 3);
    expect(steps).toEqual([
      { metricIntervalLowerBound: 0, metricIntervalUpperBound: 4, scalingAdjustment: 1 },
      { metricIntervalLowerBound: 4, metricIntervalUpperBound: 8, scalingAdjustment: 2 },
      { metricIntervalLowerBound: 8, scalingAdjustment: 3 },
    ]);
  });
});

describe("apportionDemand", () => {
  const pools = [
    { name: "aws", sessions: 0, maxSlots: 8, hourlyUsdPerSlot: 0.024 },
    { name: "gcp", sessions: 0, maxSlots: 4, hourlyUsdPerSlot: 0.015 },
  ];

  it("gives the queue to the cheaper pool first, up to its room, and the rest to the next", () => {
    expect(apportionDemand(0, pools)).toEqual({ aws: 0, gcp: 0 });
    expect(apportionDemand(3, pools)).toEqual({ aws: 0, gcp: 3 });
    expect(apportionDemand(7, pools)).toEqual({ aws: 3, gcp: 4 });
    expect(apportionDemand(7, [{ ...pools[0]!, sessions: 2 }, { ...pools[1]!, sessions: 3 }])).toEqual({ aws: 8, gcp: 4 });
  });

  it("never loses or invents demand beyond the pools' room", () => {
    const pool = fc.record({ sessions: fc.integer({ min: 0, max: 64 }), maxSlots: fc.integer({ min: 0, max: 64 }), hourlyUsdPerSlot: fc.double({ min: 0.001, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), pool, pool, (q, a, g) => {
        const out = apportionDemand(q, [{ name: "aws", ...a }, { name: "gcp", ...g }]);
        const room = Math.max(0, a.maxSlots - a.sessions) + Math.max(0, g.maxSlots - g.sessions);
        expect((out.aws ?? 0) + (out.gcp ?? 0)).toBe(a.sessions + g.sessions + Math.min(q, room));
        expect(out.aws).toBeGreaterThanOrEqual(a.sessions);
      }),
    );
  });
});

describe("AWS step adjustments for large pools", () => {
  it("never more than 20 steps; each adds enough for the top of its range, capped at the maximum", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 1600 }), (max, slots, shortfall) => {
      const steps = awsStepAdjustments(slots, max);
      expect(steps.length).toBeLessThanOrEqual(20);
      const added = addedFromSteps(steps, shortfall) ?? 0;
      expect(added).toBeGreaterThanOrEqual(Math.min(max, Math.ceil(shortfall / slots)));
      expect(added).toBeLessThanOrEqual(Math.min(max, Math.ceil(shortfall / slots) + Math.ceil(max / 20)));
    }));
  });
});

describe("failover between pools", () => {
  it("a starved pool keeps its ask and the next pool gets the same share; nothing else changes", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (queue, s0, s1) => {
      const pools = [{ name: "gcp", sessions: s0, maxSlots: 8, hourlyUsdPerSlot: 0.01 }, { name: "aws", sessions: s1, maxSlots: 16, hourlyUsdPerSlot: 0.02 }];
      const plain = apportionDemand(queue, pools);
      const failover = apportionDemand(queue, pools.map((p) => ({ ...p, starved: p.name === "gcp" })));
      expect(failover.gcp).toBe(plain.gcp);
      const gcpTake = (plain.gcp ?? 0) - s0;
      expect(failover.aws).toBe(s1 + Math.min(Math.max(0, 16 - s1), queue));
      expect(failover.aws).toBeGreaterThanOrEqual(plain.aws ?? 0);
      expect((failover.aws ?? 0) - (plain.aws ?? 0)).toBeLessThanOrEqual(gcpTake);
    }));
  });
});
