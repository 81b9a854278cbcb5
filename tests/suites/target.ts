/**
 * Where the suites run: an endpoint given with --base-url, or the local stack (the local fleet for --suite fleet),
 * started for the run and stopped after it. Either way the endpoint must be healthy before a test runs; if it is
 * not, that is an infrastructure error (exit 2), not a test failure.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { DEMAND_METRIC } from "../../infra/scaling/demand";
import type { MetricPoint } from "../../local/cloud/cloud-sinks";
import { DEFAULT_STACK, type LocalFleet, startLocalFleet } from "../../local/fleet/fleet";
import { type TlsTrust, waitHealthy } from "../../local/stack/health";
import { type LocalStack, startLocalStack } from "../../local/stack/stack";
import type { FleetContext } from "./framework";
import type { RunnerOptions } from "./options";
import { waitingLine } from "./wait-healthy";

export class InfrastructureError extends Error {
  override name = "InfrastructureError";
}

export interface Target {
  baseUrl: string;
  kind: "local" | "remote";
  apiKey?: string;
  localPid?: number;
  /** A certificate the client trusts besides the system's: the local fleet's self-signed one. */
  tls?: TlsTrust;
  fleet?: FleetContext;
  stop(): Promise<void>;
}

export interface TargetIo {
  progress: (line: string) => void;
}

/** The pool a demand point is for, or undefined for any other metric. */
function poolOf(p: MetricPoint): string | undefined {
  if (p.cloud === "aws") return p.metric === `${DEMAND_METRIC.awsNamespace}/${DEMAND_METRIC.awsMetricName}` ? p.labels[DEMAND_METRIC.awsDimension] : undefined;
  return p.metric === DEMAND_METRIC.gcpMetricType ? p.labels[DEMAND_METRIC.gcpPoolLabel] : undefined;
}

/** The local fleet as the fleet suite sees it: its router, its metrics, its processes and its spec. */
export function fleetContext(fleet: LocalFleet): FleetContext {
  const router = fleet.routers[0];
  if (!router) throw new Error("the local fleet has no router");
  return {
    metricsUrl: router.metricsUrl,
    control: {
      stopBurst: () => fleet.stopBurst(),
      killBase: (name) => fleet.killBase(name),
      killBurst: (pool) => {
        const b = fleet.burst.find((x) => x.name === pool);
        if (!b) throw new Error(`no burst pool ${pool}`);
        return b.pool.kill();
      },
      entry: { baseUrl: fleet.baseUrl, tls: { ca: readFileSync(fleet.certFile, "utf8") }, routers: fleet.routers.map((r) => ({ name: r.name, apiUrl: r.apiUrl, metricsUrl: r.metricsUrl })) },
      killRouter: (i) => fleet.killRouter(i),
      rollBase: () => fleet.rollBase(),
      events: () => [...fleet.events],
      scaling: {
        setMinimum: (n) => fleet.burst.forEach((b) => fleet.scaling.autoscaler.setMinimum(b.name, typeof n === "number" ? n : (n[b.name] ?? fleet.scaling.autoscaler.scaling(b.name).minNodes))),
        minimums: () => Object.fromEntries(fleet.burst.map((b) => [b.name, fleet.scaling.autoscaler.scaling(b.name).minNodes])),
        nodes: () => Object.fromEntries(fleet.burst.map((b) => [b.name, b.pool.nodes()])),
        events: () => fleet.scaling.autoscaler.events.map((e) => ({ ...e })),
        demandPeak: (pool, sinceMs) => Math.max(0, ...fleet.scaling.sinks.points.filter((p) => p.receivedMs >= sinceMs && poolOf(p) === pool).map((p) => p.value)),
        refusals: () => fleet.scaling.sinks.refusals.map((r) => `${r.cloud} ${r.status} ${r.reason}`),
        quietMs: fleet.pace.quietMs,
        setCapacity: (pool, available) => {
          const b = fleet.burst.find((x) => x.name === pool);
          if (!b) throw new Error(`no burst pool ${pool} (pools: ${fleet.burst.map((x) => x.name).join(", ")})`);
          b.pool.setCapacity(available);
        },
        failoverSeconds: fleet.pace.failoverSeconds,
        scaleIn: async (pool, n) => {
          const b = fleet.burst.find((x) => x.name === pool);
          if (!b) throw new Error(`no burst pool ${pool} (pools: ${fleet.burst.map((x) => x.name).join(", ")})`);
          await b.pool.scaleTo(n);
        },
      },
    },
    spec: { queueDepth: fleet.facts.queueDepth, queueTimeoutSeconds: fleet.facts.queueTimeoutSeconds, burstOrder: fleet.facts.burstOrder },
  };
}

export async function openTarget(o: RunnerOptions, io: TargetIo): Promise<Target> {
  const apiKey = o["api-key"];
  if (o["base-url"]) {
    const baseUrl = o["base-url"];
    try {
      await waitHealthy(baseUrl, { timeoutMs: o.wait * 1000, intervalMs: 500, onProgress: (p) => io.progress(waitingLine(baseUrl, p)) });
    } catch (e) {
      throw new InfrastructureError((e as Error).message);
    }
    const metricsUrl = o["metrics-url"];
    return { baseUrl, kind: "remote", ...(apiKey ? { apiKey } : {}), ...(metricsUrl ? { fleet: { metricsUrl } } : {}), stop: async () => undefined };
  }
  // The local stack and fleet always run with a key, so the authentication tests have something to check.
  const key = apiKey ?? randomBytes(16).toString("hex");
  const healthTimeoutMs = Math.max(o.wait, 30) * 1000;
  const progress = (p: { step: string; percent?: number }) => p.percent === undefined && io.progress(p.step);
  if (o.suite === "fleet") {
    let fleet: LocalFleet;
    try {
      io.progress(`starting the local fleet of stack ${o.stack ?? DEFAULT_STACK} (its routers, base nodes and burst pools as rendered, on loopback)`);
      fleet = await startLocalFleet({ apiKey: key, port: 0, healthTimeoutMs, progress, ...(o.stack ? { stack: o.stack } : {}) });
    } catch (e) {
      throw new InfrastructureError(`the local fleet did not come up: ${(e as Error).message}`);
    }
    // The routing checks read one router's view, so they go to that router (the load balancer in front ends TLS and
    // spreads requests over every router); the entry is in the context for the checks that go through it.
    const router = fleet.routers[0] as NonNullable<(typeof fleet.routers)[number]>;
    return { baseUrl: router.apiUrl, kind: "local", apiKey: key, fleet: fleetContext(fleet), stop: () => fleet.stop() };
  }
  let stack: LocalStack;
  try {
    io.progress("starting the local stack (llama-server from the build cache, test model from the S3 emulator)");
    stack = await startLocalStack({ apiKey: key, port: 0, healthTimeoutMs, progress });
  } catch (e) {
    throw new InfrastructureError(`the local stack did not come up: ${(e as Error).message}`);
  }
  return { baseUrl: stack.baseUrl, kind: "local", apiKey: key, ...(stack.server.pid !== undefined ? { localPid: stack.server.pid } : {}), stop: () => stack.stop() };
}
