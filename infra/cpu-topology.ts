/**
 * Physical cores behind each catalog type's vCPUs. The launch spec sizes llama-server's threads from physical
 * cores, not vCPUs: two hardware threads of one core share its execution units, and llama.cpp's worker threads
 * wait for each other at every step of a graph, so a thread on a busy sibling stalls all of them.
 * Kept beside the catalog (keyed by type name) so the catalog's price lines stay as they are; a test checks that
 * every catalog type has an entry here.
 */
import type { InstanceType } from "./catalog";

export interface CpuTopology {
  /** vCPUs per physical core, as the provider documents it for the type's default CPU options. */
  threadsPerCore: 1 | 2;
  /** Where that is documented. */
  source: string;
}

const AWS_SMT: CpuTopology = {
  threadsPerCore: 2,
  source: "docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-optimize-cpu.html: each vCPU is a thread of a CPU core (SMT, 2 threads per core by default) except on T2, M7a/R7a/C7a, Mac and Graviton",
};
const AWS_NO_SMT: CpuTopology = {
  threadsPerCore: 1,
  source: "docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-optimize-cpu.html: M7a, R7a and C7a are the exception to SMT, each vCPU is a physical core, and their threads per core cannot be changed",
};
const GCP_SMT: CpuTopology = {
  threadsPerCore: 2,
  source: "cloud.google.com/compute/docs/cpu-platforms: each vCPU is one hardware thread; N2D and E2 run two vCPUs per core by default",
};
const HCLOUD_DEDICATED: CpuTopology = {
  threadsPerCore: 2,
  source: "Hetzner wiki CloudServer FAQ, dedicated vCPU plans (CCX): \"1 vCPU = 1 hyper-thread\"; a CCX33 guest reports 2 threads per core (lscpu, gunnarmorling/1brc#189)",
};
const HCLOUD_SHARED: CpuTopology = {
  threadsPerCore: 2,
  source: "no Hetzner statement for shared vCPUs (CPX); read like the dedicated plans' 1 vCPU = 1 hyper-thread (Hetzner wiki CloudServer FAQ), the conservative choice for a plan whose cores are also shared with other tenants",
};

export const CPU_TOPOLOGY: Readonly<Record<string, CpuTopology>> = {
  cpx12: { threadsPerCore: 1, source: "a single shared vCPU: one hyper-thread of the host, with no sibling in the guest to share a core with (Hetzner wiki CloudServer FAQ: 1 vCPU = 1 hyper-thread)" },
  cpx22: HCLOUD_SHARED,
  cpx32: HCLOUD_SHARED,
  cpx42: HCLOUD_SHARED,
  cpx52: HCLOUD_SHARED,
  cpx62: HCLOUD_SHARED,
  ccx13: HCLOUD_DEDICATED,
  ccx23: HCLOUD_DEDICATED,
  ccx33: HCLOUD_DEDICATED,
  ccx43: HCLOUD_DEDICATED,
  ccx53: HCLOUD_DEDICATED,
  ax42: { threadsPerCore: 2, source: "hetzner.com/dedicated-rootserver/ax42: AMD Ryzen 7 PRO 8700GE, 8 cores / 16 threads" },
  "m7a.large": AWS_NO_SMT,
  "m7a.xlarge": AWS_NO_SMT,
  "r7a.large": AWS_NO_SMT,
  "r7a.xlarge": AWS_NO_SMT,
  "r7a.4xlarge": AWS_NO_SMT,
  "r6a.large": AWS_SMT,
  "r6a.xlarge": AWS_SMT,
  "r7i.large": AWS_SMT,
  "n2d-highmem-2": GCP_SMT,
  "n2d-highmem-4": GCP_SMT,
  "n2d-standard-4": GCP_SMT,
  "n2d-highmem-16": GCP_SMT,
  "e2-highmem-2": GCP_SMT,
};

export function cpuTopologyOf(t: Pick<InstanceType, "cloud" | "name">): CpuTopology {
  const topology = CPU_TOPOLOGY[t.name];
  if (!topology) throw new Error(`no CPU topology recorded for ${t.cloud} instance type "${t.name}"; add it to infra/cpu-topology.ts`);
  return topology;
}

/** Physical cores of a type: its vCPUs over the threads each core runs (at least one). */
export function physicalCores(t: Pick<InstanceType, "cloud" | "name" | "vcpu">): number {
  return Math.max(1, Math.floor(t.vcpu / cpuTopologyOf(t).threadsPerCore));
}
