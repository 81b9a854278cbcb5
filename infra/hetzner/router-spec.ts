/**
 * The router's spec, derived from the typed stack config and the launch specs: which servers, how many slots each,
 * which burst pools in which order, the queue and the body limit. Pure; the component and the local fleet share it.
 */
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
  listen: RouterSpec["listen"];
  metrics: RouterSpec["metrics"];
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
}

/** The longest a request stream may stay silent: a long completion on a slow CPU node. */
export const ROUTER_SERVER_TIMEOUT_SECONDS = 600;

export function routerSpec(i: RouterSpecInput): RouterSpec {
  const baseSlots = i.base.reduce((n, b) => n + b.slots, 0);
  return {
    listen: i.listen,
    metrics: i.metrics,
    statsSocket: i.statsSocket,
    base: i.base,
    burst: i.burst,
    queue: { timeoutSeconds: i.queueTimeoutSeconds, depth: baseSlots * i.queuePerSlot },
    bodyLimitBytes: bodyLimitBytes(i.ctxPerSlot),
    ...(i.apiKeyFile ? { apiKeyFile: i.apiKeyFile } : {}),
    log: i.log,
    serverTimeoutSeconds: ROUTER_SERVER_TIMEOUT_SECONDS,
    ...(i.runAs ? { runAs: i.runAs } : {}),
  };
}
