/**
 * The fleet as the program rendered it, read from the resources it registered under the mock runtime: each router's
 * user data (its HAProxy config, CA, keys, publisher settings), each base node's boot settings, each burst pool's
 * TLS endpoint (listener or proxy, certificate, health check, timeouts), its nodes' boot settings and scaling
 * bounds, and the Hetzner load balancer in front. The plan's router contracts and the local fleet read the same
 * model, so the fleet that runs here is the one `pulumi up` would create.
 */
import { ROUTER_PATHS } from "../../infra/hetzner/router-spec";
import { SECRETS_DIR, NODE_SCRIPT_PATH } from "../../infra/inference/bootscript";
import { get, list, num, str } from "../provider-rules/read";
import type { RuleResource } from "../provider-rules/types";
import { type CloudConfig, exportedSettings, fileAt, parseCloudConfig } from "./cloud-init";
import { type HaproxySection, parseHaproxyConfig } from "./haproxy-config";

export interface RenderedRouter {
  /** The server's logical name (its `routerId` is the same: `<router component>-<i>`). */
  name: string;
  privateIp: string;
  cloudConfig: CloudConfig;
  /** /etc/haproxy/haproxy.cfg as written. */
  haproxyText: string;
  haproxy: HaproxySection[];
  urn: string;
}

export interface RenderedNode {
  /** The name the routers give it (`base0`, `dedicated-<host>`). */
  routerName: string;
  privateIp: string;
  /** The HI_* settings its boot script exports. */
  env: Record<string, string>;
  /** The API keys the node accepts, one per line, as delivered to it (a root-only file, an SSM parameter, a secret version). */
  apiKey?: string;
}

export interface TlsBundle {
  certPem: string;
  keyPem: string;
  /** Certificates after the leaf, if the endpoint serves a chain. */
  chainPem: string;
}

export interface HttpHealthCheck {
  path: string;
  port?: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export type BurstLoadBalancer =
  | {
      kind: "aws-nlb-tls";
      listenerPort: number;
      sslPolicy: string;
      alpnPolicy?: string;
      /** The listener's TCP idle timeout, when the program sets one (the NLB's default is 350 s). */
      tcpIdleTimeoutSeconds?: number;
      targetPort: number;
      health: HttpHealthCheck;
      deregistrationDelaySeconds: number;
    }
  | {
      kind: "gcp-https";
      listenerPort: number;
      sslPolicy: { profile?: string; minTlsVersion?: string };
      /** The backend service's timeoutSec (GCP's default is 30). */
      backendTimeoutSeconds?: number;
      targetPort: number;
      health: HttpHealthCheck;
      drainingSeconds?: number;
    };

export interface RenderedBurstPool {
  name: "aws" | "gcp";
  /** Where the routers connect: the load balancer's DNS name or address, and port. */
  endpoint: { host: string; port: number };
  tls: TlsBundle;
  lb: BurstLoadBalancer;
  node: { env: Record<string, string>; apiKey?: string };
  scaling: { min: number; max: number };
}

export interface RenderedEntry {
  algorithm: string;
  loadBalancerType: string;
  service: {
    protocol: string;
    listenPort: number;
    destinationPort: number;
    timeoutIdleSeconds?: number;
    redirectHttp: boolean;
    health: HttpHealthCheck & { protocol: string; statusCodes: string[] };
  };
  certificate: { kind: "managed"; domains: string[] } | { kind: "uploaded"; certPem: string; keyPem: string };
  ipv4?: string;
  ipv6?: string;
}

/** A rollout gate (infra/hetzner/rollout.ts): the script `pulumi up` runs after a server, and what it waits for. */
export interface RenderedGate {
  resource: string;
  kind: "node" | "router";
  /** The base node's name (base0) or the router's id. */
  target: string;
  script: string;
}

export interface RenderedFleet {
  routers: RenderedRouter[];
  base: RenderedNode[];
  burst: RenderedBurstPool[];
  entry?: RenderedEntry;
  gates: RenderedGate[];
}

export class RenderedFleetError extends Error {
  override name = "RenderedFleetError";
}

const labelsOf = (r: RuleResource) => (get(r.inputs, "labels") ?? {}) as Record<string, string>;
const dep = (r: RuleResource, key: string, type: string): RuleResource | undefined => (r.deps[key] ?? []).find((d) => d.type === type);

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new RenderedFleetError(`the rendered fleet has no ${what}`);
  return v;
}

function privateIpOf(server: RuleResource): string {
  return need(str(get(list(get(server.inputs, "networks"))[0], "ip")), `private address on ${server.name}`);
}

