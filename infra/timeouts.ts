/**
 * The timeout chain, in one place. A request may legitimately go SILENCE_SECONDS without a byte (a long prompt before
 * its first token, a non-streamed completion); every hop between the client and the node lets it, and the router is
 * the first to give up, with a JSON 504. The order and the sources are in docs/architecture.md, "The timeout chain";
 * the offline plan checks the rendered resources against it (plan/provider-rules/router-contracts.ts).
 */
import type { RouterTimeouts } from "./hetzner/haproxy";

/** The Hetzner load balancer's HTTP idle timeout: the largest the API takes (30-300 s, hcloud LoadBalancerService http.timeoutIdle). */
export const ENTRY_IDLE_SECONDS = 300;

/** Longest a request may wait for its next byte from a node, and still be served. */
export const SILENCE_SECONDS = 270;

/** The router gives up on a silent node after this; below the load balancer's idle limit, so its 504 reaches the client. */
export const ROUTER_SERVER_SECONDS = SILENCE_SECONDS;

/**
 * The client side's inactivity limit while it sends a request or reads a response. HAProxy does not arm it while the
 * request waits for the server's answer (configuration.txt 2.6, "timeout client"; checked against HAProxy 2.6 in
 * tests/inference/router-timeouts.test.ts), so it is not part of the chain above.
 */
export const ROUTER_CLIENT_SECONDS = 60;

/** Request headers within 10 s of the connection, the body within 30 s after them; idle and slow connections are cut. */
export const ROUTER_HEADERS_SECONDS = 10;
export const ROUTER_BODY_SECONDS = 30;
export const ROUTER_KEEP_ALIVE_SECONDS = 60;
export const ROUTER_CONNECT_SECONDS = 5;

/**
 * The longest a whole response may last. The GCP backend service's timeoutSec bounds the whole response for the global
 * external Application Load Balancer (a request/response timeout, not an idle one: cloud.google.com/load-balancing/
 * docs/https#timeout-bes), so a stream that outlives it is cut; Google advises against values above a day.
 */
export const RESPONSE_SECONDS = 3600;

/** AWS network load balancers close a TLS listener's flows after 350 idle seconds, a value TLS listeners cannot change. */
export const NLB_TLS_IDLE_SECONDS = 350;

/** llama-server's read/write timeout when `--timeout` is not given (common/common.h: timeout_read = 600). */
export const LLAMA_SERVER_DEFAULT_TIMEOUT_SECONDS = 600;

export function routerTimeouts(): RouterTimeouts {
  return {
    silenceSeconds: ROUTER_SERVER_SECONDS,
    clientSeconds: ROUTER_CLIENT_SECONDS,
    headersSeconds: ROUTER_HEADERS_SECONDS,
    bodySeconds: ROUTER_BODY_SECONDS,
    keepAliveSeconds: ROUTER_KEEP_ALIVE_SECONDS,
    connectSeconds: ROUTER_CONNECT_SECONDS,
  };
}

/**
 * How long a Hetzner server that is deleted gets to shut down: with shutdownBeforeDeletion the provider sends an ACPI
 * shutdown, then polls for "off" five times with backoff from 1 s (1+2+4+8+16 s), and deletes it anyway after that
 * (hetznercloud/terraform-provider-hcloud internal/server/resource.go, delete; internal/util/control/retry.go).
 */
export const HCLOUD_SHUTDOWN_WINDOW_SECONDS = 31;

/**
 * How long a base node that stops waits for the requests it serves to finish once the routers stopped sending it new
 * ones, inside the shutdown window. A non-streamed request still running after it is retried by the routers on another
 * node (its connection closes with no answer); a stream still running is cut (docs/architecture.md).
 */
export const NODE_DRAIN_SECONDS = 25;

/**
 * How long a new burst node takes from launch to healthy: the OS, Docker, the image pull and the model's download
 * (docs/runbook.md, "Cold start"). A rolling replacement counts a new node as serving only after it.
 */
export const BURST_BOOT_SECONDS = 300;
