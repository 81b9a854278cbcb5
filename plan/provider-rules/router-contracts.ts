/**
 * Contracts between the routers and what they talk to, read from what the program rendered (the routers' user data,
 * the pools' certificates and load balancers, the alarms and the autoscaler), each with the source of the behaviour
 * it relies on. A stack that breaks one deploys cleanly and then fails at run time: a pool the routers mark DOWN
 * forever, a stream cut before the router gives up, an exporter on a public address, demand nobody reads.
 */
import { X509Certificate } from "node:crypto";
import { ROUTER_PATHS } from "../../infra/hetzner/router-spec";
import { PUBLISHER_PATHS } from "../../infra/hetzner/router-cloud-init";
import { LLAMA_SERVER_DEFAULT_TIMEOUT_SECONDS, NLB_TLS_IDLE_SECONDS } from "../../infra/timeouts";
import { envFileSettings, fileAt } from "../rendered/cloud-init";
import { type RenderedFleet, type RenderedRouter, readRenderedFleet } from "../rendered/fleet";
import { bindsOf, directives, effectiveTimeoutMs, type HaproxySection, section, sectionsOf, serversOf } from "../rendered/haproxy-config";
import { cidrRange, contains } from "./cidr";
import { get, list, str } from "./read";
import type { Finding, ProviderRule, RuleContext, RuleResource } from "./types";

const ROUTER_TYPE = "hcloud:index/server:Server";
const isRouter = (r: RuleResource) => r.type === ROUTER_TYPE && (get(r.inputs, "labels.role") as unknown) === "router";

const fleets = new WeakMap<RuleResource[], RenderedFleet>();
function fleetOf(ctx: RuleContext): RenderedFleet {
  let f = fleets.get(ctx.all);
  if (!f) {
    f = readRenderedFleet(ctx.all);
    fleets.set(ctx.all, f);
  }
  return f;
}
const routerOf = (r: RuleResource, ctx: RuleContext): RenderedRouter | undefined => fleetOf(ctx).routers.find((x) => x.urn === r.urn);

/** The certificates of a PEM bundle, leaf first. */
function certificates(pem: string): X509Certificate[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

/** The DNS names and common names HAProxy's verifyhost compares; IP addresses are listed apart, as they never match. */
export function certificateNames(c: X509Certificate): { dns: string[]; cn: string[]; ip: string[] } {
  const san = (c.subjectAltName ?? "").split(/,\s*/).filter(Boolean);
  return {
    dns: san.filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4)),
    ip: san.filter((s) => s.startsWith("IP Address:")).map((s) => s.slice(11)),
    cn: c.subject.split("\n").filter((l) => l.startsWith("CN=")).map((l) => l.slice(3)),
  };
}

