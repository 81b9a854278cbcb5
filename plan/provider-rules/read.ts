/** Small readers for provider inputs, shared by the rules. */
import type { Finding, Props } from "./types";

export function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function list<T = Props>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

export const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== "";

/** A finding when a number at `path` lies outside [min, max]; nothing when it is unset. */
export function between(props: Props, path: string, min: number, max: number, what = path): Finding[] {
  const v = num(get(props, path));
  if (v === undefined) return [];
  return v < min || v > max ? [{ field: path, message: `${what} must be between ${min} and ${max}` }] : [];
}

/** A finding when a string at `path` is set and not one of `allowed` (compared case-insensitively when asked). */
export function oneOf(props: Props, path: string, allowed: readonly string[], o: { ignoreCase?: boolean } = {}): Finding[] {
  const v = str(get(props, path));
  if (v === undefined) return [];
  const hit = o.ignoreCase ? allowed.some((a) => a.toLowerCase() === v.toLowerCase()) : allowed.includes(v);
  return hit ? [] : [{ field: path, message: `${path} must be one of ${allowed.join(", ")}` }];
}

/** Names of the given inputs that are set. */
export function setOf(props: Props, paths: readonly string[]): string[] {
  return paths.filter((p) => isSet(get(props, p)) && !(Array.isArray(get(props, p)) && (get(props, p) as unknown[]).length === 0));
}

export function exactlyOne(props: Props, paths: readonly string[]): Finding[] {
  const set = setOf(props, paths);
  if (set.length === 1) return [];
  return [{ field: set[0] ?? paths[0] ?? "", value: set, message: `exactly one of ${paths.join(", ")} must be set (set: ${set.join(", ") || "none"})` }];
}

/** UTF-8 byte length. */
export const bytes = (s: string): number => Buffer.byteLength(s, "utf8");
