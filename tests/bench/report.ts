/** The benchmark as tables for the terminal and as the body of docs/performance.md. */
import Table from "cli-table3";
import type { BenchResult } from "./measure";

const plain = { style: { head: [], border: [] } };

export function benchTables(b: BenchResult): string {
  const loops = new Table({ ...plain, head: ["loop", "wall time"] });
  for (const [stack, p] of Object.entries(b.plan_wall_ms)) loops.push([`offline plan --stack ${stack} (median of ${p.runs.length})`, `${p.median} ms`]);
  loops.push(["unit + policy + plan suites (vitest)", `${b.unit_policy_suites_wall_ms} ms`]);
  loops.push([`local stack cold start, cached binary (median of ${b.local_stack_cold_start_ms.runs.length})`, `${b.local_stack_cold_start_ms.median} ms (boot to healthy ${b.local_stack_cold_start_ms.boot_to_healthy_median} ms)`]);
  loops.push(["runner ceiling (loopback stub)", `${b.runner_ceiling_rps} req/s`]);
  const load = new Table({ ...plain, head: ["users", "req/s", "p50 ms", "p95 ms", "p99 ms", "TTFT p50", "TTFT p95", "ITL p50", "ITL p95", "out tok/s", "errors"] });
  for (const l of b.load) load.push([l.users, l.requests_per_second, l.p50_latency_ms, l.p95_latency_ms, l.p99_latency_ms, l.ttft_p50_ms, l.ttft_p95_ms, l.itl_p50_ms, l.itl_p95_ms, l.output_tokens_per_second, `${l.errors}/${l.requests}`]);
  return `${loops.toString()}\n${load.toString()}`;
}

export function performanceMarkdown(b: BenchResult): string {
  const m = b.machine;
  const rows = b.load.map((l) => `| ${l.users} | ${l.requests_per_second} | ${l.p50_latency_ms} | ${l.p95_latency_ms} | ${l.p99_latency_ms} | ${l.ttft_p50_ms} | ${l.ttft_p95_ms} | ${l.itl_p50_ms} | ${l.itl_p95_ms} | ${l.output_tokens_per_second} | ${l.errors}/${l.requests} |`);
  const plan = Object.entries(b.plan_wall_ms).map(([s, p]) => `| offline plan, \`--stack ${s}\` (median of ${p.runs.length}) | ${p.median} ms |`);
  return `# Performance

Figures from \`npm run bench -- --record\`, which rewrites this file. They are measurements, not tests: nothing fails
for being slow. Compare runs on the same machine only.

Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, Node ${m.node}, ${m.platform}. Measured ${b.measured_at.slice(0, 10)}.

## Feedback loops

| loop | wall time |
|---|---|
${plan.join("\n")}
| unit + policy + plan suites (\`vitest run tests/infra tests/policies tests/plan\`) | ${b.unit_policy_suites_wall_ms} ms |
| local stack cold start with the cached llama-server (median of ${b.local_stack_cold_start_ms.runs.length}) | ${b.local_stack_cold_start_ms.median} ms |
| of which the boot path, process start to \`/health\` 200 | ${b.local_stack_cold_start_ms.boot_to_healthy_median} ms |

## Local load (tiny test model, streaming chat, 32 tokens per request)

The tiny model (2 layers, 64-wide, about 5 MB) makes these figures a measure of llama-server's HTTP and scheduling
overhead, not of inference. They show the harness works and where its ceiling is; a real model's figures come from
running the load suite against staging. The server ran ${b.server_slots} slots (the launch spec for this machine),
so beyond ${b.server_slots} users requests queue: throughput stays flat and TTFT grows with the queue. The runner
shares the machine's ${m.cores} cores with the server.

| users | req/s | p50 ms | p95 ms | p99 ms | TTFT p50 ms | TTFT p95 ms | ITL p50 ms | ITL p95 ms | output tok/s | errors |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

Runner ceiling: **${b.runner_ceiling_rps} req/s** against a loopback stub (32 users), so the runner is never the
bottleneck of the figures above.
`;
}
