/**
 * The local fleet as a small typed fixture, and the router spec derived from it the way infra/fleet.ts derives a
 * stack's: base servers with the slots of their launch spec, burst pools with max nodes x slots and their spot price
 * per slot from the catalog (the cheaper pool first), the queue from the slots. The nodes' launch specs come from
 * localLaunchSpec, the local stack's derivation; the rendered config is renderHaproxyConfig's, nothing written here.
 */
import { type Cloud, worstHourlyUsd } from "../../infra/catalog";
import type { LaunchSpec } from "../../infra/inference/launch";
import type { RouterSpec } from "../../infra/hetzner/haproxy";
import { routerSpec } from "../../infra/hetzner/router-spec";

export interface LocalBurstPool {
  /** The backend is burst_<name>. */
  name: string;
  cloud: Exclude<Cloud, "hetzner">;
  /** The pool's instance types, for its spot price (the worst of them, as a mixed pool may get any). */
  instanceTypes: string[];
  /** Max nodes of the pool; locally one node stands for it. */
  maxNodes: number;
  /**
   * The pool's minimum at start. The stacks' pools are at 0; the local fleet starts them warm (1), so the spill-over
   * checks have burst capacity at once, and the scale-from-zero check (or `npm run local -- --fleet --from-zero`)
   * sets 0.
   */
  minNodes: number;
  parallel: number;
  /** The name on the endpoint's certificate: sent as SNI and verified by the router. */
  tlsName: string;
  /** How its load balancer forwards: tcp (AWS NLB TLS listener) or http (GCP HTTPS load balancer). */
  mode: "tcp" | "http";
}

/**
 * The demand loop's pace on this machine: the routers publish every 20 s and the pools go back to zero after
 * scaleInQuietMinutes (15 by default); here seconds. The publish interval stays above Cloud Monitoring's 5 s minimum
 * between two points of a series (the local sink refuses faster writes, as the API does; the points' end times have
 * whole seconds).
 */
export interface LocalScaling {
  publishIntervalMs: number;
  /** How often the autoscaler stand-in evaluates (the alarms' period). */
  evaluateMs: number;
  /** How old a data point may be and still count. */
  windowMs: number;
  /** No demand for this long: the pool goes back to its minimum. */
  quietMs: number;
}

export interface LocalFleetFixture {
  base: { nodes: number; parallel: number };
  scaling: LocalScaling;
  burst: LocalBurstPool[];
  ctxPerSlot: number;
  queueTimeoutSeconds: number;
  /** Requests that may wait per base slot. */
  queuePerSlot: number;
}

/**
 * Two base nodes and one node per burst pool, two slots each, so four requests fill the base and eight fill every
 * slot; the queue holds one request per base slot. The context is staging's (and lets a request hold its slot for
 * seconds with the tiny model); the pools' types are staging's.
 */
export const LOCAL_FLEET: LocalFleetFixture = {
  base: { nodes: 2, parallel: 2 },
  burst: [
    { name: "aws", cloud: "aws", instanceTypes: ["r7a.large", "r6a.large", "m7a.large"], maxNodes: 1, minNodes: 1, parallel: 2, tlsName: "aws-burst.hybrid-inference.test", mode: "tcp" },
    { name: "gcp", cloud: "gcp", instanceTypes: ["n2d-highmem-2"], maxNodes: 1, minNodes: 1, parallel: 2, tlsName: "gcp-burst.hybrid-inference.test", mode: "http" },
  ],
  scaling: { publishIntervalMs: 6000, evaluateMs: 500, windowMs: 12_000, quietMs: 8000 },
  ctxPerSlot: 4096,
  queueTimeoutSeconds: 20,
  queuePerSlot: 1,
};

/** A started (or planned) node: its name in the router and its launch spec. */
export interface FleetNode {
  name: string;
  launch: LaunchSpec;
}

export interface FleetRouterInputs {
  listenPort: number;
  metricsPort: number;
  /** The router's certificate and key in one PEM file. */
  certFile: string;
  /** The CA that signs the burst endpoints' certificates. */
  caFile: string;
  statsSocket: string;
  apiKeyFile?: string;
  base: FleetNode[];
  /** Each pool's TLS endpoint (its terminator's port) and the launch spec of the node behind it. */
  burst: Array<FleetNode & { port: number }>;
}

export function baseNodeName(i: number): string {
  return `base${i}`;
}

/** The router spec of the local fleet: the same routerSpec() the Hetzner routers use, from the fixture. */
export function fleetRouterSpec(f: LocalFleetFixture, i: FleetRouterInputs): RouterSpec {
  return routerSpec({
    listen: { address: "127.0.0.1", port: i.listenPort, tls: { certFile: i.certFile } },
    metrics: { address: "127.0.0.1", port: i.metricsPort },
    statsSocket: i.statsSocket,
    base: i.base.map((n) => ({ name: n.name, address: "127.0.0.1", port: n.launch.port, slots: n.launch.parallel })),
    burst: f.burst.map((p) => {
      const node = i.burst.find((b) => b.name === p.name);
      if (!node) throw new Error(`no endpoint for burst pool ${p.name}`);
      return {
        name: p.name,
        host: "127.0.0.1",
        port: node.port,
        tlsName: p.tlsName,
        caFile: i.caFile,
        slots: p.maxNodes * node.launch.parallel,
        hourlyUsd: worstHourlyUsd(p.cloud, p.instanceTypes, "spot") / node.launch.parallel,
      };
    }),
    ctxPerSlot: f.ctxPerSlot,
    queueTimeoutSeconds: f.queueTimeoutSeconds,
    queuePerSlot: f.queuePerSlot,
    ...(i.apiKeyFile ? { apiKeyFile: i.apiKeyFile } : {}),
    // HAProxy in the foreground: its log is the fleet's output.
    log: "stdout",
  });
}
