/**
 * Which resource types take labels or tags, read from the installed provider SDKs: a resource's
 * `<Name>Args` interface has a top-level `tags` (AWS) or `labels` (GCP, hcloud) input.
 * The result is committed as policies/generated/label-support.json so the policy pack needs no SDK;
 * a test regenerates it and fails when it is stale.
 */
import { argsBody, SDK_PROVIDERS, sdkResources, sdkVersion } from "./sdk";

export interface LabelSupport {
  /** Provider package and version the list was read from. */
  providers: Record<string, string>;
  /** Resource type token to the input that holds its labels. */
  types: Record<string, "tags" | "labels">;
}

/** AWS calls them tags; GCP and hcloud call them labels (a GCP `tags` input holds network tags). */
const LABEL_INPUT = { aws: "tags", gcp: "labels", hcloud: "labels" } as const;

export function readLabelSupport(nodeModules: string): LabelSupport {
  const out: LabelSupport = { providers: {}, types: {} };
  for (const provider of SDK_PROVIDERS) {
    out.providers[provider] = sdkVersion(nodeModules, provider);
    const input = LABEL_INPUT[provider];
    for (const r of sdkResources(nodeModules, provider)) {
      const body = argsBody(r.dts, r.className);
      if (body !== undefined && new RegExp(`^ {4}${input}\\?: `, "m").test(body)) out.types[r.token] = input;
    }
  }
  out.types = Object.fromEntries(Object.entries(out.types).sort(([a], [b]) => a.localeCompare(b)));
  return out;
}
