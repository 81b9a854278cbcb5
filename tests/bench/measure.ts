/**
 * The benchmark: wall times of the fast feedback loops, the launch-spec candidates side by side (quiet and beside a
 * CPU hog), `--suite all` beside two hogs, the router on the local fleet (TTFT through it against direct, throughput
 * with spill-over against the base alone), the runner's ceiling, and the boot path's cold start with a 1 GiB model.
 * These are measurements, never pass/fail: slowness is reported, not failed.
 */
import { spawn } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import * as path from "node:path";
import { deriveLaunchSpec } from "../../infra/inference/launch";
import { CLIENT_CORES, hostMachine } from "../../local/stack/host-cpu";
import { startLocalStack } from "../../local/stack/stack";
import { measureCeiling } from "../suites/load/ceiling";
import type { ResultsDocument } from "../suites/results";
import { type ColdStartResult, runColdStart } from "./cold-start";
import { withHogs } from "./hogs";
import { type Candidate, candidateName, chooseLaunch, type LaunchChoice, launchCandidates, type MatrixCell, runLaunchMatrix } from "./launch-matrix";
import { type RouterBench, runRouterBench } from "./router";
import { type RollingBench, runRollingBench } from "./rolling";
import type { SimulationDocument } from "../../simulate/cli";
import { runScalingBench } from "./scaling";

const ROOT = path.resolve(__dirname, "../..");

export const SECTIONS = ["loops", "launch", "suite-hogs", "router", "rolling", "scaling", "ceiling", "cold-start"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  runs: number;
  loadDurationS: number;
  /** Rounds of the launch matrix; each cell reports its median round. */
  rounds: number;
  users: number[];
  /** CPU hogs beside the launch candidates (0 = the quiet machine). */
  hogs: number[];
  /** CPU hogs beside `--suite all`. */
  suiteHogs: number;
  /** Rounds of the cold-start steps; each figure is the median round. */
  coldRounds: number;
  sections: readonly Section[];
  progress: (line: string) => void;
}

export interface SuiteUnderHogs {
  hogs: number;
  exit_code: number | null;
  wall_ms: number;
  summary?: ResultsDocument["summary"];
  failed: string[];
  error?: string;
  threads: number;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; physical_cores: number; memory_gib: number; node: string; platform: string };
  measured_at: string;
  /** 1-minute load average before and after the run: how busy the machine was besides the benchmark. */
  load_average: { before: number; after: number };
  duration_s: number;
  plan_wall_ms?: Record<string, { median: number; runs: number[] }>;
  unit_policy_suites_wall_ms?: number;
  local_stack_cold_start_ms?: { median: number; boot_to_healthy_median: number; runs: number[] };
  launch?: {
    users: number[];
    hogs: number[];
    duration_s: number;
    rounds: number;
    candidates: Candidate[];
    /** The candidate deriveLaunchSpec picks for this machine. */
    derived: string;
    /** Parallel slots of the local server (from the launch spec for this machine). */
    slots: number;
    cells: MatrixCell[];
    choice: LaunchChoice;
  };
  suite_under_hogs?: SuiteUnderHogs;
  router?: RouterBench;
  rolling?: RollingBench;
  scaling?: SimulationDocument[];
  runner_ceiling_rps?: number;
  cold_start?: ColdStartResult;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return Math.round(s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2);
};

/** Wall time of a command, from spawn to exit; a non-zero exit is an error (the figure would be meaningless). */
function timed(cmd: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Math.round(performance.now() - started)) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

/** `npm run suite -- --suite all --output json` as its own process, as a person would run it. */
function suiteAll(): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/suite.ts", "--suite", "all", "--output", "json"], { cwd: ROOT, stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, ms: Math.round(performance.now() - started) }));
  });
}

