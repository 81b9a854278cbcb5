/**
 * The benchmark's report and rule: every measured figure reaches the table and docs/performance.md, the default is
 * picked by the stated rule (loses least beside a hog without losing on a quiet machine), and --record only writes
 * a whole document.
 */
import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "../bench/cli";
import { type Candidate, chooseLaunch, launchCandidates, type MatrixCell, medianRound } from "../bench/launch-matrix";
import { type BenchResult, median } from "../bench/measure";
import { benchTables, missingSections, performanceMarkdown } from "../bench/report";
import type { RouterBench } from "../bench/router";
import type { RollingBench } from "../bench/rolling";
import type { SimulationDocument } from "../../simulate/cli";
import { coldStartFixture } from "../fixtures/bench/cold-start";
import type { LoadResult } from "../suites/results";

const figures = (users: number, rps: number, p99: number): LoadResult => ({
  users, duration_seconds: 5, requests: Math.round(rps * 5), errors: 0, error_rate: 0, requests_per_second: rps,
  p50_latency_ms: Math.round((p99 / 3) * 100) / 100, p95_latency_ms: p99 / 2, p99_latency_ms: p99, ttft_p50_ms: 1.5 * users, ttft_p95_ms: 2.5 * users,
  itl_p50_ms: 0.31, itl_p95_ms: 0.62, output_tokens: Math.round(rps * 160), output_tokens_per_second: rps * 32,
});

const candidates: Candidate[] = launchCandidates({ vcpu: 2, memoryGiB: 24, physicalCores: 2 });

/** req/s and p99 per candidate: [quiet, hog] for each of 1, 4, 8 users. */
function cells(table: Record<string, Array<[number, number]>>): MatrixCell[] {
  return Object.entries(table).flatMap(([candidate, byCell]) =>
    byCell.map(([rps, p99], i) => {
      const users = [1, 1, 4, 4, 8, 8][i] ?? 1;
      const hogs = i % 2;
      return { candidate, hogs, users, figures: figures(users, rps, p99), roundsRps: [rps] };
    }),
  );
}

// Shaped like the report: one thread per vCPU collapses beside a hog; polling changes nothing.
const measured = cells({
  "threads 2": [[35, 50], [12, 230], [46, 124], [15, 495], [43, 260], [13.6, 988]],
  "threads 2, poll 0": [[36, 52], [11, 250], [45, 120], [16, 470], [42, 344], [14, 950]],
  "threads 1": [[33, 57], [41, 40], [49, 132], [53, 113], [43, 233], [52, 198]],
  "threads 1, poll 0": [[34, 55], [42, 41], [48, 130], [54, 110], [44, 230], [53, 195]],
});

const routerBench: RouterBench = {
  base_slots: 4,
  burst_slots: 4,
  queue_depth: 4,
  duration_s: 5,
  rounds: 3,
  ttft: {
    users: 1,
    max_tokens: 8,
    direct: { requests: 1719, errors: 0, ttft_p50_ms: 4.04, ttft_p99_ms: 8.09, p50_latency_ms: 8.32, p99_latency_ms: 14.14 },
    router: { requests: 1573, errors: 0, ttft_p50_ms: 4.3, ttft_p99_ms: 9.45, p50_latency_ms: 9.06, p99_latency_ms: 16.16 },
    added_p50_ms: 0.26,
    added_p99_ms: 1.36,
  },
  spill: {
    users: 8,
    max_tokens: 32,
    base_alone: { figures: { ...figures(8, 82, 219.14), errors: 10, ttft_p99_ms: 153.22 }, errorSamples: ["HTTP 503"], served: { base: 418 }, roundsRps: [82, 75.8, 86.6] },
    with_spill: { figures: { ...figures(8, 85.4, 331.52), ttft_p99_ms: 193.28 }, errorSamples: [], served: { base: 245, burst_gcp: 119, burst_aws: 71 }, roundsRps: [80.8, 85.4, 86.4] },
    gain: 1.04,
  },
};

