/**
 * The AWS pool's scaling on the routers' demand: the alarms' metric math, the step and simple policies, and the
 * routers' liveness alarm. The queries are pure; addDemandScaling creates the resources under the pool.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ALARM_PERIOD_SECONDS, awsStepAdjustments, DEMAND_METRIC, SCALE_OUT_THRESHOLD, SCALE_OUT_WARMUP_SECONDS } from "../scaling/demand";

/**
 * The pool's demand as the alarms read it: each router publishes its own series (Pool=aws, Router=<name>), and the
 * alarm adds up the ones that reported in the minute. No FILL: when every router is silent there is no datapoint,
 * so a dead publisher reads as missing (the liveness of the routers is watched, docs/architecture.md), never as 0.
 */
export function demandQueries(routers: readonly string[]): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  const series = routerSeries(routers, "r", "Maximum");
  return [...series, { id: "demand", expression: `SUM([${series.map((q) => q.id).join(", ")}])`, label: "burst demand (slots)", returnData: true }];
}

/** One query per router over its own demand series (Pool=aws, Router=<name>), ids `<prefix><i>`, with a statistic. */
function routerSeries(routers: readonly string[], prefix: string, stat: string): Array<aws.types.input.cloudwatch.MetricAlarmMetricQuery & { id: string }> {
  return routers.map((router, i) => ({
    id: `${prefix}${i}`,
    returnData: false,
    metric: {
      namespace: DEMAND_METRIC.awsNamespace,
      metricName: DEMAND_METRIC.awsMetricName,
      dimensions: { [DEMAND_METRIC.awsDimension]: "aws", Router: router },
      period: ALARM_PERIOD_SECONDS,
      stat,
    },
  }));
}

/**
 * The pool's shortfall as the scale-out alarm reads it: the demand less the slots of the group's desired capacity
 * (GroupDesiredCapacity, which counts the nodes still launching, so a scale-out in progress is not asked for twice).
 * No FILL on the capacity: a late capacity point leaves that minute without a datapoint and the alarm decides on the
 * latest existing ones; FILL(capacity, 0) would read the whole demand as shortfall and add it on top every minute.
 */
export function shortfallQueries(routers: readonly string[], groupName: pulumi.Input<string>, slotsPerNode: number): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  return [
    ...demandQueries(routers).map((q) => ({ ...q, returnData: false })),
    {
      id: "capacity",
      returnData: false,
      metric: { namespace: "AWS/AutoScaling", metricName: "GroupDesiredCapacity", dimensions: { AutoScalingGroupName: groupName }, period: ALARM_PERIOD_SECONDS, stat: "Maximum" },
    },
    { id: "shortfall", expression: `demand - ${slotsPerNode} * capacity`, label: "burst demand beyond the group's slots", returnData: true },
  ];
}

/** Minutes a router may publish nothing before its liveness alarm notifies. */
export const PUBLISHER_SILENT_MINUTES = 5;

/**
 * Each router's publishing as the liveness alarm reads it: the sample count of its series per minute, filled with 0
 * over the whole range, and the smallest of them; below 1 for PUBLISHER_SILENT_MINUTES means a router went silent.
 */
export function publisherLivenessQueries(routers: readonly string[]): aws.types.input.cloudwatch.MetricAlarmMetricQuery[] {
  const series = routerSeries(routers, "c", "SampleCount");
  return [...series, { id: "published", expression: `MIN([${series.map((q) => `FILL(${q.id}, 0)`).join(", ")}])`, label: "points from the quietest router", returnData: true }];
}

export interface DemandScalingArgs {
  groupName: pulumi.Input<string>;
  minSize: number;
  maxSize: number;
  slotsPerNode: number;
  scaleInQuietMinutes: number;
  demandRouters?: string[];
  alertTopicArn?: string;
  tags: Record<string, string>;
}

export interface DemandScaling {
  scaleOut?: aws.autoscaling.Policy;
  scaleIn?: aws.autoscaling.Policy;
  demandHigh?: aws.cloudwatch.MetricAlarm;
  demandQuiet?: aws.cloudwatch.MetricAlarm;
  publisherSilent?: aws.cloudwatch.MetricAlarm;
}

