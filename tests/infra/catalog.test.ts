import { describe, expect, it } from "vitest";
import { CPU_TOPOLOGY, cpuTopologyOf, physicalCores } from "../../infra/cpu-topology";
import { catalog, FX_TO_USD, findInstanceType, getInstanceType, HCLOUD_LOCATIONS_BY_ZONE, HOURS_PER_MONTH, hourlyUsd, instanceTypesFor, orderableHcloudTypes, RETIRED_HCLOUD_TYPES, worstHourlyUsd } from "../../infra/catalog";

describe("instance catalog", () => {
  it("has the types the stacks use, with sizes and dated prices", () => {
    for (const [cloud, name] of [["aws", "r7a.large"], ["aws", "r6a.large"], ["aws", "m7a.large"], ["gcp", "n2d-highmem-2"], ["hetzner", "cpx32"], ["hetzner", "ccx33"]] as const) {
      const t = getInstanceType(cloud, name);
      expect(t.vcpu).toBeGreaterThan(0);
      expect(t.memoryGiB).toBeGreaterThan(0);
      expect(t.price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(t.price.source.length).toBeGreaterThan(10);
    }
  });

  it("prices spot below on-demand wherever a spot price is listed", () => {
    for (const t of catalog.filter((t) => t.spotHourly !== undefined)) {
      expect(t.spotHourly, t.name).toBeLessThan(t.onDemandHourly);
    }
  });

  it("has no spot market for Hetzner", () => {
    expect(catalog.filter((t) => t.cloud === "hetzner").every((t) => t.spotHourly === undefined)).toBe(true);
  });

  it("has unique names per cloud", () => {
    const keys = catalog.map((t) => `${t.cloud}/${t.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("converts EUR to USD with the recorded rate", () => {
    const cpx32 = getInstanceType("hetzner", "cpx32");
    expect(hourlyUsd(cpx32, "on-demand")).toBeCloseTo(cpx32.onDemandHourly * FX_TO_USD.EUR, 10);
  });

  it("uses the worst type of a mixed pool", () => {
    const worst = worstHourlyUsd("aws", ["r7a.large", "r6a.large", "m7a.large"], "spot");
    expect(worst).toBe(getInstanceType("aws", "r7a.large").spotHourly);
  });

  it("holds only Hetzner types that can be ordered, and names the retired ones with a successor in the catalog", () => {
    for (const name of ["cx22", "cx32", "cx42", "cx52", "cpx11", "cpx21", "cpx31", "cpx41", "cpx51"]) {
      expect(findInstanceType("hetzner", name), name).toBeUndefined();
      const retired = RETIRED_HCLOUD_TYPES[name];
      expect(retired?.since, name).toBe("2025-12-31");
      expect(orderableHcloudTypes()).toContain(retired?.successor);
    }
    expect(orderableHcloudTypes()).not.toContain("ax42");
  });

  it("prices Hetzner from the monthly cap, so an always-on month costs the listed price", () => {
    expect(getInstanceType("hetzner", "cpx32").onDemandHourly * HOURS_PER_MONTH).toBeCloseTo(35.99, 1);
    expect(getInstanceType("hetzner", "ccx33").onDemandHourly * HOURS_PER_MONTH).toBeCloseTo(138.99, 1);
  });

  it("places every Hetzner location in one network zone", () => {
    const all = Object.values(HCLOUD_LOCATIONS_BY_ZONE).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const t of catalog.filter((c) => c.locations)) for (const l of t.locations ?? []) expect(all, `${t.name} ${l}`).toContain(l);
  });

  it("lists types per cloud and reports unknown ones with the known list", () => {
    expect(instanceTypesFor("gcp")).toContain("n2d-highmem-2");
    expect(findInstanceType("aws", "nope")).toBeUndefined();
    expect(() => getInstanceType("aws", "nope")).toThrow(/unknown aws instance type "nope"; known: .*r7a\.large/);
  });

  it("records the physical cores behind every type's vCPUs, with a source", () => {
    const missing = catalog.filter((t) => CPU_TOPOLOGY[t.name] === undefined).map((t) => `${t.cloud}/${t.name}`);
    expect(missing).toEqual([]);
    for (const t of catalog) {
      const topology = cpuTopologyOf(t);
      expect(t.vcpu % topology.threadsPerCore, t.name).toBe(0);
      expect(topology.source.length, t.name).toBeGreaterThan(20);
    }
  });

  it("knows which types run two vCPUs per core (SMT) and which one", () => {
    expect(physicalCores(getInstanceType("aws", "r6a.large"))).toBe(1);
    expect(physicalCores(getInstanceType("aws", "r7i.large"))).toBe(1);
    expect(physicalCores(getInstanceType("gcp", "n2d-highmem-2"))).toBe(1);
    expect(physicalCores(getInstanceType("aws", "r7a.large"))).toBe(2);
    expect(physicalCores(getInstanceType("aws", "m7a.xlarge"))).toBe(4);
    expect(() => cpuTopologyOf({ cloud: "aws", name: "x9.huge" })).toThrow(/no CPU topology recorded for aws instance type "x9.huge"/);
  });

  it("has no topology entries for types the catalog does not list", () => {
    const names = new Set(catalog.map((t) => t.name));
    expect(Object.keys(CPU_TOPOLOGY).filter((n) => !names.has(n))).toEqual([]);
  });
});