const step = (node: string) => ({ node, drainMs: 3100, replaceMs: 900, gateMs: 4200 });
const scalingDoc: SimulationDocument = {
  stack: "staging",
  pools: [{ name: "gcp", slotsPerNode: 2, maxSlots: 4, hourlyUsdPerSlot: 0.01 }, { name: "aws", slotsPerNode: 2, maxSlots: 4, hourlyUsdPerSlot: 0.02 }],
  traces: [
    { trace: "step-up", description: "", minutes: 100, unmetSlotMinutes: 6.7, notifications: [], checks: [{ name: "never above the maximum", passed: true, detail: "" }], pools: [
      { pool: "gcp", maxNodes: 2, firstSlotMinutes: 3.3, unmetSlotMinutes: 6.7, nodeMinutesAboveNeed: 9.7, cutWhileServing: 0, peakNodes: 1, refusedLaunches: 0 },
      { pool: "aws", maxNodes: 2, firstSlotMinutes: 4.5, unmetSlotMinutes: 0, nodeMinutesAboveNeed: 0, cutWhileServing: 0, peakNodes: 0, refusedLaunches: 0 },
    ] },
  ],
  passed: true,
};

const rollingBench: RollingBench = {
  stack: "prod", base_nodes: 3, routers: 2, clients: 3,
  phases: [
    { phase: "roll", round: 1, duration_ms: 25400, requests: 610, served: 610, streamed: 305, longest_ms: 171, p50_ms: 108, p99_ms: 150, steps: [step("base0"), step("base1"), step("base2")] },
    { phase: "steady", round: 1, duration_ms: 25400, requests: 702, served: 702, streamed: 351, longest_ms: 140, p50_ms: 104, p99_ms: 131 },
    { phase: "steady", round: 2, duration_ms: 24900, requests: 690, served: 690, streamed: 345, longest_ms: 138, p50_ms: 105, p99_ms: 129 },
    { phase: "roll", round: 2, duration_ms: 24900, requests: 598, served: 598, streamed: 299, longest_ms: 183, p50_ms: 110, p99_ms: 155, steps: [step("base0"), step("base1"), step("base2")] },
  ],
};

const result: BenchResult = {
  machine: { cpu: "Test CPU", cores: 2, physical_cores: 2, memory_gib: 24, node: "v20.0.0", platform: "linux-x64" },
  measured_at: "2026-11-21T12:00:00.000Z",
  load_average: { before: 1.25, after: 2.5 },
  duration_s: 400,
  plan_wall_ms: { staging: { median: 2105, runs: [2285, 2105, 1893] }, prod: { median: 2082, runs: [1915, 2082, 2086] } },
  unit_policy_suites_wall_ms: 19312,
  local_stack_cold_start_ms: { median: 532, boot_to_healthy_median: 234, runs: [532, 646, 488] },
  launch: { users: [1, 4, 8], hogs: [0, 1], duration_s: 5, rounds: 3, candidates, derived: "threads 1", slots: 2, cells: measured, choice: chooseLaunch(measured, candidates) },
  suite_under_hogs: { hogs: 2, threads: 1, exit_code: 0, wall_ms: 61234, summary: { total: 40, passed: 40, failed: 0, skipped: 0, duration_seconds: 60.1 }, failed: [] },
  router: routerBench,
  rolling: rollingBench,
  scaling: [scalingDoc],
  runner_ceiling_rps: 8908,
  cold_start: coldStartFixture(),
};

