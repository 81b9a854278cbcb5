/**
 * What stands in for a burst pool's cloud load balancer in the local fleet: HAProxy terminating TLS with a
 * certificate from the local CA, in front of one llama-server. `tcp` is the AWS network load balancer's TLS
 * listener (TLS off, bytes through); `http` is GCP's HTTPS load balancer (an HTTP proxy, which answers 503 itself
 * when its node is gone). The router's config is not this one: that is infra/hetzner/haproxy.ts, run as it is.
 */

export interface TerminatorSpec {
  mode: "tcp" | "http";
  listen: { address: string; port: number };
  /** Certificate and key in one PEM file. */
  certFile: string;
  node: { address: string; port: number };
}

export function renderTerminatorConfig(t: TerminatorSpec): string {
  return [
    "# The local stand-in for a burst pool's TLS load balancer (local/cloud/tls-terminator.ts).",
    "global",
    "  log stdout format raw local0 notice",
    "  maxconn 512",
    "  ssl-default-bind-options ssl-min-ver TLSv1.2",
    "",
    "defaults",
    `  mode ${t.mode}`,
    "  log global",
    "  timeout connect 5s",
    "  timeout client 600s",
    "  timeout server 600s",
    ...(t.mode === "http" ? ["  timeout http-request 15s", "  timeout http-keep-alive 60s"] : []),
    "",
    "frontend tls",
    `  bind ${t.listen.address}:${t.listen.port} ssl crt ${t.certFile}${t.mode === "http" ? " alpn http/1.1" : ""}`,
    "  default_backend node",
    "",
    "backend node",
    `  server node ${t.node.address}:${t.node.port}`,
    "",
  ].join("\n");
}
