/**
 * A local stand-in for the clouds' autoscalers, for the local fleet only (nothing in infra/ uses it): it reads the
 * demand the router published to the local cloud sinks and sets each burst pool's node count as the stacks'
 * scaling configuration would, with the same functions:
 * - AWS (step scaling on CloudWatch alarms, infra/aws/scaling.ts): while the summed demand is more than the
 *   group's slots, the ChangeInCapacity steps of awsStepAdjustments add nodes for the shortfall (awsCapacityAfter);
 *   the group never shrinks while there is demand. When there has been no demand (or no data: the quiet alarm treats
 *   missing data as breaching) for the whole quiet period, the quiet alarm sets it to the minimum. No data never
 *   scales out (the scale-out alarm treats it as not breaching).
 * - GCP (a per-group Cloud Monitoring metric with singleInstanceAssignment, infra/gcp/scaling.ts): the
 *   recommendation is ceil(demand / slots per node) (nodesForDemand); scale-in control (0% below the peak) keeps the
 *   highest recommendation of the quiet window, so the group shrinks only once the window is quiet. No data reads as
 *   0 here: an assumption, Google documents only the MISSING_CUSTOM_METRIC_DATA_POINTS status, not the size it keeps.
 * Both clamp to the group's minimum and maximum. The quiet period is the stacks' scaleInQuietMinutes, shortened.
 * How it differs from the real services:
 * - With no data it drains after the quiet period; the program's alarms and autoscaler now keep the size while every
 *   publisher is silent (`npm run simulate` models the clouds; this stand-in is to be replaced by that model).
 * - It decides with the project's own scaling functions rather than evaluating the alarms and autoscaler the program
 *   builds, reads the exact node count rather than CloudWatch's lagging GroupDesiredCapacity, evaluates every half
 *   second, and every boot succeeds (no spot capacity shortage).
 * - A pool has at most LOCAL_BURST_NODES_MAX nodes here, each a llama-server on this machine's cores.
 */
import { awsCapacityAfter, DEMAND_METRIC, nodesForDemand, SCALE_OUT_THRESHOLD } from "../../infra/scaling/demand";
import type { CloudSinks } from "./cloud-sinks";

export interface PoolScaling {
  cloud: "aws" | "gcp";
  slotsPerNode: number;
  maxNodes: number;
  minNodes: number;
  quietMs: number;
}

export interface ScalingState {
  nodes: number;
  /** When the autoscaler began to evaluate this pool: a quiet period cannot have passed before it. */
  sinceMs: number;
  /** Recommendations within the quiet window (what the demand asked for, before the quiet rule). */
  recent: Array<{ atMs: number; nodes: number }>;
}

export function initialScaling(nodes: number, nowMs: number): ScalingState {
  return { nodes, sinceMs: nowMs, recent: [] };
}

const clamp = (n: number, p: PoolScaling) => Math.min(p.maxNodes, Math.max(p.minNodes, n));

/** The pool's next size for the demand the cloud reads now (undefined: no data point in the window). Pure. */
export function nextScaling(p: PoolScaling, demand: number | undefined, nowMs: number, s: ScalingState): ScalingState {
  const scaleOut = demand !== undefined && demand >= SCALE_OUT_THRESHOLD;
  const wants = !scaleOut ? 0 : p.cloud === "aws" ? awsCapacityAfter(s.nodes, demand, p.slotsPerNode, p.maxNodes) : nodesForDemand(demand, p.slotsPerNode, p.maxNodes);
  const recent = [...s.recent.filter((r) => nowMs - r.atMs < p.quietMs), { atMs: nowMs, nodes: wants }];
  const windowCovered = nowMs - s.sinceMs >= p.quietMs;
  const next = (nodes: number): ScalingState => ({ ...s, nodes: clamp(nodes, p), recent });
  if (p.cloud === "aws") {
    // With demand, the scale-out alarm adds the shortfall's step (never less than the size). Otherwise the quiet
    // alarm sets the minimum once every evaluation of the quiet period had no demand, and nothing changes before that.
    if (scaleOut) return next(wants);
    const quiet = windowCovered && recent.every((r) => r.nodes === 0);
    return next(quiet ? 0 : s.nodes);
  }
  // GCP: the highest recommendation of the quiet window (scale-in control); before a whole window has passed, the
  // group does not shrink below its size.
  const highest = Math.max(...recent.map((r) => r.nodes));
  return next(windowCovered ? highest : Math.max(highest, s.nodes));
}

