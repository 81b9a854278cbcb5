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

/** The most expensive spot price among the types a pool may launch. */
function poolUnitPrice(cloud: Cloud, types: string[]): { price?: number; missing: string[] } {
  const missing = types.filter((t) => !findInstanceType(cloud, t));
  const prices = types.map((t) => findInstanceType(cloud, t)).filter((t) => t !== undefined).map((t) => hourlyUsd(t, "spot"));
  return { ...(prices.length > 0 && missing.length === 0 ? { price: Math.max(...prices) } : {}), missing };
}

function asgTypes(asg: CostResource): string[] {
  const mip = asg.props.mixedInstancesPolicy as Props | undefined;
  const overrides = asArray<Props>((mip?.launchTemplate as Props | undefined)?.overrides).map((o) => str(o.instanceType)).filter((t): t is string => !!t);
  if (overrides.length > 0) return overrides;
  const lt = [...deps(asg, "launchTemplate"), ...deps(asg, "mixedInstancesPolicy")].find((d) => d.type === "aws:ec2/launchTemplate:LaunchTemplate");
  const t = str(lt?.props.instanceType);
  return t ? [t] : [];
}

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

  for (const r of resources) {
    const p = r.props;
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
      case "aws:autoscaling/group:Group": {
        const types = asgTypes(r);
        const { price, missing } = poolUnitPrice("aws", types);
        const what = `AWS spot ${types.join("/") || "unknown type"}${missing.length ? ` (not in catalog: ${missing.join(", ")})` : ""}`;
        const min = num(p.minSize) ?? 0;
        const max = num(p.maxSize) ?? 0;
        add(r, "base", what, min, price);
        add(r, "burst", what, max - min, price);
        break;
      }
      case "gcp:compute/regionAutoscaler:RegionAutoscaler":
      case "gcp:compute/autoscaler:Autoscaler": {
        const policy = (p.autoscalingPolicy ?? {}) as Props;
        const templates = deps(r, "target").flatMap((mig) => deps(mig, "versions")).filter((t) => t.type.includes("nstanceTemplate"));
        const type = str(templates[0]?.props.machineType);
        const { price, missing } = poolUnitPrice("gcp", type ? [type] : []);
        const what = `GCP spot ${type ?? "unknown type"}${missing.length ? " (not in catalog)" : ""}`;
        const min = num(policy.minReplicas) ?? 0;
        const max = num(policy.maxReplicas) ?? 0;
        add(r, "base", what, min, price);
        add(r, "burst", what, max - min, price);
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
