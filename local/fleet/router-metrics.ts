/**
 * The router's Prometheus metrics (HAProxy's built-in exporter), scraped and parsed with parse-prometheus-text-format
 * into the few figures that show how the router routes: per backend and per server the current sessions and queue,
 * the limits (maxconn, maxqueue), state and last check, responses by class, retries and redispatches; per frontend
 * the responses it sent, its own 503s included. docs/runbook.md ("Reading the router's metrics") explains each series.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { request } from "undici";
import { FAILOVER_SUFFIX } from "../../infra/hetzner/haproxy";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A sample's value: Prometheus writes infinities as +Inf/-Inf, which Number() does not read. */
export function sampleValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/** Every counter, gauge and untyped sample in an exposition, one row each (HAProxy exports no histograms). */
export function parseMetrics(text: string): Sample[] {
  const rows: Sample[] = [];
  for (const family of parsePrometheusTextFormat(text)) {
    for (const m of family.metrics) {
      if (m.value === undefined) continue;
      rows.push({ name: family.name, labels: m.labels ?? {}, value: sampleValue(m.value) });
    }
  }
  return rows;
}

/** Response counts by class: "1xx" ... "5xx", "other". */
export type Responses = Record<string, number>;

export interface ServerStats {
  proxy: string;
  server: string;
  /** The state whose gauge is 1: UP, DOWN, MAINT, DRAIN, NOLB. */
  state: string;
  /** The last health check's result (L7OK, L4CON, L6RSP, ...), or "" before the first. */
  check: string;
  sessions: number;
  queue: number;
  /** maxconn: the node's slots. */
  limit: number;
  /** maxqueue; NaN when the server has none (the exporter writes NaN). */
  queueLimit: number;
  sessionsTotal: number;
  responses: Responses;
  retries: number;
  redispatches: number;
  connectionErrors: number;
  responseErrors: number;
  /** UP to DOWN transitions its health checks saw (haproxy_server_check_up_down_total). */
  upDowns: number;
}

export interface BackendStats {
  proxy: string;
  sessions: number;
  queue: number;
  sessionsTotal: number;
  responses: Responses;
  retries: number;
  redispatches: number;
  connectionErrors: number;
  responseErrors: number;
  activeServers: number;
}

export interface FrontendStats {
  proxy: string;
  sessions: number;
  requestsTotal: number;
  /** Every response sent to clients, the router's own (401, 413, 503 from `http-request return`) included. */
  responses: Responses;
  /** Requests the frontend answered itself (http-request return, monitor-uri). */
  intercepted: number;
}

export interface RouterMetrics {
  frontends: Map<string, FrontendStats>;
  backends: Map<string, BackendStats>;
  servers: ServerStats[];
  samples: Sample[];
}

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

function index(samples: Sample[]) {
  const by = new Map<string, Sample[]>();
  for (const s of samples) by.set(s.name, [...(by.get(s.name) ?? []), s]);
  const match = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const value = (name: string, labels: Record<string, string>) => by.get(name)?.find((s) => match(s, labels))?.value ?? 0;
  const oneOf = (name: string, labels: Record<string, string>) => by.get(name)?.find((s) => match(s, labels) && s.value === 1)?.labels.state ?? "";
  const responses = (name: string, labels: Record<string, string>): Responses =>
    Object.fromEntries(CLASSES.map((c) => [c, value(name, { ...labels, code: c })]));
  const proxies = (name: string) => [...new Set((by.get(name) ?? []).map((s) => s.labels.proxy ?? ""))].filter(Boolean);
  return { by, value, oneOf, responses, proxies };
}

