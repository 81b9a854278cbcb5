/**
 * Replays a demand trace against the scaling the program builds, in 10-second steps: the routers serve what the
 * pools' healthy nodes can take and publish the rest as each pool's demand (their apportioning rule), CloudWatch
 * evaluates the program's alarms each minute and runs their actions, the AWS group and the GCP autoscaler act as
 * their guides say, and nodes boot, serve and leave. Pure: no network, no clock.
 */
import { apportionDemand } from "../infra/scaling/demand";
import { type AlarmState, evaluateAlarm, MetricStore } from "./cloudwatch";
import { Ec2AutoScalingGroup } from "./ec2-autoscaling";
import { absentSeries, GceManagedGroup, MonitoringStore } from "./gce-autoscaler";
import type { ScalingModel } from "./model";
import { serving, type NodeLedger, type PoolEnvironment } from "./nodes";
import { CAPACITY_LAG_SECONDS, DEMAND_LAG_SECONDS, type Trace } from "./traces";

export const STEP_SECONDS = 10;
export const PUBLISH_SECONDS = 20;
/** Boot to healthy assumed for a spot node (launch, image, model download, load); the program's budget is 300 s. */
export const BOOT_SECONDS = { aws: 200, gcp: 170 } as const;
/** The longest stream a node may be serving when it starts to leave. */
export const REQUEST_SECONDS = 60;
/** How long demand must have lasted before the checks expect it served: boot plus an alarm period and the lags. */
export const SERVE_BOUND_MINUTES = 9;

export interface PoolFigures {
  pool: string;
  maxNodes: number;
  firstSlotMinutes: number | null;
  unmetSlotMinutes: number;
  nodeMinutesAboveNeed: number;
  cutWhileServing: number;
  peakNodes: number;
  refusedLaunches: number;
}

export interface CheckResult { name: string; passed: boolean; detail: string }

export interface TraceResult {
  trace: string;
  description: string;
  minutes: number;
  unmetSlotMinutes: number;
  pools: PoolFigures[];
  notifications: Array<{ minute: number; alarm: string; cloud: "aws" | "gcp" }>;
  checks: CheckResult[];
  /** Per minute: overflow, served, and each pool's billed nodes (for tables and property tests). */
  timeline: Array<{ minute: number; overflow: number; served: number; nodes: Record<string, number>; asked: Record<string, number>; refused: Record<string, number> }>;
}

interface SimPool {
  name: string;
  slots: number;
  max: number;
  ledger: NodeLedger;
  billed(t: number): number;
  firstAsked?: number;
  firstHealthy?: number;
  unmet: number;
  above: number;
  peak: number;
}

