/**
 * The router's HAProxy configuration, rendered from a typed spec: the one place it is written. The routers on
 * Hetzner get it through cloud-init; the local fleet runs HAProxy with it; tests check it with `haproxy -c`.
 *
 * Routing, per request:
 * - the base backend (the always-on nodes) while any base slot is free: each server's maxconn is its slot count;
 * - when no base slot is free, a burst backend that has a healthy endpoint and a free slot, the cheaper pool first
 *   (HAProxy's `backup` servers only serve when every normal server is down, so spill-over uses be_conn_free());
 * - otherwise the request waits in the base queue up to `timeout queue`; past the queue's depth, or when the wait
 *   runs out, a 503 with an OpenAI-style JSON error. The base servers have a maxconn but no maxqueue: with leastconn,
 *   a maxqueue makes HAProxy (2.3 and later) queue a request on one full server, where it waits for that server's
 *   requests although another may free a slot first; without one, waiting requests share the backend's queue and
 *   take the first slot that frees. be_conn_free() needs only the maxconn (HAProxy 2.6's smp_fetch_be_conn_free).
 * A request that fails before the server answers (connection refused, an empty response from a node that
 * vanished, a 502/503/504) is retried on another server; a stream cut after its first byte cannot be.
 */

export interface BaseServer {
  name: string;
  address: string;
  port: number;
  /** llama-server's parallel slots: the requests it serves at once. */
  slots: number;
  /** The node's drain agent (node-setup.sh agent): it answers "ready" or "drain", and the routers follow it. */
  agentPort?: number;
}

/**
 * The backend whose one server stands for "this router takes traffic": set to maintenance over the admin socket
 * (`set server router_drain/serving state maint`), it fails /healthz, so the load balancer stops sending here before
 * the router stops (router-drain in router-cloud-init.ts).
 */
export const ROUTER_DRAIN = { backend: "router_drain", server: "serving" } as const;

/** Paths the routers answer themselves, behind the API key: what the rollout's health gates read. */
export const ROUTER_STATUS_PATHS = { node: "/-/nodes/", router: "/-/router" } as const;

export interface BurstEndpoint {
  /** The pool's name: the backend is burst_<name>. */
  name: string;
  /** Host name or address of the pool's TLS endpoint. */
  host: string;
  port: number;
  /** Name the endpoint's certificate is issued to: sent as SNI and verified. */
  tlsName: string;
  /** Certificates that sign the endpoint's certificate (a file HAProxy reads, or @system-ca). */
  caFile: string;
  /** Slots at the pool's maximum size: max nodes x slots per node. */
  slots: number;
  /** Spot price of one node, to order the pools: the cheaper one is used first. */
  hourlyUsd: number;
}

/** The router's timeouts (infra/timeouts.ts derives them; docs/architecture.md, "The timeout chain"). */
export interface RouterTimeouts {
  /** Longest a request may go without a byte from its node (a non-streamed completion, a long prompt): `timeout server`. */
  silenceSeconds: number;
  /** Longest the client side may stay silent while it sends its request or reads the response. */
  clientSeconds: number;
  /** A connection must deliver its request headers within this, or it is cut with a 408 (idle and slow clients). */
  headersSeconds: number;
  /** A request's body must arrive within this once its headers did. */
  bodySeconds: number;
  keepAliveSeconds: number;
  connectSeconds: number;
}

export interface RouterSpec {
  /** The router's name: every answer carries it (x-hybrid-router), as its demand does. */
  id: string;
  /** The API listener: the load balancer's target, on the router's private address. */
  listen: { address: string; port: number; tls?: { certFile: string } };
  /** Health (/healthz, the load balancer's check) and the Prometheus exporter (/metrics): a private address, its own connection limit. */
  ops: { address: string; port: number };
  /** The admin stats socket (the demand publisher reads it). */
  statsSocket: string;
  base: BaseServer[];
  burst: BurstEndpoint[];
  /** How long a request may wait for a base slot, and how many may wait in all. */
  queue: { timeoutSeconds: number; depth: number };
  /** Largest request body accepted; bigger ones get 413 before reaching a node. */
  bodyLimitBytes: number;
  /** A file of accepted Authorization header values ("Bearer <key>"); requests without one get 401 at the router. */
  apiKeyFile?: string;
  /** stdout for a foreground process (local), syslog for the systemd service. */
  log: "stdout" | "syslog";
  timeouts: RouterTimeouts;
  /** Drop root after start-up (the systemd service); unset for a process that already runs unprivileged. */
  runAs?: { user: string; group: string };
}

