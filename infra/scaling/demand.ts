/**
 * Burst demand: the one signal the burst pools scale on. It exists at zero nodes because the routers publish it,
 * not the pools' instances (a group's own CPU does not exist at zero, so CPU-based scaling never leaves zero).
 *
 * Demand, in slots, per pool = the sessions the routers have on that pool + the share of the base queue the pool
 * would take: the queue goes to the pools in the routers' spill-over order (cheapest first), each taking up to the
 * slots it has free at its maximum size. Every cloud's scaling maps demand to nodes with nodesForDemand.
 */

import { BURST_BOOT_SECONDS } from "../timeouts";

/** Where the routers publish demand; named once, read by the publisher, the alarms and the autoscaler. */
export const DEMAND_METRIC = {
  /** CloudWatch: namespace, metric name, and the dimension that names the pool. */
  awsNamespace: "HybridInference/Router",
  awsMetricName: "BurstDemandSlots",
  awsDimension: "Pool",
  /** Cloud Monitoring: a custom metric on the `global` monitored resource, with a label for the pool. */
  gcpMetricType: "custom.googleapis.com/hybrid_inference/burst_demand_slots",
  gcpPoolLabel: "pool",
  /** The label that names the publishing router (each router writes its own series). */
  gcpRouterLabel: "router",
} as const;

/** How often the routers publish, and the alarm period that reads it (CloudWatch's standard resolution is 60 s). */
export const PUBLISH_INTERVAL_SECONDS = 20;
export const ALARM_PERIOD_SECONDS = 60;

export interface PoolDemandInput {
  name: string;
  /** Sessions the routers have on the pool now. */
  sessions: number;
  /** Slots at the pool's maximum size (max nodes x slots per node). */
  maxSlots: number;
  /** Spot price per slot: cheaper pools take the queue first, as the routers spill to them first. */
  hourlyUsdPerSlot: number;
  /** Demand and no node up for FAILOVER_SECONDS: it keeps asking for its share, and the next pool gets it too. */
  starved?: boolean;
}

/**
 * How long a pool may have demand and no node up before its share of the queue also goes to the next pool: a spot
 * node's boot to healthy and two alarm periods, so an ordinary start from zero never asks both pools.
 */
export const FAILOVER_SECONDS = BURST_BOOT_SECONDS + 2 * ALARM_PERIOD_SECONDS;

/** Splits the base queue across the pools, cheapest first, each up to its free slots (a starved pool's share goes on to the next as well); returns demand per pool. */
export function apportionDemand(baseQueue: number, pools: readonly PoolDemandInput[]): Record<string, number> {
  let rest = Math.max(0, Math.floor(baseQueue));
  const out: Record<string, number> = {};
  const order = [...pools].sort((a, b) => a.hourlyUsdPerSlot - b.hourlyUsdPerSlot || a.name.localeCompare(b.name));
  for (const p of order) {
    const sessions = Math.max(0, Math.floor(p.sessions));
    const free = Math.max(0, p.maxSlots - sessions);
    const take = Math.min(rest, free);
    if (!p.starved) rest -= take;
    out[p.name] = sessions + take;
  }
  return out;
}

/** Nodes a pool needs for a demand in slots: ceil(demand / slots per node), never above the pool's maximum. */
export function nodesForDemand(demandSlots: number, slotsPerNode: number, maxNodes: number): number {
  if (!(slotsPerNode >= 1)) throw new Error(`slots per node must be at least 1 (got ${slotsPerNode})`);
  if (!(demandSlots > 0)) return 0;
  return Math.min(Math.max(0, maxNodes), Math.ceil(demandSlots / slotsPerNode));
}

/**
 * The AWS scale-out: a step scaling policy of ChangeInCapacity on an alarm over the pool's *shortfall*, the demand
 * less the slots of the group's desired capacity (metric math over the routers' demand and the group's
 * GroupDesiredCapacity), at "shortfall >= 1 slot" (threshold 0.5, GreaterThanOrEqualToThreshold). Steps are offsets
 * from the threshold, lower bound inclusive, upper exclusive (AWS Auto Scaling, "Step adjustments"): with one step
 * per node a shortfall f (whole slots) falls in step k when (k-1) x slots + 1 <= f <= k x slots and adds k nodes,
 * so a group of n nodes goes to ceil(demand / slots) = n + ceil(f / slots), capped at its maximum. A group already big enough for the
 * demand has no shortfall: the alarm is OK and nothing runs, so the group never shrinks while there is demand
 * (ExactCapacity would, every minute the alarm stays in ALARM, taking serving nodes away under load). It shrinks
 * only on the quiet alarm, back to its minimum after the quiet period with no demand at all.
 */
export const SCALE_OUT_THRESHOLD = 0.5;

export interface StepAdjustment {
  metricIntervalLowerBound: number;
  metricIntervalUpperBound?: number;
  scalingAdjustment: number;
}

/** AWS refuses a step scaling policy with more than 20 step adjustments (PutScalingPolicy, StepAdjustments). */
export const MAX_STEP_ADJUSTMENTS = 20;

/**
 * One step per node up to 20 nodes; above that, steps of ceil(max / 20) nodes, each adding enough for the top of
 * its range (a large pool may get up to one step's width more than it needs, never less).
 */
export function awsStepAdjustments(slotsPerNode: number, maxNodes: number): StepAdjustment[] {
  if (maxNodes < 1) return [];
  const count = Math.min(maxNodes, MAX_STEP_ADJUSTMENTS);
  const width = Math.ceil(maxNodes / count);
  return Array.from({ length: count }, (_, i) => {
    const k = i + 1;
    return {
      metricIntervalLowerBound: (k - 1) * width * slotsPerNode,
      ...(k < count ? { metricIntervalUpperBound: k * width * slotsPerNode } : {}),
      scalingAdjustment: Math.min(k * width, maxNodes),
    };
  });
}

/**
 * The scale-out policy's warm-up: at least the lag of the capacity the shortfall subtracts (GroupDesiredCapacity
 * lands about a period after its minute, and the alarm reads the last complete period), so a breach the lag repeats
 * adds nothing twice; no longer, since warming nodes count as added while a higher step is asked for.
 */
export const SCALE_OUT_WARMUP_SECONDS = 3 * ALARM_PERIOD_SECONDS;

/** The nodes a ChangeInCapacity step policy adds for a shortfall (what AWS does with awsStepAdjustments' steps). */
export function addedFromSteps(steps: readonly StepAdjustment[], shortfallSlots: number): number | undefined {
  if (shortfallSlots < SCALE_OUT_THRESHOLD) return undefined; // the alarm is not in ALARM: the policy does not run
  const offset = shortfallSlots - SCALE_OUT_THRESHOLD;
  const step = steps.find((s) => offset >= s.metricIntervalLowerBound && (s.metricIntervalUpperBound === undefined || offset < s.metricIntervalUpperBound));
  return step?.scalingAdjustment;
}

/**
 * The group's desired capacity after the scale-out alarm's evaluation: unchanged without a shortfall, otherwise
 * raised by the policy's step and capped at the maximum (the group caps it). Equal to max(desired,
 * nodesForDemand(demand)) for whole slots.
 */
export function awsCapacityAfter(desired: number, demandSlots: number, slotsPerNode: number, maxNodes: number): number {
  const added = addedFromSteps(awsStepAdjustments(slotsPerNode, maxNodes), demandSlots - slotsPerNode * desired);
  return added === undefined ? desired : Math.min(maxNodes, desired + added);
}

/** Scale in to zero after this long with no demand at all. */
export const DEFAULT_QUIET_MINUTES = 15;
