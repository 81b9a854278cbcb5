// npm run bench [-- --runs N] [--duration S] [--output json|table] [--record]: measures the feedback loops and the local load.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runBench } from "../tests/bench/measure";
import { benchTables, performanceMarkdown } from "../tests/bench/report";

const ROOT = path.resolve(__dirname, "..");

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, duration: { type: "string", default: "10" }, output: { type: "string", default: "table" }, record: { type: "boolean", default: false } } });
  const runs = Number(values.runs);
  const duration = Number(values.duration);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 20) || !(duration >= 1 && duration <= 600) || !["json", "table"].includes(values.output)) {
    console.error("bench: --runs 1..20, --duration 1..600 seconds, --output json|table");
    return 3;
  }
  const result = await runBench({ runs, loadDurationS: duration, users: [1, 4, 8], progress: (l) => console.error(`bench: ${l}`) });
  mkdirSync(path.join(ROOT, "results"), { recursive: true });
  writeFileSync(path.join(ROOT, "results/bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  if (values.record) writeFileSync(path.join(ROOT, "docs/performance.md"), performanceMarkdown(result));
  console.log(values.output === "json" ? JSON.stringify(result, null, 2) : benchTables(result));
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exitCode = 2;
  },
);
