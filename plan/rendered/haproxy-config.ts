/**
 * Reads an HAProxy configuration as HAProxy splits it (sections, then whitespace-separated words; single and double
 * quotes and backslash escapes as in configuration.txt, section 2.2). The plan's router contracts and the local
 * fleet both read the config the program rendered through this, never a copy of the renderer's inputs.
 */

export interface HaproxyLine {
  /** The words, quotes removed. */
  words: string[];
  /** The line as written (trimmed), for messages and rewriting. */
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface HaproxySection {
  kind: "global" | "defaults" | "frontend" | "backend" | "listen" | "resolvers" | "peers" | "userlist" | "program" | "http-errors" | "ring" | "cache";
  name: string;
  lines: HaproxyLine[];
  line: number;
}

const SECTION_KINDS = new Set<HaproxySection["kind"]>(["global", "defaults", "frontend", "backend", "listen", "resolvers", "peers", "userlist", "program", "http-errors", "ring", "cache"]);

/** Splits one line into words; a `#` outside quotes starts a comment. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === "#") {
      break;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${line}`);
  if (inWord) words.push(cur);
  return words;
}

export function parseHaproxyConfig(text: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  let current: HaproxySection | undefined;
  text.split("\n").forEach((raw, i) => {
    const words = splitWords(raw);
    if (words.length === 0) return;
    const first = words[0] as HaproxySection["kind"];
    if (SECTION_KINDS.has(first) && !/^\s/.test(raw)) {
      current = { kind: first, name: words[1] ?? "", lines: [], line: i + 1 };
      sections.push(current);
      return;
    }
    if (!current) throw new Error(`line ${i + 1} is outside any section: ${raw.trim()}`);
    current.lines.push({ words, text: raw.trim(), line: i + 1 });
  });
  return sections;
}

export function sectionsOf(cfg: HaproxySection[], kind: HaproxySection["kind"]): HaproxySection[] {
  return cfg.filter((s) => s.kind === kind);
}

export function section(cfg: HaproxySection[], kind: HaproxySection["kind"], name: string): HaproxySection | undefined {
  return cfg.find((s) => s.kind === kind && s.name === name);
}

const TIME_UNITS_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** HAProxy time values: a number with an optional unit (us, ms, s, m, h, d; no unit is milliseconds). */
export function timeMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(v);
  if (!m) throw new Error(`not an HAProxy time: ${v}`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "ms") as keyof typeof TIME_UNITS_MS;
  return n * TIME_UNITS_MS[unit];
}

/** The `timeout <name>` a proxy runs with: its own, else the last defaults section before it (HAProxy 2.6 scoping). */
export function effectiveTimeoutMs(cfg: HaproxySection[], proxy: HaproxySection, name: string): number | undefined {
  const own = [...proxy.lines].reverse().find((l) => l.words[0] === "timeout" && l.words[1] === name);
  if (own?.words[2]) return timeMs(own.words[2]);
  const defaults = cfg.filter((s) => s.kind === "defaults" && s.line < proxy.line).pop();
  const d = defaults && [...defaults.lines].reverse().find((l) => l.words[0] === "timeout" && l.words[1] === name);
  return d?.words[2] ? timeMs(d.words[2]) : undefined;
}

/** A directive's lines in a section ("bind", "server", "maxconn", ...). */
export function directives(s: HaproxySection, name: string): HaproxyLine[] {
  return s.lines.filter((l) => l.words[0] === name);
}

/** `<address>:<port>` split; IPv6 literals may be bracketed or bare with the last colon before the port. */
export function splitAddress(a: string): { host: string; port: number } {
  const m = /^(?:ipv4@|ipv6@)?\[?(.*?)\]?:(\d+)$/.exec(a);
  if (!m?.[1] || !m[2]) throw new Error(`not an address with a port: ${a}`);
  return { host: m[1], port: Number(m[2]) };
}

export interface ServerLine {
  backend: string;
  name: string;
  host: string;
  port: number;
  /** The server's keywords: `ssl`, `check`, ... as keys with "" values; `sni`, `verifyhost`, ... with their argument. */
  options: Record<string, string>;
  line: HaproxyLine;
}

const SERVER_FLAGS = new Set(["ssl", "check", "check-ssl", "backup", "disabled", "no-check-ssl", "send-proxy", "send-proxy-v2"]);

export function serversOf(s: HaproxySection): ServerLine[] {
  return directives(s, "server").map((l) => {
    const [, name = "", address = "", ...rest] = l.words;
    const { host, port } = splitAddress(address);
    const options: Record<string, string> = {};
    for (let i = 0; i < rest.length; i++) {
      const k = rest[i] as string;
      if (SERVER_FLAGS.has(k)) options[k] = "";
      else options[k] = rest[++i] ?? "";
    }
    return { backend: s.name, name, host, port, options, line: l };
  });
}

export interface BindLine {
  proxy: string;
  host: string;
  port: number;
  /** A unix socket path instead of an address. */
  path?: string;
  words: string[];
  line: HaproxyLine;
}

export function bindsOf(s: HaproxySection): BindLine[] {
  return directives(s, "bind").map((l) => {
    const spec = l.words[1] ?? "";
    if (spec.startsWith("/") || spec.startsWith("unix@")) return { proxy: s.name, host: "", port: 0, path: spec.replace(/^unix@/, ""), words: l.words, line: l };
    const { host, port } = splitAddress(spec);
    return { proxy: s.name, host, port, words: l.words, line: l };
  });
}

/** A numeric directive of a section (`maxconn 256`), undefined when absent. */
export function numberOf(s: HaproxySection | undefined, name: string): number | undefined {
  const l = s && [...directives(s, name)].pop();
  return l?.words[1] !== undefined ? Number(l.words[1]) : undefined;
}
