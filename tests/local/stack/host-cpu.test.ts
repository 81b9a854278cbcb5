/** This machine's physical cores, counted the way llama.cpp counts them: distinct thread-sibling sets in sysfs. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { hostMachine, physicalCoresOf } from "../../../local/stack/host-cpu";

function fakeSysfs(siblings: Array<string | undefined>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hi-sysfs-"));
  siblings.forEach((s, i) => {
    const topo = path.join(dir, `cpu${i}`, "topology");
    mkdirSync(path.join(dir, `cpu${i}`), { recursive: true });
    if (s === undefined) return; // offline: no topology directory
    mkdirSync(topo);
    writeFileSync(path.join(topo, "thread_siblings_list"), `${s}\n`);
  });
  mkdirSync(path.join(dir, "cpufreq"));
  return dir;
}

describe("host CPU", () => {
  it("counts two hyper-threads of a core once", () => {
    expect(physicalCoresOf(fakeSysfs(["0,2", "1,3", "0,2", "1,3"]))).toBe(2);
  });

  it("counts cores without SMT one by one, and skips offline CPUs", () => {
    expect(physicalCoresOf(fakeSysfs(["0", "1", undefined]))).toBe(2);
  });

  it("falls back to the vCPU count without sysfs", () => {
    expect(physicalCoresOf("/nonexistent/sys/cpu", 6)).toBe(6);
  });

  it("describes this machine with physical cores no more than vCPUs", () => {
    const m = hostMachine();
    expect(m.vcpu).toBe(availableParallelism());
    expect(m.physicalCores).toBeGreaterThanOrEqual(1);
    expect(m.physicalCores).toBeLessThanOrEqual(m.vcpu);
  });
});
