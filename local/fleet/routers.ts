/**
 * The stack's routers on this machine: each router's cloud-init files written under a directory of its own (the
 * HAProxy config, the burst CA, the key list, the publisher and its settings and credentials), the config checked
 * with `haproxy -c` as the router's runcmd does, and HAProxy run in the foreground, restarted as systemd would.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ROUTER_PATHS } from "../../infra/hetzner/router-spec";
import type { RenderedRouter } from "../../plan/rendered/fleet";
import { bindsOf, section } from "../../plan/rendered/haproxy-config";
import type { Reaper } from "../stack/reaper";
import { startHaproxy, type HaproxyProcess } from "./haproxy-process";
import { type LoopbackMap, rewriteRouterConfig, underRoot } from "./loopback";
import { type Supervised, supervise } from "./supervisor";

/** systemd's RestartSec for Debian's haproxy.service is its default, 100 ms; a second here, so a restart is seen. */
export const ROUTER_RESTART_MS = 1000;

export interface LocalRouter {
  name: string;
  index: number;
  root: string;
  /** The router's API listener here (HTTP: the load balancer in front ends TLS). */
  apiUrl: string;
  /** The ops listener: /healthz and /metrics. */
  opsUrl: string;
  metricsUrl: string;
  configFile: string;
  statsSocket: string;
  process: Supervised<HaproxyProcess>;
  /** Kills HAProxy outright (SIGKILL), as a router that vanishes; systemd starts it again. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Writes a router's cloud-init files under `root`, with their modes. */
export function writeRouterFiles(router: RenderedRouter, root: string): void {
  for (const f of router.cloudConfig.files) {
    const file = underRoot(root, f.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.content);
    chmodSync(file, parseInt(f.permissions, 8));
  }
  mkdirSync(path.dirname(underRoot(root, ROUTER_PATHS.statsSocket)), { recursive: true });
}

/** The addresses a rendered router listens on: its API and ops binds, as `host:port`. */
export function routerListeners(router: RenderedRouter): { api: { host: string; port: number }; ops: { host: string; port: number } } {
  const api = section(router.haproxy, "frontend", "api");
  const ops = section(router.haproxy, "frontend", "ops");
  const a = api && bindsOf(api)[0];
  const o = ops && bindsOf(ops)[0];
  if (!a || !o) throw new Error(`${router.name}'s config has no api and ops listeners`);
  return { api: { host: a.host, port: a.port }, ops: { host: o.host, port: o.port } };
}

export interface StartRouterOptions {
  router: RenderedRouter;
  index: number;
  map: LoopbackMap;
  root: string;
  reaper: Reaper;
  log: (line: string) => void;
  /** Supervision events: the router died, it is back. */
  event: (line: string) => void;
}

export async function startRouter(o: StartRouterOptions): Promise<LocalRouter> {
  writeRouterFiles(o.router, o.root);
  const configFile = underRoot(o.root, ROUTER_PATHS.config);
  const asRoot = process.getuid?.() === 0;
  const files = [...o.router.cloudConfig.files.map((f) => f.path), ROUTER_PATHS.statsSocket];
  const config = rewriteRouterConfig(o.router.haproxyText, { map: o.map, root: o.root, files, asRoot });
  writeFileSync(`${configFile}.rendered`, o.router.haproxyText);
  // As the router's runcmd: the config must check before HAProxy starts.
  writeFileSync(configFile, config);
  const check = spawnSync("haproxy", ["-c", "-f", configFile], { encoding: "utf8" });
  if (check.error) throw new Error(`haproxy is not installed (scripts/setup-machine.sh installs it): ${check.error.message}`);
  if (check.status !== 0) throw new Error(`${o.router.name}: haproxy -c refuses the config: ${(check.stderr || check.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  const { api, ops } = routerListeners(o.router);
  const apiPort = o.map.port(api.host, api.port);
  const opsPort = o.map.port(ops.host, ops.port);
  const start = async () => {
    const h = startHaproxy({ name: o.router.name, config, file: configFile, reaper: o.reaper, log: o.log });
    try {
      await h.listening(apiPort);
      await h.listening(opsPort);
    } catch (e) {
      await h.stop();
      throw e;
    }
    return h;
  };
  const supervised = await supervise({
    name: `router ${o.router.name}`,
    start,
    child: (h) => h.child,
    stopOne: (h) => h.stop(),
    restartAfterMs: ROUTER_RESTART_MS,
    by: "systemd",
    log: o.event,
  });
  return {
    name: o.router.name,
    index: o.index,
    root: o.root,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    metricsUrl: `http://127.0.0.1:${opsPort}/metrics`,
    configFile,
    statsSocket: underRoot(o.root, ROUTER_PATHS.statsSocket),
    process: supervised,
    async kill() {
      const h = supervised.current();
      if (!h?.child.pid) throw new Error(`router ${o.router.name} is not running`);
      process.kill(-h.child.pid, "SIGKILL");
    },
    stop: () => supervised.stop(),
  };
}
