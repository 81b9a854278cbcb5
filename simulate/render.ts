/** The simulation as a table for people: one row per trace and pool, then each trace's checks. */
import type { SimulationDocument } from "./cli";

const pad = (s: string, n: number) => s.padEnd(n);

export function renderSimulation(doc: SimulationDocument): string {
  const lines = [`simulation of stack ${doc.stack}: pools ${doc.pools.map((p) => `${p.name} (${p.slotsPerNode} slots/node, ${p.maxSlots} slots at max)`).join(", ")}`, ""];
  const head = ["trace", "pool", "first slot (min)", "unmet (slot-min)", "above need (node-min)", "peak nodes", "cut", "refused launches"];
  const rows = doc.traces.flatMap((t) => t.pools.map((p) => [t.trace, p.pool, p.firstSlotMinutes === null ? "-" : String(p.firstSlotMinutes), String(p.unmetSlotMinutes), String(p.nodeMinutesAboveNeed), `${p.peakNodes}/${p.maxNodes}`, String(p.cutWhileServing), String(p.refusedLaunches)]));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  lines.push(head.map((h, i) => pad(h, widths[i] as number)).join("  "));
  for (const r of rows) lines.push(r.map((c, i) => pad(c, widths[i] as number)).join("  "));
  lines.push("");
  for (const t of doc.traces) {
    lines.push(`${t.trace}: ${t.description}; unmet overall ${t.unmetSlotMinutes} slot-minutes`);
    for (const c of t.checks) lines.push(`  ${c.passed ? "pass" : "FAIL"}  ${c.name}: ${c.detail}`);
  }
  lines.push("", doc.passed ? "every check passed" : `${doc.traces.flatMap((t) => t.checks).filter((c) => !c.passed).length} check(s) failed`);
  return lines.join("\n");
}
