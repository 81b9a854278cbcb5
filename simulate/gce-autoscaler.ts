/**
 * A Compute Engine autoscaler on a per-group Cloud Monitoring metric with singleInstanceAssignment, as Google's
 * autoscaler guides describe it (cloud.google.com/compute/docs/autoscaler/scaling-cloud-monitoring-metrics,
 * .../understanding-autoscaler-decisions, .../autoscaler/scale-in-controls):
 * - the recommendation is ceil(value / singleInstanceAssignment) from the latest point of the time series the
 *   filter selects ("select a specific TimeSeries", AutoscalingPolicyCustomMetricUtilization.filter);
 * - without a recent point the autoscaler cannot compute a recommendation and keeps the group's size;
 * - scaling out is immediate; scaling in follows the highest recommendation of the last 10 minutes (stabilization);
 * - scale-in controls keep the size at no less than the peak of the trailing window minus maxScaledInReplicas;
 * - the group deletes instances; each runs its shutdown script for up to 90 s, best effort
 *   (cloud.google.com/compute/docs/shutdownscript).
 * Points land `lagSeconds` after they are written (Cloud Monitoring ingestion and the autoscaler's read).
 */
import { launch, leave, newLedger, type NodeLedger, type PoolEnvironment, present, billed } from "./nodes";

export const STABILIZATION_SECONDS = 600;
export const SHUTDOWN_SCRIPT_SECONDS = 90;
/** A point older than this reads as missing (the autoscaler wants recent data; not published exactly). */
export const STALE_AFTER_SECONDS = 180;

export interface GceAutoscalerSpec {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  /** One entry per metric signal, as sent to the API. */
  metrics: Array<{ metric: string; filter: string; singleInstanceAssignment: number }>;
  /** As the API receives it (the provider drops zero values, so a 0 never arrives). */
  scaleInControl?: { timeWindowSec: number; maxScaledInReplicas: { fixed?: number; percent?: number } };
  /** Whether the template runs a shutdown script (the node's drain). */
  shutdownScript: boolean;
}

export interface GcePoint { labels: Record<string, string>; ts: number; value: number; landsAt: number }

/** Cloud Monitoring's custom metric points, by metric type. */
export class MonitoringStore {
  readonly points = new Map<string, GcePoint[]>();
  put(metric: string, labels: Record<string, string>, ts: number, value: number, landsAt: number): void {
    const list = this.points.get(metric) ?? [];
    list.push({ labels, ts, value, landsAt });
    this.points.set(metric, list);
  }
  /** The time series a filter selects (label equality clauses), each as its points landed by `asOf`. */
  select(metric: string, filter: string, asOf: number): Map<string, GcePoint[]> {
    const clauses = [...filter.matchAll(/metric\.labels\.(\w+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string] as const);
    const out = new Map<string, GcePoint[]>();
    for (const p of this.points.get(metric) ?? []) {
      if (p.landsAt > asOf || !clauses.every(([k, v]) => p.labels[k] === v)) continue;
      const key = JSON.stringify(Object.entries(p.labels).sort());
      out.set(key, [...(out.get(key) ?? []), p]);
    }
    return out;
  }
}

/**
 * An alert policy's absence condition: a selected series that has had no point for `durationSec` opens an incident
 * (conditionAbsent, cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies). Returns the series
 * absent at `now` among those that ever wrote.
 */
export function absentSeries(store: MonitoringStore, metric: string, filter: string, durationSec: number, now: number): string[] {
  const out: string[] = [];
  for (const [key, points] of store.select(metric, filter, now)) {
    const latest = Math.max(...points.map((p) => p.ts));
    if (now - latest >= durationSec) out.push(key);
  }
  return out;
}

export interface GceFinding { at: number; message: string }

export class GceManagedGroup {
  target: number;
  readonly ledger: NodeLedger = newLedger();
  readonly recommendations: Array<{ at: number; size: number }> = [];
  readonly findings: GceFinding[] = [];
  readonly sizes: Array<{ at: number; size: number }> = [];

  constructor(readonly spec: GceAutoscalerSpec, readonly env: PoolEnvironment, initial = spec.minReplicas) {
    this.target = initial;
  }

  private clamp = (n: number) => Math.min(this.spec.maxReplicas, Math.max(this.spec.minReplicas, n));

  /** One autoscaler decision at `now`. */
  decide(now: number, store: MonitoringStore): void {
    const perSignal: number[] = [];
    for (const m of this.spec.metrics) {
      const series = store.select(m.metric, m.filter, now);
      if (series.size > 1 && !this.findings.some((f) => f.message.startsWith("filter"))) {
        this.findings.push({ at: now, message: `filter ${m.filter} selects ${series.size} time series; a per-group metric must select one (the autoscaler reads one of them)` });
      }
      // With several series the API does not say which one it reads: never kinder, the one asking for least.
      const latest = [...series.values()].map((pts) => pts.reduce((a, b) => (b.ts > a.ts ? b : a))).filter((p) => now - p.ts <= STALE_AFTER_SECONDS);
      if (latest.length === 0) continue;
      const value = Math.min(...latest.map((p) => p.value));
      perSignal.push(Math.ceil(value / m.singleInstanceAssignment - 1e-9));
    }
    // The autoscaler takes the signal that asks for most; none: it keeps the size.
    if (perSignal.length === 0) return;
    const recommended = this.clamp(Math.max(...perSignal));
    this.recommendations.push({ at: now, size: recommended });
    const recent = this.recommendations.filter((r) => now - r.at < STABILIZATION_SECONDS).map((r) => r.size);
    let next = recommended >= this.target ? recommended : Math.max(recommended, ...recent);
    const control = this.spec.scaleInControl;
    if (control && next < this.target) {
      const window = this.sizes.filter((s) => now - s.at < control.timeWindowSec).map((s) => s.size);
      const peak = Math.max(this.target, ...window);
      const { fixed, percent } = control.maxScaledInReplicas;
      const allowed = fixed ?? (percent !== undefined ? Math.floor((peak * percent) / 100) : peak);
      next = Math.max(next, peak - allowed);
    }
    this.target = this.clamp(next);
    this.sizes.push({ at: now, size: this.target });
  }

  /** The managed group's loop: creates or deletes instances toward the target. */
  tick(now: number): void {
    const live = present(this.ledger);
    for (let i = live.length; i < this.target; i++) if (!launch(this.ledger, this.env, now)) break;
    const extra = live.length - this.target;
    if (extra > 0) {
      const chosen = [...live].sort((a, b) => b.launchedAt - a.launchedAt).slice(0, extra);
      for (const n of chosen) leave(this.ledger, n, now, this.spec.shutdownScript ? SHUTDOWN_SCRIPT_SECONDS : 0, this.env);
    }
  }

  billedNodes(now: number): number {
    return billed(this.ledger, now).length;
  }
}
