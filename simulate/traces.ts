/**
 * Demand traces: how many slots the routers want beyond the base layer, minute by minute, and what goes wrong on the
 * way (a publisher that dies, late points, a pool without spot capacity). Sizes are fractions of the stack's burst
 * slots, so every stack gets the same shapes at its own scale.
 */
export interface TraceContext {
  /** The burst pools' slots at their maximum sizes, summed. */
  burstSlots: number;
  /** Pool names, cheapest first. */
  pools: readonly string[];
}

export interface Trace {
  name: string;
  description: string;
  minutes: number;
  /** Slots wanted beyond the base at second t. */
  overflow(t: number): number;
  /** Whether the routers' publishers run at t (default: always). */
  publishing?(t: number): boolean;
  /** Seconds a demand point takes to land (default DEMAND_LAG_SECONDS). */
  demandLag?(t: number): number;
  /** Seconds a GroupDesiredCapacity point takes to land (default CAPACITY_LAG_SECONDS). */
  capacityLag?(t: number): number;
  /** Whether the pool's cloud has spot capacity at t (default: always). */
  capacity?(pool: string, t: number): boolean;
}

/** CloudWatch and Cloud Monitoring ingestion as seen by an alarm or the autoscaler (typical, not published). */
export const DEMAND_LAG_SECONDS = 15;
/** Group metrics: 1-minute granularity, available about a minute after the minute they describe. */
export const CAPACITY_LAG_SECONDS = 60;

const minutes = (t: number) => t / 60;
const during = (t: number, from: number, to: number) => minutes(t) >= from && minutes(t) < to;

export function traces(c: TraceContext): Trace[] {
  const S = c.burstSlots;
  const cheapest = c.pools[0];
  const level = (f: number) => Math.max(1, Math.round(S * f));
  return [
    { name: "step-up", description: "nothing, then half the burst slots at once for an hour", minutes: 110, overflow: (t) => (during(t, 10, 70) ? level(0.5) : 0) },
    {
      name: "ramp",
      description: "up to 90% of the burst slots over an hour, back down over half an hour",
      minutes: 130,
      overflow: (t) => {
        const m = minutes(t);
        if (m < 10) return 0;
        if (m < 70) return Math.round(S * 0.9 * ((m - 10) / 60));
        if (m < 100) return Math.round(S * 0.9 * (1 - (m - 70) / 30));
        return 0;
      },
    },
    {
      name: "diurnal",
      description: "a day compressed into four hours: a quiet night, a morning rise, an afternoon peak at 80%",
      minutes: 240,
      overflow: (t) => Math.max(0, Math.round(S * 0.8 * Math.sin((Math.PI * (minutes(t) - 40)) / 160))) * (during(t, 40, 200) ? 1 : 0),
    },
    { name: "spike", description: "every burst slot wanted for five minutes", minutes: 60, overflow: (t) => (during(t, 10, 15) ? S : 0) },
    {
      name: "publisher-dies",
      description: "steady demand; the routers' publishers stop at minute 40 while demand goes on",
      minutes: 120,
      overflow: (t) => (during(t, 10, 100) ? level(0.4) : 0),
      publishing: (t) => minutes(t) < 40,
    },
    {
      name: "late-points",
      description: "half the burst slots; GroupDesiredCapacity lands 150 s late and demand points 70 s late",
      minutes: 100,
      overflow: (t) => (during(t, 10, 70) ? level(0.5) : 0),
      capacityLag: () => 150,
      demandLag: () => 70,
    },
    {
      name: "cheapest-no-capacity",
      description: `30% of the burst slots; the cheapest pool (${cheapest ?? "none"}) gets no spot capacity for 20 minutes`,
      minutes: 110,
      overflow: (t) => (during(t, 10, 80) ? level(0.3) : 0),
      capacity: (pool, t) => !(pool === cheapest && during(t, 10, 30)),
    },
  ];
}
