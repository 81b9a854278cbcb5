import { describe, expect, it } from "vitest";
import { getInstanceType, hourlyUsd, HOURS_PER_MONTH } from "../../infra/catalog";
import { expensiveInstanceTypes, poolWorstCaseCost, stackBudget } from "../../policies/cost";
import { check, messages, res } from "./harness";

const server = (name: string, serverType = "cpx32") => res("hcloud:index/server:Server", name, { serverType });
const asg = (name: string, types: string[], min: number, max: number) =>
  res("aws:autoscaling/group:Group", name, { minSize: min, maxSize: max, mixedInstancesPolicy: { instancesDistribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0 }, launchTemplate: { overrides: types.map((instanceType) => ({ instanceType })) } } });

describe("expensive-instance-types", () => {
  const p = expensiveInstanceTypes;
  it("passes cheap types and warns on types above the threshold", async () => {
    expect(await check(p, [server("a"), asg("g", ["r7a.large"], 0, 2)])).toEqual([]);
    const v = await check(p, asg("g", ["r7a.large", "r7a.4xlarge"], 0, 2));
    expect(v).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringMatching(/r7a\.4xlarge costs \$1\.461\/h on demand, above \$1\/h/) })]);
  });

  it("warns on listed types and on types the catalog cannot price", async () => {
    expect(messages(await check(p, server("a", "cpx32"), { expensiveTypes: ["cpx32"] }))).toEqual(["a: cpx32 is listed as expensive for this stack"]);
    expect(messages(await check(p, res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { machineType: "a3-megagpu-8g" })))).toEqual([expect.stringContaining("not in the instance catalog")]);
  });
});

describe("pool-worst-case-cost (stack)", () => {
  it("warns when a pool at max size passes the hourly threshold", async () => {
    const unit = getInstanceType("aws", "r7a.large").spotHourly as number;
    expect(await check(poolWorstCaseCost, asg("g", ["r7a.large"], 0, 10), { poolHourlyWarnUsd: unit * 10 + 0.01 })).toEqual([]);
    expect(messages(await check(poolWorstCaseCost, asg("g", ["r7a.large"], 0, 10), { poolHourlyWarnUsd: unit * 10 - 0.01 }))).toHaveLength(1);
  });

  it("prices a GCP pool by joining autoscaler -> group -> template", async () => {
    const tpl = res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { machineType: "n2d-highmem-4", scheduling: { provisioningModel: "SPOT", preemptible: true } });
    const mig = res("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "m", {}, { deps: { versions: [tpl] } });
    const as = res("gcp:compute/regionAutoscaler:RegionAutoscaler", "a", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 40 } }, { deps: { target: [mig] } });
    expect(messages(await check(poolWorstCaseCost, [tpl, mig, as], { poolHourlyWarnUsd: 2 }))).toEqual([expect.stringContaining("pool a costs $2.37/h at max size")]);
  });
});

describe("stack-budget (stack)", () => {
  it("passes under budget and fails over it, with the worst case at max size", async () => {
    const rs = [server("a"), asg("g", ["r7a.large", "m7a.large"], 0, 4)];
    const worst = (hourlyUsd(getInstanceType("hetzner", "cpx32"), "on-demand") + 4 * (getInstanceType("aws", "r7a.large").spotHourly as number)) * HOURS_PER_MONTH;
    expect(await check(stackBudget, rs, { monthlyBudgetUsd: Math.ceil(worst) })).toEqual([]);
    const v = await check(stackBudget, rs, { monthlyBudgetUsd: Math.floor(worst) - 1 });
    expect(v).toEqual([expect.objectContaining({ enforcementLevel: "mandatory", message: expect.stringContaining(`worst-case monthly cost $${worst.toFixed(0)}`) })]);
  });

  it("fails a stack without a budget, and resources it cannot price", async () => {
    expect(messages(await check(stackBudget, [server("a")]))).toEqual([expect.stringContaining("no monthlyBudgetUsd is configured")]);
    expect(messages(await check(stackBudget, [server("a", "cx999")], { monthlyBudgetUsd: 1000 }))).toEqual(["a: hcloud cx999 cannot be priced from the catalog"]);
  });

  it("counts dedicated hosts managed over SSH", async () => {
    const cmd = res("command:remote:Command", "ax", { environment: { HYBRID_SERVER_TYPE: "ax42" } });
    const monthly = hourlyUsd(getInstanceType("hetzner", "ax42"), "on-demand") * HOURS_PER_MONTH;
    expect(messages(await check(stackBudget, [cmd], { monthlyBudgetUsd: monthly - 1 }))).toHaveLength(1);
  });
});

