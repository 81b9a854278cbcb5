/** The update plan for people: each step that changes something, in order, with why; then the findings. */
import Table from "cli-table3";
import type { UpdatePlan } from "./update-plan";

const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
const short = (type: string) => type.split(":").slice(-1)[0] ?? type;

export function renderUpdate(u: UpdatePlan): string {
  const out: string[] = [];
  const against = u.against.kind === "git" ? `${u.against.ref} (${u.against.commit?.slice(0, 12)})` : u.against.ref;
  out.push(`Update plan of stack ${u.stack} against ${against}: what the next pulumi up does (epoch ${u.epoch})`);
  const t = new Table({ head: ["step", "action", "resource", "why"], colWidths: [6, 9, 58, 70], wordWrap: true, chars: COMPACT, style: { head: [], border: [] } });
  for (const s of u.steps) {
    if (s.action === "same") continue;
    const why =
      s.action === "replace" ? `${s.replaceReasons.map((r) => `${r.path} (${r.kind})`).join(", ")}${s.deleteFirst ? "; old one deleted first" : "; new one created first"}`
      : s.action === "update" ? `${s.changed.join(", ")}${s.disruptive.length ? `; stops it: ${s.disruptive.map((d) => d.effect).join("; ")}` : ""}`
      : s.action === "delete" ? "no longer in the program (deleted after every other step)"
      : "new";
    t.push([String(s.order), s.action, `${short(s.type)} ${s.name}`, why]);
  }
  out.push(t.length > 0 ? t.toString() : "No resource changes.");
  const s = u.summary;
  out.push(`${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.same} unchanged.`);
  if (u.findings.length === 0) out.push("Update findings: none (no refused replacement, no outage, no lost data).");
  else {
    const f = new Table({ head: ["level", "rule", "finding"], colWidths: [11, 17, 115], wordWrap: true, chars: COMPACT, style: { head: [], border: [] } });
    for (const x of u.findings) f.push([x.level, x.rule, `${x.message}${x.source ? `. Source: ${x.source}` : ""}`]);
    out.push(f.toString());
  }
  out.push(`New plan: ${u.plan.passed ? "passes" : `fails (${u.plan.providerErrors} provider errors, ${u.plan.mandatory} mandatory violations; run without --against for details)`}.`);
  out.push(u.summary.passed ? "PASSED" : "FAILED");
  return out.join("\n");
}
