/** The benchmark as tables for the terminal and as the whole of docs/performance.md. */
import Table from "cli-table3";
import { coldStartMarkdown, coldStartTable } from "./cold-start-report";
import type { MatrixCell } from "./launch-matrix";
import type { BenchResult } from "./measure";
import { routerMarkdown, routerRows, SPILL_HEAD, TTFT_HEAD } from "./router-report";
import { ROLLING_HEAD, rollingMarkdown, rollingRows } from "./rolling-report";
import { SCALING_HEAD, scalingMarkdown, scalingRows } from "./scaling-report";

const plain = { style: { head: [], border: [] } };
const condition = (hogs: number) => (hogs === 0 ? "quiet" : `${hogs} hog${hogs > 1 ? "s" : ""}`);

function cellOf(cells: MatrixCell[], candidate: string, hogs: number, users: number): MatrixCell | undefined {
  return cells.find((c) => c.candidate === candidate && c.hogs === hogs && c.users === users);
}

/** Candidates as rows; per user count and condition: req/s and p99 ms side by side. */
function matrixRows(l: NonNullable<BenchResult["launch"]>): { head: string[]; rows: string[][] } {
  const head = ["settings"];
  for (const users of l.users) for (const hogs of l.hogs) head.push(`${users} user${users > 1 ? "s" : ""} ${condition(hogs)}: req/s`, "p99 ms");
  const rows = l.candidates.map((c) => {
    const row = [`${c.name}${c.name === l.derived ? " (derived)" : ""}${c.name === l.choice.chosen ? " (chosen)" : ""}`];
    for (const users of l.users)
      for (const hogs of l.hogs) {
        const f = cellOf(l.cells, c.name, hogs, users)?.figures;
        row.push(f ? String(f.requests_per_second) : "-", f ? String(f.p99_latency_ms) : "-");
      }
    return row;
  });
  return { head, rows };
}

export function benchTables(b: BenchResult): string {
  const out: string[] = [];
  const loops = new Table({ ...plain, head: ["loop", "wall time"] });
  for (const [stack, p] of Object.entries(b.plan_wall_ms ?? {})) loops.push([`offline plan --stack ${stack} (median of ${p.runs.length})`, `${p.median} ms`]);
  if (b.unit_policy_suites_wall_ms !== undefined) loops.push(["unit + policy + plan suites (vitest)", `${b.unit_policy_suites_wall_ms} ms`]);
  const cold = b.local_stack_cold_start_ms;
  if (cold) loops.push([`local stack cold start, cached binary (median of ${cold.runs.length})`, `${cold.median} ms (boot to healthy ${cold.boot_to_healthy_median} ms)`]);
  if (b.runner_ceiling_rps !== undefined) loops.push(["runner ceiling (loopback stub)", `${b.runner_ceiling_rps} req/s`]);
  out.push(loops.toString());
  if (b.launch) {
    const { head, rows } = matrixRows(b.launch);
    const t = new Table({ ...plain, head });
    for (const r of rows) t.push(r);
    out.push(t.toString(), `chosen: ${b.launch.choice.chosen}; derived for this machine: ${b.launch.derived}. ${b.launch.choice.reason}`);
  }
  if (b.router) {
    const rows = routerRows(b.router);
    const ttft = new Table({ ...plain, head: TTFT_HEAD });
    for (const r of rows.ttft) ttft.push(r);
    const spill = new Table({ ...plain, head: SPILL_HEAD });
    for (const r of rows.spill) spill.push(r);
    out.push(ttft.toString(), `the router adds ${b.router.ttft.added_p50_ms} ms to TTFT at p50, ${b.router.ttft.added_p99_ms} ms at p99`, spill.toString(), `spill-over: ${b.router.spill.gain}x the base alone's throughput`);
  }
  if (b.rolling) {
    const t = new Table({ ...plain, head: ROLLING_HEAD });
    for (const r of rollingRows(b.rolling)) t.push(r);
    out.push(t.toString());
  }
  for (const doc of b.scaling ?? []) {
    const t = new Table({ ...plain, head: [`${doc.stack}: ${SCALING_HEAD[0]}`, ...SCALING_HEAD.slice(1)] });
    for (const r of scalingRows(doc)) t.push(r);
    out.push(t.toString());
  }
  const s = b.suite_under_hogs;
  if (s) out.push(`--suite all beside ${s.hogs} CPU hogs (threads ${s.threads}): exit ${s.exit_code}, ${s.summary ? `${s.summary.passed}/${s.summary.total} passed` : "no summary"}, ${(s.wall_ms / 1000).toFixed(1)} s${s.error ? `; ${s.error}` : ""}${s.failed.length ? `; failed: ${s.failed.join(" | ")}` : ""}`);
  if (b.cold_start) out.push(coldStartTable(b.cold_start));
  out.push(`load average (1 min) before ${b.load_average.before.toFixed(2)}, after ${b.load_average.after.toFixed(2)}; ${b.duration_s} s`);
  return out.join("\n");
}