export function routersOf(all: RuleResource[]): RenderedRouter[] {
  return all
    .filter((r) => r.type === "hcloud:index/server:Server" && labelsOf(r).role === "router")
    .map((r) => {
      const cloudConfig = parseCloudConfig(need(str(r.inputs.userData), `user data on ${r.name}`));
      const haproxyText = need(fileAt(cloudConfig, ROUTER_PATHS.config)?.content, `${ROUTER_PATHS.config} in ${r.name}'s user data`);
      return { name: r.name, privateIp: privateIpOf(r), cloudConfig, haproxyText, haproxy: parseHaproxyConfig(haproxyText), urn: r.urn };
    })
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/** A Hetzner base server's settings from its cloud-config (secrets as files, then the boot script). */
function cloudBaseNode(r: RuleResource, index: number): RenderedNode {
  const c = parseCloudConfig(need(str(r.inputs.userData), `user data on ${r.name}`));
  const script = need(fileAt(c, NODE_SCRIPT_PATH)?.content, `boot script in ${r.name}'s user data`);
  const key = fileAt(c, `${SECRETS_DIR}/llama-api-key`)?.content;
  return { routerName: `base${index}`, privateIp: privateIpOf(r), env: exportedSettings(script), ...(key !== undefined ? { apiKey: key } : {}) };
}

/** A dedicated host's settings from the install script the remote command runs (files base64-encoded). */
function dedicatedNode(r: RuleResource, name: string, privateIp: string): RenderedNode {
  const script = need(str(r.inputs.stdin), `install script for ${r.name}`);
  const files = new Map<string, string>();
  for (const m of script.matchAll(/printf '%s' '([A-Za-z0-9+/=]*)' \| base64 -d > '([^']+)'/g)) files.set(m[2] as string, Buffer.from(m[1] as string, "base64").toString("utf8"));
  const boot = need(files.get(NODE_SCRIPT_PATH), `boot script in ${r.name}'s install script`);
  const key = files.get(`${SECRETS_DIR}/llama-api-key`);
  return { routerName: `dedicated-${name}`, privateIp, env: exportedSettings(boot), ...(key !== undefined ? { apiKey: key } : {}) };
}

export function baseNodesOf(all: RuleResource[], routers: RenderedRouter[]): RenderedNode[] {
  const cloud = all
    .filter((r) => r.type === "hcloud:index/server:Server" && labelsOf(r).component === "base")
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }))
    .map(cloudBaseNode);
  // Dedicated hosts are known by their install commands; their private address is what the routers send to.
  const servers = routers[0] ? routers[0].haproxy.find((s) => s.kind === "backend" && s.name === "base")?.lines.filter((l) => l.words[0] === "server") ?? [] : [];
  const dedicated = all
    .filter((r) => r.type === "command:remote:Command" && /-dedicated-/.test(r.name))
    .map((r) => {
      const name = r.name.split("-dedicated-").pop() as string;
      const line = servers.find((l) => l.words[1] === `dedicated-${name}`);
      return dedicatedNode(r, name, (line?.words[2] ?? "").replace(/:\d+$/, ""));
    });
  return [...cloud, ...dedicated];
}

function httpHealth(h: Record<string, unknown>, o: { path: string; interval: string; timeout: string; healthy: string; unhealthy: string; port?: string }): HttpHealthCheck {
  const port = num(o.port ? get(h, o.port) : undefined);
  return {
    path: str(get(h, o.path)) ?? "/",
    ...(port !== undefined ? { port } : {}),
    intervalSeconds: num(get(h, o.interval)) ?? 30,
    timeoutSeconds: num(get(h, o.timeout)) ?? 5,
    healthyThreshold: num(get(h, o.healthy)) ?? 2,
    unhealthyThreshold: num(get(h, o.unhealthy)) ?? 2,
  };
}

