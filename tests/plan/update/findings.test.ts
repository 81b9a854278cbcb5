/** What an update would break: refused replacements, outages and lost data, each found where it is and nowhere else. */
import { describe, expect, it } from "vitest";
import { diffPlans } from "../../../plan/update/diff";
import { findings } from "../../../plan/update/findings";
import type { PlanResource } from "../../../plan/plan";
import { pool, pr, SERVER } from "./synthetic";

const found = (before: PlanResource[], after: PlanResource[]) => findings(diffPlans(before, after)).map((f) => `${f.level} ${f.rule}: ${f.message}`);

describe("refused replacements", () => {
  it("finds a create-first replacement under a name or an address the old one still holds", () => {
    const pinned = (ud: string) => pool(2, ud, { chained: true, deleteBeforeReplace: false, pin: true });
    const f = found(pinned("v1"), pinned("v2"));
    expect(f.filter((x) => x.includes("same name"))).toHaveLength(2);
    expect(f.filter((x) => x.includes("primary IPv4 100") || x.includes("primary IPv4 101"))).toHaveLength(2);
    expect(f.filter((x) => x.includes("private IP 10.10.1.1"))).toHaveLength(2);
    expect(f.every((x) => x.startsWith("mandatory replace-refused"))).toBe(true);
  });

  it("lets a delete-first replacement and an autonamed one through", () => {
    expect(found(pool(2, "v1", { chained: true, pin: true }), pool(2, "v2", { chained: true, pin: true }))).toEqual([]);
    const T = "aws:lb/targetGroup:TargetGroup";
    expect(found([pr(T, "tg", { name: "tg-1234567", port: 1 }, { autonamed: "name" })], [pr(T, "tg", { name: "tg-1234567", port: 2 }, { autonamed: "name" })])).toEqual([]);
  });

  it("finds a protected resource that would be replaced or deleted", () => {
    const B = "aws:s3/bucket:Bucket";
    expect(found([pr(B, "b", { bucket: "b-1" }, { protect: true, autonamed: "bucket" })], [])).toEqual(expect.arrayContaining([expect.stringMatching(/^mandatory replace-refused: b is protected/)]));
  });
});

describe("outages", () => {
  it("finds every server of a pool out at once when nothing waits between them, and not when gates do", () => {
    expect(found(pool(3, "v1", { chained: false }), pool(3, "v2", { chained: false }))).toEqual([expect.stringMatching(/^mandatory outage: base: all 3 servers \(base-0, base-1, base-2\) can be out at once/)]);
    expect(found(pool(3, "v1"), pool(3, "v2"))).toEqual([]);
  });

  it("finds the only server of a pool replaced", () => {
    expect(found(pool(1, "v1"), pool(1, "v2"))).toEqual([expect.stringMatching(/^mandatory outage: base: its only server base-0 is replaced/)]);
  });

  it("calls two of three out together an overlap, not an outage", () => {
    const after = pool(3, "v2");
    // base-2 no longer waits for base-1's gate: it may go while base-1 is out.
    const b2 = after.find((r) => r.name === "base-2") as PlanResource;
    b2.dependencies = [];
    expect(found(pool(3, "v1"), after)).toEqual([expect.stringMatching(/^advisory overlap: base: 2 of 3 servers/)]);
  });

  it("counts a server stopped in place (a type change without replacement) as out", () => {
    const s = (t: string) => [pr(SERVER, "only", { serverType: t, labels: { pool: "p" } })];
    expect(found(s("ccx33"), s("ccx43"))).toEqual([expect.stringMatching(/^mandatory outage: p: its only server only is stopped in place \(serverType: the provider powers the server off/)]);
  });
});

describe("lost data", () => {
  it("finds a bucket or an address replaced or deleted, kept or not", () => {
    const B = "gcp:storage/bucket:Bucket";
    expect(found([pr(B, "b", { name: "b-1", location: "EU" })], [pr(B, "b", { name: "b-1", location: "US" })])).toEqual(expect.arrayContaining([expect.stringMatching(/^mandatory data-loss: b is replaced \(replaced: location\): the update loses its objects/)]));
    const IP = "hcloud:index/primaryIp:PrimaryIp";
    expect(found([pr(IP, "ip", { type: "ipv4", name: "ip" }, { retainOnDelete: true })], [])).toEqual([expect.stringMatching(/^mandatory data-loss: ip is deleted.*kept outside the stack/)]);
  });

  it("says nothing of a bucket updated in place", () => {
    const B = "gcp:storage/bucket:Bucket";
    expect(found([pr(B, "b", { name: "b-1", labels: { a: "1" } })], [pr(B, "b", { name: "b-1", labels: { a: "2" } })])).toEqual([]);
  });
});
