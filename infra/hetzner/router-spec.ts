/**
 * The router's spec, derived from the typed stack config and the launch specs: which servers, how many slots each,
 * which burst pools in which order, the queue and the body limit. Pure; the component and the local fleet share it.
 */
import { routerTimeouts } from "../timeouts";
import type { BaseServer, BurstEndpoint, RouterSpec } from "./haproxy";

/** Where the routers keep what cloud-init writes. */
export const ROUTER_PATHS = {
  config: "/etc/haproxy/haproxy.cfg",
  burstCa: "/etc/haproxy/burst-ca.pem",
  apiKeys: "/etc/haproxy/api-keys",
  statsSocket: "/run/haproxy/admin.sock",
} as const;

/**
 * Bytes a request may carry per token of context: JSON-escaped text runs 4-6 bytes per token, non-ASCII escaped
 * as \\uXXXX more; 16 is generous for any prompt that fits the context and still stops a megabyte one at the edge.
 */
export const BODY_BYTES_PER_TOKEN = 16;
/** Room for the JSON around the prompt: parameters, tool definitions, a few messages' framing. */
export const BODY_OVERHEAD_BYTES = 16 * 1024;

export function bodyLimitBytes(ctxPerSlot: number): number {
  return ctxPerSlot * BODY_BYTES_PER_TOKEN + BODY_OVERHEAD_BYTES;
}

export interface RouterSpecInput {
  id: string;
  listen: RouterSpec["listen"];
  ops: RouterSpec["ops"];
  statsSocket: string;
  base: BaseServer[];
  burst: BurstEndpoint[];
  ctxPerSlot: number;
  queueTimeoutSeconds: number;
  /** Requests that may wait per base slot. */
  queuePerSlot: number;
  apiKeyFile?: string;
  log: RouterSpec["log"];
  runAs?: RouterSpec["runAs"];
  /** This router's place among the stack's routers: each counts only its own requests, so each gets a share of every slot. */
  share: RouterShare;
}

export interface RouterShare {
  index: number;
  of: number;
}

/**
 * A router's share of `total` slots: the routers behind the load balancer do not see each other's requests, so with a
 * whole node's slots each, R routers could put R x slots requests on a node (the excess waiting inside llama-server)
 * and never spill to the burst pools. The shares add up to the total; a router never gets 0 (HAProxy reads maxconn 0
 * as no limit), so a node with fewer slots than there are routers may get one request more than its slots.
 */
export function routerShare(total: number, s: RouterShare): number {
  if (!(Number.isInteger(s.of) && s.of >= 1 && Number.isInteger(s.index) && s.index >= 0 && s.index < s.of)) throw new Error(`router share ${s.index} of ${s.of} is not valid`);
  return Math.max(1, Math.floor(total / s.of) + (s.index < total % s.of ? 1 : 0));
}

export function routerSpec(i: RouterSpecInput): RouterSpec {
  const base = i.base.map((b) => ({ ...b, slots: routerShare(b.slots, i.share) }));
  const burst = i.burst.map((b) => ({ ...b, slots: routerShare(b.slots, i.share) }));
  const baseSlots = base.reduce((n, b) => n + b.slots, 0);
  return {
    id: i.id,
    listen: i.listen,
    ops: i.ops,
    statsSocket: i.statsSocket,
    base,
    burst,
    queue: { timeoutSeconds: i.queueTimeoutSeconds, depth: baseSlots * i.queuePerSlot },
    bodyLimitBytes: bodyLimitBytes(i.ctxPerSlot),
    ...(i.apiKeyFile ? { apiKeyFile: i.apiKeyFile } : {}),
    log: i.log,
    timeouts: routerTimeouts(),
    ...(i.runAs ? { runAs: i.runAs } : {}),
  };
}
