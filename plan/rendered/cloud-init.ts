/**
 * Reads what a node or router receives as user data: the cloud-config document (the files cloud-init writes, the
 * packages it installs, the commands it runs) and the settings a rendered boot script exports. Readers only: the
 * renderers live beside their components in infra/.
 */
import { parse } from "yaml";

export interface WrittenFile {
  path: string;
  content: string;
  /** Octal mode as cloud-init takes it ("0600"). */
  permissions: string;
  owner: string;
}

export interface CloudConfig {
  files: WrittenFile[];
  packages: string[];
  runcmd: string[][];
}

export function parseCloudConfig(userData: string): CloudConfig {
  if (!userData.startsWith("#cloud-config\n")) throw new Error("user data is not a #cloud-config document");
  const doc = (parse(userData) ?? {}) as { write_files?: Array<Record<string, unknown>>; packages?: unknown[]; runcmd?: unknown[] };
  const files = (doc.write_files ?? []).map((f, i): WrittenFile => {
    if (typeof f.path !== "string" || typeof f.content !== "string") throw new Error(`write_files[${i}] needs a path and a content`);
    const content = f.encoding === "b64" || f.encoding === "base64" ? Buffer.from(f.content, "base64").toString("utf8") : f.content;
    return { path: f.path, content, permissions: typeof f.permissions === "string" ? f.permissions : "0644", owner: typeof f.owner === "string" ? f.owner : "root:root" };
  });
  const packages = (doc.packages ?? []).map((p) => (Array.isArray(p) ? String(p[0]) : String(p)));
  const runcmd = (doc.runcmd ?? []).map((c) => (Array.isArray(c) ? c.map(String) : ["sh", "-c", String(c)]));
  return { files, packages, runcmd };
}

export function fileAt(c: CloudConfig, path: string): WrittenFile | undefined {
  return c.files.find((f) => f.path === path);
}

/** The `export KEY='value'` settings at the top of a rendered boot script (values quoted by shellQuote). */
export function exportedSettings(script: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of script.matchAll(/^export ([A-Z_][A-Z0-9_]*)=((?:'[^']*'|\\')+)$/gm)) {
    const key = m[1] as string;
    env[key] = (m[2] as string).replace(/'([^']*)'|\\'/g, (_, inner: string | undefined) => (inner === undefined ? "'" : inner));
  }
  return env;
}

/** KEY='value' lines of an env file, as systemd's EnvironmentFile= reads the ones renderPublisherEnv writes. */
export function envFileSettings(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([A-Z_][A-Z0-9_]*)='([^'\n]*)'$/.exec(line) ?? /^([A-Z_][A-Z0-9_]*)=([^'\n]*)$/.exec(line);
    if (!m?.[1]) throw new Error(`not an env file line: ${line}`);
    env[m[1]] = m[2] ?? "";
  }
  return env;
}
