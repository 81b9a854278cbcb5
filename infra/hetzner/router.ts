import type * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import { REPLACE_ON } from "./rollout";
import * as pulumi from "@pulumi/pulumi";
import { type BaseServer, type BurstEndpoint, renderHaproxyConfig } from "./haproxy";
import { type PublisherSettings, renderRouterCloudInit } from "./router-cloud-init";
import { ROUTER_PATHS, routerShare, routerSpec } from "./router-spec";
import { ENTRY_IDLE_SECONDS, HCLOUD_SHUTDOWN_WINDOW_SECONDS } from "../timeouts";
import { gate } from "./rollout";

export type RouterCertificate =
  | { kind: "managed" }
  /** caPem: the CA that signed an uploaded certificate, when no public one did (the cloud smoke's). */
  | { kind: "uploaded"; certificate: pulumi.Input<string>; privateKey: pulumi.Input<string>; caPem?: pulumi.Input<string> };

export interface RouterArgs {
  location: string;
  serverType: string;
  count: number;
  image: string;
  loadBalancerType: string;
  /** Deletion protection on the load balancer and the routers' addresses (prod). */
  deleteProtection: boolean;
  labels: Record<string, string>;
  sshKeyId: pulumi.Input<string>;
  firewallId: pulumi.Input<string>;
  networkId: pulumi.Input<number>;
  subnet: hcloud.NetworkSubnet;
  /** Private address of the i-th router. */
  address: (index: number) => string;
  domain: string;
  certificate: RouterCertificate;
  /** The Hetzner DNS zone that holds the domain: with a managed certificate the stack writes the domain's records there. */
  dnsZone?: string;
  listenPort: number;
  metricsPort: number;
  queueTimeoutSeconds: number;
  queuePerSlot: number;
  ctxPerSlot: number;
  /** The base layer's servers on the private network, each with its slots. */
  base: BaseServer[];
  /** The burst pools' TLS endpoints, resolved once the pools exist. */
  burst: pulumi.Input<BurstEndpoint[]>;
  /** The CA that signs the burst endpoints' certificates. */
  burstCaPem: pulumi.Input<string>;
  /** The demand publisher's settings and credentials (resolved once the pools exist); undefined without burst pools. */
  publisher: pulumi.Input<PublisherSettings | undefined>;
  /** The keys clients may send, one per line (a new one and the one being retired). */
  apiKey?: pulumi.Input<string>;
  /** The key the rollout gates ask with: the current one. */
  gateApiKey?: pulumi.Input<string>;
}

/** The load balancer's health check of the routers. */
export const ENTRY_HEALTH = { interval: 5, timeout: 3, retries: 2 } as const;

/**
 * A router that stops waits until the load balancer has seen its /healthz fail (every check of its retries, and one
 * more interval), then lets its requests finish for the rest of the provider's shutdown window.
 */
const DETECT_SECONDS = ENTRY_HEALTH.interval * (ENTRY_HEALTH.retries + 1) + ENTRY_HEALTH.timeout;
export const ROUTER_DRAIN_TIMES = { detectSeconds: DETECT_SECONDS, finishSeconds: Math.max(1, HCLOUD_SHUTDOWN_WINDOW_SECONDS - DETECT_SECONDS - 3) };

/** Short enough that a replaced load balancer is found within minutes. */
export const DNS_TTL_SECONDS = 300;

/** The record's name inside its zone: "@" for the zone's apex, else the labels before the zone. */
export function recordName(domain: string, zone: string): string {
  if (domain === zone) return "@";
  if (!domain.endsWith(`.${zone}`)) throw new Error(`${domain} is not in the zone ${zone}`);
  return domain.slice(0, -(zone.length + 1));
}

/**
 * The fleet's public endpoint: HAProxy on small Hetzner servers (spread across hosts) in the private network, behind
 * the Hetzner load balancer, whose only public service is HTTPS (HTTP redirects to it). Each router fills the base
 * layer's slots first and spills to the burst pools (see haproxy.ts). The routers' stable public IPv4 addresses
 * (primary IPs) are their egress to the burst pools, which admit only them.
 */
