/**
 * A stand-in for the AWS pool's network load balancer, rendered from the stack's TLS listener and target group: it
 * ends TLS with the listener's certificate (the one the program imports into ACM, with its chain) under the listener's
 * policy and ALPN, and forwards the bytes to the healthy targets, checked over HTTP as the target group says.
 * How it differs from the real service:
 * - HAProxy 2.6 in TCP mode on loopback; the targets are this pool's local nodes (at most `LOCAL_BURST_NODES_MAX`).
 * - TLS 1.2 and 1.3 only, as ELBSecurityPolicy-TLS13-1-2-2021-06 allows; its exact cipher list is not copied.
 * - Health checks run every `LocalPace.lbCheckIntervalMs` instead of the group's interval; the thresholds are kept.
 * - Idle flows close after 350 s, the fixed idle timeout of NLB TLS listeners; cross-zone balancing has no
 *   counterpart. A leaving node is drained through the admin socket (no new flows, the open ones finish) up to the
 *   target group's deregistration delay; the real node also drains itself (spot-watcher.sh) before it completes the
 *   group's terminate hook.
 */
import type { BurstLoadBalancer } from "../../plan/rendered/fleet";
import { NLB_TLS_IDLE_SECONDS } from "../../infra/timeouts";

/** The backend that holds the targets (the admin socket names servers as `<backend>/<target>`). */
export const NLB_BACKEND = "targets";

export interface NlbInputs {
  lb: Extract<BurstLoadBalancer, { kind: "aws-nlb-tls" }>;
  listen: { address: string; port: number };
  /** Certificate, chain and key in one PEM file. */
  certFile: string;
  targets: Array<{ name: string; address: string; port: number }>;
  checkIntervalMs: number;
  /** The admin socket the pool drains a leaving node through (as the cloud deregisters a target with draining). */
  adminSocket?: string;
}

export function renderNlbConfig(i: NlbInputs): string {
  const h = i.lb.health;
  if (!/TLS13-1-2|TLS-1-2/.test(i.lb.sslPolicy)) throw new Error(`the stand-in knows TLS 1.2+ policies only; the listener uses ${i.lb.sslPolicy}`);
  const alpn = i.lb.alpnPolicy === "HTTP1Only" ? " alpn http/1.1" : "";
  return [
    "# The local stand-in for the AWS pool's network load balancer (local/cloud/aws-nlb.ts), from the stack's listener.",
    "global",
    "  log stdout format raw local0 notice",
    "  maxconn 4096",
    ...(i.adminSocket ? [`  stats socket ${i.adminSocket} mode 600 level admin`] : []),
    "",
    "defaults",
    "  mode tcp",
    "  log global",
    "  timeout connect 10s",
    `  timeout client ${NLB_TLS_IDLE_SECONDS}s`,
    `  timeout server ${NLB_TLS_IDLE_SECONDS}s`,
    `  timeout check ${h.timeoutSeconds}s`,
    "",
    "frontend tls",
    `  bind ${i.listen.address}:${i.listen.port} ssl crt ${i.certFile}${alpn} ssl-min-ver TLSv1.2`,
    `  default_backend ${NLB_BACKEND}`,
    "",
    `backend ${NLB_BACKEND}`,
    "  balance roundrobin",
    "  option httpchk",
    `  http-check send meth GET uri ${h.path}`,
    "  http-check expect status 200",
    `  default-server check inter ${i.checkIntervalMs}ms fall ${h.unhealthyThreshold} rise ${h.healthyThreshold}`,
    ...i.targets.map((t) => `  server ${t.name} ${t.address}:${t.port}`),
    "",
  ].join("\n");
}