/** What the demand query reads for a pool: the sum over routers, as the AWS alarms' metric math and GCP's per-group metric do. */
export function poolDemand(sinks: Pick<CloudSinks, "demand">, cloud: "aws" | "gcp", pool: string, windowMs: number, nowMs = Date.now()): number | undefined {
  return cloud === "aws"
    ? sinks.demand("aws", `${DEMAND_METRIC.awsNamespace}/${DEMAND_METRIC.awsMetricName}`, DEMAND_METRIC.awsDimension, pool, windowMs, nowMs)
    : sinks.demand("gcp", DEMAND_METRIC.gcpMetricType, DEMAND_METRIC.gcpPoolLabel, pool, windowMs, nowMs);
}

/** A pool the stand-in sizes: the local fleet's burst pool behind its terminator. */
export interface ScalablePool {
  name: string;
  nodes(): number;
  /** Boots or stops nodes until the pool has `n`; the stand-in never calls it twice at once for one pool. */
  scaleTo(n: number): Promise<void>;
}

export interface ScalingEvent {
  pool: string;
  from: number;
  to: number;
  /** The demand that decided it (undefined: no data). */
  demand: number | undefined;
  atMs: number;
  /** When the pool had the new size (its node healthy, or stopped). */
  doneMs?: number;
  error?: string;
}

export interface StandInAutoscaler {
  events: ScalingEvent[];
  /** The pool's minimum, as a group's min size: the local fleet starts its pools warm and a check sets 0. */
  setMinimum(pool: string, n: number): void;
  scaling(pool: string): PoolScaling;
  /** Stops evaluating (the pools keep their nodes) and waits for a scaling in progress. */
  stop(): Promise<void>;
}

export interface AutoscalerOptions {
  sinks: Pick<CloudSinks, "demand">;
  pools: Array<{ pool: ScalablePool; scaling: PoolScaling }>;
  /** How often it evaluates (the alarms' period, shortened). */
  pollMs: number;
  /** How recent a data point must be to count (a few publish intervals). */
  windowMs: number;
  log?: (line: string) => void;
}

export function startAutoscaler(o: AutoscalerOptions): StandInAutoscaler {
  const log = o.log ?? (() => undefined);
  const events: ScalingEvent[] = [];
  const now = Date.now();
  const pools = o.pools.map((p) => ({ ...p, scaling: { ...p.scaling }, state: initialScaling(p.pool.nodes(), now), busy: undefined as Promise<void> | undefined }));
  const find = (name: string) => {
    const p = pools.find((x) => x.pool.name === name);
    if (!p) throw new Error(`no burst pool ${name} (pools: ${pools.map((x) => x.pool.name).join(", ")})`);
    return p;
  };
  const evaluate = () => {
    const t = Date.now();
    for (const p of pools) {
      if (p.busy) continue;
      const demand = poolDemand(o.sinks, p.scaling.cloud, p.pool.name, o.windowMs, t);
      p.state = nextScaling(p.scaling, demand, t, { ...p.state, nodes: p.pool.nodes() });
      const from = p.pool.nodes();
      const to = p.state.nodes;
      if (to === from) continue;
      const event: ScalingEvent = { pool: p.pool.name, from, to, demand, atMs: t };
      events.push(event);
      log(`autoscaler: ${p.pool.name} pool ${from} -> ${to} node(s) (demand ${demand === undefined ? "no data" : `${demand} slot(s)`})`);
      p.busy = p.pool
        .scaleTo(to)
        .then(() => {
          event.doneMs = Date.now();
          log(`autoscaler: ${p.pool.name} pool at ${to} node(s) after ${event.doneMs - t} ms`);
        })
        .catch((e: unknown) => {
          event.error = (e as Error).message;
          log(`autoscaler: ${p.pool.name} pool could not reach ${to} node(s): ${event.error}`);
        })
        .finally(() => (p.busy = undefined));
    }
  };
  const timer = setInterval(evaluate, o.pollMs);
  return {
    events,
    setMinimum(pool, n) {
      const p = find(pool);
      if (!(Number.isInteger(n) && n >= 0 && n <= p.scaling.maxNodes)) throw new Error(`the ${pool} pool's minimum must be an integer from 0 to ${p.scaling.maxNodes} (got ${n})`);
      p.scaling.minNodes = n;
    },
    scaling: (pool) => ({ ...find(pool).scaling }),
    async stop() {
      clearInterval(timer);
      await Promise.all(pools.map((p) => p.busy));
    },
  };
}
