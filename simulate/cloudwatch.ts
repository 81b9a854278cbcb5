/**
 * CloudWatch as an alarm sees it: points land with a delay, a period's statistic reads only the points that have
 * landed, and an alarm is evaluated every period over a range wider than its evaluation periods. Semantics from
 * "Alarm evaluation" and "Configuring how CloudWatch alarms treat missing data"
 * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html):
 * - the evaluation range holds more periods than EvaluationPeriods (the exact count is not published; here +2);
 * - if at least EvaluationPeriods points exist in the range, the most recent existing ones decide and missing data
 *   is ignored; otherwise the missing ones are filled as TreatMissingData says (missing: INSUFFICIENT_DATA when the
 *   range is empty);
 * - Auto Scaling actions run on the change to ALARM and again every minute while the alarm stays in ALARM; other
 *   actions (SNS) run on a change of state only ("Alarm actions", same guide).
 */
import { evaluate, MetricMathError, parseExpression, type Series } from "./metric-math";

export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export const metricKey = (m: MetricId): string =>
  `${m.namespace}|${m.metricName}|${Object.entries(m.dimensions).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(",")}`;

interface Point { ts: number; value: number; landsAt: number }

/** What has been put: points keyed by metric, each visible from the time it lands. */
export class MetricStore {
  private points = new Map<string, Point[]>();
  put(m: MetricId, ts: number, value: number, landsAt = ts): void {
    const key = metricKey(m);
    const list = this.points.get(key) ?? [];
    list.push({ ts, value, landsAt });
    this.points.set(key, list);
  }
  /** The period's statistic over the points landed by `asOf`; undefined: no point. */
  stat(m: MetricId, stat: string, periodStart: number, period: number, asOf: number): number | undefined {
    const xs = (this.points.get(metricKey(m)) ?? []).filter((p) => p.ts >= periodStart && p.ts < periodStart + period && p.landsAt <= asOf).map((p) => p.value);
    if (!xs.length) return undefined;
    switch (stat) {
      case "Maximum": return Math.max(...xs);
      case "Minimum": return Math.min(...xs);
      case "Sum": return xs.reduce((a, b) => a + b, 0);
      case "Average": return xs.reduce((a, b) => a + b, 0) / xs.length;
      case "SampleCount": return xs.length;
      default: throw new MetricMathError(`statistic ${stat} is not simulated`);
    }
  }
}

export interface AlarmQuery {
  id: string;
  returnData: boolean;
  metric?: MetricId & { period: number; stat: string };
  expression?: string;
}

export type Comparison = "GreaterThanOrEqualToThreshold" | "GreaterThanThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmSpec {
  name: string;
  queries: AlarmQuery[];
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: Comparison;
  treatMissingData: "missing" | "ignore" | "breaching" | "notBreaching";
  /** Action ARNs on the change to ALARM. */
  alarmActions: string[];
  okActions: string[];
}

export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

export interface Evaluation {
  state: AlarmState;
  /** The most recent datapoint the decision used (a step policy picks its step from it). */
  value?: number;
  /** Actions to run now. */
  actions: string[];
}

const breaches = (c: Comparison, v: number, t: number): boolean =>
  c === "GreaterThanOrEqualToThreshold" ? v >= t : c === "GreaterThanThreshold" ? v > t : c === "LessThanThreshold" ? v < t : v <= t;

export function alarmPeriod(spec: AlarmSpec): number {
  const periods = [...new Set(spec.queries.flatMap((q) => (q.metric ? [q.metric.period] : [])))];
  if (periods.length !== 1) throw new MetricMathError(`alarm ${spec.name}: its metrics must share one period (got ${periods.join(", ") || "none"})`);
  return periods[0] as number;
}

/** The alarm's datapoints over the range ending at the last complete period before `now`. */
export function alarmSeries(spec: AlarmSpec, store: MetricStore, now: number): { periods: number[]; points: Series } {
  const period = alarmPeriod(spec);
  const last = Math.floor(now / period) * period - period;
  const count = spec.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
  const periods = Array.from({ length: count }, (_, i) => last - (count - 1 - i) * period);
  const series: Record<string, Series> = {};
  for (const q of spec.queries.filter((x) => x.metric)) {
    const m = q.metric as NonNullable<AlarmQuery["metric"]>;
    const s: Series = new Map();
    for (const p of periods) { const v = store.stat(m, m.stat, p, period, now); if (v !== undefined) s.set(p, v); }
    series[q.id] = s;
  }
  // Expressions may read each other; evaluate until every one has a value (the order of the queries is not an order).
  const exprs = spec.queries.filter((q) => q.expression);
  for (let pass = 0; pass < exprs.length; pass++) {
    for (const q of exprs) {
      if (series[q.id]) continue;
      try {
        const v = evaluate(parseExpression(q.expression as string), series, periods);
        series[q.id] = typeof v === "number" ? new Map(periods.map((p) => [p, v])) : v;
      } catch (e) {
        if (!(e instanceof MetricMathError) || !/which no query of the alarm defines/.test(e.message)) throw e;
      }
    }
  }
  const out = spec.queries.filter((q) => q.returnData);
  if (out.length !== 1) throw new MetricMathError(`alarm ${spec.name}: exactly one query must return data (got ${out.length})`);
  const points = series[(out[0] as AlarmQuery).id];
  if (!points) throw new MetricMathError(`alarm ${spec.name}: query ${(out[0] as AlarmQuery).id} reads an id no query defines`);
  return { periods, points };
}

/** One evaluation of an alarm at `now`, from its previous state. */
export function evaluateAlarm(spec: AlarmSpec, store: MetricStore, now: number, previous: AlarmState): Evaluation {
  const { periods, points } = alarmSeries(spec, store, now);
  const existing = periods.filter((p) => points.has(p));
  let verdicts: Array<boolean | "ignore">;
  let value: number | undefined;
  if (existing.length >= spec.evaluationPeriods) {
    const used = existing.slice(-spec.evaluationPeriods);
    verdicts = used.map((p) => breaches(spec.comparison, points.get(p) as number, spec.threshold));
    value = points.get(used[used.length - 1] as number);
  } else {
    if (spec.treatMissingData === "missing" && existing.length === 0) return transition(spec, previous, "INSUFFICIENT_DATA");
    const window = periods.slice(-spec.evaluationPeriods);
    verdicts = window.map((p) => {
      const v = points.get(p);
      if (v !== undefined) return breaches(spec.comparison, v, spec.threshold);
      return spec.treatMissingData === "breaching" ? true : spec.treatMissingData === "ignore" ? "ignore" : false;
    });
    const latest = existing[existing.length - 1];
    value = latest === undefined ? undefined : points.get(latest);
    if (verdicts.every((v) => v === "ignore")) return { ...transition(spec, previous, previous), ...(value !== undefined ? { value } : {}) };
  }
  const breaching = verdicts.filter((v) => v === true).length;
  const next: AlarmState = breaching >= spec.datapointsToAlarm ? "ALARM" : "OK";
  return { ...transition(spec, previous, next), ...(value !== undefined ? { value } : {}) };
}

const isAutoScaling = (arn: string) => arn.startsWith("arn:aws:autoscaling:");

function transition(spec: AlarmSpec, previous: AlarmState, next: AlarmState): Evaluation {
  if (next === "ALARM") return { state: next, actions: previous === "ALARM" ? spec.alarmActions.filter(isAutoScaling) : spec.alarmActions };
  if (next === "OK" && previous !== "OK") return { state: next, actions: spec.okActions };
  return { state: next, actions: [] };
}