export function addDemandScaling(name: string, o: DemandScalingArgs, parent: pulumi.Resource): DemandScaling {
  const child = { parent };
  const out: DemandScaling = {};
  // Scaling on the routers' demand, which exists at zero nodes (a group's own CPU does not, so CPU target
  // tracking never leaves zero). Out: on a shortfall (demand beyond the group's slots) the steps add the nodes it
  // needs, so the group has ceil(demand / slots) nodes; it never shrinks while there is demand. In: to zero after
  // a quiet period. A silent publisher is no data: nothing scales, out or in.
  // A pool that may not grow (max 0) has nothing to scale; without routers nothing publishes demand.
  const routers = o.demandRouters ?? [];
  if (o.maxSize > 0 && routers.length > 0) {
    out.scaleOut = new aws.autoscaling.Policy(`${name}-scale-out`, {
      autoscalingGroupName: o.groupName,
      policyType: "StepScaling",
      adjustmentType: "ChangeInCapacity",
      metricAggregationType: "Maximum",
      // While nodes warm up a repeated breach in the same step adds nothing more (EC2 Auto Scaling, step scaling
      // "Instance warmup"): matched to the lag of the desired capacity the shortfall subtracts.
      estimatedInstanceWarmup: SCALE_OUT_WARMUP_SECONDS,
      // The provider takes the bounds as strings (terraform-provider-aws: metric_interval_*_bound are TypeString).
      stepAdjustments: awsStepAdjustments(o.slotsPerNode, o.maxSize).map((s) => ({
        metricIntervalLowerBound: String(s.metricIntervalLowerBound),
        ...(s.metricIntervalUpperBound !== undefined ? { metricIntervalUpperBound: String(s.metricIntervalUpperBound) } : {}),
        scalingAdjustment: s.scalingAdjustment,
      })),
    }, child);
    // Simple scaling to the minimum: one action, no step to pick.
    out.scaleIn = new aws.autoscaling.Policy(`${name}-scale-in`, {
      autoscalingGroupName: o.groupName,
      policyType: "SimpleScaling",
      adjustmentType: "ExactCapacity",
      scalingAdjustment: o.minSize,
      cooldown: ALARM_PERIOD_SECONDS,
    }, child);
    out.demandHigh = new aws.cloudwatch.MetricAlarm(`${name}-demand`, {
      alarmDescription: "Routers report more burst demand than the AWS pool has slots: add the nodes for it",
      metricQueries: shortfallQueries(routers, o.groupName, o.slotsPerNode),
      evaluationPeriods: 1,
      threshold: SCALE_OUT_THRESHOLD,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      // No data (a dead publisher) is no demand: it never scales out.
      treatMissingData: "notBreaching",
      alarmActions: [out.scaleOut.arn],
      tags: o.tags,
    }, child);
    out.demandQuiet = new aws.cloudwatch.MetricAlarm(`${name}-quiet`, {
      alarmDescription: `No burst demand for the AWS pool for ${o.scaleInQuietMinutes} minutes: back to the minimum`,
      metricQueries: demandQueries(routers),
      evaluationPeriods: o.scaleInQuietMinutes,
      datapointsToAlarm: o.scaleInQuietMinutes,
      threshold: SCALE_OUT_THRESHOLD,
      comparisonOperator: "LessThanThreshold",
      // No data is not quiet: while every publisher is silent the pool keeps its size (it may be serving) and the
      // routers' liveness alarm tells the operators.
      treatMissingData: "notBreaching",
      alarmActions: [out.scaleIn.arn],
      tags: o.tags,
    }, child);
  }

  // A router whose publisher stops leaves the pool without a signal (it holds its size): say so.
  if (routers.length > 0) {
    const notify = o.alertTopicArn ? [o.alertTopicArn] : [];
    out.publisherSilent = new aws.cloudwatch.MetricAlarm(`${name}-publisher-silent`, {
      alarmDescription: `A router published no AWS burst demand for ${PUBLISHER_SILENT_MINUTES} minutes: the pool holds its size and cannot scale (docs/runbook.md)`,
      metricQueries: publisherLivenessQueries(routers),
      evaluationPeriods: PUBLISHER_SILENT_MINUTES,
      datapointsToAlarm: PUBLISHER_SILENT_MINUTES,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: notify,
      okActions: notify,
      tags: o.tags,
    }, child);
  }
  return out;
}
