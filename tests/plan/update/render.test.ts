/** The update plan's table: changed steps in order with why, the findings with their sources, the verdict last. */
import { describe, expect, it } from "vitest";
import { diffPlans } from "../../../plan/update/diff";
import { renderUpdate } from "../../../plan/update/render";
import { updatePlan } from "../../../plan/update/update-plan";
import type { PlanResult } from "../../../plan/plan";
import { pool } from "./synthetic";

const after = (resources: PlanResult["resources"], passed = true) => ({ stack: "prod", epoch: "2026-12-01T00:00:00.000Z", resources, summary: { passed, providerErrors: 0, mandatory: 0 } }) as unknown as PlanResult;

describe("the update plan for people", () => {
  it("lists each changed step in order with the fields that force it, and passes", () => {
    const text = renderUpdate(updatePlan({ resources: pool(2, "v1") }, after(pool(2, "v2")), { kind: "git", ref: "main", commit: "0123456789abcdef" }));
    expect(text).toMatch(/^Update plan of stack prod against main \(0123456789ab\)/);
    expect(text).toMatch(/│ 1 +│ replace +│ Server base-0 +│ userData \(ForceNew\); old one deleted first/);
    expect(text).toMatch(/│ 3 +│ replace +│ Server base-1 /);
    expect(text).toContain("0 to create, 0 to update, 4 to replace, 0 to delete, 0 unchanged.");
    expect(text.trimEnd().endsWith("PASSED")).toBe(true);
    expect(diffPlans(pool(2, "v1"), pool(2, "v2")).steps).toHaveLength(4);
  });

  it("shows a finding with its level and fails", () => {
    const text = renderUpdate(updatePlan({ resources: pool(1, "v1") }, after(pool(1, "v2")), { kind: "file", ref: "before.json" }));
    expect(text).toMatch(/mandatory +│ outage +│ base: its only server base-0 is replaced/);
    expect(text.trimEnd().endsWith("FAILED")).toBe(true);
  });
});
