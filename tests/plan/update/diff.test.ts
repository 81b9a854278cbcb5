/** The update plan's steps: actions, the fields that force a replacement, and the order `up` runs them in. */
import { describe, expect, it } from "vitest";
import { diffPlans } from "../../../plan/update/diff";
import { GATE, pool, pr, SERVER, urnOf } from "./synthetic";

describe("each resource's step", () => {
  it("creates, updates, replaces, deletes and leaves alone by URN, naming the force-new field and its source", () => {
    const before = [pr(SERVER, "a", { userData: "1", labels: { x: "1" } }), pr(SERVER, "b", { userData: "1", labels: { x: "1" } }), pr(SERVER, "gone"), pr(SERVER, "same", { userData: "s" })];
    const after = [pr(SERVER, "a", { userData: "2", labels: { x: "1" } }), pr(SERVER, "b", { userData: "1", labels: { x: "2" } }), pr(SERVER, "new"), pr(SERVER, "same", { userData: "s" })];
    const { byUrn } = diffPlans(before, after);
    const step = (n: string) => byUrn.get(urnOf(SERVER, n));
    expect(step("a")).toMatchObject({ action: "replace", changed: ["userData"], replaceReasons: [{ path: "userData", kind: "ForceNew", source: expect.stringContaining("terraform-provider-hcloud") }] });
    expect(step("b")).toMatchObject({ action: "update", changed: ["labels"], replaceReasons: [] });
    expect(step("gone")?.action).toBe("delete");
    expect(step("new")?.action).toBe("create");
    expect(step("same")).toMatchObject({ action: "same", order: 0 });
  });

  it("replaces on the program's replaceOnChanges, and reports an in-place change that stops the server without it", () => {
    const before = [pr(SERVER, "r", { serverType: "ccx33" }, { replaceOnChanges: ["serverType"] }), pr(SERVER, "u", { serverType: "ccx33" })];
    const after = [pr(SERVER, "r", { serverType: "ccx43" }, { replaceOnChanges: ["serverType"] }), pr(SERVER, "u", { serverType: "ccx43" })];
    const { byUrn } = diffPlans(before, after);
    expect(byUrn.get(urnOf(SERVER, "r"))).toMatchObject({ action: "replace", replaceReasons: [{ path: "serverType", kind: "replaceOnChanges" }], disruptive: [] });
    expect(byUrn.get(urnOf(SERVER, "u"))).toMatchObject({ action: "update", disruptive: [{ path: "serverType", effect: expect.stringContaining("powers the server off") }] });
  });

  it("ignores what ignoreChanges names", () => {
    const { steps } = diffPlans([pr(SERVER, "a", { userData: "1" }, { ignoreChanges: ["userData"] })], [pr(SERVER, "a", { userData: "2" }, { ignoreChanges: ["userData"] })]);
    expect(steps[0]?.action).toBe("same");
  });

  it("treats a nested force-new field per element and a force-new block by its count", () => {
    const G = "aws:autoscaling/group:Group";
    const hook = (name: string) => ({ name, lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" });
    const d = (a: unknown[], b: unknown[]) => diffPlans([pr(G, "g", { initialLifecycleHooks: a })], [pr(G, "g", { initialLifecycleHooks: b })]).steps[0];
    expect(d([hook("a")], [hook("b")])?.replaceReasons.map((r) => r.path)).toEqual(["initialLifecycleHooks.name"]);
    expect(d([hook("a")], [hook("a"), hook("b")])?.replaceReasons.map((r) => r.path)).toContain("initialLifecycleHooks");
  });

  it("orders a chained pool one server after another, each behind the gate before it, deletes last", () => {
    const before = [...pool(3, "v1"), pr(SERVER, "old")];
    const { steps } = diffPlans(before, pool(3, "v2"));
    expect(steps.map((s) => `${s.order} ${s.action} ${s.name}`)).toEqual([
      "1 replace base-0", "2 replace base-0-ready", "3 replace base-1", "4 replace base-1-ready", "5 replace base-2", "6 replace base-2-ready", "7 delete old",
    ]);
    const b1 = steps.find((s) => s.name === "base-1");
    expect(b1).toMatchObject({ deleteFirst: true, after: [urnOf(GATE, "base-0-ready")] });
  });
});