export class HetznerRouter extends pulumi.ComponentResource {
  readonly placementGroup: hcloud.PlacementGroup;
  readonly egress: hcloud.PrimaryIp[];
  readonly servers: hcloud.Server[];
  readonly certificate: hcloud.ManagedCertificate | hcloud.UploadedCertificate;
  /** The domain's A and AAAA records in its Hetzner DNS zone, pointing at the load balancer (managed certificate only). */
  readonly dnsRecords: hcloud.ZoneRrset[];
  readonly loadBalancer: hcloud.LoadBalancer;
  readonly service: hcloud.LoadBalancerService;
  readonly target: hcloud.LoadBalancerTarget;
  /** The routers' public IPv4 addresses: what the burst pools allow. */
  readonly egressIps: pulumi.Output<string>[];
  /** Each router's HAProxy config (they differ only in the private address they bind). */
  readonly haproxyConfigs: pulumi.Output<string>[];
  readonly endpoint: string;
  readonly selector: string;
  /** Each router's name, as it reports demand. */
  readonly routerIds: string[];
  /** After router i: it serves through the load balancer (rollout.ts). Router i+1 waits for it. */
  readonly gates: command.local.Command[];
  /** Where a rollout gate asks the routers: the domain and the load balancer's address. */
  readonly gateEndpoint: { host: string; address: pulumi.Output<string>; caPem?: pulumi.Input<string> };

