/**
 * What `pulumi up` does to each resource when a stack moves from one plan to another: the engine's step per URN
 * (create, update, replace, delete, same), for a replacement the fields that force it (plan/force-new.ts) and whether
 * the old one goes first, and the order steps run in. Semantics: docs/architecture.md, "The update plan".
 */
import type { PlanResource } from "../plan";
import { type DisruptivePath, type ReplaceReason, replaceReasons, typeSpec } from "../force-new";

export type Action = "create" | "update" | "replace" | "delete" | "same";

export interface ResourceStep {
  urn: string;
  type: string;
  name: string;
  action: Action;
  /** Top-level inputs that differ (secrets compare by digest). */
  changed: string[];
  /** For a replacement: the fields that force it. */
  replaceReasons: ReplaceReason[];
  /** In-place changes that stop the resource (a Hetzner type change powers the server off). */
  disruptive: DisruptivePath[];
  /** A replacement that deletes the old resource before it creates the new one (deleteBeforeReplace). */
  deleteFirst: boolean;
  /** 1 for the first steps; a step runs after every changed resource it depends on (0: same). Deletes come last. */
  order: number;
  /** Changed resources this step waits for, directly or through unchanged ones. */
  after: string[];
  labels?: Record<string, string>;
  options: PlanResource["options"];
  autonamed?: string;
  inputs: { before?: Record<string, unknown>; after?: Record<string, unknown> };
  dependencies: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const COMMAND = /^command:(local|remote):Command$/;

function changedKeys(before: PlanResource, after: PlanResource): string[] {
  const ignored = new Set(after.options.ignoreChanges);
  const keys = new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)]);
  return [...keys].filter((k) => !ignored.has(k) && !same(before.inputs[k], after.inputs[k])).sort();
}

function stepOf(before: PlanResource | undefined, after: PlanResource): Omit<ResourceStep, "order" | "after"> {
  const base = {
    urn: after.urn, type: after.type, name: after.name, options: after.options, dependencies: after.dependencies,
    ...(after.autonamed ? { autonamed: after.autonamed } : {}),
    ...(isLabels(after.inputs.labels) ? { labels: after.inputs.labels } : {}),
  };
  if (!before) return { ...base, action: "create", changed: [], replaceReasons: [], disruptive: [], deleteFirst: false, inputs: { after: after.inputs } };
  const changed = changedKeys(before, after);
  const ignored = new Set(after.options.ignoreChanges);
  const reasons = changed.length === 0 ? [] : replaceReasons(after.type, before.inputs, after.inputs, after.options.replaceOnChanges).filter((r) => !ignored.has(r.path.split(".")[0] as string));
  const disruptive = reasons.length > 0 ? [] : (typeSpec(after.type)?.disruptive ?? []).filter((d) => changed.includes(d.path.split(".")[0] as string));
  const action: Action = reasons.length > 0 ? "replace" : changed.length > 0 ? "update" : "same";
  return { ...base, action, changed, replaceReasons: reasons, disruptive, deleteFirst: action === "replace" && after.options.deleteBeforeReplace, inputs: { before: before.inputs, after: after.inputs } };
}

function isLabels(v: unknown): v is Record<string, string> {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** A step that does something at `up` (an updated command runs its create again). */
export function runs(s: Pick<ResourceStep, "action" | "type">): boolean {
  return s.action === "create" || s.action === "replace" || (s.action === "update" && COMMAND.test(s.type));
}

export interface Diff {
  steps: ResourceStep[];
  byUrn: Map<string, ResourceStep>;
}

/** Every resource's step, in the order `up` runs them. */
export function diffPlans(before: PlanResource[], after: PlanResource[]): Diff {
  const old = new Map(before.map((r) => [r.urn, r]));
  const now = new Map(after.map((r) => [r.urn, r]));
  const partial = new Map<string, Omit<ResourceStep, "order" | "after">>();
  for (const r of after) partial.set(r.urn, stepOf(old.get(r.urn), r));


  // order(r) = the largest order among its dependencies, plus one when r itself changes.
  const order = new Map<string, number>();
  const waits = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const visit = (urn: string): number => {
    const known = order.get(urn);
    if (known !== undefined) return known;
    const s = partial.get(urn);
    if (!s || visiting.has(urn)) return 0;
    visiting.add(urn);
    let max = 0;
    const w = new Set<string>();
    for (const d of s.dependencies) {
      if (!partial.has(d)) continue;
      max = Math.max(max, visit(d));
      const ds = partial.get(d) as Omit<ResourceStep, "order" | "after">;
      if (ds.action !== "same") w.add(d);
      else for (const x of waits.get(d) ?? []) w.add(x);
    }
    visiting.delete(urn);
    const n = s.action === "same" ? max : max + 1;
    order.set(urn, n);
    waits.set(urn, w);
    return n;
  };
  for (const urn of partial.keys()) visit(urn);
  const last = Math.max(0, ...order.values()) + 1;

  const steps: ResourceStep[] = [...partial.values()].map((s) => ({ ...s, order: order.get(s.urn) ?? 0, after: [...(waits.get(s.urn) ?? [])].sort() }));
  for (const r of before) {
    if (now.has(r.urn)) continue;
    steps.push({
      urn: r.urn, type: r.type, name: r.name, action: "delete", changed: [], replaceReasons: [], disruptive: [], deleteFirst: false,
      order: last, after: [], options: r.options, dependencies: r.dependencies, inputs: { before: r.inputs },
      ...(isLabels(r.inputs.labels) ? { labels: r.inputs.labels } : {}),
    });
  }
  steps.sort((a, b) => a.order - b.order || a.urn.localeCompare(b.urn));
  return { steps, byUrn: new Map(steps.map((s) => [s.urn, s])) };
}
