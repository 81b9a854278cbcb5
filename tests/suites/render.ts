/** Text output for people: one line per test as it finishes, then a summary and the load figures. */
import Table from "cli-table3";
import type { ResultsDocument, TestResult } from "./results";

const MARK = { passed: "PASS", failed: "FAIL", skipped: "SKIP" } as const;

export function resultLine(r: TestResult): string {
  const detail = r.status === "passed" ? "" : `  ${r.error ?? ""}`;
  return `${MARK[r.status]}  ${r.name}  (${r.duration.toFixed(2)} s)${detail}`;
}

export function renderText(doc: ResultsDocument): string {
  const lines: string[] = [];
  if (doc.error && doc.tests.length === 0) {
    lines.push(`${doc.error.kind} error: ${doc.error.message}`);
  } else {
    if (doc.error) lines.push(`${doc.error.kind} error: ${doc.error.message}`);
    const s = doc.summary;
    lines.push(`\n${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped of ${s.total} in ${s.duration_seconds.toFixed(1)} s against ${doc.target?.base_url ?? "?"} (${doc.target?.kind ?? "?"})`);
    for (const t of doc.tests.filter((x) => x.status === "failed")) lines.push(`  failed: ${t.name}: ${t.error ?? ""}`);
  }
  const l = doc.load_test;
  if (l) {
    const table = new Table({ style: { head: [], border: [] }, head: ["users", "req/s", "p50 ms", "p95 ms", "p99 ms", "TTFT p50", "TTFT p95", "ITL p50", "ITL p95", "out tok/s", "errors", "runner ceiling req/s"] });
    table.push([l.users, l.requests_per_second, l.p50_latency_ms, l.p95_latency_ms, l.p99_latency_ms, l.ttft_p50_ms, l.ttft_p95_ms, l.itl_p50_ms, l.itl_p95_ms, l.output_tokens_per_second, `${l.errors}/${l.requests}`, l.runner_ceiling_rps ?? "-"]);
    lines.push(table.toString());
  }
  lines.push(`exit code ${doc.exit_code}`);
  return lines.join("\n");
}
