import supportJson from "../../policies/generated/label-support.json";
import type { CapturedResource } from "../../infra/plan/mock-runtime";

const support = supportJson as { types: Record<string, "tags" | "labels"> };

/** The resources whose type takes labels or tags, with the input that holds them. */
export function labelled(resources: CapturedResource[]): { r: CapturedResource; input: "tags" | "labels"; value: Record<string, string> | undefined }[] {
  return resources
    .filter((r) => r.custom && support.types[r.type] !== undefined)
    .map((r) => {
      const input = support.types[r.type] as "tags" | "labels";
      const raw = r.inputs[input];
      // Auto Scaling groups take tags as a list of { key, value, propagateAtLaunch }.
      const value = Array.isArray(raw) ? Object.fromEntries((raw as { key: string; value: string }[]).map((t) => [t.key, t.value])) : (raw as Record<string, string> | undefined);
      return { r, input, value };
    });
}
