/** `npm run bench`: flags, the run, the outputs (results/bench.json, the table or JSON, and docs/performance.md with --record). */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { type BenchOptions, type BenchResult, runBench, type Section, SECTIONS } from "./measure";
import { benchTables, missingSections, performanceMarkdown } from "./report";

const ROOT = path.resolve(__dirname, "../..");

export const BENCH_USAGE = `usage: npm run bench -- [--runs N] [--duration S] [--rounds N] [--hogs LIST] [--suite-hogs N] [--cold-rounds N] [--sections LIST] [--output json|table] [--record]
Measures the feedback loops, the launch-spec candidates side by side (quiet and beside CPU hogs), --suite all beside
CPU hogs, the router on the local fleet (TTFT through it and direct; spill-over against the base alone), the
runner's ceiling, and the boot path's cold start with a 1 GiB model beside a bare rclone copy.
Writes results/bench.json; --record rewrites docs/performance.md.
  --runs N          runs per wall-time median, 1-20 (default 3)
  --duration S      seconds per load cell, 1-600 (default 5)
  --rounds N        rounds of the launch matrix and the router's cells, 1-9; each cell reports its median round (default 3)
  --hogs LIST       hog counts for the launch candidates, 0 = quiet (default 0,1)
  --users LIST      load users per cell (default 1,4,8)
  --suite-hogs N    hogs beside --suite all, 0-8 (default 2)
  --cold-rounds N   rounds of the cold-start steps, 1-15; each figure is the median (default 5)
  --sections LIST   any of ${SECTIONS.join(",")} (default all; --record needs all)
  --output json|table   what to print on stdout (default table)
Exit codes: 0 measured, 2 a measurement could not run, 3 a bad flag or value.`;

export interface BenchArgs extends Omit<BenchOptions, "progress"> {
  output: "json" | "table";
  record: boolean;
}

function list(flag: string, value: string, min: number, max: number): number[] {
  const xs = value.split(",").map((v) => Number(v.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < min || x > max)) throw new Error(`--${flag} must be a comma-separated list of integers from ${min} to ${max} (got ${value})`);
  return [...new Set(xs)];
}

/** Parses and checks the flags; a string is the usage error. */
export function parseBenchArgs(argv: string[]): BenchArgs | string {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        runs: { type: "string", default: "3" },
        duration: { type: "string", default: "5" },
        rounds: { type: "string", default: "3" },
        hogs: { type: "string", default: "0,1" },
        "suite-hogs": { type: "string", default: "2" },
        "cold-rounds": { type: "string", default: "5" },
        users: { type: "string", default: "1,4,8" },
        sections: { type: "string", default: SECTIONS.join(",") },
        output: { type: "string", default: "table" },
        record: { type: "boolean", default: false },
      },
    });
    const runs = Number(values.runs);
    if (!(Number.isInteger(runs) && runs >= 1 && runs <= 20)) return `--runs must be an integer from 1 to 20 (got ${values.runs})`;
    const duration = Number(values.duration);
    if (!(duration >= 1 && duration <= 600)) return `--duration must be seconds from 1 to 600 (got ${values.duration})`;
    const rounds = Number(values.rounds);
    if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 9)) return `--rounds must be an integer from 1 to 9 (got ${values.rounds})`;
    const suiteHogs = Number(values["suite-hogs"]);
    if (!(Number.isInteger(suiteHogs) && suiteHogs >= 0 && suiteHogs <= 8)) return `--suite-hogs must be an integer from 0 to 8 (got ${values["suite-hogs"]})`;
    const coldRounds = Number(values["cold-rounds"]);
    if (!(Number.isInteger(coldRounds) && coldRounds >= 1 && coldRounds <= 15)) return `--cold-rounds must be an integer from 1 to 15 (got ${values["cold-rounds"]})`;
    if (values.output !== "json" && values.output !== "table") return `--output must be json or table (got ${values.output})`;
    const sections = values.sections.split(",").map((s) => s.trim());
    const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length) return `--sections must name some of ${SECTIONS.join(", ")} (got ${unknown.join(", ")})`;
    if (values.record && sections.length < SECTIONS.length) return "--record rewrites docs/performance.md whole, so it needs every section (leave --sections out)";
    const hogs = list("hogs", values.hogs, 0, 8).sort((a, b) => a - b);
    if (!hogs.includes(0)) return "--hogs must include 0: the quiet machine is the baseline";
    return {
      runs,
      loadDurationS: duration,
      rounds,
      users: list("users", values.users, 1, 256).sort((a, b) => a - b),
      hogs,
      suiteHogs,
      coldRounds,
      sections: sections as Section[],
      output: values.output,
      record: values.record,
    };
  } catch (e) {
    return (e as Error).message;
  }
}

export async function benchCli(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const args = parseBenchArgs(argv);
  if (typeof args === "string") {
    io.stderr(`bench: ${args}\n${BENCH_USAGE}\n`);
    return 3;
  }
  let result: BenchResult;
  try {
    result = await runBench({ ...args, progress: (l) => io.stderr(`bench: ${l}\n`) });
  } catch (e) {
    io.stderr(`bench: ${(e as Error).message}\n`);
    return 2;
  }
  mkdirSync(path.join(ROOT, "results"), { recursive: true });
  writeFileSync(path.join(ROOT, "results/bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  if (args.record) {
    const missing = missingSections(result);
    if (missing.length) {
      io.stderr(`bench: not recording: missing ${missing.join(", ")}\n`);
      return 2;
    }
    writeFileSync(path.join(ROOT, "docs/performance.md"), performanceMarkdown(result));
    io.stderr("bench: wrote docs/performance.md\n");
  }
  io.stdout(`${args.output === "json" ? JSON.stringify(result, null, 2) : benchTables(result)}\n`);
  return 0;
}