function awsPool(all: RuleResource[]): RenderedBurstPool | undefined {
  const listener = all.find((r) => r.type === "aws:lb/listener:Listener" && (str(r.inputs.protocol) === "TLS" || str(r.inputs.protocol) === "HTTPS"));
  if (!listener) return undefined;
  const lb = need(dep(listener, "loadBalancerArn", "aws:lb/loadBalancer:LoadBalancer"), "load balancer behind the AWS listener");
  const cert = need(dep(listener, "certificateArn", "aws:acm/certificate:Certificate"), "ACM certificate on the AWS listener");
  const tg = need(dep(listener, "defaultActions", "aws:lb/targetGroup:TargetGroup"), "target group of the AWS listener");
  const group = need(all.find((r) => r.type === "aws:autoscaling/group:Group" && (r.deps.targetGroupArns ?? []).some((d) => d.urn === tg.urn)), "Auto Scaling group behind the AWS target group");
  const template = need(dep(group, "mixedInstancesPolicy", "aws:ec2/launchTemplate:LaunchTemplate") ?? dep(group, "launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate"), "launch template of the AWS group");
  const env = exportedSettings(Buffer.from(need(str(template.inputs.userData), "AWS launch template user data"), "base64").toString("utf8"));
  const param = all.find((r) => r.type === "aws:ssm/parameter:Parameter" && env.HI_API_KEY_SOURCE === `aws-ssm:${str(r.state.name)}:${String(r.state.version)}`);
  const h = (get(tg.inputs, "healthCheck") ?? {}) as Record<string, unknown>;
  const idle = num(listener.inputs.tcpIdleTimeoutSeconds);
  return {
    name: "aws",
    endpoint: { host: need(str(lb.state.dnsName), "DNS name of the AWS load balancer"), port: num(listener.inputs.port) ?? 443 },
    tls: { certPem: String(cert.inputs.certificateBody ?? ""), keyPem: String(cert.inputs.privateKey ?? ""), chainPem: String(cert.inputs.certificateChain ?? "") },
    lb: {
      kind: "aws-nlb-tls",
      listenerPort: num(listener.inputs.port) ?? 443,
      sslPolicy: str(listener.inputs.sslPolicy) ?? "",
      ...(str(listener.inputs.alpnPolicy) ? { alpnPolicy: str(listener.inputs.alpnPolicy) as string } : {}),
      ...(idle !== undefined ? { tcpIdleTimeoutSeconds: idle } : {}),
      targetPort: need(num(tg.inputs.port), "port of the AWS target group"),
      health: httpHealth(h, { path: "path", interval: "interval", timeout: "timeout", healthy: "healthyThreshold", unhealthy: "unhealthyThreshold" }),
      deregistrationDelaySeconds: num(tg.inputs.deregistrationDelay) ?? 300,
    },
    node: { env, ...(param ? { apiKey: String(param.inputs.value) } : {}) },
    scaling: { min: num(group.inputs.minSize) ?? 0, max: num(group.inputs.maxSize) ?? 0 },
  };
}

function gcpPool(all: RuleResource[]): RenderedBurstPool | undefined {
  const rule = all.find((r) => r.type === "gcp:compute/globalForwardingRule:GlobalForwardingRule" && dep(r, "target", "gcp:compute/targetHttpsProxy:TargetHttpsProxy"));
  if (!rule) return undefined;
  const proxy = dep(rule, "target", "gcp:compute/targetHttpsProxy:TargetHttpsProxy") as RuleResource;
  const cert = need(dep(proxy, "sslCertificates", "gcp:compute/sSLCertificate:SSLCertificate"), "SSL certificate on the GCP proxy");
  const policy = dep(proxy, "sslPolicy", "gcp:compute/sSLPolicy:SSLPolicy");
  const urlMap = need(dep(proxy, "urlMap", "gcp:compute/uRLMap:URLMap"), "URL map of the GCP proxy");
  const backend = need(dep(urlMap, "defaultService", "gcp:compute/backendService:BackendService"), "backend service of the GCP URL map");
  const check = need(dep(backend, "healthChecks", "gcp:compute/healthCheck:HealthCheck"), "health check of the GCP backend service");
  const group = need(dep(backend, "backends", "gcp:compute/instanceGroupManager:InstanceGroupManager"), "instance group behind the GCP backend service");
  const template = need(dep(group, "versions", "gcp:compute/instanceTemplate:InstanceTemplate"), "instance template of the GCP group");
  const autoscaler = all.find((r) => r.type === "gcp:compute/autoscaler:Autoscaler" && dep(r, "target", group.type)?.urn === group.urn);
  const env = exportedSettings(need(str(template.inputs.metadataStartupScript), "GCP startup script"));
  const version = all.find((r) => r.type === "gcp:secretmanager/secretVersion:SecretVersion" && env.HI_API_KEY_SOURCE === `gcp-secret:${str(r.state.name)}`);
  const address = need(str(rule.inputs.ipAddress), "address of the GCP forwarding rule");
  const port = Number((str(rule.inputs.portRange) ?? "443").split("-")[0]);
  const h = (get(check.inputs, "httpHealthCheck") ?? {}) as Record<string, unknown>;
  const timeout = num(backend.inputs.timeoutSec);
  const draining = num(backend.inputs.connectionDrainingTimeoutSec);
  const namedPort = list<{ name?: string; port?: number }>(group.inputs.namedPorts).find((p) => p.name === str(backend.inputs.portName));
  return {
    name: "gcp",
    endpoint: { host: address, port },
    tls: { certPem: String(cert.inputs.certificate ?? ""), keyPem: String(cert.inputs.privateKey ?? ""), chainPem: "" },
    lb: {
      kind: "gcp-https",
      listenerPort: port,
      sslPolicy: { ...(str(policy?.inputs.profile) ? { profile: str(policy?.inputs.profile) as string } : {}), ...(str(policy?.inputs.minTlsVersion) ? { minTlsVersion: str(policy?.inputs.minTlsVersion) as string } : {}) },
      ...(timeout !== undefined ? { backendTimeoutSeconds: timeout } : {}),
      targetPort: need(namedPort?.port ?? num(h.port), "named port of the GCP group"),
      health: {
        ...httpHealth({ ...h, ...check.inputs }, { path: "requestPath", port: "port", interval: "checkIntervalSec", timeout: "timeoutSec", healthy: "healthyThreshold", unhealthy: "unhealthyThreshold" }),
        path: str(h.requestPath) ?? "/",
      },
      ...(draining !== undefined ? { drainingSeconds: draining } : {}),
    },
    node: { env, ...(version ? { apiKey: String(version.inputs.secretData) } : {}) },
    scaling: { min: num(get(autoscaler?.inputs, "autoscalingPolicy.minReplicas")) ?? 0, max: num(get(autoscaler?.inputs, "autoscalingPolicy.maxReplicas")) ?? 0 },
  };
}