export function simulate(model: ScalingModel, trace: Trace): TraceResult {
  const cw = new MetricStore();
  const mon = new MonitoringStore();
  const envOf = (pool: "aws" | "gcp"): PoolEnvironment => ({
    bootSeconds: BOOT_SECONDS[pool],
    capacityAt: (t) => trace.capacity?.(pool, t) ?? true,
    requestSeconds: REQUEST_SECONDS,
  });
  let capacityLag = CAPACITY_LAG_SECONDS;
  const asg = model.aws ? new Ec2AutoScalingGroup(model.aws.group, envOf("aws"), () => capacityLag) : undefined;
  const mig = model.gcp ? new GceManagedGroup(model.gcp, envOf("gcp")) : undefined;
  const pools: SimPool[] = model.pools.flatMap((p) => {
    const g = p.name === "aws" ? asg : mig;
    if (!g) return [];
    const max = p.name === "aws" ? (model.aws?.group.maxSize ?? 0) : (model.gcp?.maxReplicas ?? 0);
    return [{ name: p.name, slots: p.slotsPerNode, max, ledger: g.ledger, billed: (t: number) => g.billedNodes(t), unmet: 0, above: 0, peak: 0 }];
  });
  const alarmState = new Map<string, AlarmState>((model.aws?.alarms ?? []).map((a) => [a.name, "INSUFFICIENT_DATA"]));
  const notifications: TraceResult["notifications"] = [];
  const openIncidents = new Set<string>();
  const starvingSince: Record<string, number> = {};
  const timeline: TraceResult["timeline"] = [];
  let unmetTotal = 0;
  let lastPublish = -Infinity;
  let maxExceeded = "";
  const end = trace.minutes * 60;
  for (let t = 0; t < end; t += STEP_SECONDS) {
    capacityLag = trace.capacityLag?.(t) ?? CAPACITY_LAG_SECONDS;
    // The routers: the pools serve what their healthy nodes take, cheapest first; the rest is the queue.
    const overflow = trace.overflow(t);
    let rest = overflow;
    const served: Record<string, number> = {};
    for (const p of pools) {
      const nodes = serving(p.ledger, t);
      const take = Math.min(rest, nodes.length * p.slots);
      served[p.name] = take;
      rest -= take;
      nodes.forEach((n, i) => (n.sessions = Math.max(0, Math.min(p.slots, take - i * p.slots))));
      if (nodes.length && p.firstHealthy === undefined && p.firstAsked !== undefined) p.firstHealthy = t;
    }
    // The routers' failover (publish-demand.sh): a pool with demand and no node up for the rendered failover time is
    // starved, and its share of the queue goes on to the next pool as well.
    const inputs = model.pools.map((p) => ({ name: p.name, sessions: served[p.name] ?? 0, maxSlots: p.maxSlots, hourlyUsdPerSlot: p.hourlyUsdPerSlot }));
    const plain = apportionDemand(rest, inputs);
    for (const p of pools) {
      const down = serving(p.ledger, t).length === 0;
      if (down && (plain[p.name] ?? 0) > 0) starvingSince[p.name] ??= t;
      else delete starvingSince[p.name];
    }
    const starved = (name: string) => model.failoverSeconds !== undefined && starvingSince[name] !== undefined && t - (starvingSince[name] as number) >= model.failoverSeconds;
    const asked = apportionDemand(rest, inputs.map((p) => ({ ...p, starved: starved(p.name) })));
    unmetTotal += (rest * STEP_SECONDS) / 60;
    for (const p of pools) {
      const a = asked[p.name] ?? 0;
      if (a > 0 && p.firstAsked === undefined) p.firstAsked = t;
      p.unmet += (Math.max(0, a - (served[p.name] ?? 0)) * STEP_SECONDS) / 60;
      const need = Math.min(p.max, Math.ceil(a / p.slots));
      const billed = p.billed(t);
      p.above += (Math.max(0, billed - need) * STEP_SECONDS) / 60;
      p.peak = Math.max(p.peak, billed);
      if (billed > p.max) maxExceeded ||= `${p.name} had ${billed} nodes at minute ${(t / 60).toFixed(1)} (max ${p.max})`;
    }
    // Each router publishes its own view (the queue and sessions split evenly behind the load balancer).
    if (t - lastPublish >= PUBLISH_SECONDS && (trace.publishing?.(t) ?? true)) {
      lastPublish = t;
      const lands = t + (trace.demandLag?.(t) ?? DEMAND_LAG_SECONDS);
      const share = model.routers.length || 1;
      for (const r of model.routers) {
        for (const p of model.pools) {
          const value = (asked[p.name] ?? 0) / share;
          if (p.name === "aws" && r.aws) cw.put({ namespace: r.aws.namespace, metricName: r.aws.metricName, dimensions: { [r.aws.dimension]: p.name, Router: r.id } }, t, value, lands);
          if (p.name === "gcp" && r.gcp) mon.put(r.gcp.metricType, { [r.gcp.poolLabel]: p.name, router: r.id }, t, value, lands);
        }
      }
    }
    // The clouds.
    if (asg && model.aws) {
      if (t % 60 === 0) {
        for (const a of model.aws.alarms) {
          const e = evaluateAlarm(a, cw, t, alarmState.get(a.name) ?? "INSUFFICIENT_DATA");
          alarmState.set(a.name, e.state);
          for (const arn of e.actions) {
            if (arn.startsWith("arn:aws:sns:")) {
              if (e.state === "ALARM") notifications.push({ minute: t / 60, alarm: a.name, cloud: "aws" });
            }
            else asg.execute(arn, e.value, a.threshold, t);
          }
        }
      }
      asg.tick(t, cw);
    }
    if (mig) {
      if (t % 60 === 30) mig.decide(t, mon);
      mig.tick(t);
    }
    if (t % 60 === 30) {
      for (const a of model.gcpAbsence) {
        const absent = absentSeries(mon, a.metric, a.filter, a.durationSec, t).length > 0;
        if (absent && !openIncidents.has(a.name) && a.channels > 0) notifications.push({ minute: t / 60, alarm: a.name, cloud: "gcp" });
        if (absent) openIncidents.add(a.name);
        else openIncidents.delete(a.name);
      }
    }
    if (t % 60 === 0) {
      const nodes: Record<string, number> = {};
      const refused: Record<string, number> = {};
      for (const p of pools) {
        nodes[p.name] = p.billed(t);
        refused[p.name] = p.ledger.refusedLaunches;
      }
      timeline.push({ minute: t / 60, overflow, served: overflow - rest, nodes, asked: { ...asked }, refused });
    }
  }
  const poolFigures = pools.map((p): PoolFigures => ({
    pool: p.name,
    maxNodes: p.max,
    firstSlotMinutes: p.firstAsked !== undefined && p.firstHealthy !== undefined ? round((p.firstHealthy - p.firstAsked) / 60) : null,
    unmetSlotMinutes: round(p.unmet),
    nodeMinutesAboveNeed: round(p.above),
    cutWhileServing: p.ledger.cutWhileServing,
    peakNodes: p.peak,
    refusedLaunches: p.ledger.refusedLaunches,
  }));
  const result: TraceResult = { trace: trace.name, description: trace.description, minutes: trace.minutes, unmetSlotMinutes: round(unmetTotal), pools: poolFigures, notifications, checks: [], timeline };
  result.checks = checksOf(result, trace, pools, maxExceeded, mig?.findings.map((f) => f.message) ?? [], Math.ceil((model.failoverSeconds ?? 0) / 60));
  return result;
}

