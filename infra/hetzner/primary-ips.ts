import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface HetznerPrimaryIpsArgs {
  count: number;
  location: string;
  labels: Record<string, string>;
  deleteProtection: boolean;
}

export interface ServerAddresses {
  ipv4: hcloud.PrimaryIp;
  ipv6: hcloud.PrimaryIp;
}

/**
 * The base servers' public addresses as resources of their own, created before the servers and kept when a server
 * is replaced, so that the AWS model-reader key can be pinned to them (aws:SourceIp) before any server exists.
 *
 * Arguments checked against @pulumi/hcloud 1.41.0 (primaryIp.d.ts): `type` ipv4/ipv6; `assigneeType: "server"` with
 * the server naming the IP in its publicNets (the provider assigns it at server creation); `autoDelete: false`, as
 * the provider docs advise ("Setting auto_delete to true is not recommended, because if a server assigned to the
 * managed ip is deleted, it will also delete the primary IP"); `location`, not `datacenter`: the SDK marks
 * `datacenter` deprecated and the Hetzner Cloud API removed it for Primary IPs in 2026
 * (docs.hetzner.cloud/changelog#2026-07-01-removing-datacenters; terraform-provider-hcloud v1.67.0 changelog).
 */
export class HetznerPrimaryIps extends pulumi.ComponentResource {
  readonly addresses: ServerAddresses[];
  /** Where the servers' traffic comes from: each IPv4 as a /32 and each IPv6 network (a /64). */
  readonly sourceCidrs: pulumi.Output<string[]>;

  constructor(name: string, args: HetznerPrimaryIpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:hetzner:PrimaryIps", name, {}, opts);
    const ip = (i: number, type: "ipv4" | "ipv6") =>
      new hcloud.PrimaryIp(`${name}-${i}-${type}`, {
        type,
        assigneeType: "server",
        autoDelete: false,
        location: args.location,
        deleteProtection: args.deleteProtection,
        labels: args.labels,
      }, { parent: this });
    this.addresses = Array.from({ length: args.count }, (_, i) => ({ ipv4: ip(i, "ipv4"), ipv6: ip(i, "ipv6") }));
    this.sourceCidrs = pulumi
      .all(this.addresses.map((a) => pulumi.all([a.ipv4.ipAddress, a.ipv6.ipNetwork])))
      .apply((pairs) => pairs.flatMap(([v4, v6]) => [`${v4}/32`, v6.includes("/") ? v6 : `${v6}/64`]));
    this.registerOutputs({ sourceCidrs: this.sourceCidrs });
  }
}
