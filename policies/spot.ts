/** Burst capacity is spot capacity. */
import { dependenciesOf, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { num, type Props } from "./lib/values";

function mixedDistribution(p: Props): Props | undefined {
  const mip = p.mixedInstancesPolicy as Props | undefined;
  return mip ? ((mip.instancesDistribution as Props | undefined) ?? {}) : undefined;
}

export const burstPoolsAreSpot: ResourcePolicy = {
  name: "burst-pools-are-spot",
  description: "AWS Auto Scaling groups run a mixed-instances policy that is 0% on-demand; GCP instance templates are Spot VMs (provisioningModel SPOT, preemptible, no automatic restart).",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "OPA cost.rego deny_on_demand_burst",
  remediationSteps: "AWS: set mixedInstancesPolicy.instancesDistribution onDemandBaseCapacity 0 and onDemandPercentageAboveBaseCapacity 0 (unset means 100% on-demand). GCP: scheduling { provisioningModel: 'SPOT', preemptible: true, automaticRestart: false }.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:autoscaling/group:Group") {
      const d = mixedDistribution(p);
      if (!d) {
        report(`${args.name} has no mixedInstancesPolicy, so it launches on-demand capacity`);
        return;
      }
      const base = num(d.onDemandBaseCapacity);
      const above = num(d.onDemandPercentageAboveBaseCapacity);
      if (base !== 0) report(`${args.name}: onDemandBaseCapacity is ${base ?? "unset"}; burst pools need 0`);
      if (above !== 0) report(`${args.name}: onDemandPercentageAboveBaseCapacity is ${above ?? "unset (AWS default: 100% on-demand)"}; burst pools need 0`);
    }
    if (args.type === "gcp:compute/instanceTemplate:InstanceTemplate" || args.type === "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate") {
      const s = (p.scheduling ?? {}) as Props;
      if (s.provisioningModel !== "SPOT") report(`${args.name}: scheduling.provisioningModel is ${String(s.provisioningModel ?? "unset (STANDARD)")}; need SPOT`);
      if (s.preemptible !== true) report(`${args.name}: scheduling.preemptible must be true`);
      if (s.automaticRestart !== false) report(`${args.name}: scheduling.automaticRestart must be false for Spot VMs`);
    }
  },
};

export const noOnDemandOutsideBase: ResourcePolicy = {
  name: "no-on-demand-outside-base",
  description: "The always-on base layer is Hetzner. A standalone AWS or GCP instance, or an EC2 fleet, must be spot.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "OPA cost.rego deny_on_demand_instance",
  remediationSteps: "Put capacity in the burst pools, or request spot: AWS instanceMarketOptions { marketType: 'spot' }, GCP scheduling { provisioningModel: 'SPOT' }.",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:ec2/instance:Instance") {
      const market = (p.instanceMarketOptions as Props | undefined)?.marketType;
      if (market !== "spot") report(`${args.name} is an on-demand EC2 instance outside the base layer`);
    }
    if (args.type === "aws:ec2/fleet:Fleet" || args.type === "aws:ec2/spotFleetRequest:SpotFleetRequest") {
      const spec = (p.targetCapacitySpecification ?? {}) as Props;
      const onDemand = num(spec.onDemandTargetCapacity) ?? num(p.onDemandTargetCapacity) ?? 0;
      if (onDemand > 0 || spec.defaultTargetCapacityType === "on-demand") report(`${args.name} buys on-demand capacity in a fleet outside the base layer`);
    }
    if (args.type === "gcp:compute/instance:Instance") {
      const s = (p.scheduling ?? {}) as Props;
      if (s.provisioningModel !== "SPOT" && s.preemptible !== true) report(`${args.name} is an on-demand GCE instance outside the base layer`);
    }
  },
};

/** AWS rejects a mixed-instances policy whose launch template sets instanceMarketOptions. */
export const noMarketOptionsInMixedTemplate: StackPolicy = {
  name: "no-market-options-in-mixed-template",
  description: "A launch template used by a mixed-instances policy must not set instanceMarketOptions (AWS rejects the group).",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "terraform-aws-autoscaling: mixed_instances_policy with a plain launch template",
  remediationSteps: "Remove instanceMarketOptions from the launch template; the group's instancesDistribution decides spot.",
  validateStack: (args, report) => {
    for (const asg of args.resources.filter((r) => r.type === "aws:autoscaling/group:Group")) {
      if (!asg.props.mixedInstancesPolicy) continue;
      for (const lt of dependenciesOf(asg, "mixedInstancesPolicy")) {
        if (lt.type === "aws:ec2/launchTemplate:LaunchTemplate" && lt.props.instanceMarketOptions) {
          report(`${asg.name} uses launch template ${lt.name} in a mixed-instances policy, but the template sets instanceMarketOptions`, asg.urn);
        }
      }
    }
  },
};

export const spotPolicies = [burstPoolsAreSpot, noOnDemandOutsideBase, noMarketOptionsInMixedTemplate];
