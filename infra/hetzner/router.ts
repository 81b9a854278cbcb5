import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { type BaseServer, type BurstEndpoint, renderHaproxyConfig } from "./haproxy";
import { type PublisherSettings, renderRouterCloudInit } from "./router-cloud-init";
import { ROUTER_PATHS, routerSpec } from "./router-spec";

export type RouterCertificate = { kind: "managed" } | { kind: "uploaded"; certificate: pulumi.Input<string>; privateKey: pulumi.Input<string> };

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
  apiKey?: pulumi.Input<string>;
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
  readonly loadBalancer: hcloud.LoadBalancer;
  readonly service: hcloud.LoadBalancerService;
  readonly target: hcloud.LoadBalancerTarget;
  /** The routers' public IPv4 addresses: what the burst pools allow. */
  readonly egressIps: pulumi.Output<string>[];
  readonly haproxyConfig: pulumi.Output<string>;
  readonly endpoint: string;
  readonly selector: string;
  /** Each router's name, as it reports demand. */
  readonly routerIds: string[];

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

    this.haproxyConfig = pulumi.output(args.burst).apply((burst) =>
      renderHaproxyConfig(routerSpec({
        // Only the load balancer reaches the routers, over the private network; it terminates TLS.
        listen: { address: "0.0.0.0", port: args.listenPort },
        metrics: { address: "0.0.0.0", port: args.metricsPort },
        statsSocket: ROUTER_PATHS.statsSocket,
        base: args.base,
        burst: burst.map((b) => ({ ...b, caFile: ROUTER_PATHS.burstCa })),
        ctxPerSlot: args.ctxPerSlot,
        queueTimeoutSeconds: args.queueTimeoutSeconds,
        queuePerSlot: args.queuePerSlot,
        ...(args.apiKey !== undefined ? { apiKeyFile: ROUTER_PATHS.apiKeys } : {}),
        log: "syslog",
        runAs: { user: "haproxy", group: "haproxy" },
      })),
    );
    const userData = (i: number) =>
      pulumi.secret(
        pulumi.all([this.haproxyConfig, args.burstCaPem, args.apiKey ?? "", args.publisher]).apply(([haproxyConfig, burstCaPem, apiKey, publisher]) =>
          renderRouterCloudInit({ haproxyConfig, burstCaPem, routerId: this.routerIds[i] as string, ...(apiKey ? { apiKey } : {}), ...(publisher ? { publisher } : {}) }),
        ),
      );

    this.servers = Array.from({ length: args.count }, (_, i) =>
      new hcloud.Server(`${name}-${i}`, {
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
      }, { parent: this, dependsOn: [args.subnet] }),
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
      http: { certificates: [this.certificate.id.apply(Number)], redirectHttp: true, timeoutIdle: 300 },
      healthCheck: {
        protocol: "http",
        port: args.listenPort,
        interval: 5,
        timeout: 3,
        retries: 2,
        http: { path: "/healthz", statusCodes: ["200"] },
      },
    }, child);
    this.target = new hcloud.LoadBalancerTarget(`${name}-targets`, {
      type: "label_selector",
      loadBalancerId: this.loadBalancer.id.apply(Number),
      labelSelector: this.selector,
      usePrivateIp: true,
    }, { parent: this, dependsOn: [lbNetwork] });

    this.endpoint = `https://${args.domain}`;
    this.registerOutputs({ endpoint: this.endpoint, loadBalancerIpv4: this.loadBalancer.ipv4, egressIps: this.egressIps });
  }
}
