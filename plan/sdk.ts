/**
 * Walks the installed provider SDKs (@pulumi/aws, @pulumi/gcp, @pulumi/hcloud): every resource class with its
 * type token and the text of its typings. The generators of label support and of provider limits read from here.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

export const SDK_PROVIDERS = ["aws", "gcp", "hcloud"] as const;
export type SdkProvider = (typeof SDK_PROVIDERS)[number];

export interface SdkResource {
  provider: SdkProvider;
  /** Type token, e.g. aws:lb/loadBalancer:LoadBalancer. */
  token: string;
  className: string;
  /** The .d.ts text of the module that declares the class. */
  dts: string;
}

// Classes compiled to ES2022 declare a static field; older ones (@pulumi/command) assign it after the class.
const TYPE_TOKEN = /(?:static |^\w+\.)__pulumiType = '([^']+)'/m;

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

export function sdkVersion(nodeModules: string, provider: SdkProvider): string {
  return (JSON.parse(readFileSync(path.join(nodeModules, "@pulumi", provider, "package.json"), "utf8")) as { version: string }).version;
}

export function* sdkResources(nodeModules: string, provider: SdkProvider): Generator<SdkResource> {
  for (const r of packageResources(nodeModules, provider)) yield { provider, ...r };
}

/** Every resource class of an installed @pulumi/<pkg> (tls and command as much as the clouds). */
export function* packageResources(nodeModules: string, pkg: string): Generator<Omit<SdkResource, "provider">> {
  for (const js of walk(path.join(nodeModules, "@pulumi", pkg))) {
    const m = TYPE_TOKEN.exec(readFileSync(js, "utf8"));
    if (!m?.[1]) continue;
    let dts: string;
    try {
      dts = readFileSync(js.replace(/\.js$/, ".d.ts"), "utf8");
    } catch {
      continue;
    }
    yield { token: m[1], className: m[1].split(":")[2] ?? "", dts };
  }
}

/** The body of `export interface <Class>Args { ... }`, or undefined. */
export function argsBody(dts: string, className: string): string | undefined {
  const start = dts.indexOf(`export interface ${className}Args {`);
  if (start < 0) return undefined;
  const end = dts.indexOf("\n}", start);
  return dts.slice(start, end);
}

export interface ArgsField {
  name: string;
  /** The doc comment, joined into one line. */
  doc: string;
}

/** Every top-level input name of an Args interface, documented or not. */
export function argsNames(body: string): string[] {
  return [...body.matchAll(/\n {4}(?:readonly )?(\w+)\??: /g)].map((m) => m[1] ?? "");
}

/** The top-level inputs of an Args interface, each with its doc comment. */
export function argsFields(body: string): ArgsField[] {
  const out: ArgsField[] = [];
  const re = /\n {4}\/\*\*([\s\S]*?)\*\/\n {4}(\w+)\??: /g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const doc = (m[1] ?? "").split("\n").map((l) => l.replace(/^\s*\*\s?/, "").trim()).filter(Boolean).join(" ");
    out.push({ name: m[2] ?? "", doc });
  }
  return out;
}
