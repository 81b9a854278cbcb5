/** The rolling update's benchmark as rows for the terminal table and as its section of docs/performance.md. */
import type { RollingBench, RollingPhase } from "./rolling";

export const ROLLING_HEAD = ["round", "phase", "seconds", "requests", "served whole", "streamed", "p50 ms", "p99 ms", "longest ms"];

export function rollingRows(r: RollingBench): string[][] {
  return r.phases.map((p) => [String(p.round), p.phase === "roll" ? "rolling update" : "no update", (p.duration_ms / 1000).toFixed(1), String(p.requests), String(p.served), String(p.streamed), String(p.p50_ms), String(p.p99_ms), String(p.longest_ms)]);
}

const table = (head: string[], rows: string[][]) => [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((x) => `| ${x.join(" | ")} |`)].join("\n");
const sum = (ps: RollingPhase[], k: "requests" | "served") => ps.reduce((n, p) => n + p[k], 0);

export function rollingMarkdown(r: RollingBench): string {
  const rolls = r.phases.filter((p) => p.phase === "roll");
  const steady = r.phases.filter((p) => p.phase === "steady");
  const [rollRequests, rollServed] = [sum(rolls, "requests"), sum(rolls, "served")];
  const [longestRoll, longestSteady] = [Math.max(...rolls.map((p) => p.longest_ms)), Math.max(...steady.map((p) => p.longest_ms))];
  const steps = rolls.flatMap((p) => p.steps ?? []);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const served = rollServed === rollRequests ? `every one of the ${rollRequests} requests sent during the rolling updates was served whole` : `${rollRequests - rollServed} of the ${rollRequests} requests sent during the rolling updates were not served whole`;
  return `## Rolling update under load (the local fleet of prod)

Prod's local fleet (\`npm run local -- --fleet --stack prod\`): ${r.base_nodes} base nodes and ${r.routers} routers behind the load
balancer stand-in, the tiny model. ${r.clients} clients send completions back to back through the load balancer, streamed and
non-streamed in turn (48 tokens each). In a rolling update each base node in turn drains (the drain agent tells every
router to send it nothing new; its requests finish), is replaced through the boot path, and the stack's own rollout gate
waits until every router sees it up before the next goes. "No update" is the same load for as long as the last roll
took. ${r.phases.length / 2} rounds, the order swapped in the second.

${table(ROLLING_HEAD, rollingRows(r))}

During the rolling updates ${served}; the longest wait was ${longestRoll} ms against ${longestSteady} ms with no update
(${longestSteady > 0 ? (longestRoll / longestSteady).toFixed(2) : "n/a"}x). Per node (median of ${steps.length}): drain ${(median(steps.map((s) => s.drainMs)) / 1000).toFixed(1)} s, replacement to healthy ${(median(steps.map((s) => s.replaceMs)) / 1000).toFixed(1)} s, gate
${(median(steps.map((s) => s.gateMs)) / 1000).toFixed(1)} s. Here a node boots in about a second from a cached model; in the clouds the replacement takes the
boot-to-healthy time (minutes), and the gate waits it out.
`;
}