describe("stack-budget: capacity bought outside the pools", () => {
  const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { instanceType: "r7a.xlarge" });
  const budget = 1;
  const overBudget = async (rs: ReturnType<typeof res>[]) => messages(await check(stackBudget, rs, { monthlyBudgetUsd: budget }));
  const od = (t: string) => hourlyUsd(getInstanceType("aws", t), "on-demand") * HOURS_PER_MONTH;

  it.each([
    ["an on-demand EC2 instance", [res("aws:ec2/instance:Instance", "i", { instanceType: "r7a.large" })]],
    ["an EC2 instance typed by its launch template", [lt, res("aws:ec2/instance:Instance", "i", {}, { deps: { launchTemplate: [lt] } })]],
    ["a spot instance request", [res("aws:ec2/spotInstanceRequest:SpotInstanceRequest", "s", { instanceType: "r7a.large" })]],
    ["an EC2 fleet", [res("aws:ec2/fleet:Fleet", "f", { targetCapacitySpecification: { totalTargetCapacity: 10, defaultTargetCapacityType: "spot" }, launchTemplateConfigs: [{ overrides: [{ instanceType: "r7a.large" }] }] })]],
    ["a spot fleet request", [res("aws:ec2/spotFleetRequest:SpotFleetRequest", "sf", { targetCapacity: 4, launchSpecifications: [{ instanceType: "m7a.large" }] })]],
    ["an Auto Scaling group without a mixed policy", [lt, res("aws:autoscaling/group:Group", "g", { minSize: 1, maxSize: 4 }, { deps: { launchTemplate: [lt] } })]],
    ["a GCP instance", [res("gcp:compute/instance:Instance", "vm", { machineType: "n2d-highmem-4" })]],
    ["a zonal GCP managed instance group without an autoscaler", (() => {
      const tpl = res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { machineType: "n2d-highmem-2" });
      return [tpl, res("gcp:compute/instanceGroupManager:InstanceGroupManager", "m", { targetSize: 3 }, { deps: { versions: [tpl] } })];
    })()],
    ["an hcloud server outside the base layer", [res("hcloud:index/server:Server", "extra", { serverType: "ccx43" })]],
  ])("prices %s into the worst case", async (_, rs) => {
    expect(await overBudget(rs)).toEqual([expect.stringMatching(/worst-case monthly cost \$\d+/)]);
  });

  it("prices an Auto Scaling group without a mixed policy at on-demand, not spot", async () => {
    const g = res("aws:autoscaling/group:Group", "g", { minSize: 0, maxSize: 2 }, { deps: { launchTemplate: [lt] } });
    const worst = 2 * od("r7a.xlarge");
    expect(await check(stackBudget, [lt, g], { monthlyBudgetUsd: Math.ceil(worst) })).toEqual([]);
    expect(messages(await check(stackBudget, [lt, g], { monthlyBudgetUsd: Math.floor(worst) - 1 }))).toHaveLength(1);
  });

  it("prices a mixed policy that allows any on-demand capacity at on-demand", async () => {
    const g = res("aws:autoscaling/group:Group", "g", { minSize: 0, maxSize: 2, mixedInstancesPolicy: { instancesDistribution: { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 10 }, launchTemplate: { overrides: [{ instanceType: "r7a.xlarge" }] } } });
    expect(messages(await check(stackBudget, [g], { monthlyBudgetUsd: Math.floor(2 * od("r7a.xlarge")) - 1 }))).toHaveLength(1);
  });

  it.each([
    ["an unknown instance type", res("aws:ec2/instance:Instance", "i", { instanceType: "p5.48xlarge" })],
    ["a GKE node pool", res("gcp:container/nodePool:NodePool", "np", { nodeCount: 3 })],
    ["an EKS node group", res("aws:eks/nodeGroup:NodeGroup", "ng", {})],
    ["a capacity reservation", res("aws:ec2/capacityReservation:CapacityReservation", "cr", { instanceType: "r7a.large", instanceCount: 10 })],
    ["a dedicated host", res("aws:ec2/dedicatedHost:DedicatedHost", "h", { instanceFamily: "r7a" })],
  ])("fails %s as unpriced", async (_, r) => {
    expect(messages(await check(stackBudget, [r], { monthlyBudgetUsd: 1e9 }))).toEqual([expect.stringContaining("cannot be priced")]);
  });

  it("does not count a GCP group twice when an autoscaler targets it", async () => {
    const tpl = res("gcp:compute/instanceTemplate:InstanceTemplate", "t", { machineType: "n2d-highmem-2", scheduling: { provisioningModel: "SPOT" } });
    const mig = res("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "m", { targetSize: 50 }, { deps: { versions: [tpl] } });
    const as = res("gcp:compute/regionAutoscaler:RegionAutoscaler", "a", { autoscalingPolicy: { minReplicas: 0, maxReplicas: 1 } }, { deps: { target: [mig] } });
    const one = (getInstanceType("gcp", "n2d-highmem-2").spotHourly as number) * HOURS_PER_MONTH;
    expect(await check(stackBudget, [tpl, mig, as], { monthlyBudgetUsd: Math.ceil(one) })).toEqual([]);
  });
});
