/**
 * The local autoscaler stand-in decides as the stacks' scaling configuration does: AWS's ChangeInCapacity steps on a
 * shortfall (never shrinking while there is demand) and the minimum after a whole quiet period; GCP's recommendation
 * ceil(demand / slots) held at the highest of the quiet window. Missing data never scales out and counts as quiet.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initialScaling, nextScaling, type PoolScaling, type ScalingState } from "../../../local/cloud/autoscaler";
import { nodesForDemand } from "../../../infra/scaling/demand";

const aws: PoolScaling = { cloud: "aws", slotsPerNode: 4, maxNodes: 5, minNodes: 0, quietMs: 10_000 };
const gcp: PoolScaling = { ...aws, cloud: "gcp" };

/** Feeds (time, demand) evaluations in order and returns the size after each. */
function run(p: PoolScaling, steps: Array<[number, number | undefined]>, start: ScalingState = initialScaling(0, 0)): number[] {
  let s = start;
  return steps.map(([t, d]) => (s = nextScaling(p, d, t, s)).nodes);
}

describe("the autoscaler stand-in", () => {
  it("AWS: leaves zero at the first demand, to ceil(demand / slots) nodes, capped at the maximum; grows on a shortfall only", () => {
    expect(run(aws, [[0, 1]])).toEqual([1]);
    expect(run(aws, [[0, 4]])).toEqual([1]);
    expect(run(aws, [[0, 5]])).toEqual([2]);
    expect(run(aws, [[0, 99]])).toEqual([5]);
    // Less demand than the group's slots is no shortfall: the group keeps its size while there is demand.
    expect(run(aws, [[0, 12], [1000, 2], [2000, 1], [3000, 13]])).toEqual([3, 3, 3, 4]);
  });

  it("AWS: no data never scales out; no demand (or no data) for the whole quiet period takes it back to the minimum", () => {
    expect(run(aws, [[0, undefined], [20_000, undefined]])).toEqual([0, 0]);
    const up = initialScaling(0, 0);
    expect(run(aws, [[0, 6], [1000, 0], [5000, undefined], [9999, 0], [10_000, 0]], up)).toEqual([2, 2, 2, 2, 0]);
    // Demand inside the window restarts the quiet period.
    expect(run(aws, [[0, 6], [5000, 0], [9000, 1], [15_000, 0], [18_999, 0], [19_000, 0]], up)).toEqual([2, 2, 2, 2, 2, 0]);
  });

  it("AWS: a pool that was warm when the stand-in began waits a whole quiet period before it drains", () => {
    expect(run(aws, [[0, 0], [9999, 0], [10_000, 0]], initialScaling(1, 0))).toEqual([1, 1, 0]);
  });

  it("GCP: the highest recommendation of the quiet window, so it shrinks as the higher ones leave the window", () => {
    expect(run(gcp, [[0, 9], [1000, 2], [9999, 0], [10_000, 0], [11_000, 0]])).toEqual([3, 3, 3, 1, 0]);
    expect(run(gcp, [[0, undefined]], initialScaling(2, 0))).toEqual([2]);
  });

  it("both clamp to the group's minimum and maximum", () => {
    const warm = { ...aws, minNodes: 1 };
    expect(run(warm, [[0, 0], [20_000, 0], [40_000, undefined]])).toEqual([1, 1, 1]);
    expect(run({ ...gcp, minNodes: 1 }, [[0, 0], [20_000, 0]])).toEqual([1, 1]);
  });

  it("never leaves [min, max]; with demand it is nodesForDemand; after a quiet period with none it is the minimum", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"aws" | "gcp">("aws", "gcp"),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 4000 }), fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined })), { minLength: 1, maxLength: 30 }),
        (cloud, slots, max, minRaw, steps) => {
          const p: PoolScaling = { cloud, slotsPerNode: slots, maxNodes: max, minNodes: Math.min(minRaw, max), quietMs: 10_000 };
          let t = 0;
          let s = initialScaling(p.minNodes, 0);
          for (const [dt, d] of steps) {
            t += dt;
            const before = s.nodes;
            s = nextScaling(p, d, t, s);
            expect(s.nodes).toBeGreaterThanOrEqual(p.minNodes);
            expect(s.nodes).toBeLessThanOrEqual(p.maxNodes);
            // With demand, the pool has the slots for it (up to its maximum) and AWS never shrinks.
            if (d !== undefined) expect(s.nodes).toBeGreaterThanOrEqual(Math.max(p.minNodes, nodesForDemand(d, slots, max)));
            if (cloud === "aws" && d !== undefined && d > 0) expect(s.nodes).toBeGreaterThanOrEqual(before);
          }
          // A quiet period with no demand at all brings it back to the minimum, on both clouds.
          for (let i = 1; i <= 11; i++) s = nextScaling(p, 0, t + i * 1000, s);
          expect(s.nodes).toBe(p.minNodes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
