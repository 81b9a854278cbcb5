/**
 * The scaling the program builds, read from what it registers under the offline plan: the routers' publisher
 * settings (what they publish, where, in which order of pools), each burst pool's node slots, the AWS group with its
 * policies and alarms, and the GCP autoscaler as the API receives it. Nothing here is recomputed from the program's
 * own scaling functions: the simulator runs what would be deployed.
 */
import { PUBLISHER_PATHS } from "../infra/hetzner/router-cloud-init";
import { get, list, num, str } from "../plan/provider-rules/read";
import type { RuleResource } from "../plan/provider-rules/types";
import { envFileSettings, fileAt } from "../plan/rendered/cloud-init";
import { readRenderedFleet } from "../plan/rendered/fleet";
import type { AlarmQuery, AlarmSpec, Comparison } from "./cloudwatch";
import type { AsgPolicySpec, AsgSpec } from "./ec2-autoscaling";
import type { GceAutoscalerSpec } from "./gce-autoscaler";

export class ScalingModelError extends Error {
  override name = "ScalingModelError";
}

export interface RouterPublisher {
  id: string;
  aws?: { namespace: string; metricName: string; dimension: string };
  gcp?: { metricType: string; poolLabel: string };
}

export interface PoolModel {
  name: "aws" | "gcp";
  slotsPerNode: number;
  maxSlots: number;
  hourlyUsdPerSlot: number;
}

export interface ScalingModel {
  routers: RouterPublisher[];
  /** The routers' failover: a pool with demand and no node up this long is starved (undefined: no failover). */
  failoverSeconds?: number;
  /** In the routers' spill-over order (cheapest first), as HI_POOLS lists them. */
  pools: PoolModel[];
  aws?: { group: AsgSpec; alarms: AlarmSpec[] };
  gcp?: GceAutoscalerSpec;
  /** Cloud Monitoring alert policies with an absence condition on a metric, and whether they notify anyone. */
  gcpAbsence: Array<{ name: string; metric: string; filter: string; durationSec: number; channels: number }>;
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new ScalingModelError(`the program registers no ${what}`);
  return v;
};

/**
 * What the Google provider sends for a nested block: it leaves out zero and empty values (its expanders skip
 * IsEmptyValue; hashicorp/terraform-provider-google, google/services/compute/resource_compute_autoscaler.go).
 */
export function asSentByGoogle(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asSentByGoogle);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const sent = asSentByGoogle(x);
      if (sent === 0 || sent === "" || sent === false || sent === undefined || sent === null) continue;
      if (typeof sent === "object" && !Array.isArray(sent) && Object.keys(sent as object).length === 0) continue;
      out[k] = sent;
    }
    return out;
  }
  return v;
}

function alarmOf(r: RuleResource): AlarmSpec {
  const queries: AlarmQuery[] = list(r.inputs.metricQueries).map((q) => {
    const m = get(q, "metric");
    return {
      id: need(str(get(q, "id")), `id on a query of ${r.name}`),
      returnData: get(q, "returnData") === true,
      ...(str(get(q, "expression")) ? { expression: str(get(q, "expression")) as string } : {}),
      ...(m ? {
        metric: {
          namespace: need(str(get(m, "namespace")), `namespace on ${r.name}`),
          metricName: need(str(get(m, "metricName")), `metricName on ${r.name}`),
          dimensions: (get(m, "dimensions") ?? {}) as Record<string, string>,
          period: need(num(get(m, "period")), `period on ${r.name}`),
          stat: need(str(get(m, "stat")), `stat on ${r.name}`),
        },
      } : {}),
    };
  });
  const evaluationPeriods = need(num(r.inputs.evaluationPeriods), `evaluationPeriods on ${r.name}`);
  return {
    name: r.name,
    queries,
    evaluationPeriods,
    datapointsToAlarm: num(r.inputs.datapointsToAlarm) ?? evaluationPeriods,
    threshold: need(num(r.inputs.threshold), `threshold on ${r.name}`),
    comparison: need(str(r.inputs.comparisonOperator), `comparisonOperator on ${r.name}`) as Comparison,
    treatMissingData: (str(r.inputs.treatMissingData) ?? "missing") as AlarmSpec["treatMissingData"],
    alarmActions: list<string>(r.inputs.alarmActions).map(String),
    okActions: list<string>(r.inputs.okActions).map(String),
  };
}

function policyOf(r: RuleResource): AsgPolicySpec {
  const bound = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : Number(v));
  return {
    arn: need(str(r.state.arn), `arn on ${r.name}`),
    name: r.name,
    policyType: (str(r.inputs.policyType) ?? "SimpleScaling") as AsgPolicySpec["policyType"],
    adjustmentType: need(str(r.inputs.adjustmentType), `adjustmentType on ${r.name}`) as AsgPolicySpec["adjustmentType"],
    steps: list(r.inputs.stepAdjustments).map((s) => {
      const lower = bound(get(s, "metricIntervalLowerBound"));
      const upper = bound(get(s, "metricIntervalUpperBound"));
      return { ...(lower !== undefined ? { lower } : {}), ...(upper !== undefined ? { upper } : {}), adjustment: need(num(get(s, "scalingAdjustment")), `scalingAdjustment on ${r.name}`) };
    }),
    ...(num(r.inputs.scalingAdjustment) !== undefined ? { scalingAdjustment: num(r.inputs.scalingAdjustment) as number } : {}),
    ...(num(r.inputs.estimatedInstanceWarmup) !== undefined ? { estimatedInstanceWarmup: num(r.inputs.estimatedInstanceWarmup) as number } : {}),
    ...(num(r.inputs.cooldown) !== undefined ? { cooldown: num(r.inputs.cooldown) as number } : {}),
  };
}

