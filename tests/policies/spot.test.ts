import { describe, expect, it } from "vitest";
import { burstPoolsAreSpot, noMarketOptionsInMixedTemplate, noOnDemandOutsideBase } from "../../policies/spot";
import { check, messages, res } from "./harness";

const ASG = "aws:autoscaling/group:Group";
const TPL = "gcp:compute/instanceTemplate:InstanceTemplate";
const spotDist = { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0, spotAllocationStrategy: "price-capacity-optimized" };
const spotSched = { provisioningModel: "SPOT", preemptible: true, automaticRestart: false };

describe("burst-pools-are-spot", () => {
  const p = burstPoolsAreSpot;

  it("passes a 0% on-demand mixed group and a Spot VM template", async () => {
    expect(await check(p, [res(ASG, "g", { mixedInstancesPolicy: { instancesDistribution: spotDist } }), res(TPL, "t", { scheduling: spotSched })])).toEqual([]);
  });

  it("flags an unset on-demand percentage (AWS defaults it to 100%)", async () => {
    const v = messages(await check(p, res(ASG, "g", { mixedInstancesPolicy: { instancesDistribution: { onDemandBaseCapacity: 0 } } })));
    expect(v).toEqual([expect.stringContaining("onDemandPercentageAboveBaseCapacity is unset (AWS default: 100% on-demand)")]);
  });

  it("flags on-demand base capacity and a non-zero percentage", async () => {
    const v = messages(await check(p, res(ASG, "g", { mixedInstancesPolicy: { instancesDistribution: { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 20 } } })));
    expect(v).toHaveLength(2);
  });

  it("flags a group without a mixed-instances policy", async () => {
    expect(messages(await check(p, res(ASG, "g", { launchTemplate: { id: "lt-1" } })))).toEqual([expect.stringContaining("no mixedInstancesPolicy")]);
  });

  it.each([
    ["provisioningModel", { ...spotSched, provisioningModel: "STANDARD" }, /provisioningModel is STANDARD/],
    ["preemptible", { ...spotSched, preemptible: false }, /preemptible must be true/],
    ["automaticRestart", { ...spotSched, automaticRestart: true }, /automaticRestart must be false/],
    ["no scheduling at all", undefined, /provisioningModel is unset/],
  ])("flags a GCP template with the wrong %s", async (_, scheduling, pattern) => {
    expect(messages(await check(p, res(TPL, "t", scheduling ? { scheduling } : {}))).join("\n")).toMatch(pattern);
  });
});

describe("no-on-demand-outside-base", () => {
  it("passes spot instances and flags on-demand ones on AWS and GCP", async () => {
    expect(await check(noOnDemandOutsideBase, res("aws:ec2/instance:Instance", "i", { instanceMarketOptions: { marketType: "spot" } }))).toEqual([]);
    expect(await check(noOnDemandOutsideBase, res("gcp:compute/instance:Instance", "g", { scheduling: spotSched }))).toEqual([]);
    expect(messages(await check(noOnDemandOutsideBase, res("aws:ec2/instance:Instance", "i", {})))).toEqual(["i is an on-demand EC2 instance outside the base layer"]);
    expect(messages(await check(noOnDemandOutsideBase, res("gcp:compute/instance:Instance", "g", {})))).toEqual(["g is an on-demand GCE instance outside the base layer"]);
  });

  it("leaves the Hetzner base layer alone", async () => {
    expect(await check(noOnDemandOutsideBase, res("hcloud:index/server:Server", "n", { serverType: "cpx32" }))).toEqual([]);
  });
});

describe("no-market-options-in-mixed-template (stack)", () => {
  const p = noMarketOptionsInMixedTemplate;
  it("passes a plain template and flags one with instanceMarketOptions", async () => {
    const plain = res("aws:ec2/launchTemplate:LaunchTemplate", "plain", {});
    const ok = res(ASG, "ok", { mixedInstancesPolicy: { instancesDistribution: spotDist } }, { deps: { mixedInstancesPolicy: [plain] } });
    expect(await check(p, [plain, ok])).toEqual([]);
    const market = res("aws:ec2/launchTemplate:LaunchTemplate", "market", { instanceMarketOptions: { marketType: "spot" } });
    const bad = res(ASG, "bad", { mixedInstancesPolicy: { instancesDistribution: spotDist } }, { deps: { mixedInstancesPolicy: [market] } });
    expect(await check(p, [market, bad])).toEqual([expect.objectContaining({ urn: bad.urn, message: expect.stringContaining("sets instanceMarketOptions") })]);
  });
});

describe("no-on-demand-outside-base: fleets", () => {
  it("flags an EC2 fleet or spot fleet that buys on-demand capacity, and passes an all-spot fleet", async () => {
    expect(messages(await check(noOnDemandOutsideBase, res("aws:ec2/fleet:Fleet", "f", { targetCapacitySpecification: { totalTargetCapacity: 4, onDemandTargetCapacity: 1, defaultTargetCapacityType: "spot" } })))).toHaveLength(1);
    expect(messages(await check(noOnDemandOutsideBase, res("aws:ec2/fleet:Fleet", "f", { targetCapacitySpecification: { totalTargetCapacity: 4, defaultTargetCapacityType: "on-demand" } })))).toHaveLength(1);
    expect(messages(await check(noOnDemandOutsideBase, res("aws:ec2/spotFleetRequest:SpotFleetRequest", "sf", { targetCapacity: 4, onDemandTargetCapacity: 2 })))).toHaveLength(1);
    expect(await check(noOnDemandOutsideBase, res("aws:ec2/fleet:Fleet", "f", { targetCapacitySpecification: { totalTargetCapacity: 4, defaultTargetCapacityType: "spot" } }))).toEqual([]);
  });
});
