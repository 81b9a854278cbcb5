/**
 * Worst-case cost of a stack, read from its resources and priced from the one catalog (infra/catalog.ts).
 * The cost policies and the offline plan's estimate both use this.
 */
import { type Cloud, findInstanceType, HOURS_PER_MONTH, hourlyUsd, SERVICE_PRICES, toUsd } from "../../infra/catalog";
import { asArray, num, type Props, str } from "./values";

export interface CostResource {
  urn: string;
  type: string;
  name: string;
  props: Props;
  propertyDependencies: Record<string, CostResource[]>;
}

export interface CostLine {
  urn: string;
  name: string;
  /** base: always on; burst: only when the pools scale out. */
  kind: "base" | "burst";
  what: string;
  count: number;
  unitHourlyUsd: number;
}

export interface CostEstimate {
  lines: CostLine[];
  /** Resources whose size is not in the catalog, so they cannot be priced. */
  unpriced: { urn: string; name: string; what: string }[];
  baseHourlyUsd: number;
  burstHourlyUsd: number;
  hourly: { base: number; full: number };
  monthly: { base: number; full: number };
}

const deps = (r: CostResource, prop: string) => r.propertyDependencies[prop] ?? [];

type Market = "on-demand" | "spot";

/** The most expensive price among the types a pool may launch, in the given market. */
function poolUnitPrice(cloud: Cloud, types: string[], market: Market = "spot"): { price?: number; missing: string[] } {
  const missing = types.filter((t) => !findInstanceType(cloud, t));
  const prices = types.map((t) => findInstanceType(cloud, t)).filter((t) => t !== undefined).map((t) => hourlyUsd(t, market));
  return { ...(prices.length > 0 && missing.length === 0 ? { price: Math.max(...prices) } : {}), missing };
}

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** Instance types named by a launch template (or launch configuration) the resource depends on. */
function templateTypes(r: CostResource, props: string[]): string[] {
  return props.flatMap((prop) => deps(r, prop)).filter((d) => d.type === LAUNCH_TEMPLATE || d.type === "aws:ec2/launchConfiguration:LaunchConfiguration").map((d) => str(d.props.instanceType)).filter((t): t is string => !!t);
}

function asgTypes(asg: CostResource): string[] {
  const mip = asg.props.mixedInstancesPolicy as Props | undefined;
  const overrides = asArray<Props>((mip?.launchTemplate as Props | undefined)?.overrides).map((o) => str(o.instanceType)).filter((t): t is string => !!t);
  if (overrides.length > 0) return overrides;
  return [...new Set(templateTypes(asg, ["launchTemplate", "mixedInstancesPolicy", "launchConfiguration"]))];
}

/** An Auto Scaling group is priced at spot only when its mixed-instances policy buys no on-demand capacity at all. */
function asgMarket(asg: CostResource): Market {
  const d = (asg.props.mixedInstancesPolicy as Props | undefined)?.instancesDistribution as Props | undefined;
  if (asg.props.mixedInstancesPolicy) return (num(d?.onDemandBaseCapacity) ?? 0) === 0 && num(d?.onDemandPercentageAboveBaseCapacity) === 0 ? "spot" : "on-demand";
  const lc = deps(asg, "launchConfiguration").find((x) => x.type === "aws:ec2/launchConfiguration:LaunchConfiguration");
  const lt = deps(asg, "launchTemplate").find((x) => x.type === LAUNCH_TEMPLATE);
  if (lc?.props.spotPrice) return "spot";
  return (lt?.props.instanceMarketOptions as Props | undefined)?.marketType === "spot" ? "spot" : "on-demand";
}

const gcpSpot = (tpl: CostResource | undefined) => {
  const s = (tpl?.props.scheduling ?? {}) as Props;
  return s.provisioningModel === "SPOT" || s.preemptible === true;
};

/** The instance template a managed instance group (or its autoscaler's target) launches. */
function migTemplate(mig: CostResource): CostResource | undefined {
  return [...deps(mig, "versions"), ...deps(mig, "instanceTemplate")].find((t) => t.type.includes("nstanceTemplate"));
}

/**
 * Resource types that buy capacity this estimate does not price. Present in a stack, they fail the budget as
 * unpriced rather than being left out of it.
 */
