/**
 * The one place where a stack's cloud shape meets this machine. Everything the stack renders runs as rendered, except:
 * - addresses and ports: every cloud address:port the fleet uses (the routers' and base nodes' private addresses, the
 *   burst pools' load balancers, the entry's 443) becomes 127.0.0.1 and a free port (`LoopbackMap`);
 * - files: the absolute paths cloud-init writes on a router (/etc/haproxy, /etc/hybrid-inference, /run/haproxy) live
 *   under one directory per router;
 * - HAProxy's process: in the foreground it logs to stdout instead of syslog's /dev/log, and keeps this user when
 *   the fleet does not run as root (the rendered `user`/`group` need root to switch to);
 * - the model and the cores: nodes serve the generated test model with the stack's launch settings (slots, context
 *   per slot, alias, metrics, key), with threads derived from this machine's cores;
 * - cloud APIs: the demand goes to the CloudWatch and Cloud Monitoring stand-ins, which trust the stack's own keys;
 * - pace: the publisher every few seconds instead of every 20, the scale-in quiet period and the cloud load
 *   balancers' health-check intervals in seconds (their thresholds as rendered); see `LocalPace`.
 * Nothing else is rewritten: names, SNI, verifyhost, certificates, CA, timeouts, limits and keys stay as rendered.
 */
import { isIP } from "node:net";
import * as path from "node:path";
import { type HaproxySection, parseHaproxyConfig, splitAddress, splitWords } from "../../plan/rendered/haproxy-config";

/** The local fleet's pace: the stacks' periodic behaviour, shortened to seconds. */
export interface LocalPace {
  /** The routers' publisher runs every 20 s in the clouds. */
  publishIntervalMs: number;
  /** How often the autoscaler stand-in evaluates (the alarms' one-minute period). */
  evaluateMs: number;
  /** How old a demand point may be and still count. */
  windowMs: number;
  /** The stacks' scaleInQuietMinutes (15 by default). */
  quietMs: number;
  /** The cloud load balancers' health-check interval (5-10 s in the stacks); their thresholds stay as rendered. */
  lbCheckIntervalMs: number;
  /** The routers' failover time (HI_FAILOVER_SECONDS, 420 s in the stacks): whole seconds, as the script reads it. */
  failoverSeconds: number;
}

/**
 * The publisher every 6 s (Cloud Monitoring takes one point per series every 5 s; its stand-in refuses faster writes,
 * with points stamped in whole seconds), the quiet period 8 s, load balancer checks every second.
 */
export const LOCAL_PACE: LocalPace = { publishIntervalMs: 6000, evaluateMs: 500, windowMs: 12_000, quietMs: 8000, lbCheckIntervalMs: 1000, failoverSeconds: 20 };

export const LOOPBACK = "127.0.0.1";

/** Cloud address:port to loopback port. A lookup that has no entry is an error: nothing cloud-shaped slips through. */
export class LoopbackMap {
  private readonly ports = new Map<string, number>();

  static key(host: string, port: number): string {
    return `${host.toLowerCase()}:${port}`;
  }

  set(host: string, port: number, local: number): void {
    this.ports.set(LoopbackMap.key(host, port), local);
  }

  has(host: string, port: number): boolean {
    return this.ports.has(LoopbackMap.key(host, port));
  }

  port(host: string, port: number): number {
    const p = this.ports.get(LoopbackMap.key(host, port));
    if (p === undefined) throw new Error(`no loopback port for ${host}:${port} (mapped: ${[...this.ports.keys()].join(", ")})`);
    return p;
  }

  entries(): Array<[string, number]> {
    return [...this.ports.entries()];
  }
}

/** A router's file system root here: /etc/haproxy/haproxy.cfg is <root>/etc/haproxy/haproxy.cfg. */
export function underRoot(root: string, file: string): string {
  if (!path.isAbsolute(file)) throw new Error(`not an absolute path: ${file}`);
  return path.join(root, file);
}

export interface RouterRewrite {
  map: LoopbackMap;
  /** This router's file system root. */
  root: string;
  /** The paths cloud-init writes (and the admin socket's directory): only these move under the root. */
  files: string[];
  /** Whether the fleet runs as root: only then can HAProxy switch to the rendered user and group. */
  asRoot: boolean;
}

