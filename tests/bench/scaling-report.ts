/** The simulated scaling as its section of docs/performance.md: per stack, trace and pool, and what the checks say. */
import type { SimulationDocument } from "../../simulate/cli";

export const SCALING_HEAD = ["trace", "pool", "first slot (min)", "unmet (slot-min)", "above need (node-min)", "peak / max nodes", "cut"];

export function scalingRows(doc: SimulationDocument): string[][] {
  return doc.traces.flatMap((t) => t.pools.map((p) => [t.trace, p.pool, p.firstSlotMinutes === null ? "-" : String(p.firstSlotMinutes), String(p.unmetSlotMinutes), String(p.nodeMinutesAboveNeed), `${p.peakNodes} / ${p.maxNodes}`, String(p.cutWhileServing)]));
}

const table = (head: string[], rows: string[][]) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((x) => `| ${x.join(" | ")} |`)].join("\n");

function verdict(doc: SimulationDocument): string {
  const failed = doc.traces.flatMap((t) => t.checks.filter((c) => !c.passed).map((c) => `${t.trace}: ${c.name} (${c.detail})`));
  if (failed.length === 0) return `Every check passed on all ${doc.traces.length} traces.`;
  return `${failed.length} check(s) failed: ${failed.join("; ")}.`;
}

function slowest(doc: SimulationDocument): string {
  const firsts = doc.traces.flatMap((t) => t.pools.filter((p) => p.firstSlotMinutes !== null).map((p) => ({ trace: t.trace, pool: p.pool, m: p.firstSlotMinutes as number })));
  if (firsts.length === 0) return "No pool served a burst slot.";
  const worst = firsts.reduce((a, b) => (b.m > a.m ? b : a));
  const best = firsts.reduce((a, b) => (b.m < a.m ? b : a));
  return `The first burst slot came after ${best.m} to ${worst.m} minutes (slowest: ${worst.pool} in ${worst.trace}).`;
}

export function scalingMarkdown(docs: SimulationDocument[]): string {
  const sections = docs.map((d) => `### ${d.stack}

Pools (cheapest first): ${d.pools.map((p) => `${p.name}, ${p.slotsPerNode} slots per node, ${p.maxSlots} at most`).join("; ")}.

${table(SCALING_HEAD, scalingRows(d))}

${verdict(d)} ${slowest(d)}`);
  return `## Scaling, simulated (\`npm run simulate\`)

Demand traces replayed against each stack's own alarms, policies and autoscaler with the clouds' documented semantics
(docs/architecture.md, "The scaling, simulated"). These are simulated minutes, not measurements of this machine; the
boot-to-healthy times are assumptions (AWS 200 s, GCP 170 s). "Unmet" counts the slot-minutes a pool was asked for
and did not serve; "above need" the node-minutes billed beyond ceil(demand / slots), holding nodes through the quiet
period included.

${sections.join("\n\n")}
`;
}
