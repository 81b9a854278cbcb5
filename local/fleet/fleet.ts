/**
 * The local fleet: what a stack renders, run on this machine. The stack's program runs under the offline plan with
 * the fleet's API key (render.ts); its routers' cloud-init files, HAProxy configs, CA and publisher settings, its base
 * nodes' and burst pools' boot settings, its burst load balancers' certificates and its entry load balancer's service
 * are then run as rendered, with only the loopback map (loopback.ts) applied. In front, a stand-in for the Hetzner load
 * balancer; behind the routers, the base nodes and, per burst pool, a stand-in for its load balancer and 0 to a few
 * nodes, all through the boot path from the S3 emulator. The demand loop runs as in the clouds: each router's
 * publisher writes to the CloudWatch and Cloud Monitoring stand-ins (which trust the stack's own keys), and the
 * autoscaler stand-in sizes the pools. A process that dies is restarted as its host would restart it, and reported.
 * Everything is registered with the reaper, so nothing outlives the fleet's Node process, however it ends.
 */
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { FAILOVER_SUFFIX, ROUTER_DRAIN } from "../../infra/hetzner/haproxy";
import { PUBLISHER_PATHS } from "../../infra/hetzner/router-cloud-init";
import { modelKey } from "../../infra/storage/layout";
import { envFileSettings, fileAt } from "../../plan/rendered/cloud-init";
import type { RenderedBurstPool, RenderedNode, RenderedRouter } from "../../plan/rendered/fleet";
import { directives, effectiveTimeoutMs, section, serversOf } from "../../plan/rendered/haproxy-config";
import { NLB_BACKEND, renderNlbConfig } from "../cloud/aws-nlb";
import { type StandInAutoscaler, startAutoscaler } from "../cloud/autoscaler";
import { type CloudSinks, startCloudSinks } from "../cloud/cloud-sinks";
import { GCP_LB_BACKEND, renderGcpLbConfig } from "../cloud/gcp-https-lb";
import { openFileLimit, renderHetznerLbConfig } from "../cloud/hetzner-lb";
import { type ModelStore, startModelStore } from "../cloud/model-store";
import { type LocalNode, startNode } from "../stack/node";
import { type PortReservation, reservePort } from "../stack/ports";
import { startReaper } from "../stack/reaper";
import { ensureLlamaServer, type ProgressSink } from "../toolchain/llama-build";
import { ensureTestModel, type TestModel } from "../toolchain/test-model";
import { localPool, type LocalPool } from "./burst-pool";
import { drainTarget, haproxyAdmin, startHaproxy, type HaproxyProcess } from "./haproxy-process";
import { LOCAL_PACE, type LocalPace, LoopbackMap, nodeLaunchLocally } from "./loopback";
import { type PublisherLoop, startPublisherLoop } from "./publisher-loop";
import { drainNode, type NodeAgentSettings, setAgentState, startAgent } from "./node-agent";
import { renderStack, type StackRender } from "./render";
import { runGate, waitListening } from "./gate";
import { type LocalRouter, routerListeners, startRouter } from "./routers";
import { type RouterMetrics, scrapeRouter } from "./router-metrics";
import { nodeRestartSeconds, type Supervised, supervise } from "./supervisor";
import { selfSignedCert } from "./tls";

/** Ports the fleet prefers for its entry (the load balancer's HTTPS) when free. */
export const DEFAULT_FLEET_PORT = 8443;
export const DEFAULT_STACK = "staging";
/** A burst pool grows to at most this many nodes here (the stacks allow more; every node shares this machine's cores). */
export const LOCAL_BURST_NODES_MAX = 2;
/** How long a burst group takes to replace a dead node here (minutes in the clouds: a new instance boots). */
export const BURST_REPLACE_MS = 2000;


