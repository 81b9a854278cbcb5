/** The update plan: every resource's step from one plan of a stack to another, and what the update would break. */
import type { PlanResource, PlanResult } from "../plan";
import { type Action, diffPlans, type ResourceStep } from "./diff";
import { type Finding, findings } from "./findings";

export interface AgainstInfo {
  kind: "git" | "file";
  /** The ref or file as given. */
  ref: string;
  /** The commit a git ref resolved to. */
  commit?: string;
}

/** A resource's step as the plan reports it: the diff's step without labels, options and sources of disruption. */
export interface UpdateStep extends Pick<ResourceStep, "urn" | "type" | "name" | "action" | "changed" | "replaceReasons" | "deleteFirst" | "order" | "after"> {
  disruptive: Array<{ path: string; effect: string }>;
}

export interface UpdatePlan {
  stack: string;
  against: AgainstInfo;
  epoch: string;
  /** Every resource of both plans, in the order `up` runs the steps (same steps at order 0). */
  steps: UpdateStep[];
  findings: Finding[];
  /** The new side's own offline plan verdict. */
  plan: PlanResult["summary"];
  summary: Record<Action, number> & { mandatory: number; advisory: number; accepted: number; passed: boolean };
}

export const FINDING_RULES = ["replace-refused", "outage", "overlap", "data-loss"] as const;

/** `accept` lists rules whose findings the caller takes on knowingly (a one-node stack's outage): reported, not failing. */
export function updatePlan(before: { resources: PlanResource[] }, after: PlanResult, against: AgainstInfo, accept: string[] = []): UpdatePlan {
  const diff = diffPlans(before.resources, after.resources);
  const found = findings(diff).map((f) => (accept.includes(f.rule) && f.level === "mandatory" ? { ...f, level: "accepted" as const } : f));
  const count = (a: Action) => diff.steps.filter((s) => s.action === a).length;
  const mandatory = found.filter((f) => f.level === "mandatory").length;
  const advisory = found.filter((f) => f.level === "advisory").length;
  return {
    stack: after.stack,
    against,
    epoch: after.epoch,
    steps: diff.steps.map((s) => ({
      urn: s.urn, type: s.type, name: s.name, action: s.action, changed: s.changed, replaceReasons: s.replaceReasons,
      disruptive: s.disruptive.map((d) => ({ path: d.path, effect: d.effect })), deleteFirst: s.deleteFirst, order: s.order, after: s.after,
    })),
    findings: found,
    plan: after.summary,
    summary: {
      create: count("create"), update: count("update"), replace: count("replace"), delete: count("delete"), same: count("same"),
      mandatory, advisory, accepted: found.length - mandatory - advisory, passed: mandatory === 0 && after.summary.passed,
    },
  };
}