export const UNPRICED_CAPACITY = new Set([
  "aws:ec2/capacityReservation:CapacityReservation", "aws:ec2/dedicatedHost:DedicatedHost", "aws:eks/nodeGroup:NodeGroup", "aws:eks/cluster:Cluster",
  "aws:batch/computeEnvironment:ComputeEnvironment", "aws:emr/cluster:Cluster", "aws:sagemaker/endpoint:Endpoint", "aws:sagemaker/notebookInstance:NotebookInstance",
  "aws:lightsail/instance:Instance", "aws:ecs/service:Service", "aws:ec2/spotDatafeedSubscription:SpotDatafeedSubscription",
  "gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool", "gcp:compute/reservation:Reservation", "gcp:compute/nodeGroup:NodeGroup",
  "gcp:compute/instanceFromTemplate:InstanceFromTemplate", "gcp:compute/instanceFromMachineImage:InstanceFromMachineImage", "gcp:tpu/node:Node", "gcp:tpu/v2Vm:V2Vm",
  "gcp:notebooks/instance:Instance", "gcp:workbench/instance:Instance", "gcp:vertex/aiEndpoint:AiEndpoint", "gcp:cloudrunv2/service:Service",
  "gcp:compute/regionInstanceGroupManagerResizeRequest:RegionInstanceGroupManagerResizeRequest", "gcp:compute/resizeRequest:ResizeRequest",
]);