/** Every section must have been measured: the document is rewritten whole. */
export function missingSections(b: BenchResult): string[] {
  const missing: string[] = [];
  if (!b.plan_wall_ms || b.unit_policy_suites_wall_ms === undefined || !b.local_stack_cold_start_ms) missing.push("loops");
  if (!b.launch) missing.push("launch");
  if (!b.suite_under_hogs) missing.push("suite-hogs");
  if (!b.router) missing.push("router");
  if (!b.rolling) missing.push("rolling");
  if (!b.scaling) missing.push("scaling");
  if (b.runner_ceiling_rps === undefined) missing.push("ceiling");
  if (!b.cold_start) missing.push("cold-start");
  return missing;
}

export function performanceMarkdown(b: BenchResult): string {
  const missing = missingSections(b);
  const { plan_wall_ms: plan, unit_policy_suites_wall_ms: suites, local_stack_cold_start_ms: cold, launch: l, suite_under_hogs: s, router, rolling, scaling, runner_ceiling_rps: ceiling, cold_start: coldStart } = b;
  if (missing.length > 0 || !plan || suites === undefined || !cold || !l || !s || !router || !rolling || !scaling || ceiling === undefined || !coldStart) throw new Error(`performance.md needs every section; missing: ${missing.join(", ")}`);
  const m = b.machine;
  const { head, rows } = matrixRows(l);
  const matrix = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const most = Math.max(...l.hogs);
  const summary = [
    `| settings | quiet: mean req/s | quiet: worst p99 ms | ${condition(most)}: mean req/s | ${condition(most)}: worst p99 ms |`,
    "|---|---|---|---|---|",
    ...l.choice.summaries.map((x) => `| ${x.candidate} | ${x.quietRps} | ${x.quietP99} | ${x.contendedRps} | ${x.contendedP99} |`),
  ].join("\n");
  const defaults = l.cells.filter((c) => c.candidate === l.derived && c.hogs === 0).map((c) => c.figures);
  const loadRows = defaults.map((f) => `| ${f.users} | ${f.requests_per_second} | ${f.p50_latency_ms} | ${f.p95_latency_ms} | ${f.p99_latency_ms} | ${f.ttft_p50_ms} | ${f.ttft_p95_ms} | ${f.itl_p50_ms} | ${f.itl_p95_ms} | ${f.output_tokens_per_second} | ${f.errors}/${f.requests} |`);
  const agree = l.derived === l.choice.chosen;
  const suiteLine = `exit code **${s.exit_code}**, ${s.summary ? `${s.summary.passed} of ${s.summary.total} tests passed (${s.summary.failed} failed, ${s.summary.skipped} skipped)` : "no results document"} in ${(s.wall_ms / 1000).toFixed(1)} s`;
  return `# Performance

Figures from \`npm run bench -- --record\`, which rewrites this file. They are measurements, not tests: nothing fails
for being slow. Compare runs on the same machine only; every comparison below was measured side by side in one run.

Machine: ${m.cpu}, ${m.cores} vCPUs on ${m.physical_cores} physical cores, ${m.memory_gib} GiB, Node ${m.node}, ${m.platform}.
Measured ${b.measured_at.slice(0, 10)} in ${b.duration_s} s; 1-minute load average ${b.load_average.before.toFixed(2)} before the run and
${b.load_average.after.toFixed(2)} after it (the benchmark's own load included), so other work shared the machine when the
first figure is well above 0.

## Feedback loops

| loop | wall time |
|---|---|
${Object.entries(plan).map(([st, p]) => `| offline plan, \`--stack ${st}\` (median of ${p.runs.length}) | ${p.median} ms |`).join("\n")}
| unit + policy + plan suites (\`vitest run tests/infra tests/policies tests/plan\`) | ${suites} ms |
| local stack cold start with the cached llama-server (median of ${cold.runs.length}) | ${cold.median} ms |
| of which the boot path, process start to \`/health\` 200 | ${cold.boot_to_healthy_median} ms |

## The launch spec: threads and polling, quiet and beside a CPU hog

Each setting ran as its own local stack (the real boot path, ${l.slots} slots, the tiny test model), all of them up for
the whole run and taking turns cell by cell; every cell is ${l.duration_s} s of streaming chat users (32 tokens per
request) from the runner's load generator, first on the quiet machine, then with ${most} process${most > 1 ? "es" : ""} spinning on a core
beside it. The whole matrix ran ${l.rounds} time${l.rounds > 1 ? "s" : ""}; each cell shows its median round. Throughput is successful requests per
second over the load window; p99 is end-to-end latency.

${matrix}

${summary}

**Chosen: ${l.choice.chosen}.** ${l.choice.reason}

\`deriveLaunchSpec\` gives this machine **${l.derived}** (one thread per physical core, less the one core the runner
needs): ${agree ? "the measured choice." : `**not the measured choice (${l.choice.chosen})**; the rule in \`infra/inference/launch.ts\` needs another look.`}