async function loops(o: BenchOptions): Promise<Pick<BenchResult, "plan_wall_ms" | "unit_policy_suites_wall_ms" | "local_stack_cold_start_ms">> {
  const plan: NonNullable<BenchResult["plan_wall_ms"]> = {};
  for (const stack of ["staging", "prod"]) {
    const runs: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      o.progress(`plan --stack ${stack}, run ${i + 1}/${o.runs}`);
      runs.push(await timed(process.execPath, ["--import", "tsx", "scripts/plan.ts", "--stack", stack, "--output", "json"]));
    }
    plan[stack] = { median: median(runs), runs };
  }
  o.progress("unit, policy and plan suites (vitest)");
  const suites = await timed(process.execPath, [path.join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "tests/infra", "tests/policies", "tests/plan"]);
  const starts: number[] = [];
  const boots: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    o.progress(`local stack cold start, run ${i + 1}/${o.runs}`);
    const stack = await startLocalStack({ port: 0 });
    starts.push(stack.timings.totalMs);
    boots.push(stack.timings.bootToHealthyMs);
    await stack.stop();
  }
  return { plan_wall_ms: plan, unit_policy_suites_wall_ms: suites, local_stack_cold_start_ms: { median: median(starts), boot_to_healthy_median: median(boots), runs: starts } };
}

async function suiteUnderHogs(hogs: number, threads: number, progress: (l: string) => void): Promise<SuiteUnderHogs> {
  progress(`npm run suite -- --suite all, beside ${hogs} CPU hogs`);
  const r = await withHogs(hogs, suiteAll);
  try {
    const doc = JSON.parse(r.stdout) as ResultsDocument;
    return {
      hogs,
      threads,
      exit_code: r.code,
      wall_ms: r.ms,
      summary: doc.summary,
      failed: doc.tests.filter((t) => t.status === "failed").map((t) => `${t.name}: ${t.error ?? ""}`),
      ...(doc.error ? { error: doc.error.message } : {}),
    };
  } catch {
    return { hogs, threads, exit_code: r.code, wall_ms: r.ms, failed: [], error: `no JSON document on stdout (${r.stdout.slice(0, 200)})` };
  }
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const before = loadavg()[0] ?? 0;
  const machine = hostMachine();
  const want = (s: Section) => o.sections.includes(s);
  const derivedSpec = deriveLaunchSpec({ instance: machine, reserveCores: CLIENT_CORES, model: { name: "m", file: "m.gguf" }, inference: { port: 0, ctxPerSlot: 2048, metrics: true }, apiKey: false });
  const result: BenchResult = {
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: machine.vcpu, physical_cores: machine.physicalCores, memory_gib: Math.round(totalmem() / 1024 ** 3), node: process.version, platform: `${process.platform}-${process.arch}` },
    measured_at: startedAt.toISOString(),
    load_average: { before, after: before },
    duration_s: 0,
  };
  if (want("loops")) Object.assign(result, await loops(o));
  if (want("launch")) {
    const candidates = launchCandidates(machine);
    const cells = await runLaunchMatrix({ candidates, users: o.users, hogs: o.hogs, durationS: o.loadDurationS, rounds: o.rounds, progress: o.progress });
    result.launch = {
      users: o.users,
      hogs: o.hogs,
      duration_s: o.loadDurationS,
      rounds: o.rounds,
      candidates,
      derived: candidateName({ threads: derivedSpec.threads, ...(derivedSpec.poll !== undefined ? { poll: derivedSpec.poll } : {}) }),
      slots: derivedSpec.parallel,
      cells,
      choice: chooseLaunch(cells, candidates),
    };
  }
  if (want("suite-hogs")) result.suite_under_hogs = await suiteUnderHogs(o.suiteHogs, derivedSpec.threads, o.progress);
  if (want("router")) result.router = await runRouterBench({ durationS: o.loadDurationS, rounds: o.rounds, progress: o.progress });
  if (want("rolling")) result.rolling = await runRollingBench({ progress: o.progress });
  if (want("scaling")) result.scaling = await runScalingBench(o.progress);
  if (want("ceiling")) {
    o.progress("runner ceiling against the loopback stub");
    result.runner_ceiling_rps = (await measureCeiling(3000)).rps;
  }
  if (want("cold-start")) result.cold_start = await runColdStart({ rounds: o.coldRounds, progress: o.progress });
  result.load_average.after = loadavg()[0] ?? 0;
  result.duration_s = Math.round((performance.now() - t0) / 1000);
  return result;
}
