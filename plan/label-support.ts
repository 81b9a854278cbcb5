/**
 * Which resource types take labels or tags, read from the installed provider SDKs: a resource's
 * `<Name>Args` interface has a top-level `tags` (AWS) or `labels` (GCP, hcloud) input.
 * The result is committed as policies/generated/label-support.json so the policy pack needs no SDK;
 * a test regenerates it and fails when it is stale.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

export interface LabelSupport {
  /** Provider package and version the list was read from. */
  providers: Record<string, string>;
  /** Resource type token to the input that holds its labels. */
  types: Record<string, "tags" | "labels">;
}

const PROVIDERS = ["aws", "gcp", "hcloud"] as const;
const TYPE_TOKEN = /static __pulumiType = '([^']+)'/;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) {
      if (entry !== "types" && entry !== "node_modules") yield* walk(p);
    } else if (entry.endsWith(".js")) {
      yield p;
    }
  }
}

/** AWS calls them tags; GCP and hcloud call them labels (a GCP `tags` input holds network tags). */
const LABEL_INPUT = { aws: "tags", gcp: "labels", hcloud: "labels" } as const;

function argsHasInput(dts: string, className: string, input: string): boolean {
  const start = dts.indexOf(`export interface ${className}Args {`);
  if (start < 0) return false;
  const end = dts.indexOf("\n}", start);
  return new RegExp(`^ {4}${input}\\?: `, "m").test(dts.slice(start, end));
}

export function readLabelSupport(nodeModules: string): LabelSupport {
  const out: LabelSupport = { providers: {}, types: {} };
  for (const provider of PROVIDERS) {
    const root = path.join(nodeModules, "@pulumi", provider);
    out.providers[provider] = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    for (const js of walk(root)) {
      const src = readFileSync(js, "utf8");
      const m = TYPE_TOKEN.exec(src);
      if (!m?.[1]) continue;
      const token = m[1];
      const className = token.split(":")[2] ?? "";
      let dts: string;
      try {
        dts = readFileSync(js.replace(/\.js$/, ".d.ts"), "utf8");
      } catch {
        continue;
      }
      const input = LABEL_INPUT[provider];
      if (argsHasInput(dts, className, input)) out.types[token] = input;
    }
  }
  out.types = Object.fromEntries(Object.entries(out.types).sort(([a], [b]) => a.localeCompare(b)));
  return out;
}
