import * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import { REPLACE_ON } from "./rollout";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { type CloudInitFile, renderCloudInit, renderSshInstall } from "../inference/bootscript";
import type { ServerAddresses } from "./primary-ips";

export interface DedicatedHostArgs {
  name: string;
  ip: string;
  user: string;
  serverType: string;
  /** The boot script for this host's size. */
  bootScript: pulumi.Input<string>;
}

export interface HetznerBaseLayerArgs {
  location: string;
  networkZone: string;
  serverType: string;
  count: number;
  image: string;
  networkCidr: string;
  sshPublicKey: string;
  adminCidrs: string[];
  labels: Record<string, string>;
  /** Rendered boot script for the cloud servers (a secret when it embeds credentials). */
  bootScript: pulumi.Input<string>;
  /** Root-only files cloud-init writes before the boot script runs (API key, model-store credentials). */
  secretFiles: pulumi.Input<CloudInitFile[]>;
  dedicatedHosts: DedicatedHostArgs[];
  dedicatedSshPrivateKey?: pulumi.Input<string>;
  /** One pair of primary IPs per server (HetznerPrimaryIps), so the servers keep their addresses across replacement. */
  primaryIps: ServerAddresses[];
  /**
   * What server i waits for before it is created or replaced: the rollout gate of server i-1 (rollout.ts), so at most
   * one base node is out at a time. Resolved once the routers exist.
   */
  after?: (index: number) => pulumi.Input<pulumi.Resource[]>;
}

/** Firewall rules for the public interface: SSH and ICMP from the admin networks only. The inference port stays closed publicly; the routers reach it over the private network. */
export function baseFirewallRules(adminCidrs: string[]): hcloud.types.input.FirewallRule[] {
  return [
    { direction: "in", protocol: "tcp", port: "22", sourceIps: adminCidrs, description: "SSH from admin networks" },
    { direction: "in", protocol: "icmp", sourceIps: adminCidrs, description: "ICMP from admin networks" },
  ];
}

/** Address of the i-th base server inside the subnet: .10, .11, ... (at most 50 servers, up to .59). */
export function serverIp(networkCidr: string, index: number): string {
  const [base] = networkCidr.split("/");
  const octets = (base ?? "").split(".").map(Number);
  return `${octets[0]}.${octets[1]}.1.${10 + index}`;
}

/** Address of the i-th router inside the subnet: .2 to .9 (.1 is the network's gateway). */
export function routerIp(networkCidr: string, index: number): string {
  if (index < 0 || index > 7) throw new Error(`router index ${index} out of range 0-7`);
  const [base] = networkCidr.split("/");
  const octets = (base ?? "").split(".").map(Number);
  return `${octets[0]}.${octets[1]}.1.${2 + index}`;
}

export function subnetCidr(networkCidr: string): string {
  const [base] = networkCidr.split("/");
  const octets = (base ?? "").split(".").map(Number);
  return `${octets[0]}.${octets[1]}.1.0/24`;
}

/** Hetzner Cloud base layer: always-on inference servers on a private network (the routers send them requests), plus optional dedicated hosts. */
export class HetznerBaseLayer extends pulumi.ComponentResource {
  readonly sshKey: hcloud.SshKey;
  readonly firewall: hcloud.Firewall;
  readonly network: hcloud.Network;
  readonly subnet: hcloud.NetworkSubnet;
  readonly placementGroup: hcloud.PlacementGroup;
  readonly servers: hcloud.Server[];
  readonly dedicatedInstalls: command.remote.Command[];
  /** The base servers' private addresses: what the routers send requests to. */
  readonly privateAddresses: string[];
  readonly poolSelector: string;

  constructor(name: string, args: HetznerBaseLayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:hetzner:BaseLayer", name, {}, opts);
    const child = { parent: this };
    const labels = args.labels;
    this.poolSelector = `pool=${name}`;
    const nodeLabels = { ...labels, pool: name };

    this.sshKey = new hcloud.SshKey(`${name}-admin`, { publicKey: args.sshPublicKey, labels }, child);
    this.firewall = new hcloud.Firewall(`${name}-fw`, { rules: baseFirewallRules(args.adminCidrs), labels }, child);
    this.network = new hcloud.Network(`${name}-net`, { ipRange: args.networkCidr, labels }, child);
    const networkId = this.network.id.apply(Number);
    this.subnet = new hcloud.NetworkSubnet(`${name}-subnet`, {
      networkId,
      type: "cloud",
      networkZone: args.networkZone,
      ipRange: subnetCidr(args.networkCidr),
    }, child);
    this.placementGroup = new hcloud.PlacementGroup(`${name}-spread`, { type: "spread", labels }, child);

    const userData = pulumi.all([args.bootScript, args.secretFiles]).apply(([script, files]) => renderCloudInit(script, files));
    if (args.primaryIps.length !== args.count) throw new Error(`HetznerBaseLayer: ${args.count} servers need ${args.count} primary IP pairs, got ${args.primaryIps.length}`);
    this.servers = Array.from({ length: args.count }, (_, i) =>
      new hcloud.Server(`${name}-${i}`, {
        serverType: args.serverType,
        image: args.image,
        location: args.location,
        sshKeys: [this.sshKey.id],
        // Attached at creation, so the first boot is already behind the firewall.
        firewallIds: [this.firewall.id.apply(Number)],
        placementGroupId: this.placementGroup.id.apply(Number),
        publicNets: [{
          ipv4Enabled: true,
          ipv4: args.primaryIps[i]?.ipv4.id.apply(Number),
          ipv6Enabled: true,
          ipv6: args.primaryIps[i]?.ipv6.id.apply(Number),
        }],
        networks: [{ networkId, ip: serverIp(args.networkCidr, i) }],
        userData,
        labels: nodeLabels,
        // Deleted gracefully: the OS shuts down first, so the node drains (node-setup.sh drain) before it goes.
        shutdownBeforeDeletion: true,
        // A primary IP is assigned to one server at a time, so a replacement must release it first; one server at a
        // time, each after the last is healthy through the routers (args.after).
      }, { parent: this, dependsOn: i > 0 && args.after ? pulumi.output(args.after(i)).apply((gates) => [this.subnet, ...gates]) : [this.subnet], deleteBeforeReplace: true, replaceOnChanges: [...REPLACE_ON] }),
    );

    this.dedicatedInstalls = args.dedicatedHosts.map((h) => {
      if (!args.dedicatedSshPrivateKey) throw new Error(`hetzner.dedicatedHosts[${h.name}] needs the secret hybrid-inference:dedicatedSshPrivateKey`);
      const script = pulumi.secret(pulumi.all([h.bootScript, args.secretFiles]).apply(([s, files]) => renderSshInstall(s, files)));
      return new command.remote.Command(`${name}-dedicated-${h.name}`, {
        connection: { host: h.ip, user: h.user, privateKey: args.dedicatedSshPrivateKey },
        create: "bash -s",
        stdin: script,
        // Read by the cost estimate: dedicated servers are priced from the catalog like cloud servers.
        environment: { HYBRID_SERVER_TYPE: h.serverType },
        // Re-run when the launch spec, the model or the image changes.
        triggers: [script.apply((s) => createHash("sha256").update(s).digest("hex"))],
      }, child);
    });

    this.privateAddresses = this.servers.map((_, i) => serverIp(args.networkCidr, i));
    this.registerOutputs({ privateAddresses: this.privateAddresses, servers: this.servers.map((s) => s.name) });
  }
}
