/**
 * Latency distributions in an HDR histogram (hdr-histogram-js): values are recorded in microseconds with three
 * significant digits, so sub-millisecond inter-token gaps and minute-long requests share one structure.
 */
import { build, type Histogram } from "hdr-histogram-js";

const MAX_US = 10 * 60 * 1_000_000;

export class Latencies {
  private readonly h: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: 3, bitBucketSize: 64, useWebAssembly: false });

  record(ms: number): void {
    this.h.recordValue(Math.min(MAX_US, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** The value at a percentile, in ms rounded to 0.01 ms; 0 when nothing was recorded. */
  at(percentile: number): number {
    if (this.h.totalCount === 0) return 0;
    return Math.round(this.h.getValueAtPercentile(percentile) / 10) / 100;
  }

  /** Adds another distribution's values to this one. */
  merge(other: Latencies): void {
    this.h.add(other.h);
  }

  get max(): number {
    return this.h.totalCount === 0 ? 0 : Math.round(this.h.maxValue / 10) / 100;
  }

  destroy(): void {
    this.h.destroy();
  }
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(samplesMs: number[]): Percentiles {
  const l = new Latencies();
  for (const s of samplesMs) l.record(s);
  const p = { p50: l.at(50), p95: l.at(95), p99: l.at(99), max: l.max };
  l.destroy();
  return p;
}