Why, and what it means for the fleet:

- llama.cpp's worker threads meet at a barrier after every operation of the graph and wait there by spinning. With
  one thread per vCPU, a thread whose core is taken by anything else (the client, a hog, a noisy neighbour, the SMT
  sibling's work) holds all the others spinning; the figures beside the hog show how much that costs. One thread per
  core that is actually free avoids it, and on this machine it does not lose when the machine is quiet.
- \`--poll\` does not change this: both llama-server builds this project runs (the local build and the official
  \`server\` image) use OpenMP, and with OpenMP ggml waits in \`#pragma omp barrier\` and never reads the poll level
  (\`ggml/src/ggml-cpu/ggml-cpu.c\`). The poll-0 rows measure that; the launch spec leaves \`--poll\` at its default and
  the boot path carries \`HI_POLL\` only for measurements like this one.
- On a fleet node llama-server has the machine to itself, so the spec uses every physical core: \`infra/cpu-topology.ts\`
  records threads per core per instance type, with its source (r6a, r7i, n2d, e2 and Hetzner run two vCPUs per core;
  r7a and m7a one), and \`--threads\` = \`--threads-batch\` = physical cores: 1 on r6a.large or n2d-highmem-2, 2 on r7a.large.

## \`--suite all\` beside ${s.hogs} CPU hogs

\`npm run suite -- --suite all\` (its own local stack, ${s.threads} thread${s.threads > 1 ? "s" : ""} from the launch spec), with ${s.hogs} processes spinning
beside it: ${suiteLine}.${s.error ? ` Error: ${s.error}.` : ""}${s.failed.length ? `\n\nFailed: ${s.failed.map((f) => `\`${f}\``).join("; ")}.` : ""}

## Local load with the derived settings (tiny test model, streaming chat, 32 tokens per request, quiet machine)

The tiny model (2 layers, 64-wide, about 5 MB) makes these figures a measure of llama-server's HTTP and scheduling
overhead, not of inference. They show the harness works and where its ceiling is; a real model's figures come from
running the load suite against staging. The server ran ${l.slots} slots, so beyond ${l.slots} users requests queue: throughput
stays flat and TTFT grows with the queue. The runner shares the machine's ${m.cores} vCPUs with the server.

| users | req/s | p50 ms | p95 ms | p99 ms | TTFT p50 ms | TTFT p95 ms | ITL p50 ms | ITL p95 ms | output tok/s | errors |
|---|---|---|---|---|---|---|---|---|---|---|
${loadRows.join("\n")}

Runner ceiling: **${ceiling} req/s** against a loopback stub (32 users), so the runner is never the
bottleneck of the figures above.

${routerMarkdown(router, m.cores)}

${rollingMarkdown(rolling)}

${scalingMarkdown(scaling)}

${coldStartMarkdown(coldStart)}`;
}