/** Whether a node serves nothing now: llama-server's own gauge of requests in progress (its /metrics, --metrics). */
async function nodeIdle(baseUrl: string, apiKey: string): Promise<boolean> {
  const r = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${apiKey}` }, signal: AbortSignal.timeout(2000) });
  if (!r.ok) return false;
  const m = /^llamacpp:requests_processing\s+([\d.]+)/m.exec(await r.text());
  return m !== null && Number(m[1]) === 0;
}
export interface LocalFleetOptions {
  stack?: string;
  /** The entry's port: that port or a PortBusy error; 0 any free port; undefined the preferred one when free. */
  port?: number;
  preferredPort?: number;
  /** The stack's API key for this run; generated when unset (the fleet is never open). */
  apiKey?: string;
  /** Every burst pool at the stack's minimum (0 in both stacks): no burst node until the routers' demand asks. */
  fromZero?: boolean;
  pace?: LocalPace;
  healthTimeoutMs?: number;
  progress?: ProgressSink;
  /** Boot, llama-server, HAProxy and supervision log lines. */
  log?: (line: string) => void;
}

export interface FleetBaseNode {
  /** The name the routers give it (base0, ...). */
  name: string;
  port: number;
  process: Supervised<LocalNode>;
  node(): LocalNode | undefined;
  /** Its drain agent (node-setup.sh agent) and the settings its steps run with here. */
  agent: Supervised<ChildProcess>;
  agentSettings: NodeAgentSettings;
}

/** One base node's replacement in a rolling update, as the stack runs it. */
export interface RollStep {
  node: string;
  drainMs: number;
  replaceMs: number;
  gateMs: number;
}

export interface FleetBurstPool {
  name: "aws" | "gcp";
  /** The load balancer stand-in's TLS endpoint here. */
  endpoint: string;
  /** The name its certificate carries and the routers verify. */
  tlsName: string;
  lb: Supervised<HaproxyProcess>;
  pool: LocalPool;
  slotsPerNode: number;
  rendered: RenderedBurstPool;
}

export interface FleetScaling {
  sinks: CloudSinks;
  publishers: PublisherLoop[];
  autoscaler: StandInAutoscaler;
}

/** What the routers' config says, read once for the suites and the summary (router 0's; they differ only in addresses). */
export interface RouterFacts {
  queueDepth: number;
  queueTimeoutSeconds: number;
  /** burst_<pool> in the order the routers try them. */
  burstOrder: string[];
  /** Each pool's share of slots on one router, and the base servers' shares. */
  slots: Record<string, number>;
}

export interface LocalFleet {
  stack: string;
  /** The entry: the Hetzner load balancer stand-in, https://127.0.0.1:<port>. */
  baseUrl: string;
  /** The entry's certificate (self-signed for the stack's domain and 127.0.0.1): curl --cacert, NODE_EXTRA_CA_CERTS. */
  certFile: string;
  domain: string;
  apiKey: string;
  /** Whether the key was made for this run (no --api-key). */
  generatedKey: boolean;
  model: TestModel;
  store: ModelStore;
  render: StackRender;
  routers: LocalRouter[];
  facts: RouterFacts;
  base: FleetBaseNode[];
  burst: FleetBurstPool[];
  entry: Supervised<HaproxyProcess>;
  scaling: FleetScaling;
  pace: LocalPace;
  /** Supervision and scaling events, oldest first. */
  events: string[];
  timings: { totalMs: number; renderMs: number; nodesMs: number; routersMs: number; built: boolean };
  /** Stops every burst pool's load balancer and nodes and the autoscaler stand-in, as pools that are gone. */
  stopBurst(): Promise<void>;
  /** Kills a base node's llama-server outright (SIGKILL); systemd starts it again. */
  killBase(name: string): Promise<void>;
  /**
   * Replaces the base nodes one at a time as `pulumi up` does: the node drains (node-setup.sh drain, its unit's
   * ExecStop), stops, a new one boots through the boot path, and the stack's own rollout gate for it (the script the
   * program renders) must see it up on every router before the next one goes.
   */
  rollBase(): Promise<RollStep[]>;
  killRouter(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** Reads the queue, the spill-over order and the slot shares from a rendered router config. */
export function routerFacts(router: RenderedRouter): RouterFacts {
  const api = section(router.haproxy, "frontend", "api");
  if (!api) throw new Error(`${router.name} has no api frontend`);
  const depth = Number(/queue\(base\) ge (\d+)/.exec(api.lines.map((l) => l.text).join("\n"))?.[1]);
  const base = section(router.haproxy, "backend", "base");
  const timeout = base ? effectiveTimeoutMs(router.haproxy, base, "queue") : undefined;
  // The last set-var(txn.route) rule wins: the order they are written in is most expensive first.
  const order = directives(api, "http-request")
    .map((l) => /set-var\(txn\.route\) str\((burst_\w+)\)/.exec(l.text)?.[1])
    .filter((x): x is string => x !== undefined)
    .reverse();
  const slots: Record<string, number> = {};
  for (const s of router.haproxy.filter((x) => x.kind === "backend")) for (const srv of serversOf(s)) slots[`${s.name}/${srv.name}`] = Number(srv.options.maxconn);
  if (!Number.isFinite(depth) || timeout === undefined) throw new Error(`${router.name}'s config has no base queue depth or timeout`);
  return { queueDepth: depth, queueTimeoutSeconds: timeout / 1000, burstOrder: order, slots };
}