/** Quotes a word back for HAProxy when it holds spaces, quotes or braces' neighbours. */
function requote(w: string): string {
  if (w === "" || /[\s'"\\#]/.test(w)) return `'${w.replace(/'/g, "'\\''")}'`;
  return w;
}

const isLoopback = (host: string) => host === LOOPBACK || host === "::1" || host === "localhost";

/**
 * The rendered router config with only the loopback map applied: bind and server addresses, file paths under the
 * router's root, syslog to stdout, and the user/group lines when not root. Every other line is kept as written.
 */
export function rewriteRouterConfig(text: string, r: RouterRewrite): string {
  const files = new Set(r.files);
  const moved = (w: string) => (files.has(w) ? underRoot(r.root, w) : w);
  const out: string[] = [];
  let section = "";
  for (const raw of text.split("\n")) {
    const words = splitWords(raw);
    const indent = /^\s*/.exec(raw)?.[0] ?? "";
    if (words.length === 0) {
      out.push(raw);
      continue;
    }
    if (indent === "") section = words[0] ?? "";
    const [head = "", second = ""] = words;
    if (section === "global" && head === "log" && second === "/dev/log") {
      out.push(`${indent}log stdout format raw ${words.slice(2).map(requote).join(" ")}`);
    } else if (section === "global" && (head === "user" || head === "group") && !r.asRoot) {
      out.push(`${indent}# ${raw.trim()}  (not root here: HAProxy keeps this user)`);
    } else if (head === "bind" || head === "server") {
      const at = head === "bind" ? 1 : 2;
      const { host, port } = splitAddress(words[at] ?? "");
      const mapped = [...words];
      // A server already on loopback (the router's drain flag, never connected to) stays as it is.
      if (!isLoopback(host)) mapped[at] = `${LOOPBACK}:${r.map.port(host, port)}`;
      // A node's drain agent listens on its own address: its port maps like the node's.
      const agent = mapped.indexOf("agent-port");
      if (agent > 0 && !isLoopback(host)) mapped[agent + 1] = String(r.map.port(host, Number(mapped[agent + 1])));
      out.push(`${indent}${mapped.map((w, i) => (i === at ? w : requote(moved(w)))).join(" ")}`);
    } else if (words.some((w) => files.has(w))) {
      out.push(`${indent}${words.map((w) => requote(moved(w))).join(" ")}`);
    } else {
      out.push(raw);
    }
  }
  const rewritten = out.join("\n");
  assertLoopbackOnly(parseHaproxyConfig(rewritten));
  return rewritten;
}

/** Every listener and server of a rewritten config is on loopback. */
export function assertLoopbackOnly(cfg: HaproxySection[]): void {
  for (const s of cfg) {
    for (const l of s.lines) {
      if (l.words[0] !== "bind" && l.words[0] !== "server") continue;
      const spec = l.words[l.words[0] === "bind" ? 1 : 2] ?? "";
      if (spec.startsWith("/")) continue;
      const { host } = splitAddress(spec);
      if (!isLoopback(host)) throw new Error(`line ${l.line} still reaches ${host}${isIP(host) ? "" : " (a name)"} after the loopback map: ${l.text}`);
    }
  }
}

/** The launch settings a rendered node runs with here: its slots, context per slot and alias; the rest is this machine's. */
export interface NodeLaunch {
  parallel: number;
  ctxPerSlot: number;
  alias: string;
}

export function nodeLaunchLocally(rendered: Record<string, string>): NodeLaunch {
  const parallel = Number(rendered.HI_PARALLEL);
  const ctxSize = Number(rendered.HI_CTX_SIZE);
  const alias = rendered.HI_MODEL_ALIAS ?? "";
  if (!(Number.isInteger(parallel) && parallel >= 1) || !(Number.isInteger(ctxSize) && ctxSize >= parallel) || !alias) {
    throw new Error(`the rendered node's launch settings are incomplete (HI_PARALLEL ${rendered.HI_PARALLEL}, HI_CTX_SIZE ${rendered.HI_CTX_SIZE}, HI_MODEL_ALIAS ${rendered.HI_MODEL_ALIAS})`);
  }
  if (rendered.HI_METRICS !== "1") throw new Error("the rendered node serves no /metrics (HI_METRICS), which the routers' operators and the fleet suite read");
  return { parallel, ctxPerSlot: Math.floor(ctxSize / parallel), alias };
}