/** OpenAI-style error bodies, so the SDKs raise a typed error with a readable message. */
export function errorBody(type: string, message: string, code: string): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** A single-quoted HAProxy argument; the bodies are written without single quotes, so none needs escaping. */
function quote(s: string): string {
  if (s.includes("'")) throw new Error(`an HAProxy string argument must not contain a single quote: ${s}`);
  return `'${s}'`;
}

export const ROUTER_ERRORS = {
  badRequest: errorBody("invalid_request_error", "The request could not be read as HTTP.", "bad_request"),
  forbidden: errorBody("invalid_request_error", "The request is not allowed.", "forbidden"),
  requestTimeout: errorBody("invalid_request_error", "The request did not arrive in time; send the headers and body without pauses.", "request_timeout"),
  internal: errorBody("server_error", "The router failed to handle the request.", "internal_error"),
  busy: errorBody("server_error", "All inference capacity is busy; retry after a short wait.", "capacity_exhausted"),
  tooLarge: (limit: number) => errorBody("invalid_request_error", `Request body is larger than ${limit} bytes, more than the context of the model can hold.`, "request_too_large"),
  lengthRequired: errorBody("invalid_request_error", "Send the request body with a Content-Length header.", "length_required"),
  unauthorized: errorBody("invalid_request_error", "Missing or invalid API key. Send Authorization: Bearer <key>.", "invalid_api_key"),
  gateway: errorBody("server_error", "The inference server failed to answer.", "bad_gateway"),
  timeout: errorBody("server_error", "The inference server did not answer in time.", "gateway_timeout"),
};

/** Pools ordered cheapest first: the order spill-over tries them in. */
export function burstOrder(burst: readonly BurstEndpoint[]): BurstEndpoint[] {
  return [...burst].sort((a, b) => a.hourlyUsd - b.hourlyUsd || a.name.localeCompare(b.name));
}

export function validateRouterSpec(s: RouterSpec): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(s.id)) problems.push(`router id ${s.id} must be lowercase letters, digits and hyphens (63 at most)`);
  if (s.base.length === 0) problems.push("the router needs at least one base server");
  for (const b of s.base) if (!(b.slots >= 1)) problems.push(`base server ${b.name} has ${b.slots} slots; at least 1`);
  for (const b of s.burst) {
    if (!/^[a-z][a-z0-9]*$/.test(b.name)) problems.push(`burst pool name ${b.name} must be lowercase letters and digits`);
    if (!(b.slots >= 1)) problems.push(`burst pool ${b.name} has ${b.slots} slots; at least 1`);
  }
  const names = [...s.base.map((b) => b.name), ...s.burst.map((b) => b.name)];
  if (new Set(names).size !== names.length) problems.push(`server names must be unique (${names.join(", ")})`);
  if (s.queue.depth < 0 || s.queue.timeoutSeconds < 1) problems.push("queue depth must be >= 0 and the queue timeout >= 1 s");
  if (s.bodyLimitBytes < 1024) problems.push("the body limit must be at least 1024 bytes");
  const t = s.timeouts;
  if (t.headersSeconds < 1 || t.bodySeconds < 1 || t.connectSeconds < 1) problems.push("the header, body and connect timeouts must be at least 1 s");
  if (s.listen.address === s.ops.address && s.listen.port === s.ops.port) problems.push("the API and ops listeners need different ports");
  return problems;
}

/** Connections the ops listener (health checks, scrapes) takes: its own, so API traffic never locks it out. */
export const OPS_MAXCONN = 64;

export function routerLimits(s: RouterSpec): { api: number; ops: number; global: number } {
  const slots = s.base.reduce((n, b) => n + b.slots, 0) + s.burst.reduce((n, b) => n + b.slots, 0);
  // Room for every slot and the queue many times over, and for idle connections until `timeout http-request` cuts them.
  const api = Math.max(1024, 4 * (slots + s.queue.depth));
  return { api, ops: OPS_MAXCONN, global: api + OPS_MAXCONN };
}

/** The base backend's backup server for a burst pool is named <pool><FAILOVER_SUFFIX>. */
export const FAILOVER_SUFFIX = "-failover";

/** A burst pool's endpoint as a server: TLS verified against the pool's DNS name, health-checked, its share of slots. */
function burstServerParams(p: BurstEndpoint): string {
  return `${p.host}:${p.port} ssl verify required ca-file ${p.caFile} sni str(${p.tlsName}) verifyhost ${p.tlsName} check check-sni ${p.tlsName} inter 5s fastinter 1s downinter 2s fall 2 rise 2 resolvers dns init-addr last,libc,none maxconn ${p.slots}`;
}

