import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE } from "../../infra/config";
import { ROOT } from "./paths";


/** The raw (decoded) config of a shipped stack, keyed without the namespace: the input parseStackConfig takes. */
export function rawStackConfig(stack: string): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config)) {
    const [ns, key] = k.split(":");
    if (ns === CONFIG_NAMESPACE && key) raw[key] = v;
  }
  return raw;
}

/** Deep copy with a change applied at a dotted path ("aws.minSize", "adminCidrs.0"); `undefined` deletes the key. */
export function withChange(raw: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(raw);
  const parts = dotted.split(".");
  let cur = copy as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  const last = parts[parts.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return copy;
}