/** Waits until every router sees its servers as they are: base up, pools with a node up, pools at zero down. */
async function routersReady(routers: LocalRouter[], expectUp: (proxy: string, server: string) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const r of routers) {
    let last = "no answer from the exporter";
    for (;;) {
      try {
        const m: RouterMetrics = await scrapeRouter(r.metricsUrl);
        // The drain flag has no check: it is UP while the router takes traffic.
        const bad = m.servers.filter((s) => s.proxy !== ROUTER_DRAIN.backend && (expectUp(s.proxy, s.server) ? s.state !== "UP" || s.check !== "L7OK" : s.state !== "DOWN"));
        if (m.servers.length > 0 && bad.length === 0) break;
        last = bad.map((s) => `${s.proxy}/${s.server} ${s.state} ${s.check || "not checked yet"} (${expectUp(s.proxy, s.server) ? "expected up" : "expected down: no node"})`).join(", ");
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`router ${r.name} does not see its servers as they are after ${timeoutMs} ms: ${last}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

export async function startLocalFleet(o: LocalFleetOptions = {}): Promise<LocalFleet> {
  const started = Date.now();
  const stack = o.stack ?? DEFAULT_STACK;
  const pace = o.pace ?? LOCAL_PACE;
  const progress = o.progress ?? (() => undefined);
  const events: string[] = [];
  const log = (line: string) => o.log?.(line);
  const event = (line: string) => {
    events.push(`${new Date().toISOString()} ${line}`);
    if (events.length > 500) events.shift();
    log(line);
  };
  // The entry's port first: an explicit port that is taken fails before anything starts.
  const entryPort = await reservePort(o.port === undefined ? { preferred: o.preferredPort ?? DEFAULT_FLEET_PORT } : o.port === 0 ? {} : { exact: o.port });
  const reservations: PortReservation[] = [entryPort];
  const reaper = startReaper();
  const generatedKey = o.apiKey === undefined;
  const apiKey = o.apiKey ?? randomBytes(24).toString("hex");
  let store: ModelStore | undefined;
  let sinks: CloudSinks | undefined;
  let autoscaler: StandInAutoscaler | undefined;
  let entry: Supervised<HaproxyProcess> | undefined;
  let dir: string | undefined;
  const publishers: PublisherLoop[] = [];
  const routers: LocalRouter[] = [];
  const base: FleetBaseNode[] = [];
  const burst: FleetBurstPool[] = [];
  const pools: LocalPool[] = [];
  const lbs: Supervised<HaproxyProcess>[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await autoscaler?.stop();
      await Promise.all(publishers.map((p) => p.stop()));
      await entry?.stop();
      await Promise.all(routers.map((r) => r.stop()));
      await Promise.all(lbs.map((l) => l.stop()));
      await Promise.all([...base.map((b) => b.process.stop()), ...base.map((b) => b.agent.stop()), ...pools.map((p) => p.stop())]);
      await sinks?.stop();
      await store?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await Promise.all(reservations.map((r) => r.release()));
      reaper.dismiss();
    })());
  const reserve = async () => {
    const r = await reservePort({});
    reservations.push(r);
    return r;
  };
  try {
    progress({ step: `rendering stack ${stack} under the offline plan` });
    const t0 = Date.now();
    const render = await renderStack(stack, apiKey);
    const renderMs = Date.now() - t0;
    for (const e of render.providerErrors) event(`plan: the real providers would refuse this stack: ${e}`);
    const f = render.fleet;
    const first = f.routers[0];
    if (!first || !f.entry) throw new Error(`stack ${stack} renders no routers: the local fleet runs a stack with hetzner and router enabled`);
    const facts = routerFacts(first);

    const { binary, built } = await ensureLlamaServer(progress);
    progress({ step: "generating the test model" });
    const model = await ensureTestModel();
    progress({ step: "starting the S3 emulator" });
    const s = await startModelStore();
    store = s;
    reaper.path(s.dir);
    await s.put(model.path, modelKey(model.file));
    dir = mkdtempSync(path.join(tmpdir(), "hi-fleet-"));
    reaper.path(dir);
    const work = dir;

    // The loopback map: every cloud address the rendered fleet uses gets a port here.
    const map = new LoopbackMap();
    const basePorts = await Promise.all(f.base.map(async (b) => {
      const r = await reserve();
      map.set(b.privateIp, Number(b.env.HI_PORT), r.port);
      return r;
    }));
    const agentPorts = await Promise.all(f.base.map(async (b) => {
      const r = await reserve();
      // The agent binds its port itself (socat): release the reservation so it can, the map keeps the number.
      await r.release();
      map.set(b.privateIp, Number(b.env.HI_AGENT_PORT), r.port);
      return r.port;
    }));
    for (const r of f.routers) {
      const { api, ops } = routerListeners(r);
      map.set(api.host, api.port, (await reserve()).port);
      map.set(ops.host, ops.port, (await reserve()).port);
    }
    for (const p of f.burst) map.set(p.endpoint.host, p.endpoint.port, (await reserve()).port);

    // A load balancer stand-in: HAProxy with its config, back at once if it dies (a cloud's service does not).
    const cloudService = (name: string, config: string, file: string, port: number) =>
      supervise({
        name,
        start: async () => {
          const h = startHaproxy({ name, config, file, reaper, log });
          await h.listening(port);
          return h;
        },
        child: (h) => h.child,
        stopOne: (h) => h.stop(),
        restartAfterMs: 500,
        by: "the cloud",
        log: event,
      });
    const bootNode = (name: string, rendered: Pick<RenderedNode, "env" | "apiKey">) => async (reservation: PortReservation): Promise<LocalNode> => {
      const launch = nodeLaunchLocally(rendered.env);
      return startNode({
        reservation,
        llamaServer: binary,
        model,
        store: s,
        reaper,
        parallel: launch.parallel,
        ctxPerSlot: launch.ctxPerSlot,
        alias: launch.alias,
        ...(rendered.apiKey !== undefined ? { apiKey: rendered.apiKey } : {}),
        ...(o.healthTimeoutMs ? { healthTimeoutMs: o.healthTimeoutMs } : {}),
        log: (l) => log(`${name}: ${l}`),
      });
    };

    progress({ step: `booting ${f.base.length} base node(s) through the boot path; burst pools ${o.fromZero ? "at the stack's minimum" : "warm (one node each)"}` });
    const t1 = Date.now();
    const restartMs = nodeRestartSeconds() * 1000;
    await Promise.all(f.base.map(async (b, i) => {
      const reservation = basePorts[i] as PortReservation;
      const lease: PortReservation = { port: reservation.port, release: async () => undefined };
      const boot = bootNode(b.routerName, b);
      const proc = await supervise({
        name: `base node ${b.routerName}`,
        start: () => boot(lease),
        child: (n) => n.server,
        stopOne: (n) => n.stop(),
        restartAfterMs: restartMs,
        by: "systemd (the inference unit's RestartSec)",
        log: event,
      });
      const agentPort = Number(b.env.HI_AGENT_PORT);
      if (!agentPort) throw new Error(`base node ${b.routerName} renders no drain agent (HI_AGENT_PORT)`);
      const agentSettings: NodeAgentSettings = { rendered: b.env, port: reservation.port, agentPort: agentPorts[i] as number, runDir: path.join(work, `agent-${b.routerName}`) };
      await setAgentState(agentSettings, "ready");
      const agent = await supervise({
        name: `the drain agent of ${b.routerName}`,
        start: async () => {
          const c = startAgent(agentSettings, reaper);
          await waitListening(agentSettings.agentPort, c);
          return c;
        },
        child: (c) => c,
        stopOne: async (c) => {
          if (c.pid !== undefined && c.exitCode === null) process.kill(-c.pid, "SIGTERM");
        },
        restartAfterMs: 2000,
        by: "systemd",
        log: event,
      });
      base[i] = { name: b.routerName, port: reservation.port, process: proc, node: () => proc.current(), agent, agentSettings };
    }));

    // Each burst pool: its load balancer stand-in with the program's certificate, over a fixed set of node ports.
    for (const p of f.burst) {
      const max = Math.min(p.scaling.max, LOCAL_BURST_NODES_MAX);
      const nodePorts = await Promise.all(Array.from({ length: max }, () => reserve()));
      const adminSocket = path.join(work, `${p.name}-lb.sock`);
      const backend = p.lb.kind === "aws-nlb-tls" ? NLB_BACKEND : GCP_LB_BACKEND;
      const drainWindowMs = 1000 * (p.lb.kind === "aws-nlb-tls" ? p.lb.deregistrationDelaySeconds : (p.lb.drainingSeconds ?? 0));
      const pool = localPool({
        name: p.name,
        reservations: nodePorts,
        boot: (r, i) => bootNode(`${p.name}-${i}`, p.node)(r),
        replaceAfterMs: BURST_REPLACE_MS,
        drain: async (i, node) => {
          const r = await drainTarget(adminSocket, `${backend}/node${i}`, drainWindowMs, () => nodeIdle(node.baseUrl, apiKey));
          event(`${p.name} pool: node ${i} drained in ${r.waitedMs} ms${r.idle ? "" : " (still serving when the window ended)"}`);
        },
        ready: (i) => haproxyAdmin(adminSocket, `set server ${backend}/node${i} state ready`).then(() => undefined),
        log: event,
      });
      pools.push(pool);
      const certFile = path.join(work, `${p.name}-lb.pem`);
      writeFileSync(certFile, `${p.tls.certPem.trim()}\n${p.tls.chainPem.trim() ? `${p.tls.chainPem.trim()}\n` : ""}${p.tls.keyPem.trim()}\n`, { mode: 0o600 });
      const listen = { address: "127.0.0.1", port: map.port(p.endpoint.host, p.endpoint.port) };
      const targets = nodePorts.map((r, i) => ({ name: `node${i}`, address: "127.0.0.1", port: r.port }));
      const config =
        p.lb.kind === "aws-nlb-tls"
          ? renderNlbConfig({ lb: p.lb, listen, certFile, targets, checkIntervalMs: pace.lbCheckIntervalMs, adminSocket })
          : renderGcpLbConfig({ lb: p.lb, listen, certFile, targets, checkIntervalMs: pace.lbCheckIntervalMs, adminSocket });
      const lb = await cloudService(`the ${p.name} pool's load balancer`, config, path.join(work, `${p.name}-lb.cfg`), listen.port);
      lbs.push(lb);
      const tlsName = serversOf(section(first.haproxy, "backend", `burst_${p.name}`) ?? { kind: "backend", name: "", lines: [], line: 0 })[0]?.options.verifyhost ?? "";
      burst.push({ name: p.name, endpoint: `https://127.0.0.1:${listen.port}`, tlsName, lb, pool, slotsPerNode: nodeLaunchLocally(p.node.env).parallel, rendered: p });
    }
    await Promise.all(burst.map((b) => b.pool.scaleTo(Math.min(o.fromZero ? b.rendered.scaling.min : Math.max(1, b.rendered.scaling.min), LOCAL_BURST_NODES_MAX))));
    const nodesMs = Date.now() - t1;

    progress({ step: `starting ${f.routers.length} router(s) from their cloud-init files, and the load balancer in front` });
    const t2 = Date.now();
    for (const [i, r] of f.routers.entries()) routers.push(await startRouter({ router: r, index: i, map, root: path.join(work, `router-${i}`), reaper, log, event }));
    // Base nodes up; a pool (and the base's failover to it) up only when it has a node.
    const withNodes = new Set<string>(burst.filter((b) => b.pool.nodes() > 0).map((b) => b.name));
    await routersReady(routers, (proxy, server) => (proxy === "base" ? !server.endsWith(FAILOVER_SUFFIX) || withNodes.has(server.slice(0, -FAILOVER_SUFFIX.length)) : withNodes.has(proxy.replace(/^burst_/, ""))), 60_000);

    const domain = f.entry.certificate.kind === "managed" ? (f.entry.certificate.domains[0] ?? "localhost") : "localhost";
    const entryCert = await selfSignedCert(work, "entry", [domain, "localhost", "IP:127.0.0.1"]);
    const entryConfig = renderHetznerLbConfig({
      entry: f.entry,
      listen: { address: "127.0.0.1", port: entryPort.port },
      certFile: entryCert.pem,
      targets: routers.map((r) => ({ name: r.name, address: "127.0.0.1", port: Number(new URL(r.apiUrl).port), checkPort: Number(new URL(r.opsUrl).port) })),
      checkIntervalMs: pace.lbCheckIntervalMs,
      openFileLimit: openFileLimit(),
    });
    entry = await cloudService("the entry load balancer", entryConfig, path.join(work, "entry-lb.cfg"), entryPort.port);
    const routersMs = Date.now() - t2;

    // The demand loop: each router's publisher, with its own settings and the stack's keys, to the clouds' stand-ins.
    const settingsOf = (r: RenderedRouter) => fileAt(r.cloudConfig, PUBLISHER_PATHS.settings)?.content;
    const firstSettings = settingsOf(first);
    const awsCreds = fileAt(first.cloudConfig, PUBLISHER_PATHS.awsCredentials)?.content;
    const gcpKey = fileAt(first.cloudConfig, PUBLISHER_PATHS.gcpKey)?.content;
    const env = firstSettings ? envFileSettings(firstSettings) : {};
    const creds = awsCreds ? envFileSettings(awsCreds.replace(/^([A-Z_]+)=(.*)$/gm, "$1='$2'")) : {};
    sinks = await startCloudSinks({
      ...(env.HI_CW_REGION ? { region: env.HI_CW_REGION } : {}),
      ...(env.HI_GCP_PROJECT ? { project: env.HI_GCP_PROJECT } : {}),
      ...(creds.AWS_ACCESS_KEY_ID && creds.AWS_SECRET_ACCESS_KEY ? { aws: { accessKeyId: creds.AWS_ACCESS_KEY_ID, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY } } : {}),
      ...(gcpKey ? { gcpKeyJson: gcpKey } : {}),
    });
    const sinksNow = sinks;
    f.routers.forEach((r, i) => {
      const settings = settingsOf(r);
      if (settings) publishers.push(startPublisherLoop({ settings, root: (routers[i] as LocalRouter).root, sinks: sinksNow, intervalMs: pace.publishIntervalMs, failoverSeconds: pace.failoverSeconds, log }));
    });
    autoscaler = startAutoscaler({
      sinks,
      pools: burst.map((b) => ({
        pool: b.pool,
        scaling: {
          cloud: b.name,
          slotsPerNode: b.slotsPerNode,
          maxNodes: b.pool.ports.length,
          minNodes: Math.min(o.fromZero ? b.rendered.scaling.min : Math.max(1, b.rendered.scaling.min), b.pool.ports.length),
          quietMs: pace.quietMs,
        },
      })),
      pollMs: pace.evaluateMs,
      windowMs: pace.windowMs,
      log: event,
    });
    const scaling: FleetScaling = { sinks, publishers, autoscaler };

    let burstStopped: Promise<void> | undefined;
    const entryProcess = entry;
    return {
      stack,
      baseUrl: `https://127.0.0.1:${entryPort.port}`,
      certFile: entryCert.cert,
      domain,
      apiKey,
      generatedKey,
      model,
      store: s,
      render,
      routers,
      facts,
      base,
      burst,
      entry: entryProcess,
      scaling,
      pace,
      events,
      timings: { totalMs: Date.now() - started, renderMs, nodesMs, routersMs, built },
      stopBurst: () =>
        (burstStopped ??= (async () => {
          await scaling.autoscaler.stop();
          await Promise.all(burst.flatMap((b) => [b.lb.stop(), b.pool.scaleTo(0)]));
        })()),
      async killBase(name) {
        const b = base.find((x) => x.name === name);
        const n = b?.node();
        if (!b || !n?.server.pid) throw new Error(`no running base node ${name} (nodes: ${base.map((x) => x.name).join(", ")})`);
        process.kill(-n.server.pid, "SIGKILL");
      },
      async rollBase() {
        const steps: RollStep[] = [];
        for (const b of base) {
          const gateScript = render.fleet.gates.find((g) => g.kind === "node" && g.target === b.name)?.script;
          if (!gateScript) throw new Error(`the stack renders no rollout gate for ${b.name}`);
          event(`rolling update: ${b.name} drains`);
          const t0 = Date.now();
          await drainNode(b.agentSettings, (l) => log(`${b.name}: ${l}`));
          const t1 = Date.now();
          // The old node goes while its agent still says "drain" (the routers send the base's requests to the pools'
          // failover servers meanwhile); the new node's unit puts the agent back to "ready" once it starts, as
          // ExecStartPre does on the new server, whose checks rise only once it serves.
          await b.process.replace();
          await setAgentState(b.agentSettings, "ready");
          const t2 = Date.now();
          event(`rolling update: ${b.name} replaced; its gate waits until every router sees it up`);
          await runGate(gateScript, { host: domain, address: "127.0.0.1", port: entryPort.port, apiKey, caPem: readFileSync(entryCert.cert, "utf8") }, log);
          steps.push({ node: b.name, drainMs: t1 - t0, replaceMs: t2 - t1, gateMs: Date.now() - t2 });
          event(`rolling update: ${b.name} is healthy through every router`);
        }
        return steps;
      },
      async killRouter(index) {
        const r = routers[index];
        if (!r) throw new Error(`no router ${index} (routers: 0-${routers.length - 1})`);
        await r.kill();
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