function entryOf(all: RuleResource[]): RenderedEntry | undefined {
  const service = all.find((r) => r.type === "hcloud:index/loadBalancerService:LoadBalancerService");
  if (!service) return undefined;
  const lb = need(dep(service, "loadBalancerId", "hcloud:index/loadBalancer:LoadBalancer"), "Hetzner load balancer of the service");
  const certRes = (service.deps.http ?? []).find((d) => d.type === "hcloud:index/managedCertificate:ManagedCertificate" || d.type === "hcloud:index/uploadedCertificate:UploadedCertificate");
  const hc = (get(service.inputs, "healthCheck") ?? {}) as Record<string, unknown>;
  const idle = num(get(service.inputs, "http.timeoutIdle"));
  const ipv4 = str(lb.state.ipv4);
  const ipv6 = str(lb.state.ipv6);
  return {
    algorithm: str(get(lb.inputs, "algorithm.type")) ?? "round_robin",
    loadBalancerType: str(lb.inputs.loadBalancerType) ?? "",
    service: {
      protocol: str(service.inputs.protocol) ?? "",
      listenPort: num(service.inputs.listenPort) ?? 443,
      destinationPort: need(num(service.inputs.destinationPort), "destination port of the Hetzner service"),
      ...(idle !== undefined ? { timeoutIdleSeconds: idle } : {}),
      redirectHttp: get(service.inputs, "http.redirectHttp") === true,
      health: {
        ...httpHealth(hc, { path: "http.path", port: "port", interval: "interval", timeout: "timeout", healthy: "retries", unhealthy: "retries" }),
        protocol: str(hc.protocol) ?? "tcp",
        statusCodes: list<string>(get(hc, "http.statusCodes")),
      },
    },
    certificate:
      certRes?.type === "hcloud:index/uploadedCertificate:UploadedCertificate"
        ? { kind: "uploaded", certPem: String(certRes.inputs.certificate ?? ""), keyPem: String(certRes.inputs.privateKey ?? "") }
        : { kind: "managed", domains: list<string>(certRes?.inputs.domainNames) },
    ...(ipv4 ? { ipv4 } : {}),
    ...(ipv6 ? { ipv6 } : {}),
  };
}

function gatesOf(all: RuleResource[]): RenderedGate[] {
  return all
    .filter((r) => r.type === "command:local:Command" && r.name.endsWith("-ready"))
    .map((r): RenderedGate | undefined => {
      const script = str(r.inputs.create) ?? "";
      const node = /\/-\/nodes\/([a-z0-9-]+)"/.exec(script)?.[1];
      const router = /^need=\(([a-z0-9-]+)\)$/m.exec(script)?.[1];
      if (node) return { resource: r.name, kind: "node", target: node, script };
      if (router && script.includes("/-/router")) return { resource: r.name, kind: "router", target: router, script };
      return undefined;
    })
    .filter((g): g is RenderedGate => g !== undefined);
}

export function readRenderedFleet(all: RuleResource[]): RenderedFleet {
  const routers = routersOf(all);
  const entry = entryOf(all);
  return {
    routers,
    base: baseNodesOf(all, routers),
    burst: [gcpPool(all), awsPool(all)].filter((p): p is RenderedBurstPool => p !== undefined),
    ...(entry ? { entry } : {}),
    gates: gatesOf(all),
  };
}
