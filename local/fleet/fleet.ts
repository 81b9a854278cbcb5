/**
 * The local fleet: the proof of the one hybrid endpoint that runs on this machine. Two base llama-servers and one
 * per burst pool, all booted through boot.sh from the S3 emulator; each burst pool behind a TLS terminator with a
 * certificate from a local CA (standing in for the pool's load balancer, which is there at zero nodes); in front,
 * HAProxy in the foreground with the config renderHaproxyConfig() renders from the fixture (fleet-spec.ts): TLS
 * from a self-signed certificate, the API key, the exporter on a loopback port, the stats socket in the fleet's
 * temporary directory.
 * The demand loop runs as in the clouds: the routers' publisher (the same script and settings) sends the burst
 * demand to local stand-ins of CloudWatch and Cloud Monitoring, and an autoscaler stand-in sizes each pool from it
 * with the stacks' scaling functions: a pool at minimum 0 leaves zero when the base overflows and goes back after
 * the quiet period.
 * Everything is registered with the reaper, so nothing outlives the fleet's Node process, however it ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type RouterSpec, renderHaproxyConfig } from "../../infra/hetzner/haproxy";
import { modelKey } from "../../infra/storage/layout";
import { type StandInAutoscaler, startAutoscaler } from "../cloud/autoscaler";
import { localPool, type LocalPool } from "./burst-pool";
import { type CloudSinks, startCloudSinks } from "../cloud/cloud-sinks";
import { startHaproxy, type HaproxyProcess } from "./haproxy-process";
import { baseNodeName, fleetRouterSpec, LOCAL_FLEET, type LocalFleetFixture } from "./fleet-spec";
import { ensureLlamaServer, type ProgressSink } from "../toolchain/llama-build";
import { type ModelStore, startModelStore } from "../cloud/model-store";
import { type LocalNode, localLaunchSpec, startNode } from "../stack/node";
import { type PublisherLoop, startPublisherLoop } from "./publisher-loop";
import { type PortReservation, reservePort } from "../stack/ports";
import { startReaper } from "../stack/reaper";
import { type RouterMetrics, scrapeRouter } from "./router-metrics";
import { ensureTestModel, type TestModel } from "../toolchain/test-model";
import { createLocalCa, issueCert, selfSignedCert } from "./tls";
import { renderTerminatorConfig } from "../cloud/tls-terminator";

/** Ports the fleet prefers for the router and its exporter: the router's HTTPS port and the stacks' metricsPort. */
export const DEFAULT_FLEET_PORT = 8443;
export const DEFAULT_METRICS_PORT = 8405;

export interface LocalFleetOptions {
  /** The router's port: that port or a PortBusy error; 0 any free port; undefined the preferred one when free. */
  port?: number;
  preferredPort?: number;
  metricsPreferredPort?: number;
  /** Required by the router (and the nodes behind it, as in the clouds) on every request but /health. */
  apiKey?: string;
  fixture?: LocalFleetFixture;
  /** Every burst pool at minimum 0 from the start, as in the stacks: no burst node until the base overflows. */
  fromZero?: boolean;
  healthTimeoutMs?: number;
  progress?: ProgressSink;
  /** Boot, llama-server and HAProxy log lines (the router's request log included). */
  log?: (line: string) => void;
}

export interface FleetBaseNode {
  name: string;
  node: LocalNode;
}

export interface FleetBurstPool {
  /** The pool's name: its backend is burst_<name>. */
  name: string;
  /** The TLS endpoint the router reaches (the terminator). */
  endpoint: string;
  tlsName: string;
  mode: "tcp" | "http";
  /** Its nodes (0 or 1 here), sized by the autoscaler stand-in. */
  pool: LocalPool;
  terminator: HaproxyProcess;
}

/** The demand loop: the cloud APIs' stand-ins, the routers' publisher, the autoscaler stand-in. */
export interface FleetScaling {
  sinks: CloudSinks;
  publisher: PublisherLoop;
  autoscaler: StandInAutoscaler;
}