/** The router's view from one exposition: the figures the fleet suite, the bench and the runbook use. */
export function routerMetrics(samples: Sample[]): RouterMetrics {
  const x = index(samples);
  const frontends = new Map<string, FrontendStats>();
  for (const proxy of x.proxies("haproxy_frontend_current_sessions")) {
    const l = { proxy };
    frontends.set(proxy, {
      proxy,
      sessions: x.value("haproxy_frontend_current_sessions", l),
      requestsTotal: x.value("haproxy_frontend_http_requests_total", l),
      responses: x.responses("haproxy_frontend_http_responses_total", l),
      intercepted: x.value("haproxy_frontend_intercepted_requests_total", l),
    });
  }
  const backends = new Map<string, BackendStats>();
  for (const proxy of x.proxies("haproxy_backend_current_sessions")) {
    const l = { proxy };
    backends.set(proxy, {
      proxy,
      sessions: x.value("haproxy_backend_current_sessions", l),
      queue: x.value("haproxy_backend_current_queue", l),
      sessionsTotal: x.value("haproxy_backend_sessions_total", l),
      responses: x.responses("haproxy_backend_http_responses_total", l),
      retries: x.value("haproxy_backend_retry_warnings_total", l),
      redispatches: x.value("haproxy_backend_redispatch_warnings_total", l),
      connectionErrors: x.value("haproxy_backend_connection_errors_total", l),
      responseErrors: x.value("haproxy_backend_response_errors_total", l),
      activeServers: x.value("haproxy_backend_active_servers", l),
    });
  }
  const servers = (x.by.get("haproxy_server_current_sessions") ?? []).map((s): ServerStats => {
    const l = { proxy: s.labels.proxy ?? "", server: s.labels.server ?? "" };
    return {
      ...l,
      state: x.oneOf("haproxy_server_status", l),
      check: x.oneOf("haproxy_server_check_status", l),
      sessions: s.value,
      queue: x.value("haproxy_server_current_queue", l),
      limit: x.value("haproxy_server_limit_sessions", l),
      queueLimit: x.value("haproxy_server_queue_limit", l),
      sessionsTotal: x.value("haproxy_server_sessions_total", l),
      responses: x.responses("haproxy_server_http_responses_total", l),
      retries: x.value("haproxy_server_retry_warnings_total", l),
      redispatches: x.value("haproxy_server_redispatch_warnings_total", l),
      connectionErrors: x.value("haproxy_server_connection_errors_total", l),
      responseErrors: x.value("haproxy_server_response_errors_total", l),
      upDowns: x.value("haproxy_server_check_up_down_total", l),
    };
  });
  return { frontends, backends, servers, samples };
}

export class MetricsUnavailable extends Error {
  override name = "MetricsUnavailable";
}

/** Scrapes and parses the exporter; a non-200 answer or a connection error is a MetricsUnavailable. */
export async function scrapeRouter(url: string, o: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RouterMetrics> {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 5000);
  let res;
  try {
    res = await request(url, { signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout });
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new MetricsUnavailable(`${url}: ${err.code ?? err.message}`);
  }
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new MetricsUnavailable(`${url} answered ${res.statusCode}`);
  return routerMetrics(parseMetrics(text));
}

/** A backend's figures; a missing backend means the metrics are not this router's. */
export function backendOf(m: RouterMetrics, proxy: string): BackendStats {
  const b = m.backends.get(proxy);
  if (!b) throw new Error(`the router's metrics have no backend ${proxy} (backends: ${[...m.backends.keys()].join(", ")})`);
  return b;
}

/** A backend's own servers: the base's failover servers (its burst pools as backups, see haproxy.ts) are left out. */
export function serversOf(m: RouterMetrics, proxy: string): ServerStats[] {
  return m.servers.filter((s) => s.proxy === proxy && !s.server.endsWith(FAILOVER_SUFFIX));
}

/** The base's backup servers: the burst pools it fails over to when every base node is down. */
export function failoversOf(m: RouterMetrics, proxy = "base"): ServerStats[] {
  return m.servers.filter((s) => s.proxy === proxy && s.server.endsWith(FAILOVER_SUFFIX));
}

/** The burst backends, as the renderer names them (burst_<pool>). */
export function burstBackends(m: RouterMetrics): BackendStats[] {
  return [...m.backends.values()].filter((b) => b.proxy.startsWith("burst_"));
}
