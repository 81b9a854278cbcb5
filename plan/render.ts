/** Renders an offline plan for people: resources by component, the cost estimate, the policy verdicts. */
import Table from "cli-table3";
import { HOURS_PER_MONTH } from "../infra/catalog";
import type { PlanResult } from "./plan";

const usd = (n: number) => `$${n.toFixed(n < 10 ? 3 : 2)}`;
/** Borders without a rule between every row. */
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };

/** The outermost of our components (hybrid:*) above a resource. */
function componentOf(urn: string, byUrn: Map<string, { type: string; name: string; parent?: string }>): string {
  let top: { type: string; name: string } | undefined;
  for (let cur = byUrn.get(urn); cur?.parent; ) {
    const parent = byUrn.get(cur.parent);
    if (!parent?.type.startsWith("hybrid:")) break;
    top = parent;
    cur = parent;
  }
  return top ? `${top.type} ${top.name}` : "(stack)";
}

export function renderTable(p: PlanResult): string {
  const out: string[] = [];
  const byUrn = new Map(p.resources.map((r) => [r.urn, r]));
  const groups = new Map<string, Map<string, number>>();
  for (const r of p.resources) {
    if (!r.parent || r.type.startsWith("hybrid:") || r.type.startsWith("pulumi:")) continue;
    const comp = componentOf(r.urn, byUrn);
    const g = groups.get(comp) ?? new Map<string, number>();
    g.set(r.type, (g.get(r.type) ?? 0) + 1);
    groups.set(comp, g);
  }
  out.push(`Offline plan of stack ${p.stack}: ${p.summary.resources} resources (mock runtime, no cloud calls)`);
  const res = new Table({ head: ["component", "resource type", "count"], chars: COMPACT, style: { head: [], border: [] } });
  for (const [comp, types] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    let first = true;
    for (const [type, n] of [...types].sort(([a], [b]) => a.localeCompare(b))) {
      res.push([first ? comp : "", type, String(n)]);
      first = false;
    }
  }
  out.push(res.toString());

  const cost = new Table({ head: ["cost (USD, from infra/catalog.ts)", "count", "unit /h", "kind"], chars: COMPACT, style: { head: [], border: [] } });
  for (const l of p.cost.lines) cost.push([`${l.what} (${l.name})`, String(l.count), usd(l.unitHourlyUsd), l.kind]);
  for (const u of p.cost.unpriced) cost.push([`${u.what} (${u.name})`, "?", "not in catalog", ""]);
  out.push(cost.toString());
  const totals = new Table({ head: ["", "hourly", "monthly (730 h)"], chars: COMPACT, style: { head: [], border: [] } });
  totals.push(["base (always on)", usd(p.cost.hourly.base), usd(p.cost.monthly.base)]);
  totals.push(["base + full burst", usd(p.cost.hourly.full), usd(p.cost.hourly.full * HOURS_PER_MONTH)]);
  out.push(totals.toString());

  if (p.providerErrors.length === 0) {
    out.push("Provider rules: every resource is one the providers accept.");
  } else {
    out.push(`Provider rules: ${p.providerErrors.length} failure${p.providerErrors.length === 1 ? "" : "s"} (the real CLI would fail at the phase shown)`);
    const e = new Table({ head: ["rule", "fails at", "resource", "field = value", "problem and source"], colWidths: [34, 9, 30, 34, 62], wordWrap: true, chars: COMPACT, style: { head: [], border: [] } });
    for (const x of p.providerErrors) e.push([x.rule, x.phase, `${x.type.split(":")[2] ?? x.type} ${x.resource}`, `${x.field} = ${JSON.stringify(x.value) ?? "unset"}`.slice(0, 200), `${x.message}. Source: ${x.source}`]);
    out.push(e.toString());
  }
  if (p.violations.length === 0) {
    out.push(`Policies: ${p.summary.policies} evaluated, no violations.`);
  } else {
    const v = new Table({ head: ["policy", "level", "resource", "message"], colWidths: [30, 13, 34, 70], wordWrap: true, chars: COMPACT, style: { head: [], border: [] } });
    for (const x of p.violations) v.push([x.policy, x.kind === "not-checkable" ? "not checkable" : x.enforcementLevel, x.urn ? x.urn.split("::").pop() ?? "" : "(stack)", x.message]);
    out.push(v.toString());
  }
  const s = p.summary;
  if (s.standInSecrets.length > 0) out.push(`Secrets given offline stand-ins: ${s.standInSecrets.join(", ")}`);
  out.push(`${s.passed ? "PASS" : "FAIL"}: ${s.providerErrors} provider errors, ${s.mandatory} mandatory, ${s.advisory} advisory, ${s.notCheckable} not checkable (${s.durationMs} ms)`);
  return out.join("\n");
}