export function estimateCost(resources: CostResource[]): CostEstimate {
  const lines: CostLine[] = [];
  const unpriced: CostEstimate["unpriced"] = [];
  const add = (r: CostResource, kind: CostLine["kind"], what: string, count: number, unit: number | undefined) => {
    if (count <= 0) return;
    if (unit === undefined) unpriced.push({ urn: r.urn, name: r.name, what });
    else lines.push({ urn: r.urn, name: r.name, kind, what, count, unitHourlyUsd: unit });
  };
  const service = (key: string) => {
    const s = SERVICE_PRICES[key];
    return s ? toUsd(s.hourly, s.currency) : undefined;
  };
  const priced = (r: CostResource, cloud: Cloud, types: string[], market: Market, label: string, min: number, max: number) => {
    const { price, missing } = poolUnitPrice(cloud, types, market);
    const what = `${label} ${market} ${types.join("/") || "unknown type"}${missing.length ? ` (not in catalog: ${missing.join(", ")})` : ""}`;
    add(r, "base", what, min, price);
    add(r, "burst", what, max - min, price);
  };
  const autoscaled = new Set(
    resources.filter((r) => r.type === "gcp:compute/regionAutoscaler:RegionAutoscaler" || r.type === "gcp:compute/autoscaler:Autoscaler").flatMap((a) => deps(a, "target").map((m) => m.urn)),
  );

  for (const r of resources) {
    const p = r.props;
    if (UNPRICED_CAPACITY.has(r.type)) {
      unpriced.push({ urn: r.urn, name: r.name, what: `${r.type.split(":")[2] ?? r.type} buys capacity the catalog does not price` });
      continue;
    }
    switch (r.type) {
      case "hcloud:index/server:Server": {
        const t = findInstanceType("hetzner", String(p.serverType));
        add(r, "base", `hcloud ${String(p.serverType)}`, 1, t && hourlyUsd(t, "on-demand"));
        break;
      }
      case "command:remote:Command": {
        const type = str((p.environment as Props | undefined)?.HYBRID_SERVER_TYPE);
        if (!type) break;
        const t = findInstanceType("hetzner", type);
        add(r, "base", `hetzner dedicated ${type}`, 1, t && hourlyUsd(t, "on-demand"));
        break;
      }
      case "hcloud:index/loadBalancer:LoadBalancer":
        add(r, "base", `hcloud load balancer ${String(p.loadBalancerType)}`, 1, service(`hcloud/${String(p.loadBalancerType)}`));
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
        add(r, "base", "AWS network load balancer", 1, service("aws/nlb"));
        break;
      case "aws:ec2/natGateway:NatGateway":
        add(r, "base", "AWS NAT gateway", 1, service("aws/nat-gateway"));
        break;
      case "gcp:compute/securityPolicy:SecurityPolicy": {
        const rules = asArray(p.rules).length;
        const policy = service("gcp/cloud-armor-policy");
        const rule = service("gcp/cloud-armor-rule");
        add(r, "base", `GCP Cloud Armor policy with ${rules} rules`, 1, policy !== undefined && rule !== undefined ? policy + rules * rule : undefined);
        break;
      }
      case "gcp:compute/routerNat:RouterNat":
        add(r, "base", "GCP Cloud NAT", 1, service("gcp/cloud-nat"));
        break;
      case "gcp:compute/globalForwardingRule:GlobalForwardingRule":
      case "gcp:compute/forwardingRule:ForwardingRule":
        add(r, "base", "GCP forwarding rule", 1, service("gcp/forwarding-rule"));
        break;
      case "aws:autoscaling/group:Group":
        priced(r, "aws", asgTypes(r), asgMarket(r), "AWS", num(p.minSize) ?? 0, num(p.maxSize) ?? 0);
        break;
      case "aws:ec2/instance:Instance": {
        const types = str(p.instanceType) ? [String(p.instanceType)] : templateTypes(r, ["launchTemplate"]);
        const spot = (p.instanceMarketOptions as Props | undefined)?.marketType === "spot";
        priced(r, "aws", types, spot ? "spot" : "on-demand", "AWS instance", 1, 1);
        break;
      }
      case "aws:ec2/spotInstanceRequest:SpotInstanceRequest":
        priced(r, "aws", str(p.instanceType) ? [String(p.instanceType)] : templateTypes(r, ["launchTemplate"]), "spot", "AWS spot request", 1, 1);
        break;
      case "aws:ec2/fleet:Fleet":
      case "aws:ec2/spotFleetRequest:SpotFleetRequest": {
        const spec = (p.targetCapacitySpecification ?? {}) as Props;
        const total = num(spec.totalTargetCapacity) ?? num(p.targetCapacity) ?? 0;
        const onDemand = num(spec.onDemandTargetCapacity) ?? num(p.onDemandTargetCapacity) ?? (str(spec.defaultTargetCapacityType) === "on-demand" ? total : 0);
        const overrides = asArray<Props>(p.launchTemplateConfigs ?? p.launchTemplateConfig).flatMap((c) => asArray<Props>(c.overrides)).map((o) => str(o.instanceType)).filter((t): t is string => !!t);
        const specs = asArray<Props>(p.launchSpecifications).map((l) => str(l.instanceType)).filter((t): t is string => !!t);
        const types = [...new Set([...overrides, ...specs, ...templateTypes(r, ["launchTemplateConfigs", "launchTemplateConfig"])])];
        // Capacity units may be vCPUs or MiB: counting them as instances overstates, never understates, the worst case.
        priced(r, "aws", types, "on-demand", "AWS fleet", onDemand, onDemand);
        priced(r, "aws", types, "spot", "AWS fleet", total - onDemand, total - onDemand);
        break;
      }
      case "gcp:compute/instance:Instance":
        priced(r, "gcp", [String(p.machineType)], gcpSpot(r) ? "spot" : "on-demand", "GCP instance", 1, 1);
        break;
      case "gcp:compute/instanceGroupManager:InstanceGroupManager":
      case "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": {
        if (autoscaled.has(r.urn)) break;
        const tpl = migTemplate(r);
        const type = str(tpl?.props.machineType);
        const size = num(p.targetSize) ?? 0;
        priced(r, "gcp", type ? [type] : [], gcpSpot(tpl) ? "spot" : "on-demand", "GCP group", size, size);
        break;
      }
      case "gcp:compute/regionAutoscaler:RegionAutoscaler":
      case "gcp:compute/autoscaler:Autoscaler": {
        const policy = (p.autoscalingPolicy ?? {}) as Props;
        const tpl = deps(r, "target").map(migTemplate).find((t) => t !== undefined);
        const type = str(tpl?.props.machineType);
        priced(r, "gcp", type ? [type] : [], gcpSpot(tpl) ? "spot" : "on-demand", "GCP", num(policy.minReplicas) ?? 0, num(policy.maxReplicas) ?? 0);
        break;
      }
      default:
        break;
    }
  }
  const sum = (kind: CostLine["kind"]) => lines.filter((l) => l.kind === kind).reduce((s, l) => s + l.count * l.unitHourlyUsd, 0);
  const base = sum("base");
  const burst = sum("burst");
  return {
    lines,
    unpriced,
    baseHourlyUsd: base,
    burstHourlyUsd: burst,
    hourly: { base, full: base + burst },
    monthly: { base: base * HOURS_PER_MONTH, full: (base + burst) * HOURS_PER_MONTH },
  };
}
