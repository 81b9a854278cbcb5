/** This machine's CPUs as the launch spec sees them: vCPUs, memory and the physical cores behind the vCPUs. */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import * as path from "node:path";
import type { LaunchMachine } from "../../infra/inference/launch";

const SYS_CPU = "/sys/devices/system/cpu";

/**
 * Physical cores: the distinct sets of hardware-thread siblings among the online CPUs (what llama.cpp's own
 * `common_cpu_get_num_physical_cores` counts on Linux); the vCPU count where sysfs does not say.
 */
export function physicalCoresOf(sysCpuDir = SYS_CPU, fallback = availableParallelism()): number {
  let entries: string[];
  try {
    entries = readdirSync(sysCpuDir).filter((e) => /^cpu\d+$/.test(e));
  } catch {
    return fallback;
  }
  const cores = new Set<string>();
  for (const cpu of entries) {
    try {
      const siblings = readFileSync(path.join(sysCpuDir, cpu, "topology", "thread_siblings_list"), "utf8").trim();
      if (siblings) cores.add(siblings);
    } catch {
      // an offline CPU has no topology directory
    }
  }
  return cores.size > 0 ? cores.size : fallback;
}

export function hostMachine(): LaunchMachine {
  const vcpu = availableParallelism();
  return { vcpu, memoryGiB: totalmem() / 1024 ** 3, physicalCores: Math.min(vcpu, physicalCoresOf()) };
}

/** Cores the local stack leaves to its client: the runner and the benchmark are one Node process, so one core. */
export const CLIENT_CORES = 1;
