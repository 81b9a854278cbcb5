import { describe, expect, it } from "vitest";
import { evaluate, MetricMathError, parseExpression, type Series } from "../../simulate/metric-math";

const P = [0, 60, 120, 180];
const s = (pairs: Array<[number, number]>): Series => new Map(pairs);

describe("CloudWatch metric math", () => {
  it("SUM of an array adds the series that have a value at each timestamp, and has none where no series has one", () => {
    const v = evaluate(parseExpression("SUM([r0, r1])"), { r0: s([[0, 1], [60, 2]]), r1: s([[60, 3]]) }, P) as Series;
    expect([...v]).toEqual([[0, 1], [60, 5]]);
  });

  it("FILL fills every period of the range; REPEAT repeats the last value and leaves leading gaps", () => {
    expect([...(evaluate(parseExpression("FILL(m, 0)"), { m: s([[60, 4]]) }, P) as Series)]).toEqual([[0, 0], [60, 4], [120, 0], [180, 0]]);
    expect([...(evaluate(parseExpression("FILL(m, REPEAT)"), { m: s([[60, 4]]) }, P) as Series)]).toEqual([[60, 4], [120, 4], [180, 4]]);
  });

  it("series arithmetic has a value only where both sides do; a scalar applies to every point", () => {
    const v = evaluate(parseExpression("demand - 4 * capacity"), { demand: s([[0, 10], [60, 10]]), capacity: s([[0, 2]]) }, P) as Series;
    expect([...v]).toEqual([[0, 2]]);
    // FILL(capacity, 0) turns a late capacity point into the whole demand as shortfall.
    const filled = evaluate(parseExpression("demand - 4 * FILL(capacity, 0)"), { demand: s([[0, 10], [60, 10]]), capacity: s([[0, 2]]) }, P) as Series;
    expect([...filled]).toEqual([[0, 2], [60, 10]]);
  });

  it("refuses what it cannot read rather than guess", () => {
    expect(() => evaluate(parseExpression("METRICS()"), {}, P)).toThrow(MetricMathError);
    expect(() => evaluate(parseExpression("x + 1"), {}, P)).toThrow(/no query of the alarm defines/);
    expect(() => parseExpression("a +")).toThrow(MetricMathError);
  });
});