/** HAProxy's host check: case-insensitive; a `*` only as the whole first label, standing for exactly one label. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!p.startsWith("*.")) return p === h;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot) === p.slice(1);
}

const VERIFY_SOURCE = "haproxy/haproxy src/ssl_sock.c (2.6) ssl_sock_srv_verifycbk: verifyhost is compared with the certificate's subjectAltName DNS entries (GEN_DNS) and its commonName, never with IP entries";

/** Every pool a router verifies presents a certificate that names what it verifies, signed by the CA the router trusts. */
export const routerVerifiesPoolNames: ProviderRule = {
  id: "router-verified-names",
  types: [ROUTER_TYPE],
  description: "Each burst pool the routers reach over TLS presents a certificate whose DNS names or CN include the name the routers verify (verifyhost), signed by the CA in the routers' ca-file; otherwise the routers mark the pool DOWN forever.",
  phase: "up",
  source: VERIFY_SOURCE,
  check(r, ctx) {
    if (!isRouter(r)) return [];
    const router = routerOf(r, ctx);
    if (!router) return [];
    const fleet = fleetOf(ctx);
    const out: Finding[] = [];
    for (const b of sectionsOf(router.haproxy, "backend")) {
      for (const s of serversOf(b).filter((x) => "ssl" in x.options)) {
        const name = s.options.verifyhost;
        const where = `userData: ${ROUTER_PATHS.config}, backend ${b.name}, server ${s.name}`;
        if (s.options.verify !== "required") out.push({ field: "userData", value: s.line.text, message: `${where}: TLS without verify required: any certificate is accepted` });
        if (!name) {
          out.push({ field: "userData", value: s.line.text, message: `${where}: no verifyhost: the certificate's names are not checked` });
          continue;
        }
        const sni = /^str\((.*)\)$/.exec(s.options.sni ?? "")?.[1];
        if (sni !== undefined && sni !== name) out.push({ field: "userData", value: s.line.text, message: `${where}: sends SNI ${sni} but verifies ${name}` });
        const pool = fleet.burst.find((p) => p.endpoint.host === s.host && p.endpoint.port === s.port);
        if (!pool) {
          out.push({ field: "userData", value: s.line.text, message: `${where}: connects to ${s.host}:${s.port}, which is no burst pool's TLS endpoint in this stack` });
          continue;
        }
        const [leaf, ...chain] = certificates(`${pool.tls.certPem}\n${pool.tls.chainPem}`);
        if (!leaf) {
          out.push({ field: "userData", value: s.line.text, message: `${where}: the ${pool.name} pool's endpoint has no certificate` });
          continue;
        }
        const names = certificateNames(leaf);
        if (![...names.dns, ...names.cn].some((n) => hostMatches(n, name))) {
          const ipNote = names.ip.includes(name) || /^[\d.]+$|:/.test(name) ? " An IP address is never matched: HAProxy compares DNS names and the CN only." : "";
          out.push({
            field: "userData",
            value: s.line.text,
            message: `${where}: verifies ${name}, but the ${pool.name} pool's certificate names DNS [${names.dns.join(", ")}], CN [${names.cn.join(", ")}] (IP [${names.ip.join(", ")}]): the routers would mark the pool DOWN.${ipNote}`,
          });
        }
        const caFile = s.options["ca-file"];
        const caPem = caFile ? fileAt(router.cloudConfig, caFile)?.content : undefined;
        const cas = caPem ? certificates(caPem) : [];
        const signers = [...chain, ...cas];
        if (caFile && !caFile.startsWith("@") && !cas.some((ca) => leaf.verify(ca.publicKey) || chain.some((c) => leaf.verify(c.publicKey) && c.verify(ca.publicKey)))) {
          out.push({ field: "userData", value: caFile, message: `${where}: the ${pool.name} pool's certificate is not signed by the CA in ${caFile} (${signers.length} certificate(s) there and in the chain)` });
        }
      }
    }
    return out;
  },
};

/** The longest a request may stay silent: the router's `timeout server` (the largest over routers and backends). */
function routerSilenceSeconds(ctx: RuleContext): number | undefined {
  const all = fleetOf(ctx).routers.flatMap((router) =>
    sectionsOf(router.haproxy, "backend").map((b) => effectiveTimeoutMs(router.haproxy, b, "server")),
  );
  if (all.length === 0 || all.some((ms) => ms === undefined)) return undefined;
  return Math.max(...all.map((ms) => (ms as number) / 1000));
}

const NODE_CARRIERS: Record<string, { field: string; decode?: "base64" }> = {
  "hcloud:index/server:Server": { field: "userData" },
  "aws:ec2/launchTemplate:LaunchTemplate": { field: "userData", decode: "base64" },
  "gcp:compute/instanceTemplate:InstanceTemplate": { field: "metadataStartupScript" },
};

