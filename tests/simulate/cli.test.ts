import { describe, expect, it } from "vitest";
import type { SimulationDocument } from "../../simulate/cli";
import { runScript } from "../helpers/cli";

describe("npm run simulate", () => {
  it("--output json: every trace for each pool with its figures and checks; exit 1 exactly when a check fails", async () => {
    const r = await runScript("simulate.ts", ["--stack", "staging", "--output", "json"]);
    const doc = JSON.parse(r.stdout) as SimulationDocument;
    expect(doc.traces.map((t) => t.trace)).toEqual(["step-up", "ramp", "diurnal", "spike", "publisher-dies", "late-points", "cheapest-no-capacity"]);
    for (const t of doc.traces) {
      expect(t.pools.map((p) => p.pool)).toEqual(["gcp", "aws"]);
      for (const p of t.pools) expect(Object.keys(p)).toEqual(expect.arrayContaining(["firstSlotMinutes", "unmetSlotMinutes", "nodeMinutesAboveNeed", "cutWhileServing"]));
    }
    expect(doc.passed).toBe(doc.traces.every((t) => t.checks.every((c) => c.passed)));
    expect(r.code).toBe(doc.passed ? 0 : 1);
  }, 60_000);

  it("one trace as a table", async () => {
    const r = await runScript("simulate.ts", ["--stack", "prod", "--trace", "spike"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^spike\s+gcp\s+\d/m);
    expect(r.stdout).toContain("pass  never above the maximum");
  }, 60_000);

  it("an unknown stack exits 3 naming it", async () => {
    const r = await runScript("simulate.ts", ["--stack", "nope"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nope/);
  }, 60_000);
});