export function readScalingModel(all: RuleResource[]): ScalingModel {
  const fleet = readRenderedFleet(all);
  const routers: RouterPublisher[] = [];
  let poolOrder: Array<{ name: string; maxSlots: number; hourlyUsdPerSlot: number }> = [];
  let failoverSeconds: number | undefined;
  for (const r of fleet.routers) {
    const settings = fileAt(r.cloudConfig, PUBLISHER_PATHS.settings)?.content;
    if (!settings) continue;
    const env = envFileSettings(settings);
    if (!poolOrder.length) poolOrder = JSON.parse(env.HI_POOLS ?? "[]") as typeof poolOrder;
    if (env.HI_FAILOVER_SECONDS !== undefined) failoverSeconds = Number(env.HI_FAILOVER_SECONDS);
    routers.push({
      id: need(env.HI_ROUTER_ID, `HI_ROUTER_ID in ${r.name}'s publisher settings`),
      ...(env.HI_CW_NAMESPACE ? { aws: { namespace: env.HI_CW_NAMESPACE, metricName: need(env.HI_CW_METRIC, "HI_CW_METRIC"), dimension: need(env.HI_CW_DIMENSION, "HI_CW_DIMENSION") } } : {}),
      ...(env.HI_GCP_METRIC_TYPE ? { gcp: { metricType: env.HI_GCP_METRIC_TYPE, poolLabel: need(env.HI_GCP_POOL_LABEL, "HI_GCP_POOL_LABEL") } } : {}),
    });
  }
  const pools: PoolModel[] = [...poolOrder]
    .sort((a, b) => a.hourlyUsdPerSlot - b.hourlyUsdPerSlot || a.name.localeCompare(b.name))
    .map((p) => {
      const rendered = fleet.burst.find((b) => b.name === p.name);
      const slotsPerNode = Number(rendered?.node.env.HI_PARALLEL);
      if (!rendered || !(slotsPerNode >= 1)) throw new ScalingModelError(`the routers publish for pool ${p.name}, which renders no burst nodes with HI_PARALLEL`);
      return { name: p.name as PoolModel["name"], slotsPerNode, maxSlots: p.maxSlots, hourlyUsdPerSlot: p.hourlyUsdPerSlot };
    });

  const gcpAbsence = all.filter((r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy").flatMap((r) =>
    list(r.inputs.conditions).flatMap((c) => {
      const absent = get(c, "conditionAbsent");
      const filter = str(get(absent, "filter"));
      if (!absent || !filter) return [];
      const metric = /metric\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1];
      if (!metric) return [];
      return [{ name: r.name, metric, filter, durationSec: Number(String(get(absent, "duration") ?? "0").replace(/s$/, "")), channels: list(r.inputs.notificationChannels).length }];
    }));
  const model: ScalingModel = { routers, pools, gcpAbsence, ...(failoverSeconds !== undefined ? { failoverSeconds } : {}) };
  const group = all.find((r) => r.type === "aws:autoscaling/group:Group");
  if (group) {
    const name = need(str(group.inputs.name) ?? str(group.state.name), "name on the AWS group");
    const hook = list(group.inputs.initialLifecycleHooks).find((h) => get(h, "lifecycleTransition") === "autoscaling:EC2_INSTANCE_TERMINATING");
    const policies = all.filter((r) => r.type === "aws:autoscaling/policy:Policy" && str(r.inputs.autoscalingGroupName) === name).map(policyOf);
    const arns = new Set(policies.map((p) => p.arn));
    const alarms = all.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map(alarmOf);
    model.aws = {
      group: {
        name,
        minSize: need(num(group.inputs.minSize), "minSize on the AWS group"),
        maxSize: need(num(group.inputs.maxSize), "maxSize on the AWS group"),
        ...(hook ? { terminateHookSeconds: num(get(hook, "heartbeatTimeout")) ?? 3600 } : {}),
        policies,
      },
      alarms: alarms.filter((a) => a.alarmActions.some((x) => arns.has(x)) || a.alarmActions.some((x) => x.startsWith("arn:aws:sns:"))),
    };
  }
  const autoscaler = all.find((r) => r.type === "gcp:compute/autoscaler:Autoscaler");
  if (autoscaler) {
    const sent = asSentByGoogle(autoscaler.inputs.autoscalingPolicy) as Record<string, unknown>;
    const template = all.find((r) => r.type === "gcp:compute/instanceTemplate:InstanceTemplate");
    const control = get(sent, "scaleInControl");
    const replicas = get(control, "maxScaledInReplicas");
    model.gcp = {
      name: autoscaler.name,
      minReplicas: num(get(sent, "minReplicas")) ?? 0,
      maxReplicas: need(num(get(sent, "maxReplicas")), "maxReplicas on the GCP autoscaler"),
      metrics: list(get(sent, "metrics")).map((m) => ({
        metric: need(str(get(m, "name")), "a metric name on the GCP autoscaler"),
        filter: str(get(m, "filter")) ?? "",
        singleInstanceAssignment: need(num(get(m, "singleInstanceAssignment")), "singleInstanceAssignment on the GCP autoscaler"),
      })),
      ...(control && replicas ? {
        scaleInControl: {
          timeWindowSec: num(get(control, "timeWindowSec")) ?? 600,
          maxScaledInReplicas: {
            ...(num(get(replicas, "fixed")) !== undefined ? { fixed: num(get(replicas, "fixed")) as number } : {}),
            ...(num(get(replicas, "percent")) !== undefined ? { percent: num(get(replicas, "percent")) as number } : {}),
          },
        },
      } : {}),
      shutdownScript: Boolean(str(get(get(template?.inputs, "metadata"), "shutdown-script"))),
    };
  }
  return model;
}