/** HAProxy's own errors as JSON: every status `http-error` can replace that this router may send. */
const HTTP_ERRORS: Array<[number, string]> = [
  [400, ROUTER_ERRORS.badRequest],
  [403, ROUTER_ERRORS.forbidden],
  [408, ROUTER_ERRORS.requestTimeout],
  [500, ROUTER_ERRORS.internal],
  [502, ROUTER_ERRORS.gateway],
  [503, ROUTER_ERRORS.busy],
  [504, ROUTER_ERRORS.timeout],
];

export function renderHaproxyConfig(s: RouterSpec): string {
  const problems = validateRouterSpec(s);
  if (problems.length > 0) throw new Error(`invalid router spec: ${problems.join("; ")}`);
  const limits = routerLimits(s);
  const t = s.timeouts;
  // Buffers hold a whole request, so a retry can resend it; the body limit fits in one.
  const bufsize = Math.max(16384, Math.ceil((s.bodyLimitBytes + 8192) / 4096) * 4096);
  const pools = burstOrder(s.burst);
  const L: string[] = [];
  const add = (...lines: string[]) => L.push(...lines);
  const healthy = `{ nbsrv(base) eq 0 }${pools.map((p) => ` { nbsrv(burst_${p.name}) eq 0 }`).join("")}`;

  add(
    "# Rendered by infra/hetzner/haproxy.ts from the stack's config and launch specs. Do not edit by hand.",
    "global",
    s.log === "stdout" ? "  log stdout format raw local0 info" : "  log /dev/log local0 info",
    `  maxconn ${limits.global}`,
    `  tune.bufsize ${bufsize}`,
    `  stats socket ${s.statsSocket} mode 660 level admin`,
    ...(s.runAs ? [`  user ${s.runAs.user}`, `  group ${s.runAs.group}`] : []),
    "  ssl-default-server-options ssl-min-ver TLSv1.2",
    "",
    "resolvers dns",
    "  parse-resolv-conf",
    "  hold valid 10s",
    "  hold obsolete 30s",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option dontlognull",
    // A client that leaves while its request waits for a slot or a connection frees the slot at once.
    "  option abortonclose",
    // Tokens stream as server-sent events: each chunk goes out at once. Without it HAProxy holds small chunks for more
    // data (MSG_MORE) on plain-HTTP sides, which the router bench saw as added TTFT.
    "  option http-no-delay",
    `  timeout connect ${t.connectSeconds}s`,
    `  timeout client ${t.clientSeconds}s`,
    `  timeout server ${t.silenceSeconds}s`,
    `  timeout queue ${s.queue.timeoutSeconds}s`,
    `  timeout http-request ${t.headersSeconds}s`,
    `  timeout http-keep-alive ${t.keepAliveSeconds}s`,
    "  timeout check 5s",
    // A node that vanished before answering costs the client nothing: try another server.
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response 502 503 504",
    ...HTTP_ERRORS.map(([status, body]) => `  http-error status ${status} content-type application/json string ${quote(body)}`),
    "",
    "frontend api",
  );
  const tls = s.listen.tls ? ` ssl crt ${s.listen.tls.certFile} alpn http/1.1 ssl-min-ver TLSv1.2` : "";
  add(
    `  bind ${s.listen.address}:${s.listen.port}${tls}`,
    `  maxconn ${limits.api}`,
    "  option forwardfor",
    "  monitor-uri /healthz",
    // The router is healthy while it can serve anything.
    `  monitor fail if ${healthy}`,
    `  monitor fail if { nbsrv(${ROUTER_DRAIN.backend}) eq 0 }`,
    // Refused on the headers alone, before HAProxy answers `Expect: 100-continue` or reads a byte of the body.
    `  http-request return status 411 content-type application/json string ${quote(ROUTER_ERRORS.lengthRequired)} if { req.hdr(transfer-encoding) -m found }`,
    `  http-request return status 413 content-type application/json string ${quote(ROUTER_ERRORS.tooLarge(s.bodyLimitBytes))} if { req.hdr_val(content-length) gt ${s.bodyLimitBytes} }`,
  );
  if (s.apiKeyFile) {
    add(
      "  acl public_path path /health /healthz",
      `  http-request return status 401 content-type application/json string ${quote(ROUTER_ERRORS.unauthorized)} hdr www-authenticate Bearer if !public_path !{ req.hdr(authorization) -m str -f ${s.apiKeyFile} }`,
    );
  }
  // What the rollout's gates read through the load balancer: this router, and whether it sees a base node up.
  const status = (body: string) => `content-type application/json lf-string '${body}' hdr x-hybrid-router ${s.id}`;
  add(`  http-request return status 200 ${status(`{"router":"${s.id}"}`)} if { path ${ROUTER_STATUS_PATHS.router} }`);
  for (const b of s.base) {
    add(`  http-request return status 200 ${status(`{"router":"${s.id}","node":"${b.name}","up":true}`)} if { path ${ROUTER_STATUS_PATHS.node}${b.name} } { srv_is_up(base/${b.name}) }`);
  }
  add(`  http-request return status 503 ${status(`{"router":"${s.id}","up":false}`)} if { path_beg ${ROUTER_STATUS_PATHS.node} }`);
  // Only now the body: the whole request is buffered, so a retry can resend it to another node.
  add(`  http-request wait-for-body time ${t.bodySeconds}s`);
  add("  acl base_full be_conn_free(base) le 0", `  acl base_queue_full queue(base) ge ${s.queue.depth}`);
  add("  http-request set-var(txn.route) str(base)");
  // Most expensive first, so the cheapest pool with room is the last to set the route.
  for (const p of [...pools].reverse()) {
    add(`  http-request set-var(txn.route) str(burst_${p.name}) if base_full { nbsrv(burst_${p.name}) gt 0 } { be_conn_free(burst_${p.name}) gt 0 }`);
  }
  add(
    `  http-request return status 503 content-type application/json string ${quote(ROUTER_ERRORS.busy)} hdr retry-after 1 if { var(txn.route) -m str base } base_full base_queue_full`,
    "  http-response set-header x-hybrid-backend %[be_name]",
    `  http-response set-header x-hybrid-router ${s.id}`,
    "  use_backend %[var(txn.route)]",
    "  default_backend base",
    "",
    "backend base",
    "  balance leastconn",
    // llama-server may close a kept-alive connection after a stream; a fresh connection per request to a node on
    // the private network costs well under a millisecond and never meets a closed one.
    "  option http-server-close",
    "  option httpchk",
    "  http-check send meth GET uri /health",
    "  http-check expect status 200",
    // A node that refuses a connection (or lets it time out) is out at once, until its health checks bring it back:
    // a retried request then waits in the queue for a live node instead of going back to the dead one, the only base
    // server with a free slot. Connection errors only: layer 7 would count llama-server's 500 for a malformed request.
    `  default-server check inter 2s fastinter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down`,
  );
  // A node's agent says "drain" before it stops (node-setup.sh drain): every router stops sending it new requests and
  // lets the ones it has finish.
  for (const b of s.base) add(`  server ${b.name} ${b.address}:${b.port} maxconn ${b.slots}${b.agentPort ? ` agent-check agent-port ${b.agentPort} agent-inter 2s` : ""}`);
  if (pools.length > 0) {
    // When every base node is down (a node that died, the only one of a small stack), the base's requests go to the
    // burst pools: backup servers serve only then, and a request a dying node never answered is retried there.
    // be_conn_free(base) counts them only then too, so spill-over is unchanged while a base node is up.
    add("  option allbackups");
    for (const p of pools) add(`  server ${p.name}${FAILOVER_SUFFIX} ${burstServerParams(p)} backup`);
  }
  for (const p of pools) {
    add(
      "",
      `backend burst_${p.name}`,
      "  balance roundrobin",
      "  http-reuse safe",
      "  option httpchk",
      `  http-check send meth GET uri /health hdr host ${p.tlsName}`,
      "  http-check expect status 200",
      `  http-request set-header host ${p.tlsName}`,
      // A pool at zero nodes is down (its load balancer has no healthy target); once the autoscaler's first node
      // serves, the router finds it within a few seconds (checks every 2 s while down, 1 s in transition), and a
      // pool that loses its last node is out in about 6 s. The address is the connect target; the certificate is
      // verified against the pool's DNS name (verifyhost reads DNS names and the CN, never IP addresses).
      `  server ${p.name} ${burstServerParams(p)} maxqueue 1`,
    );
  }
  add(
    "",
    `backend ${ROUTER_DRAIN.backend}`,
    // Never connected to: no check, so the server is UP until the drain puts it in maintenance.
    `  server ${ROUTER_DRAIN.server} 127.0.0.1:9`,
    "",
    // Health checks and scrapes on their own listener and connection limit: API traffic cannot lock them out.
    "frontend ops",
    `  bind ${s.ops.address}:${s.ops.port}`,
    `  maxconn ${limits.ops}`,
    "  timeout client 10s",
    "  timeout http-request 5s",
    "  monitor-uri /healthz",
    `  monitor fail if ${healthy}`,
    `  monitor fail if { nbsrv(${ROUTER_DRAIN.backend}) eq 0 }`,
    "  http-request set-log-level silent",
    "  http-request use-service prometheus-exporter if { path /metrics }",
    "  http-request return status 404",
    "",
  );
  return L.join("\n");
}