/** The silence a request may have (the router's `timeout server`): every hop lets it pass, the router gives up first. */
export const timeoutChain: ProviderRule = {
  id: "timeout-chain",
  types: [ROUTER_TYPE, "hcloud:index/loadBalancerService:LoadBalancerService", "aws:lb/listener:Listener", "gcp:compute/backendService:BackendService", ...Object.keys(NODE_CARRIERS).filter((t) => t !== ROUTER_TYPE)],
  description: "A request may stay silent as long as the router's timeout server (the router then answers a JSON 504); no hop cuts it before: the Hetzner load balancer's idle timeout, the NLB's fixed TLS idle timeout, the GCP backend service's whole-response timeout and llama-server's own.",
  phase: "up",
  source: "docs/architecture.md, The timeout chain; hcloud LoadBalancerService http.timeoutIdle (30-300 s, default undocumented); docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html (TLS listeners: 350 s, cannot be modified); cloud.google.com/load-balancing/docs/https#timeout-bes (backend service timeout: request/response, not idle); llama.cpp common/common.h (timeout_read/timeout_write 600 s); HAProxy 2.6 configuration.txt, timeout client (not armed while the request waits for the server)",
  check(r, ctx) {
    if (r.type === ROUTER_TYPE && isRouter(r)) {
      const router = routerOf(r, ctx);
      const missing = router ? sectionsOf(router.haproxy, "backend").filter((b) => effectiveTimeoutMs(router.haproxy, b, "server") === undefined) : [];
      return missing.map((b) => ({ field: "userData", value: b.name, message: `backend ${b.name} has no timeout server: a node that never answers holds its slot forever` }));
    }
    const n = routerSilenceSeconds(ctx);
    if (n === undefined) return [];
    if (r.type === "hcloud:index/loadBalancerService:LoadBalancerService") {
      const idle = get(r.inputs, "http.timeoutIdle");
      if (str(r.inputs.protocol) === "tcp") return [];
      if (idle === undefined) return [{ field: "http.timeoutIdle", message: `not set: the load balancer's default is undocumented, so it may cut a request the routers let stay silent for ${n} s` }];
      return Number(idle) <= n ? [{ field: "http.timeoutIdle", message: `the load balancer cuts an idle request after ${String(idle)} s, no later than the routers' timeout server (${n} s): a request silent that long loses its connection instead of getting the router's 504` }] : [];
    }
    if (r.type === "aws:lb/listener:Listener") {
      const protocol = str(r.inputs.protocol);
      const idle = protocol === "TLS" ? NLB_TLS_IDLE_SECONDS : Number(r.inputs.tcpIdleTimeoutSeconds ?? NLB_TLS_IDLE_SECONDS);
      if (protocol !== "TLS" && protocol !== "TCP") return [];
      return idle <= n ? [{ field: "protocol", value: protocol, message: `the listener cuts idle flows after ${idle} s${protocol === "TLS" ? " (fixed for TLS listeners)" : ""}, no later than the routers' timeout server (${n} s)` }] : [];
    }
    if (r.type === "gcp:compute/backendService:BackendService") {
      const t = Number(r.inputs.timeoutSec ?? 30);
      return t <= n ? [{ field: "timeoutSec", value: t, message: `the backend service ends a response after ${t} s in all (a whole-response limit), no later than the routers' timeout server (${n} s): a slow request is cut there first` }] : [];
    }
    const carrier = NODE_CARRIERS[r.type];
    const raw = carrier ? str(get(r.inputs, carrier.field)) : undefined;
    if (!carrier || raw === undefined) return [];
    const text = carrier.decode === "base64" ? Buffer.from(raw, "base64").toString("utf8") : raw;
    const m = /^export HI_TIMEOUT='(\d+)'$/m.exec(text);
    const t = m ? Number(m[1]) : LLAMA_SERVER_DEFAULT_TIMEOUT_SECONDS;
    return /^export HI_PORT=/m.test(text) && t <= n ? [{ field: carrier.field, value: t, message: `llama-server times out after ${t} s, no later than the routers' timeout server (${n} s)` }] : [];
  },
};

/** The private network's range: the routers' listeners must sit inside it. */
function privateRanges(ctx: RuleContext): string[] {
  return ctx.ofType("hcloud:index/network:Network").map((n) => str(n.inputs.ipRange)).filter((x): x is string => x !== undefined);
}

function inRange(ip: string, cidr: string): boolean {
  const outer = cidrRange(cidr);
  const inner = cidrRange(ip.includes(":") ? `${ip}/128` : `${ip}/32`);
  return !!outer && !!inner && contains(outer, inner);
}

/** The API, health and metrics listeners on the private network only; the admin socket a local file. */
export const routerListenersPrivate: ProviderRule = {
  id: "router-listeners-private",
  types: [ROUTER_TYPE],
  description: "The routers bind their API, health and Prometheus listeners to their private address and keep the admin socket a local file: a router has a public IPv4 address (its egress to the burst pools), and 0.0.0.0 would serve there too.",
  phase: "up",
  source: "hcloud Server publicNets (the routers' primary IPv4 is public); HAProxy 2.6 configuration.txt 5.1 (bind), 3.1 (stats socket: a UNIX path, or ipv4@/ipv6@ for TCP)",
  check(r, ctx) {
    if (!isRouter(r)) return [];
    const router = routerOf(r, ctx);
    if (!router) return [];
    const ranges = privateRanges(ctx);
    const out: Finding[] = [];
    for (const fe of [...sectionsOf(router.haproxy, "frontend"), ...sectionsOf(router.haproxy, "listen")]) {
      for (const b of bindsOf(fe)) {
        if (b.path) continue;
        if (!ranges.some((c) => inRange(b.host, c))) out.push({ field: "userData", value: b.line.text, message: `frontend ${fe.name} binds ${b.host}:${b.port}, outside the private network (${ranges.join(", ") || "none"})` });
      }
    }
    const global = sectionsOf(router.haproxy, "global")[0] as HaproxySection | undefined;
    for (const l of global ? directives(global, "stats").filter((x) => x.words[1] === "socket") : []) {
      const where = l.words[2] ?? "";
      if (!where.startsWith("/") || /^(ipv4|ipv6|tcp|udp)@/.test(where)) out.push({ field: "userData", value: l.text, message: `the admin socket ${where} is not a local file: it would take admin commands from the network` });
    }
    return out;
  },
};