describe("benchmark rule", () => {
  it("compares one thread per vCPU, per physical core and per core but the client's, each with and without polling", () => {
    expect(candidates.map((c) => c.name)).toEqual(["threads 2", "threads 2, poll 0", "threads 1", "threads 1, poll 0"]);
    expect(launchCandidates({ vcpu: 8, memoryGiB: 32, physicalCores: 4 }).map((c) => c.threads)).toEqual([8, 8, 4, 4, 3, 3]);
  });

  it("picks the setting that loses least beside a hog without losing when quiet, and leaves poll at its default on a tie", () => {
    const choice = chooseLaunch(measured, candidates);
    expect(choice.chosen).toBe("threads 1");
    expect(choice.reason).toMatch(/within 10% of it: threads 2 \(41\.3\), threads 2, poll 0 \(41\), threads 1 \(41\.7\), threads 1, poll 0 \(42\)/);
    expect(choice.summaries.find((s) => s.candidate === "threads 2")).toMatchObject({ quietRps: 41.3, contendedRps: 13.5, contendedP99: 988 });
  });

  it("does not pick a setting that is best beside the hog but loses on the quiet machine", () => {
    const lopsided = cells({
      "threads 2": [[60, 40], [10, 900], [60, 40], [10, 900], [60, 40], [10, 900]],
      "threads 2, poll 0": [[60, 40], [10, 900], [60, 40], [10, 900], [60, 40], [10, 900]],
      "threads 1": [[30, 40], [30, 50], [30, 40], [30, 50], [30, 40], [30, 50]],
      "threads 1, poll 0": [[30, 40], [30, 50], [30, 40], [30, 50], [30, 40], [30, 50]],
    });
    const choice = chooseLaunch(lopsided, candidates);
    expect(choice.chosen).toBe("threads 2");
    expect(choice.reason).toMatch(/losing there: threads 1 \(30\), threads 1, poll 0 \(30\)/);
  });

  it("takes a changed default when it wins by more than the tolerance", () => {
    const pollWins = cells({
      "threads 2": [[40, 40], [10, 900], [40, 40], [10, 900], [40, 40], [10, 900]],
      "threads 2, poll 0": [[40, 40], [30, 90], [40, 40], [30, 90], [40, 40], [30, 90]],
      "threads 1": [[20, 40], [20, 50], [20, 40], [20, 50], [20, 40], [20, 50]],
      "threads 1, poll 0": [[20, 40], [20, 50], [20, 40], [20, 50], [20, 40], [20, 50]],
    });
    expect(chooseLaunch(pollWins, candidates).chosen).toBe("threads 2, poll 0");
  });

  it("keeps the median round of each cell", () => {
    const cell = medianRound("threads 1", 0, 4, [figures(4, 50, 100), figures(4, 20, 300), figures(4, 45, 120)]);
    expect(cell.figures.requests_per_second).toBe(45);
    expect(cell.figures.p99_latency_ms).toBe(120);
    expect(cell.roundsRps).toEqual([50, 20, 45]);
  });
});