export interface LocalFleet {
  /** The router: https://127.0.0.1:<port>. */
  baseUrl: string;
  metricsUrl: string;
  /** The router's self-signed certificate: what a client trusts (curl --cacert, NODE_EXTRA_CA_CERTS). */
  certFile: string;
  apiKey?: string;
  model: TestModel;
  store: ModelStore;
  fixture: LocalFleetFixture;
  spec: RouterSpec;
  /** The rendered router config, as HAProxy runs it. */
  config: string;
  configFile: string;
  base: FleetBaseNode[];
  burst: FleetBurstPool[];
  scaling: FleetScaling;
  router: HaproxyProcess;
  timings: { totalMs: number; nodesMs: number; routerMs: number; built: boolean };
  /** Stops every burst endpoint (its terminator and its node) and the autoscaler stand-in, as pools that are gone. */
  stopBurst(): Promise<void>;
  /** Kills a base node's llama-server outright (SIGKILL), as a node that vanishes. */
  killBase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Waits until the router has checked every server and sees what stands behind it: base servers and the pools with a
 * node up (L7OK), the pools at zero nodes down; names the servers that are not there yet.
 */
async function routerReady(metricsUrl: string, router: HaproxyProcess, expectUp: (proxy: string) => boolean, timeoutMs: number): Promise<RouterMetrics> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer from the exporter";
  while (Date.now() < deadline) {
    if (router.child.exitCode !== null || router.child.signalCode !== null) throw new Error(`the router exited: ${router.tail().slice(-5).join(" | ")}`);
    try {
      const m = await scrapeRouter(metricsUrl);
      const bad = m.servers.filter((s) => (expectUp(s.proxy) ? s.state !== "UP" || s.check !== "L7OK" : s.state !== "DOWN"));
      if (m.servers.length > 0 && bad.length === 0) return m;
      last = bad.map((s) => `${s.proxy}/${s.server} ${s.state} ${s.check || "not checked yet"} (${expectUp(s.proxy) ? "expected up" : "expected down: no node"})`).join(", ");
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the router does not see its servers as they are after ${timeoutMs} ms: ${last}`);
}

/** The router's name in the demand it publishes (the Router dimension on AWS, the router label on GCP). */
export const LOCAL_ROUTER_ID = "local-router-0";

export async function startLocalFleet(o: LocalFleetOptions = {}): Promise<LocalFleet> {
  const started = Date.now();
  const f = o.fixture ?? LOCAL_FLEET;
  const progress = o.progress ?? (() => undefined);
  const log = o.log ?? (() => undefined);
  // The router's port first: an explicit port that is taken fails before anything starts.
  const routerPort = await reservePort(o.port === undefined ? { preferred: o.preferredPort ?? DEFAULT_FLEET_PORT } : o.port === 0 ? {} : { exact: o.port });
  const reservations: PortReservation[] = [routerPort];
  const reaper = startReaper();
  let store: ModelStore | undefined;
  let sinks: CloudSinks | undefined;
  let publisher: PublisherLoop | undefined;
  let autoscaler: StandInAutoscaler | undefined;
  let dir: string | undefined;
  const nodes: LocalNode[] = [];
  const pools: LocalPool[] = [];
  const haproxies: HaproxyProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await autoscaler?.stop();
      await publisher?.stop();
      await Promise.all(haproxies.map((h) => h.stop()));
      await Promise.all([...nodes.map((n) => n.stop()), ...pools.map((p) => p.stop())]);
      await sinks?.stop();
      await store?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await Promise.all(reservations.map((r) => r.release()));
      reaper.dismiss();
    })());
  try {
    const metricsPort = await reservePort({ preferred: o.metricsPreferredPort ?? DEFAULT_METRICS_PORT });
    reservations.push(metricsPort);
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

    const bootOn = (name: string, parallel: number) => async (reservation: PortReservation): Promise<LocalNode> =>
      startNode({
        reservation,
        llamaServer: binary,
        model,
        store: s,
        reaper,
        parallel,
        ctxPerSlot: f.ctxPerSlot,
        ...(o.apiKey ? { apiKey: o.apiKey } : {}),
        ...(o.healthTimeoutMs ? { healthTimeoutMs: o.healthTimeoutMs } : {}),
        log: (l) => log(`${name}: ${l}`),
      });
    // Each burst pool keeps one port for its node, whether it has one or not: the terminator forwards there.
    for (const p of f.burst) pools.push(localPool(p.name, await reservePort({}), bootOn(p.name, p.parallel)));
    const minimum = (p: (typeof f.burst)[number]) => (o.fromZero ? 0 : p.minNodes);
    const warm = f.burst.filter((p) => minimum(p) > 0).length;
    progress({ step: `booting ${f.base.nodes} base${warm ? ` and ${warm} burst` : ""} nodes: fetch, verify, start llama-server${warm < f.burst.length ? `; ${f.burst.length - warm} burst pool(s) at zero` : ""}` });
    const t0 = Date.now();
    const bootBase = async (i: number) => {
      const node = await bootOn(baseNodeName(i), f.base.parallel)(await reservePort({}));
      nodes.push(node);
      return node;
    };
    const certs = (async () => {
      const ca = await createLocalCa(work, "hybrid-inference local burst CA");
      const burstCerts = await Promise.all(f.burst.map((p) => issueCert(ca, work, `burst-${p.name}`, [p.tlsName])));
      const router = await selfSignedCert(work, "router", ["localhost", "IP:127.0.0.1"]);
      return { ca, burstCerts, router };
    })();
    const [baseNodes, , tls] = await Promise.all([
      Promise.all(Array.from({ length: f.base.nodes }, (_, i) => bootBase(i))),
      Promise.all(f.burst.map((p, i) => pools[i]?.scaleTo(Math.min(minimum(p), 1)))),
      certs,
    ]);
    const nodesMs = Date.now() - t0;

    progress({ step: "starting the burst pools' TLS terminators and the router" });
    const t1 = Date.now();
    const burst: FleetBurstPool[] = [];
    for (const [i, p] of f.burst.entries()) {
      const pool = pools[i] as LocalPool;
      const cert = tls.burstCerts[i];
      if (!cert) throw new Error(`no certificate for burst pool ${p.name}`);
      const port = await reservePort({});
      reservations.push(port);
      const terminator = startHaproxy({
        name: `${p.name} terminator`,
        config: renderTerminatorConfig({ mode: p.mode, listen: { address: "127.0.0.1", port: port.port }, certFile: cert.pem, node: { address: "127.0.0.1", port: pool.port } }),
        file: path.join(work, `terminator-${p.name}.cfg`),
        reaper,
        log,
      });
      haproxies.push(terminator);
      await terminator.listening(port.port);
      burst.push({ name: p.name, endpoint: `https://127.0.0.1:${port.port}`, tlsName: p.tlsName, mode: p.mode, pool, terminator });
    }
    let apiKeyFile: string | undefined;
    if (o.apiKey) {
      apiKeyFile = path.join(work, "api-keys");
      writeFileSync(apiKeyFile, `Bearer ${o.apiKey}\n`, { mode: 0o600 });
    }
    const base = baseNodes.map((node, i) => ({ name: baseNodeName(i), node }));
    // A pool's launch spec is its nodes' whether or not one runs: the same derivation startNode makes.
    const poolLaunch = (p: (typeof f.burst)[number], pool: LocalPool) =>
      localLaunchSpec({ port: pool.port, model, modelDir: path.join(work, "models"), parallel: p.parallel, ctxPerSlot: f.ctxPerSlot });
    const spec = fleetRouterSpec(f, {
      listenPort: routerPort.port,
      metricsPort: metricsPort.port,
      certFile: tls.router.pem,
      caFile: tls.ca.cert,
      statsSocket: path.join(work, "admin.sock"),
      ...(apiKeyFile ? { apiKeyFile } : {}),
      base: base.map((b) => ({ name: b.name, launch: b.node.launch })),
      burst: burst.map((b, i) => ({ name: b.name, launch: poolLaunch(f.burst[i] as (typeof f.burst)[number], b.pool), port: Number(new URL(b.endpoint).port) })),
    });
    const config = renderHaproxyConfig(spec);
    const configFile = path.join(work, "haproxy.cfg");
    const router = startHaproxy({ name: "router", config, file: configFile, reaper, log });
    haproxies.push(router);
    await router.listening(routerPort.port);
    const metricsUrl = `http://127.0.0.1:${metricsPort.port}/metrics`;
    await router.listening(metricsPort.port);
    const withNodes = new Set(burst.filter((b) => b.pool.nodes() > 0).map((b) => `burst_${b.name}`));
    await routerReady(metricsUrl, router, (proxy) => !proxy.startsWith("burst_") || withNodes.has(proxy), 30_000);
    const routerMs = Date.now() - t1;

    // The demand loop, as on the routers and in the clouds.
    sinks = await startCloudSinks();
    publisher = startPublisherLoop({
      routerId: LOCAL_ROUTER_ID,
      pools: spec.burst.map((b) => ({ name: b.name, maxSlots: b.slots, hourlyUsdPerSlot: b.hourlyUsd })),
      statsSocket: spec.statsSocket,
      sinks,
      dir: path.join(work, "publisher"),
      intervalMs: f.scaling.publishIntervalMs,
      log,
    });
    autoscaler = startAutoscaler({
      sinks,
      pools: f.burst.map((p, i) => ({
        pool: pools[i] as LocalPool,
        scaling: { cloud: p.cloud, slotsPerNode: p.parallel, maxNodes: Math.min(p.maxNodes, 1), minNodes: Math.min(minimum(p), 1), quietMs: f.scaling.quietMs },
      })),
      pollMs: f.scaling.evaluateMs,
      windowMs: f.scaling.windowMs,
      log,
    });
    const scaling: FleetScaling = { sinks, publisher, autoscaler };

    let burstStopped: Promise<void> | undefined;
    return {
      baseUrl: `https://127.0.0.1:${routerPort.port}`,
      metricsUrl,
      certFile: tls.router.cert,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      model,
      store: s,
      fixture: f,
      spec,
      config,
      configFile,
      base,
      burst,
      scaling,
      router,
      timings: { totalMs: Date.now() - started, nodesMs, routerMs, built },
      stopBurst: () =>
        (burstStopped ??= (async () => {
          await scaling.autoscaler.stop();
          await Promise.all(burst.flatMap((b) => [b.terminator.stop(), b.pool.scaleTo(0)]));
        })()),
      async killBase(name) {
        const b = base.find((x) => x.name === name);
        if (!b) throw new Error(`no base node ${name} (nodes: ${base.map((x) => x.name).join(", ")})`);
        await b.node.stop("SIGKILL");
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
