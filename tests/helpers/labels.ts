import type { CapturedResource } from "../../plan/mock-runtime";
import { labelInput, labelsOf } from "../../policies/lib/labels";

/** The resources whose type takes labels or tags, with the input that holds them (read the way the policy reads them). */
export function labelled(resources: CapturedResource[]): { r: CapturedResource; input: "tags" | "labels"; value: Record<string, string> | undefined }[] {
  return resources.flatMap((r) => {
    const input = r.custom ? labelInput(r.type) : undefined;
    return input ? [{ r, input, value: labelsOf(r.type, r.inputs) }] : [];
  });
}