describe("benchmark report", () => {
  it("median of odd and even samples", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it("the table and the markdown carry every figure", () => {
    for (const text of [benchTables(result), performanceMarkdown(result)]) {
      for (const figure of ["2105", "2082", "19312", "532", "8908", "988", "13.6", "53", "1.25"]) expect(text).toContain(figure);
    }
    const md = performanceMarkdown(result);
    expect(md).toMatch(/Machine: Test CPU, 2 vCPUs on 2 physical cores, 24 GiB, Node v20\.0\.0, linux-x64\./);
    expect(md).toMatch(/\| threads 2 \| 35 \| 50 \| 12 \| 230 \| 46 \| 124 \| 15 \| 495 \| 43 \| 260 \| 13\.6 \| 988 \|/);
    expect(md).toMatch(/\| threads 1 \(derived\) \(chosen\) \|/);
    expect(md).toMatch(/\*\*Chosen: threads 1\.\*\*/);
    expect(md).toMatch(/gives this machine \*\*threads 1\*\* .*: the measured choice\./s);
    expect(md).toMatch(/`--suite all` beside 2 CPU hogs/);
    expect(md).toMatch(/exit code \*\*0\*\*, 40 of 40 tests passed/);
    expect(md).toMatch(/\| 8 \| 43 \| 77\.67 \| 116\.5 \| 233 \|/);
    expect(md).toMatch(/ran 3 times; each cell shows its median round/);
  });

  it("carries the router's figures: TTFT through it against direct, spill-over against the base alone", () => {
    for (const text of [benchTables(result), performanceMarkdown(result)]) {
      for (const figure of ["4.04", "9.45", "0.26", "1.36", "75.8", "331.52", "153.22", "burst_gcp 119", "1.04x"]) expect(text).toContain(figure);
    }
    const md = performanceMarkdown(result);
    expect(md).toMatch(/## The router: one hybrid endpoint/);
    expect(md).toMatch(/\| through one router to it \(HTTP\) \| 1573 \| 4\.3 \| 9\.45 \| 9\.06 \| 16\.16 \| 0 \|/);
    expect(md).toMatch(/The router adds \*\*0\.26 ms\*\* to TTFT at p50, within the goal of at most 1 ms/);
    expect(md).toMatch(/sent 190 of 435 requests to the burst pools: 1\.04x/);
    expect(md).toMatch(/the router spread the load without losing throughput/);
    // The sentences follow the figures: a slower router and a spill that lost throughput say so.
    const worse = performanceMarkdown({ ...result, router: { ...routerBench, ttft: { ...routerBench.ttft, added_p50_ms: 1.7 }, spill: { ...routerBench.spill, gain: 0.8 } } });
    expect(worse).toMatch(/The router adds \*\*1\.7 ms\*\* to TTFT at p50, over the goal of at most 1 ms/);
    expect(worse).toMatch(/spreading the load cost 20% of the base alone's throughput/);
    expect(worse).not.toMatch(/without losing throughput/);
    expect(md).toMatch(/\| the base alone \(burst in maintenance\) \| 82 \| 82 \/ 75\.8 \/ 86\.6 \|.*\| 10\/410 \(HTTP 503\) \| base 418 \|/);
    expect(md).toMatch(/503s at the edge of its queue/);
    const noErrors = { ...routerBench.spill.base_alone, figures: { ...figures(8, 82, 219.14), ttft_p99_ms: 153.22 }, errorSamples: [] };
    const quiet = performanceMarkdown({ ...result, router: { ...routerBench, spill: { ...routerBench.spill, base_alone: noErrors } } });
    expect(quiet).not.toMatch(/503s at the edge/);
  });

  it("carries the simulated scaling per stack, its sentences following the figures and the checks", () => {
    const md = performanceMarkdown(result);
    expect(md).toMatch(/\| step-up \| gcp \| 3\.3 \| 6\.7 \| 9\.7 \| 1 \/ 2 \| 0 \|/);
    expect(md).toContain("Every check passed on all 1 traces. The first burst slot came after 3.3 to 4.5 minutes (slowest: aws in step-up).");
    const failing = { ...scalingDoc, traces: scalingDoc.traces.map((t) => ({ ...t, checks: [{ name: "nothing cut on the way down", passed: false, detail: "1 node(s) left while serving" }] })) };
    expect(performanceMarkdown({ ...result, scaling: [failing] })).toContain("1 check(s) failed: step-up: nothing cut on the way down (1 node(s) left while serving).");
  });

  it("carries the rolling update's figures, its sentences following them", () => {
    const md = performanceMarkdown(result);
    expect(md).toMatch(/## Rolling update under load \(the local fleet of prod\)/);
    expect(md).toMatch(/\| 1 \| rolling update \| 25\.4 \| 610 \| 610 \| 305 \| 108 \| 150 \| 171 \|/);
    expect(md).toMatch(/every one of the 1208 requests sent during the rolling updates was served whole; the longest wait was 183 ms against 140 ms with no update\s+\(1\.31x\)/);
    expect(md).toMatch(/drain 3\.1 s, replacement to healthy 0\.9 s, gate\s+4\.2 s/);
    const lost = performanceMarkdown({ ...result, rolling: { ...rollingBench, phases: rollingBench.phases.map((p) => (p.phase === "roll" && p.round === 2 ? { ...p, served: 595 } : p)) } });
    expect(lost).toMatch(/3 of the 1208 requests sent during the rolling updates were not served whole/);
    expect(benchTables(result)).toContain("rolling update");
  });

  it("says so when the derived setting is not the measured choice", () => {
    const md = performanceMarkdown({ ...result, launch: { ...(result.launch as NonNullable<BenchResult["launch"]>), derived: "threads 2" } });
    expect(md).toMatch(/\*\*not the measured choice \(threads 1\)\*\*/);
  });

  it("writes docs/performance.md only from a run with every section", () => {
    const { launch: _launch, ...partial } = result;
    expect(missingSections(partial)).toEqual(["launch"]);
    const { router: _router, ...noRouter } = result;
    expect(missingSections(noRouter)).toEqual(["router"]);
    expect(() => performanceMarkdown(noRouter)).toThrow(/missing: router/);
    expect(() => performanceMarkdown(partial)).toThrow(/missing: launch/);
    expect(parseBenchArgs(["--record", "--sections", "launch"])).toMatch(/--record rewrites docs\/performance.md whole/);
  });

  it.each([
    [["--runs", "0"], /--runs must be an integer from 1 to 20/],
    [["--duration", "soon"], /--duration must be seconds/],
    [["--rounds", "10"], /--rounds must be an integer from 1 to 9/],
    [["--hogs", "1,2"], /--hogs must include 0/],
    [["--hogs", "x"], /--hogs must be a comma-separated list/],
    [["--sections", "loops,nope"], /--sections must name some of loops, launch, suite-hogs, router, rolling, scaling, ceiling, cold-start \(got nope\)/],
    [["--cold-rounds", "0"], /--cold-rounds must be an integer from 1 to 15/],
    [["--output", "xml"], /--output must be json or table/],
    [["--frobnicate"], /Unknown option '--frobnicate'/],
  ])("%j is a usage error naming the flag", (argv, message) => {
    expect(parseBenchArgs(argv)).toMatch(message);
  });
});
