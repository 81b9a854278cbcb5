import { isValidAwsTag, isValidGcpLabel, isValidHcloudLabel } from "../../infra/naming";
import supportJson from "../generated/label-support.json";
import type { Props } from "./values";

const support = supportJson as { types: Record<string, "tags" | "labels"> };

/** The input that holds labels for this type, or undefined when the type takes none. */
export function labelInput(type: string): "tags" | "labels" | undefined {
  return support.types[type];
}

/** Labels as a map; Auto Scaling groups hold them as a list of { key, value, propagateAtLaunch }. */
export function labelsOf(type: string, props: Props): Record<string, string> | undefined {
  const input = labelInput(type);
  if (!input) return undefined;
  const raw = props[input];
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) return Object.fromEntries((raw as { key: string; value: string }[]).map((t) => [t.key, t.value]));
  return raw as Record<string, string>;
}

export function labelSyntaxValid(type: string, key: string, value: string): boolean {
  if (type.startsWith("aws:")) return isValidAwsTag(key, value);
  if (type.startsWith("gcp:")) return isValidGcpLabel(key, value);
  if (type.startsWith("hcloud:")) return isValidHcloudLabel(key, value);
  return true;
}