const round = (n: number) => Math.round(n * 10) / 10;

function checksOf(r: TraceResult, trace: Trace, pools: SimPool[], maxExceeded: string, gceFindings: string[], failoverMinutes: number): CheckResult[] {
  const checks: CheckResult[] = [];
  checks.push({ name: "never above the maximum", passed: !maxExceeded, detail: maxExceeded || "every pool stayed within its maximum" });
  // Served within the bound: once demand has lasted SERVE_BOUND_MINUTES, the routers serve it, up to the slots of
  // the pools that had spot capacity all that time.
  const misses: string[] = [];
  for (const row of r.timeline) {
    // A pool without spot capacity in the bound's window gives the routers' failover its time as well.
    const shortOf = (minutes: number) => pools.some((p) => r.timeline.some((x) => x.minute > row.minute - minutes && x.minute <= row.minute && !(trace.capacity?.(p.name, x.minute * 60) ?? true)));
    const bound = SERVE_BOUND_MINUTES + (shortOf(SERVE_BOUND_MINUTES + failoverMinutes) ? failoverMinutes : 0);
    const window = r.timeline.filter((x) => x.minute > row.minute - bound && x.minute <= row.minute);
    if (row.minute < bound || window.length < bound) continue;
    const lasting = Math.min(...window.map((x) => x.overflow));
    const available = pools.filter((p) => window.slice(-SERVE_BOUND_MINUTES).every((x) => trace.capacity?.(p.name, x.minute * 60) ?? true)).reduce((n, p) => n + p.max * p.slots, 0);
    const expected = Math.min(lasting, available);
    if (row.served < expected) misses.push(`minute ${row.minute}: served ${row.served} of ${expected}`);
  }
  checks.push({ name: `served within ${SERVE_BOUND_MINUTES} minutes (plus the failover time for a pool without capacity)`, passed: misses.length === 0, detail: misses.length ? `${misses.length} minute(s) short, first ${misses[0]}` : "every lasting demand was served within the bound" });
  // No growth past need: a pool grows only toward its demand (one step's width of rounding), never creeps on top of
  // the nodes it has. Holding nodes while demand falls is the scale-in rule's business, not a failure here.
  const creep: string[] = [];
  for (const p of pools) {
    const width = Math.max(1, Math.ceil(p.max / 20));
    for (const [i, row] of r.timeline.entries()) {
      const before = r.timeline[i - 1];
      if (!before || (row.nodes[p.name] ?? 0) <= (before.nodes[p.name] ?? 0)) continue;
      const window = r.timeline.filter((x) => x.minute > row.minute - SERVE_BOUND_MINUTES && x.minute <= row.minute);
      // Launches catching up on a size asked for while the cloud refused them are late, not creep.
      if ((row.refused[p.name] ?? 0) > ((window[0] as (typeof window)[number]).refused[p.name] ?? 0) || (row.refused[p.name] ?? 0) > (before.refused[p.name] ?? 0)) continue;
      const need = Math.ceil(Math.max(...window.map((x) => x.asked[p.name] ?? 0)) / p.slots);
      const nodes = row.nodes[p.name] ?? 0;
      if (nodes > Math.min(p.max, need + width)) creep.push(`${p.name} had ${nodes} nodes for a need of ${need} at minute ${row.minute}`);
    }
  }
  checks.push({ name: "no growth past need", passed: creep.length === 0, detail: creep.length ? `${creep.length} minute(s), first: ${creep[0]}` : "no pool grew past its demand" });
  const cut = pools.reduce((n, p) => n + p.ledger.cutWhileServing, 0);
  checks.push({ name: "nothing cut on the way down", passed: cut === 0, detail: cut ? `${cut} node(s) left while serving` : "every node that left had finished its requests" });
  if (trace.publishing) {
    const died = r.timeline.find((x) => !(trace.publishing?.(x.minute * 60) ?? true))?.minute;
    const clouds = pools.map((p) => p.name);
    const told = clouds.map((c) => ({ c, n: r.notifications.find((n) => n.cloud === c && died !== undefined && n.minute >= died) }));
    const missing = told.filter((x) => !x.n).map((x) => x.c);
    checks.push({
      name: "a silent publisher is notified",
      passed: missing.length === 0,
      detail: missing.length ? `nothing notifies on ${missing.join(", ")} after the publishers stopped at minute ${died}` : told.map((x) => `${x.c}: ${x.n?.alarm} at minute ${x.n?.minute}`).join("; ") + ` (silent from ${died})`,
    });
  }
  if (gceFindings.length) checks.push({ name: "the GCP autoscaler reads one series", passed: false, detail: gceFindings.join("; ") });
  return checks;
}