  constructor(name: string, args: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:hetzner:Router", name, {}, opts);
    const child = { parent: this };
    const labels = args.labels;
    this.selector = `role=router,pool=${name}`;
    this.routerIds = Array.from({ length: args.count }, (_, i) => `${name}-${i}`);
    const nodeLabels = { ...labels, role: "router", pool: name };

    this.placementGroup = new hcloud.PlacementGroup(`${name}-spread`, { type: "spread", labels }, child);
    this.egress = Array.from({ length: args.count }, (_, i) =>
      new hcloud.PrimaryIp(`${name}-${i}-ipv4`, {
        type: "ipv4",
        location: args.location,
        assigneeType: "server",
        // Kept when a router is replaced, so the burst pools' allow-lists stay valid (hcloud advises against auto-delete).
        autoDelete: false,
        deleteProtection: args.deleteProtection,
        labels,
      }, child),
    );
    this.egressIps = this.egress.map((ip) => ip.ipAddress);

    // Each router's config binds its own private address: the API (the load balancer's target, which ends TLS) and
    // the ops listener (the load balancer's health check, the metrics scrape) are never on the public interface.
    this.haproxyConfigs = Array.from({ length: args.count }, (_, i) => pulumi.output(args.burst).apply((burst) =>
      renderHaproxyConfig(routerSpec({
        id: this.routerIds[i] as string,
        listen: { address: args.address(i), port: args.listenPort },
        ops: { address: args.address(i), port: args.metricsPort },
        statsSocket: ROUTER_PATHS.statsSocket,
        base: args.base,
        burst: burst.map((b) => ({ ...b, caFile: ROUTER_PATHS.burstCa })),
        ctxPerSlot: args.ctxPerSlot,
        queueTimeoutSeconds: args.queueTimeoutSeconds,
        queuePerSlot: args.queuePerSlot,
        ...(args.apiKey !== undefined ? { apiKeyFile: ROUTER_PATHS.apiKeys } : {}),
        log: "syslog",
        runAs: { user: "haproxy", group: "haproxy" },
        share: { index: i, of: args.count },
      })),
    ));
    const userData = (i: number) =>
      pulumi.secret(
        pulumi.all([this.haproxyConfigs[i] as pulumi.Output<string>, args.burstCaPem, args.apiKey ?? "", args.publisher]).apply(([haproxyConfig, burstCaPem, apiKey, publisher]) =>
          renderRouterCloudInit({
            haproxyConfig,
            burstCaPem,
            routerId: this.routerIds[i] as string,
            drain: ROUTER_DRAIN_TIMES,
            ...(apiKey ? { apiKey } : {}),
            // Each router publishes the demand it sees against its own share of each pool (routerShare).
            ...(publisher ? { publisher: { ...publisher, pools: publisher.pools.map((p) => ({ ...p, maxSlots: routerShare(p.maxSlots, { index: i, of: args.count }) })) } } : {}),
          }),
        ),
      );

    this.certificate = args.certificate.kind === "managed"
      ? new hcloud.ManagedCertificate(`${name}-tls`, { domainNames: [args.domain], labels }, child)
      : new hcloud.UploadedCertificate(`${name}-tls`, { certificate: args.certificate.certificate, privateKey: pulumi.secret(args.certificate.privateKey), labels }, child);

    this.loadBalancer = new hcloud.LoadBalancer(`${name}-lb`, {
      loadBalancerType: args.loadBalancerType,
      location: args.location,
      algorithm: { type: "least_connections" },
      deleteProtection: args.deleteProtection,
      labels,
    }, child);
    const lbNetwork = new hcloud.LoadBalancerNetwork(`${name}-lb-net`, {
      loadBalancerId: this.loadBalancer.id.apply(Number),
      subnetId: args.subnet.id,
      enablePublicInterface: true,
    }, child);
    this.service = new hcloud.LoadBalancerService(`${name}-https`, {
      loadBalancerId: this.loadBalancer.id,
      protocol: "https",
      listenPort: 443,
      destinationPort: args.listenPort,
      // Plain HTTP on port 80 only redirects to HTTPS; nothing is served without TLS.
      http: { certificates: [this.certificate.id.apply(Number)], redirectHttp: true, timeoutIdle: ENTRY_IDLE_SECONDS },
      // The routers' ops listener: health checks keep their own connection limit, whatever the API traffic.
      healthCheck: {
        protocol: "http",
        port: args.metricsPort,
        ...ENTRY_HEALTH,
        http: { path: "/healthz", statusCodes: ["200"] },
      },
    }, child);
    this.target = new hcloud.LoadBalancerTarget(`${name}-targets`, {
      type: "label_selector",
      loadBalancerId: this.loadBalancer.id.apply(Number),
      labelSelector: this.selector,
      usePrivateIp: true,
    }, { parent: this, dependsOn: [lbNetwork] });
    this.gateEndpoint = {
      host: args.domain,
      address: this.loadBalancer.ipv4,
      ...(args.certificate.kind === "uploaded" && args.certificate.caPem !== undefined ? { caPem: args.certificate.caPem } : {}),
    };

    // One router at a time: each is deleted gracefully (it drains: router-drain), keeps its primary IP (released before
    // the new one claims it), and the next is replaced only once this one serves through the load balancer.
    this.servers = [];
    this.gates = [];
    for (let i = 0; i < args.count; i++) {
      const server = new hcloud.Server(`${name}-${i}`, {
        serverType: args.serverType,
        image: args.image,
        location: args.location,
        sshKeys: [args.sshKeyId],
        firewallIds: [pulumi.output(args.firewallId).apply(Number)],
        placementGroupId: this.placementGroup.id.apply(Number),
        publicNets: [{ ipv4Enabled: true, ipv4: (this.egress[i] as hcloud.PrimaryIp).id.apply(Number), ipv6Enabled: false }],
        networks: [{ networkId: args.networkId, ip: args.address(i) }],
        userData: userData(i),
        labels: nodeLabels,
        shutdownBeforeDeletion: true,
      }, { parent: this, dependsOn: [args.subnet, ...this.gates.slice(-1)], deleteBeforeReplace: true, replaceOnChanges: [...REPLACE_ON] });
      this.servers.push(server);
      this.gates.push(gate(`${name}-${i}-ready`, {
        target: { kind: "router", id: this.routerIds[i] as string },
        server,
        endpoint: this.gateEndpoint,
        apiKey: args.gateApiKey ?? args.apiKey ?? "none",
        dependsOn: [this.service, this.target],
      }, child));
    }

    // One `pulumi up` yields a working HTTPS endpoint: Hetzner issues the managed certificate through the zone, and the
    // domain resolves to the load balancer. With an uploaded certificate the records are the operator's.
    this.dnsRecords =
      args.certificate.kind === "managed" && args.dnsZone
        ? ([["A", this.loadBalancer.ipv4], ["AAAA", this.loadBalancer.ipv6]] as const).map(
            ([type, value]) =>
              new hcloud.ZoneRrset(`${name}-dns-${type.toLowerCase()}`, {
                zone: args.dnsZone as string,
                name: recordName(args.domain, args.dnsZone as string),
                type,
                ttl: DNS_TTL_SECONDS,
                records: [{ value }],
                labels,
              }, child),
          )
        : [];

    this.endpoint = `https://${args.domain}`;
    this.registerOutputs({ endpoint: this.endpoint, loadBalancerIpv4: this.loadBalancer.ipv4, egressIps: this.egressIps });
  }
}
