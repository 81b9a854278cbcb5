/** The benchmark's report: every measured figure reaches the table and docs/performance.md. */
import { describe, expect, it } from "vitest";
import { type BenchResult, median } from "../bench/measure";
import { benchTables, performanceMarkdown } from "../bench/report";

const load = (users: number, rps: number) => ({
  users, duration_seconds: 10, requests: rps * 10, errors: 0, error_rate: 0, requests_per_second: rps,
  p50_latency_ms: 11.1 * users, p95_latency_ms: 22.2 * users, p99_latency_ms: 33.3 * users, ttft_p50_ms: 1.5 * users, ttft_p95_ms: 2.5 * users,
  itl_p50_ms: 0.31, itl_p95_ms: 0.62, output_tokens: rps * 320, output_tokens_per_second: rps * 32,
});

const result: BenchResult = {
  machine: { cpu: "Test CPU", cores: 2, memory_gib: 24, node: "v20.0.0", platform: "linux-x64" },
  measured_at: "2026-11-21T12:00:00.000Z",
  plan_wall_ms: { staging: { median: 2105, runs: [2285, 2105, 1893] }, prod: { median: 2082, runs: [1915, 2082, 2086] } },
  unit_policy_suites_wall_ms: 19312,
  local_stack_cold_start_ms: { median: 532, boot_to_healthy_median: 234, runs: [532, 646, 488] },
  load: [load(1, 56), load(4, 59), load(8, 58)],
  server_slots: 2,
  runner_ceiling_rps: 8908,
};

describe("benchmark report", () => {
  it("median of odd and even samples", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it("the table and the markdown carry every figure", () => {
    for (const text of [benchTables(result), performanceMarkdown(result)]) {
      for (const figure of ["2105", "2082", "19312", "532", "8908", "22.2", "88.8", "1792", "1888"]) expect(text).toContain(figure);
    }
    const md = performanceMarkdown(result);
    expect(md).toMatch(/Machine: Test CPU, 2 cores, 24 GiB, Node v20\.0\.0, linux-x64\. Measured 2026-11-21\./);
    expect(md).toMatch(/\| 8 \| 58 \| 88\.8 \| 177\.6 \| 266\.4 \| 12 \| 20 \| 0\.31 \| 0\.62 \| 1856 \| 0\/580 \|/);
    expect(md).toMatch(/ran 2 slots/);
  });
});
