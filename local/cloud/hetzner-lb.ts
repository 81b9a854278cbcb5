/**
 * A stand-in for the Hetzner load balancer in front of the routers, rendered from the stack's LoadBalancerService and
 * LoadBalancer as the program built them: an HTTPS service that ends TLS and proxies HTTP to the routers' private
 * addresses, the algorithm, the HTTP health check (path, port, status codes, timeout, retries) and the idle timeout.
 * How it differs from the real service:
 * - HAProxy 2.6 on loopback; its certificate is a local one for the stack's domain (Hetzner issues the managed one).
 * - Health checks run every `LocalPace.lbCheckIntervalMs` instead of the service's interval; the thresholds are kept.
 * - A connection a target refuses is tried once on another target: Hetzner does not document what it does there, and
 *   a refused connection never carried the request. Requests a target accepted are never resent.
 * - Its connection limit is the type's `max_connections` from the hcloud API's load balancer types (lb11 10,000,
 *   lb21 20,000, lb31 40,000 in hetznercloud/hcloud-python's fixtures; Hetzner's docs pages do not state them),
 *   lowered to what this machine's open-file limit allows (two descriptors per proxied connection).
 * - Port 80's redirect to HTTPS is not served here.
 */
import { spawnSync } from "node:child_process";
import type { RenderedEntry } from "../../plan/rendered/fleet";

export const LB_MAX_CONNECTIONS: Record<string, number> = { lb11: 10_000, lb21: 20_000, lb31: 40_000 };

export interface HetznerLbInputs {
  entry: RenderedEntry;
  listen: { address: string; port: number };
  /** Certificate and key in one PEM file. */
  certFile: string;
  /** The routers: where the service's destination port and the health check's port are here. */
  targets: Array<{ name: string; address: string; port: number; checkPort: number }>;
  checkIntervalMs: number;
  /** This machine's hard limit on open files (`ulimit -Hn`). */
  openFileLimit: number;
}

/** The hard limit on open files a process started here gets. */
export function openFileLimit(): number {
  const r = spawnSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" });
  const n = Number(r.stdout.trim());
  return r.stdout.trim() === "unlimited" ? 1 << 20 : Number.isFinite(n) && n > 0 ? n : 1024;
}

export function renderHetznerLbConfig(i: HetznerLbInputs): string {
  const e = i.entry;
  if (e.service.protocol !== "https") throw new Error(`the stand-in serves the stack's https service; the stack renders ${e.service.protocol}`);
  const idle = e.service.timeoutIdleSeconds;
  if (idle === undefined) throw new Error("the stack leaves the load balancer's idle timeout unset; its default is undocumented, so the stand-in cannot copy it");
  const h = e.service.health;
  const typeMax = LB_MAX_CONNECTIONS[e.loadBalancerType];
  if (!typeMax) throw new Error(`no connection limit known for load balancer type ${e.loadBalancerType}`);
  const maxconn = Math.min(typeMax, Math.floor((i.openFileLimit - 100) / 2));
  const statuses = h.statusCodes.length > 0 ? h.statusCodes : ["2??", "3??"];
  const expect = statuses.every((s) => /^\d{3}$/.test(s)) ? `status ${statuses.join(",")}` : `rstatus ^(${statuses.map((s) => s.replace(/\?/g, "\\d")).join("|")})$`;
  return [
    "# The local stand-in for the Hetzner load balancer (local/cloud/hetzner-lb.ts), from the stack's service.",
    "global",
    "  log stdout format raw local0 notice",
    `  maxconn ${maxconn}`,
    "  ssl-default-bind-options ssl-min-ver TLSv1.2",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option dontlognull",
    // Streams go out chunk by chunk, as the cloud's proxies pass server-sent events on.
    "  option http-no-delay",
    "  timeout connect 5s",
    `  timeout client ${idle}s`,
    `  timeout server ${idle}s`,
    `  timeout http-request ${idle}s`,
    `  timeout http-keep-alive ${idle}s`,
    `  timeout check ${h.timeoutSeconds}s`,
    "  retries 1",
    "  option redispatch 1",
    "  retry-on conn-failure",
    "",
    "frontend https",
    `  bind ${i.listen.address}:${i.listen.port} ssl crt ${i.certFile} alpn http/1.1`,
    "  option forwardfor",
    "  http-request set-header x-forwarded-proto https",
    "  default_backend routers",
    "",
    "backend routers",
    `  balance ${e.algorithm === "least_connections" ? "leastconn" : "roundrobin"}`,
    "  option httpchk",
    `  http-check send meth GET uri ${h.path}`,
    `  http-check expect ${expect}`,
    `  default-server check inter ${i.checkIntervalMs}ms fall ${h.unhealthyThreshold} rise ${h.healthyThreshold}`,
    ...i.targets.map((t) => `  server ${t.name} ${t.address}:${t.port} port ${t.checkPort}`),
    "",
  ].join("\n");
}
