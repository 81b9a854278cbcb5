/** Cost guard rails, priced from the one instance catalog. */
import { type Cloud, findInstanceType, hourlyUsd } from "../infra/catalog";
import { estimateCost } from "./lib/cost";
import type { ResourcePolicy, StackPolicy } from "./lib/policy";
import { asArray, type Props, str } from "./lib/values";

interface ExpensiveConfig {
  maxOnDemandHourlyUsd: number;
  expensiveTypes: string[];
}

function typesOf(type: string, p: Props): { cloud: Cloud; name: string }[] {
  switch (type) {
    case "hcloud:index/server:Server":
      return [{ cloud: "hetzner", name: String(p.serverType) }];
    case "aws:ec2/launchTemplate:LaunchTemplate":
    case "aws:ec2/launchConfiguration:LaunchConfiguration":
    case "aws:ec2/instance:Instance":
    case "aws:ec2/spotInstanceRequest:SpotInstanceRequest":
      return str(p.instanceType) ? [{ cloud: "aws", name: String(p.instanceType) }] : [];
    case "aws:ec2/fleet:Fleet":
    case "aws:ec2/spotFleetRequest:SpotFleetRequest":
      return [
        ...asArray<Props>(p.launchTemplateConfigs ?? p.launchTemplateConfig).flatMap((c) => asArray<Props>(c.overrides)),
        ...asArray<Props>(p.launchSpecifications),
      ].map((o) => str(o.instanceType)).filter((t): t is string => !!t).map((name) => ({ cloud: "aws" as const, name }));
    case "aws:autoscaling/group:Group": {
      const lt = (p.mixedInstancesPolicy as Props | undefined)?.launchTemplate as Props | undefined;
      return asArray<Props>(lt?.overrides).map((o) => ({ cloud: "aws" as const, name: String(o.instanceType) }));
    }
    case "gcp:compute/instanceTemplate:InstanceTemplate":
    case "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate":
    case "gcp:compute/instance:Instance":
      return [{ cloud: "gcp", name: String(p.machineType) }];
    default:
      return [];
  }
}

export const expensiveInstanceTypes: ResourcePolicy = {
  name: "expensive-instance-types",
  description: "Warns on instance types whose on-demand price passes a threshold, or that are listed as expensive, or that the catalog cannot price.",
  severity: "medium",
  enforcementLevel: "advisory",
  anchor: "OPA cost.rego warn_expensive_type",
  remediationSteps: "Pick a smaller type from infra/catalog.ts, or raise maxOnDemandHourlyUsd in this stack's policy config if the size is intended. Add new types to the catalog with a dated price.",
  configSchema: {
    properties: {
      maxOnDemandHourlyUsd: { type: "number", default: 1.0 },
      expensiveTypes: { type: "array", items: { type: "string" }, default: [] },
    },
  },
  validateResource: (args, report) => {
    const { maxOnDemandHourlyUsd, expensiveTypes } = args.getConfig<ExpensiveConfig>();
    for (const t of typesOf(args.type, args.props as Props)) {
      const entry = findInstanceType(t.cloud, t.name);
      if (!entry) {
        report(`${args.name}: ${t.cloud} type ${t.name} is not in the instance catalog, so its cost is unknown`);
        continue;
      }
      const price = hourlyUsd(entry, "on-demand");
      if (price > maxOnDemandHourlyUsd) report(`${args.name}: ${t.name} costs $${price.toFixed(3)}/h on demand, above $${maxOnDemandHourlyUsd}/h`);
      else if (expensiveTypes.includes(t.name)) report(`${args.name}: ${t.name} is listed as expensive for this stack`);
    }
  },
};

interface PoolConfig {
  poolHourlyWarnUsd: number;
}

export const poolWorstCaseCost: StackPolicy = {
  name: "pool-worst-case-cost",
  description: "Warns when one burst pool at its maximum size would cost more per hour than a threshold.",
  severity: "medium",
  enforcementLevel: "advisory",
  anchor: "OPA cost.rego warn_pool_max_cost",
  remediationSteps: "Lower the pool's max size or pick cheaper types; or raise poolHourlyWarnUsd for this stack.",
  configSchema: { properties: { poolHourlyWarnUsd: { type: "number", default: 2 } } },
  validateStack: (args, report) => {
    const { poolHourlyWarnUsd } = args.getConfig<PoolConfig>();
    const est = estimateCost(args.resources);
    const byPool = new Map<string, { name: string; hourly: number }>();
    for (const l of est.lines) {
      if (!/ (spot|on-demand) /.test(l.what)) continue;
      const cur = byPool.get(l.urn) ?? { name: l.name, hourly: 0 };
      cur.hourly += l.count * l.unitHourlyUsd;
      byPool.set(l.urn, cur);
    }
    for (const [urn, pool] of byPool) {
      if (pool.hourly > poolHourlyWarnUsd) report(`pool ${pool.name} costs $${pool.hourly.toFixed(2)}/h at max size, above $${poolHourlyWarnUsd}/h`, urn);
    }
  },
};

interface BudgetConfig {
  monthlyBudgetUsd?: number;
}

export const stackBudget: StackPolicy = {
  name: "stack-budget",
  description: "The worst-case monthly cost (base layer, always-on services, every burst pool at max size, and capacity bought any other way: instances, spot requests, fleets, groups without a mixed policy, GCP instances and groups, each at its market's price) stays under the stack's budget. Capacity the catalog cannot price fails the check.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "OPA cost.rego deny_over_budget",
  remediationSteps: "Lower pool maximums or base counts, pick cheaper types, or raise monthlyBudgetUsd in policies/config/<stack>.json with the budget owner's agreement.",
  configSchema: { properties: { monthlyBudgetUsd: { type: "number" } } },
  validateStack: (args, report) => {
    const { monthlyBudgetUsd } = args.getConfig<BudgetConfig>();
    if (monthlyBudgetUsd === undefined) {
      report("no monthlyBudgetUsd is configured for this stack; every stack needs a budget (policies/config/<stack>.json)");
      return;
    }
    const est = estimateCost(args.resources);
    for (const u of est.unpriced) report(`${u.name}: ${u.what} cannot be priced from the catalog`, u.urn);
    if (est.monthly.full > monthlyBudgetUsd) {
      report(`worst-case monthly cost $${est.monthly.full.toFixed(0)} (base $${est.monthly.base.toFixed(0)} + full burst) exceeds the budget of $${monthlyBudgetUsd}`);
    }
  },
};

export const costPolicies = [expensiveInstanceTypes, poolWorstCaseCost, stackBudget];
