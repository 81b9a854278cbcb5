/**
 * Which input changes make a provider replace a resource, from plan/generated/force-new.json (read from the
 * providers' sources, each path cited). The mock gives a replaced resource new cloud-assigned ids and addresses
 * through `replacementKey`, and the update plan names the fields that force a replacement through `replaceReasons`.
 */
import data from "./generated/force-new.json";

export interface ForceNewPath {
  path: string;
  kind: string;
  source: string;
}
export interface ConditionalPath {
  path: string;
  condition: string;
  source: string;
}
export interface DisruptivePath {
  path: string;
  effect: string;
  source: string;
}
export interface TypeSpec {
  tf: string;
  forceNew: ForceNewPath[];
  conditional?: ConditionalPath[];
  disruptive?: DisruptivePath[];
  /** Replacements the clock decides from an output (a certificate inside its renewal window): no input diff shows them. */
  clock?: Array<{ output: string; condition: string; source: string }>;
  notes?: string[];
}

export const FORCE_NEW = data as unknown as { sdks: Record<string, string>; types: Record<string, TypeSpec> };

export function typeSpec(type: string): TypeSpec | undefined {
  return FORCE_NEW.types[type];
}

/** The value at a dotted input path; a list maps over its elements (nested blocks are lists in the providers). */
export function project(value: unknown, path: string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => project(v, path));
  if (value && typeof value === "object") return project((value as Record<string, unknown>)[path[0] as string], path.slice(1));
  return undefined;
}

/** A block whose own fields are listed separately replaces only when it appears, goes, or its element count changes. */
function compared(spec: TypeSpec, path: string, value: unknown): unknown {
  const isBlock = spec.forceNew.some((f) => f.path.startsWith(`${path}.`));
  if (!isBlock) return value ?? null;
  if (Array.isArray(value)) return { count: value.length };
  return value === undefined || value === null ? null : { present: true };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface ReplaceReason {
  path: string;
  /** ForceNew, RequiresReplace, conditional (decided in the provider's diff code), replaceOnChanges (the program's option). */
  kind: string;
  source: string;
}

/** The fields whose change makes the provider (or the program's replaceOnChanges) replace the resource. */
export function replaceReasons(type: string, before: Record<string, unknown>, after: Record<string, unknown>, replaceOnChanges: string[] = []): ReplaceReason[] {
  const spec = typeSpec(type);
  const reasons: ReplaceReason[] = [];
  for (const f of spec?.forceNew ?? []) {
    const segs = f.path.split(".");
    if (!same(compared(spec as TypeSpec, f.path, project(before, segs)), compared(spec as TypeSpec, f.path, project(after, segs)))) reasons.push({ path: f.path, kind: f.kind, source: f.source });
  }
  for (const c of spec?.conditional ?? []) {
    const segs = c.path.split(".");
    if (!same(project(before, segs) ?? null, project(after, segs) ?? null)) reasons.push({ path: c.path, kind: "conditional", source: `${c.condition} (${c.source})` });
  }
  for (const k of replaceOnChanges) {
    const segs = k === "*" ? [] : k.split(".");
    if (!same(project(before, segs) ?? null, project(after, segs) ?? null)) reasons.push({ path: k, kind: "replaceOnChanges", source: "the program's replaceOnChanges resource option" });
  }
  return reasons;
}

/** What stays equal exactly as long as the resource is not replaced: the seed of its cloud-assigned ids. */
export function replacementKey(type: string, inputs: Record<string, unknown>, replaceOnChanges: string[] = []): string {
  const spec = typeSpec(type);
  const parts: unknown[] = [];
  for (const f of spec?.forceNew ?? []) parts.push(compared(spec as TypeSpec, f.path, project(inputs, f.path.split("."))));
  for (const c of spec?.conditional ?? []) parts.push(project(inputs, c.path.split(".")) ?? null);
  for (const k of replaceOnChanges) parts.push(project(inputs, k === "*" ? [] : k.split(".")) ?? null);
  return JSON.stringify(parts);
}
