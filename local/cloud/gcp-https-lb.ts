/**
 * A stand-in for the GCP pool's global external Application Load Balancer, rendered from the stack's forwarding rule,
 * HTTPS proxy, SSL policy, backend service and health check: it ends TLS with the program's certificate and proxies
 * HTTP to the healthy instances of the group, checked as the health check says.
 * How it differs from the real service:
 * - HAProxy 2.6 in HTTP mode on loopback; the instances are this pool's local nodes (at most `LOCAL_BURST_NODES_MAX`).
 * - The backend service's timeoutSec ends a whole response at Google; HAProxy 2.6 has no whole-response timeout, so
 *   here it is an idle timeout (the plan's timeout-chain rule checks the whole-response limit).
 * - TLS 1.2 and later, as the MODERN profile with TLS_1_2 allows; the exact cipher list is not copied. No HTTP/2.
 * - Health checks run every `LocalPace.lbCheckIntervalMs` instead of the check's interval; the thresholds are kept.
 * - Cloud Armor is not applied: only the routers reach it here anyway.
 */
import type { BurstLoadBalancer } from "../../plan/rendered/fleet";

/** The proxy's client keep-alive timeout when httpKeepAliveTimeoutSec is unset (pulumi-gcp targetHttpsProxy docs: 610 s). */
export const GCP_CLIENT_KEEPALIVE_SECONDS = 610;

/** The backend that holds the group's instances (the admin socket names servers as `<backend>/<instance>`). */
export const GCP_LB_BACKEND = "group";

export interface GcpLbInputs {
  lb: Extract<BurstLoadBalancer, { kind: "gcp-https" }>;
  listen: { address: string; port: number };
  /** Certificate (with its chain) and key in one PEM file. */
  certFile: string;
  targets: Array<{ name: string; address: string; port: number }>;
  checkIntervalMs: number;
  /** The admin socket the pool drains a leaving node through (as the cloud deregisters a target with draining). */
  adminSocket?: string;
}

export function renderGcpLbConfig(i: GcpLbInputs): string {
  const h = i.lb.health;
  if (i.lb.sslPolicy.minTlsVersion !== "TLS_1_2" && i.lb.sslPolicy.minTlsVersion !== "TLS_1_3") throw new Error(`the stand-in serves TLS 1.2 or later; the SSL policy allows ${i.lb.sslPolicy.minTlsVersion ?? "TLS 1.0"}`);
  const timeout = i.lb.backendTimeoutSeconds ?? 30;
  return [
    "# The local stand-in for the GCP pool's HTTPS load balancer (local/cloud/gcp-https-lb.ts), from the stack's proxy.",
    "global",
    "  log stdout format raw local0 notice",
    "  maxconn 4096",
    ...(i.adminSocket ? [`  stats socket ${i.adminSocket} mode 600 level admin`] : []),
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option dontlognull",
    // Streams go out chunk by chunk, as the cloud's proxies pass server-sent events on.
    "  option http-no-delay",
    "  timeout connect 5s",
    `  timeout client ${GCP_CLIENT_KEEPALIVE_SECONDS}s`,
    `  timeout server ${timeout}s`,
    "  timeout http-request 30s",
    `  timeout http-keep-alive ${GCP_CLIENT_KEEPALIVE_SECONDS}s`,
    `  timeout check ${h.timeoutSeconds}s`,
    "",
    "frontend https",
    `  bind ${i.listen.address}:${i.listen.port} ssl crt ${i.certFile} alpn http/1.1 ssl-min-ver ${i.lb.sslPolicy.minTlsVersion === "TLS_1_3" ? "TLSv1.3" : "TLSv1.2"}`,
    "  option forwardfor",
    `  default_backend ${GCP_LB_BACKEND}`,
    "",
    `backend ${GCP_LB_BACKEND}`,
    "  balance roundrobin",
    "  option httpchk",
    `  http-check send meth GET uri ${h.path}`,
    "  http-check expect status 200",
    `  default-server check inter ${i.checkIntervalMs}ms fall ${h.unhealthyThreshold} rise ${h.healthyThreshold}`,
    ...i.targets.map((t) => `  server ${t.name} ${t.address}:${t.port}`),
    "",
  ].join("\n");
}
