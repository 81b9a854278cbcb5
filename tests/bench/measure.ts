/**
 * The benchmark: wall times of the fast feedback loops and the local load figures. These are measurements,
 * never pass/fail: slowness is reported, not failed.
 */
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import * as path from "node:path";
import { startLocalStack } from "../../inference-image/local/stack";
import { Http } from "../suites/http";
import { measureCeiling } from "../suites/load/ceiling";
import { loadFigures, runLoad } from "../suites/load/generator";
import type { LoadResult } from "../suites/results";

const ROOT = path.resolve(__dirname, "../..");

export interface BenchOptions {
  runs: number;
  loadDurationS: number;
  users: number[];
  progress: (line: string) => void;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; memory_gib: number; node: string; platform: string };
  measured_at: string;
  plan_wall_ms: Record<string, { median: number; runs: number[] }>;
  unit_policy_suites_wall_ms: number;
  local_stack_cold_start_ms: { median: number; boot_to_healthy_median: number; runs: number[] };
  load: LoadResult[];
  /** Parallel slots of the local server during the load runs (from the launch spec for this machine). */
  server_slots: number;
  runner_ceiling_rps: number;
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

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const plan: BenchResult["plan_wall_ms"] = {};
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

  o.progress("starting the local stack for the load runs");
  const stack = await startLocalStack({ port: 0 });
  const load: LoadResult[] = [];
  const slots = stack.launch.parallel;
  try {
    for (const users of o.users) {
      o.progress(`load: ${users} users for ${o.loadDurationS} s`);
      const http = new Http(stack.baseUrl, undefined, users * 2);
      const stats = await runLoad(http, stack.model.name, { users, durationMs: o.loadDurationS * 1000, maxTokens: 32 });
      load.push(loadFigures(stats));
      await http.close();
    }
  } finally {
    await stack.stop();
  }
  o.progress("runner ceiling against the loopback stub");
  const ceiling = await measureCeiling(3000);

  return {
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memory_gib: Math.round(totalmem() / 1024 ** 3), node: process.version, platform: `${process.platform}-${process.arch}` },
    measured_at: new Date().toISOString(),
    plan_wall_ms: plan,
    unit_policy_suites_wall_ms: suites,
    local_stack_cold_start_ms: { median: median(starts), boot_to_healthy_median: median(boots), runs: starts },
    load,
    server_slots: slots,
    runner_ceiling_rps: ceiling.rps,
  };
}