/** The demand the routers publish is what the alarms and the autoscaler read: names, dimensions and labels. */
export const publisherMatchesScaling: ProviderRule = {
  id: "publisher-matches-scaling",
  types: [ROUTER_TYPE],
  description: "Each router's publisher writes the metric, dimensions and labels the AWS alarms and the GCP autoscaler read, for pools the router routes to; otherwise burst pools never leave zero.",
  phase: "up",
  source: "docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html (a metric is its namespace, name and every dimension); cloud.google.com/compute/docs/autoscaler/scaling-cloud-monitoring-metrics (the autoscaler reads the metric type and filter it names)",
  check(r, ctx) {
    if (!isRouter(r)) return [];
    const router = routerOf(r, ctx);
    if (!router) return [];
    const envFile = fileAt(router.cloudConfig, PUBLISHER_PATHS.settings);
    const backends = sectionsOf(router.haproxy, "backend").map((b) => b.name).filter((n) => n.startsWith("burst_")).map((n) => n.slice(6));
    if (!envFile) {
      return backends.length > 0 ? [{ field: "userData", message: `the router routes to burst pools (${backends.join(", ")}) but publishes no demand: the pools never leave zero` }] : [];
    }
    const env = envFileSettings(envFile.content);
    const out: Finding[] = [];
    const routerId = env.HI_ROUTER_ID ?? "";
    const pools = (JSON.parse(env.HI_POOLS ?? "[]") as Array<{ name: string }>).map((p) => p.name);
    for (const b of backends) if (!pools.includes(b)) out.push({ field: "userData", message: `the router routes to burst_${b} but publishes no demand for pool ${b}` });
    if (pools.includes("aws")) {
      const alarms = ctx.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
      const reads = alarms.flatMap((a) => list<Record<string, unknown>>(a.inputs.metricQueries).filter((q) => q.metric).map((q) => ({ alarm: a.name, metric: q.metric as Record<string, unknown> })));
      const match = reads.filter(
        (q) =>
          str(q.metric.namespace) === env.HI_CW_NAMESPACE &&
          str(q.metric.metricName) === env.HI_CW_METRIC &&
          get(q.metric, `dimensions.${env.HI_CW_DIMENSION ?? ""}`) === "aws" &&
          get(q.metric, "dimensions.Router") === routerId &&
          Object.keys((q.metric.dimensions ?? {}) as object).length === 2,
      );
      if (match.length === 0) {
        out.push({ field: "userData", message: `router ${routerId} publishes ${env.HI_CW_NAMESPACE}/${env.HI_CW_METRIC} with ${env.HI_CW_DIMENSION}=aws, Router=${routerId}, which no alarm reads (alarms read: ${[...new Set(reads.map((q) => `${String(q.metric.namespace)}/${String(q.metric.metricName)} ${JSON.stringify(q.metric.dimensions)}`))].join("; ") || "nothing"})` });
      }
    }
    if (pools.includes("gcp")) {
      const metrics = ctx.ofType("gcp:compute/autoscaler:Autoscaler").flatMap((a) => list<Record<string, unknown>>(get(a.inputs, "autoscalingPolicy.metrics")));
      const label = env.HI_GCP_POOL_LABEL ?? "";
      const ok = metrics.some((m) => str(m.name) === env.HI_GCP_METRIC_TYPE && new RegExp(`metric\\.labels\\.${label}\\s*=\\s*"gcp"`).test(str(m.filter) ?? ""));
      if (!ok) out.push({ field: "userData", message: `router ${routerId} writes ${env.HI_GCP_METRIC_TYPE} with label ${label}="gcp", which no autoscaler reads (autoscalers read: ${metrics.map((m) => `${String(m.name)} [${String(m.filter)}]`).join("; ") || "nothing"})` });
    }
    return out;
  },
};

export const routerContractRules: ProviderRule[] = [routerVerifiesPoolNames, timeoutChain, routerListenersPrivate, publisherMatchesScaling];
