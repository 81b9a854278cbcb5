/**
 * Rules the Hetzner Cloud API (through hetznercloud/terraform-provider-hcloud, bridged by @pulumi/hcloud) enforces,
 * for the hcloud types the program creates. Each rule names its source.
 */
import { isIP } from "node:net";
import { findInstanceType, HCLOUD_LOCATIONS_BY_ZONE, orderableHcloudTypes, RETIRED_HCLOUD_TYPES } from "../../infra/catalog";
import { isValidHcloudLabel } from "../../infra/naming";
import { cidrRange, contains, ipInRange, isRfc1918 } from "./cidr";
import { between, bytes, get, isSet, list, num, str } from "./read";
import type { Finding, ProviderRule, RuleContext, RuleResource } from "./types";

const TFH = "hetznercloud/terraform-provider-hcloud";
const SERVER = "hcloud:index/server:Server";
const LB = "hcloud:index/loadBalancer:LoadBalancer";

export const serverTypeOrderable: ProviderRule = {
  id: "hcloud-server-type-orderable",
  types: [SERVER],
  description: "A server's type can be ordered now (Hetzner retired CX Gen 2 and CPX Gen 1 at the end of 2025) in the server's location.",
  phase: "up",
  source: "Hetzner Cloud changelog 2025-10-16 \"server types deprecated\" (hetznercloud/packer-plugin-hcloud PR #317: \"The CX Gen 2 and CPX Gen 1 types are deprecated and will be removed from the API at the end of the year\"); API server_types locations[].deprecation.unavailable_after; orderable types and locations in infra/catalog.ts",
  check: (r) => {
    const type = str(r.inputs.serverType) ?? "";
    const retired = RETIRED_HCLOUD_TYPES[type];
    if (retired) return [{ field: "serverType", message: `${type} can no longer be ordered (${retired.why}, since ${retired.since}); orderable: ${orderableHcloudTypes().join(", ")}` }];
    const entry = findInstanceType("hetzner", type);
    if (!entry || entry.name.startsWith("ax")) return [{ field: "serverType", message: `${type} is not an orderable Hetzner Cloud server type; orderable: ${orderableHcloudTypes().join(", ")}` }];
    const location = str(r.inputs.location);
    if (location && entry.locations && !entry.locations.includes(location)) return [{ field: "location", message: `${type} is not sold in ${location}; it is sold in ${entry.locations.join(", ")}` }];
    return [];
  },
};

/** The hcloud user data limit. */
export const HCLOUD_USER_DATA_MAX_BYTES = 32 * 1024;

export const serverUserDataSize: ProviderRule = {
  id: "hcloud-user-data-size",
  types: [SERVER],
  description: "Server user data is at most 32 KiB.",
  phase: "up",
  source: `${TFH} docs/resources/server.md user_data: "This field is limited to 32KiB."`,
  check: (r) => {
    const data = str(r.inputs.userData);
    if (data === undefined) return [];
    const n = bytes(data);
    return n > HCLOUD_USER_DATA_MAX_BYTES ? [{ field: "userData", value: `${n} bytes`, message: `user data is ${n} bytes, above ${HCLOUD_USER_DATA_MAX_BYTES}` }] : [];
  },
};

export const spreadGroupSize: ProviderRule = {
  id: "hcloud-spread-group-size",
  types: ["hcloud:index/placementGroup:PlacementGroup"],
  description: "A spread placement group holds at most 10 servers.",
  phase: "up",
  source: "docs.hetzner.com/cloud/placement-groups/overview: \"Up to 10 servers per Placement Group (type Spread)\"",
  check: (r, ctx) => {
    const members = ctx.ofType(SERVER).filter((s) => (s.deps.placementGroupId ?? []).some((g) => g.urn === r.urn));
    return members.length > 10 ? [{ field: "type", value: members.length, message: `${members.length} servers in spread group; at most 10` }] : [];
  },
};

function subnetsOf(network: RuleResource, ctx: RuleContext): RuleResource[] {
  return ctx.ofType("hcloud:index/networkSubnet:NetworkSubnet").filter((s) => (s.deps.networkId ?? []).some((n) => n.urn === network.urn));
}

function zoneOfLocation(location: string): string | undefined {
  return Object.entries(HCLOUD_LOCATIONS_BY_ZONE).find(([, locs]) => locs.includes(location))?.[0];
}

export const networkZones: ProviderRule = {
  id: "hcloud-network-zone",
  types: [SERVER, "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "hcloud:index/networkSubnet:NetworkSubnet"],
  description: "Servers and load balancers join a network only from a location in its subnets' network zone; all subnets of a network share one zone.",
  phase: "up",
  source: "docs.hetzner.com/cloud/networks/faq: \"all locations within a Network have to be from the same network zone as the subnet. All subnets within a Network also have to be from the same network zone.\" (zones: eu-central fsn1/nbg1/hel1, us-east ash, us-west hil, ap-southeast sin)",
  check: (r, ctx) => {
    if (r.type === "hcloud:index/networkSubnet:NetworkSubnet") {
      const zone = str(r.inputs.networkZone);
      if (zone && !HCLOUD_LOCATIONS_BY_ZONE[zone]) return [{ field: "networkZone", message: `unknown network zone ${zone}` }];
      const siblings = (r.deps.networkId ?? []).flatMap((n) => subnetsOf(n, ctx)).filter((s) => str(s.inputs.networkZone) !== zone);
      return siblings.map((s) => ({ field: "networkZone", message: `subnet ${s.name} of the same network is in ${String(s.inputs.networkZone)}` }));
    }
    const location = r.type === SERVER ? str(r.inputs.location) : str((r.deps.loadBalancerId ?? [])[0]?.inputs.location);
    if (!location) return [];
    const zone = zoneOfLocation(location);
    if (!zone) return [{ field: "location", message: `unknown location ${location}` }];
    const networks = r.type === SERVER ? (r.deps.networks ?? []) : (r.deps.subnetId ?? []).flatMap((s) => s.deps.networkId ?? []);
    return networks.flatMap((n) =>
      subnetsOf(n, ctx)
        .filter((s) => str(s.inputs.networkZone) !== zone)
        .map((s) => ({ field: r.type === SERVER ? "location" : "loadBalancerId", message: `${location} is in ${zone}, but subnet ${s.name} is in ${String(s.inputs.networkZone)}` })),
    );
  },
};

export const networkRanges: ProviderRule = {
  id: "hcloud-network-ranges",
  types: ["hcloud:index/network:Network", "hcloud:index/networkSubnet:NetworkSubnet", SERVER],
  description: "A network's range is RFC 1918 private IPv4; each subnet lies inside it; a server's private IP lies in a subnet of the network it joins.",
  phase: "up",
  source: `${TFH} docs/resources/network.md ip_range: "Must be one of the private ipv4 ranges of RFC1918"; network_subnet.md: "Must be a subnet of the ip_range of the Network"; server network ip must be inside a subnet (API error ip_not_available / invalid_input)`,
  check: (r, ctx) => {
    if (r.type === "hcloud:index/network:Network") {
      const range = cidrRange(str(r.inputs.ipRange) ?? "");
      return range && range.family === 4 && isRfc1918(range) ? [] : [{ field: "ipRange", message: "ipRange must be an RFC 1918 private IPv4 range" }];
    }
    if (r.type === "hcloud:index/networkSubnet:NetworkSubnet") {
      const inner = cidrRange(str(r.inputs.ipRange) ?? "");
      return (r.deps.networkId ?? []).flatMap((n) => {
        const outer = cidrRange(str(n.inputs.ipRange) ?? "");
        return outer && inner && contains(outer, inner) ? [] : [{ field: "ipRange", message: `subnet ${String(r.inputs.ipRange)} is not inside network ${String(n.inputs.ipRange)}` }];
      });
    }
    return list(r.inputs.networks).flatMap((net, i) => {
      const ip = str(net.ip);
      if (!ip) return [];
      const subnets = (r.deps.networks ?? []).flatMap((n) => subnetsOf(n, ctx));
      const inside = subnets.some((s) => {
        const range = cidrRange(str(s.inputs.ipRange) ?? "");
        return range !== undefined && ipInRange(ip, range);
      });
      return inside ? [] : [{ field: `networks.${i}.ip`, message: `private IP ${ip} is not inside a subnet of the network` }];
    });
  },
};

const LB_LIMITS: Record<string, { services: number; targets: number; certificates: number; source: string }> = {
  lb11: { services: 5, targets: 25, certificates: 10, source: "Hetzner API load_balancer_types example: lb11 \"max_targets\": 25, \"max_services\": 5, \"max_assigned_certificates\": 10" },
  lb21: { services: 15, targets: 75, certificates: 25, source: "hetznercloud/hcloud-python tests/unit/load_balancer_types: lb21 max_services 15, max_targets 75, max_assigned_certificates 25" },
};

function selectorMatches(selector: string, labels: Record<string, unknown>): boolean {
  return selector.split(",").every((term) => {
    const [k = "", v] = term.trim().split("=");
    return v === undefined ? k in labels : String(labels[k]) === v;
  });
}

export const loadBalancerServices: ProviderRule = {
  id: "hcloud-lb-service-shape",
  types: ["hcloud:index/loadBalancerService:LoadBalancerService"],
  description: "Load balancer services: https needs certificates; redirectHttp only on an https service; tcp needs a listenPort; listen ports are unique per load balancer; idle timeout 30-300 s; an http health check carries its http block.",
  phase: "up",
  source: `${TFH} docs/resources/load_balancer_service.md: https "attach one or more certificates"; redirect_http "Only supported for services with protocol https using the default HTTP port 80"; listen_port "required if protocol is tcp ... Must be unique per Load Balancer"; timeout_idle "Must be between 30 and 300"; health_check.http "Required if protocol is http"; hetznercloud/cli add_service.go: "no Certificate specified"`,
  check: (r, ctx) => {
    const p = r.inputs;
    const out: Finding[] = [];
    const protocol = str(p.protocol);
    if (protocol === "https" && list(get(p, "http.certificates")).length === 0) out.push({ field: "http.certificates", message: "an https service needs certificates" });
    if (get(p, "http.redirectHttp") === true && protocol !== "https") out.push({ field: "http.redirectHttp", message: "redirectHttp is only for https services" });
    if (protocol === "tcp" && !isSet(p.listenPort)) out.push({ field: "listenPort", message: "a tcp service needs a listenPort" });
    out.push(...between(p, "http.timeoutIdle", 30, 300), ...between(p, "listenPort", 1, 65535), ...between(p, "destinationPort", 1, 65535));
    if (str(get(p, "healthCheck.protocol")) === "http" && !get(p, "healthCheck.http")) out.push({ field: "healthCheck.http", message: "an http health check needs its http block" });
    const port = num(p.listenPort) ?? (protocol === "https" ? 443 : protocol === "http" ? 80 : undefined);
    const lb = (r.deps.loadBalancerId ?? [])[0];
    if (lb && port !== undefined) {
      const clash = ctx.ofType(r.type).filter((o) => o.urn !== r.urn && (o.deps.loadBalancerId ?? []).some((x) => x.urn === lb.urn)).filter((o) => (num(o.inputs.listenPort) ?? (o.inputs.protocol === "https" ? 443 : o.inputs.protocol === "http" ? 80 : -1)) === port);
      if (clash.length > 0) out.push({ field: "listenPort", message: `listen port ${port} is also used by ${clash.map((c) => c.name).join(", ")}` });
    }
    return out;
  },
};

export const loadBalancerTypeLimits: ProviderRule = {
  id: "hcloud-lb-type-limits",
  types: [LB],
  description: "A load balancer has no more services, targets and certificates than its type allows (lb11: 5, 25, 10; lb21: 15, 75, 25).",
  phase: "up",
  source: "Hetzner Cloud API load_balancer_types (max_services, max_targets, max_assigned_certificates); per-type figures in plan/provider-rules/hcloud.ts LB_LIMITS",
  check: (r, ctx) => {
    const limits = LB_LIMITS[str(r.inputs.loadBalancerType) ?? ""];
    if (!limits) return [];
    const mine = (type: string) => ctx.ofType(type).filter((o) => (o.deps.loadBalancerId ?? []).some((x) => x.urn === r.urn));
    const services = mine("hcloud:index/loadBalancerService:LoadBalancerService");
    const servers = ctx.ofType(SERVER);
    const targets = mine("hcloud:index/loadBalancerTarget:LoadBalancerTarget").reduce((n, t) => {
      if (t.inputs.type === "label_selector") return n + servers.filter((s) => selectorMatches(String(t.inputs.labelSelector ?? ""), (s.inputs.labels ?? {}) as Record<string, unknown>)).length;
      return n + 1;
    }, 0);
    const certificates = new Set(services.flatMap((s) => list<string>(get(s.inputs, "http.certificates")).map(String))).size;
    const out: Finding[] = [];
    if (services.length > limits.services) out.push({ field: "loadBalancerType", message: `${services.length} services; ${String(r.inputs.loadBalancerType)} allows ${limits.services}`, source: limits.source });
    if (targets > limits.targets) out.push({ field: "loadBalancerType", message: `${targets} targets; ${String(r.inputs.loadBalancerType)} allows ${limits.targets}`, source: limits.source });
    if (certificates > limits.certificates) out.push({ field: "loadBalancerType", message: `${certificates} certificates; ${String(r.inputs.loadBalancerType)} allows ${limits.certificates}`, source: limits.source });
    return out;
  },
};

export const privateTargetsNeedNetwork: ProviderRule = {
  id: "hcloud-lb-private-targets",
  types: ["hcloud:index/loadBalancerTarget:LoadBalancerTarget"],
  description: "A target reached over a private IP needs the load balancer attached to a network (and usePrivateIp only for server and label_selector targets).",
  phase: "up",
  source: `docs.hetzner.com/cloud/load-balancers/faq: "The cloud server and Load Balancer have to be in the same private Cloud Network"; hcloud-go error load_balancer_not_attached_to_network; ${TFH} load_balancer_target.md use_private_ip "Only allowed if type is server or label_selector"`,
  check: (r, ctx) => {
    if (r.inputs.usePrivateIp !== true) return [];
    if (r.inputs.type === "ip") return [{ field: "usePrivateIp", message: "usePrivateIp is only for server and label_selector targets" }];
    const lb = (r.deps.loadBalancerId ?? [])[0];
    const attached = lb && ctx.ofType("hcloud:index/loadBalancerNetwork:LoadBalancerNetwork").some((n) => (n.deps.loadBalancerId ?? []).some((x) => x.urn === lb.urn));
    return attached ? [] : [{ field: "usePrivateIp", message: "the load balancer is not attached to a network" }];
  },
};

const FW_PROTOCOLS = ["tcp", "udp", "icmp", "gre", "esp"];

export const firewallRules: ProviderRule = {
  id: "hcloud-firewall-rules",
  types: ["hcloud:index/firewall:Firewall", SERVER],
  description: "Firewalls: at most 500 rules; protocols tcp, udp, icmp, gre, esp, with a port exactly for tcp and udp; inbound rules name sourceIps, outbound destinationIps; at most 5 firewalls per server, and only on servers with a public interface.",
  phase: "up",
  source: `docs.hetzner.com/cloud/firewalls/faq: "Assign up to 5 active Firewalls per server", "Have up to 500 (effective) rules per Firewall"; ${TFH} docs/resources/firewall.md rule: protocol "tcp, icmp, udp, gre, esp", port "required for tcp/udp"; hcloud-go error private_net_only_server: "The Server the Firewall should be applied to has no public interface"`,
  check: (r) => {
    const out: Finding[] = [];
    if (r.type === SERVER) {
      const ids = list(r.inputs.firewallIds);
      if (ids.length > 5) out.push({ field: "firewallIds", message: `${ids.length} firewalls; at most 5 per server` });
      const nets = list(r.inputs.publicNets);
      const isPublic = nets.length === 0 || nets.some((n) => n.ipv4Enabled !== false || n.ipv6Enabled !== false);
      if (ids.length > 0 && !isPublic) out.push({ field: "firewallIds", message: "a firewall cannot be applied to a server with no public interface" });
      return out;
    }
    const rules = list(r.inputs.rules);
    if (rules.length > 500) out.push({ field: "rules", message: `${rules.length} rules; at most 500` });
    rules.forEach((rule, i) => {
      const proto = String(rule.protocol ?? "");
      if (!FW_PROTOCOLS.includes(proto)) out.push({ field: `rules.${i}.protocol`, message: `protocol must be one of ${FW_PROTOCOLS.join(", ")}` });
      const ported = proto === "tcp" || proto === "udp";
      if (ported !== isSet(rule.port)) out.push({ field: `rules.${i}.port`, message: ported ? `a ${proto} rule needs a port` : `a ${proto} rule takes no port` });
      if (rule.direction === "in" && list(rule.sourceIps).length === 0) out.push({ field: `rules.${i}.sourceIps`, message: "an inbound rule needs sourceIps" });
      if (rule.direction === "out" && list(rule.destinationIps).length === 0) out.push({ field: `rules.${i}.destinationIps`, message: "an outbound rule needs destinationIps" });
    });
    return out;
  },
};

export const hcloudLabels: ProviderRule = {
  id: "hcloud-label-syntax",
  types: ["*"],
  description: "Hetzner labels: keys of an optional DNS prefix and a name of up to 63 characters, values of up to 63 characters, alphanumeric at both ends; the hetzner.cloud/ prefix is reserved.",
  phase: "up",
  source: "Hetzner Cloud API reference, Labels: \"The name segment is required and must be a string of 63 characters or less, beginning and ending with an alphanumeric character\", \"Valid label values must be a string of 63 characters or less and must be empty or begin and end with an alphanumeric character\", \"The hetzner.cloud/ prefix is reserved\"",
  check: (r) => {
    if (!r.type.startsWith("hcloud:") || !r.inputs.labels || typeof r.inputs.labels !== "object") return [];
    return Object.entries(r.inputs.labels as Record<string, unknown>).flatMap(([k, v]) => {
      if (k.startsWith("hetzner.cloud/")) return [{ field: `labels.${k}`, message: "the hetzner.cloud/ prefix is reserved" }];
      return isValidHcloudLabel(k, String(v)) ? [] : [{ field: `labels.${k}`, message: `label ${k}=${String(v)} is not valid` }];
    });
  },
};

/** An RRset names itself within its zone, and an A/AAAA record holds an address of its family. */
export const zoneRrsets: ProviderRule = {
  id: "hcloud-zone-rrset",
  types: ["hcloud:index/zoneRrset:ZoneRrset"],
  description: "A zone RRset sets its name (\"@\" for the apex): Terraform requires one, and without it Pulumi's autonaming makes up a record name of its own. It names its zone, and an A or AAAA record's values are IPv4 or IPv6 addresses.",
  phase: "up",
  source: `${TFH} docs/resources/zone_rrset.md (Required: name, records, type, zone); Hetzner Cloud API zone RRsets (records[].value in the type's presentation format)`,
  check: (r) => {
    const out: Finding[] = [];
    if (r.autonamed?.field === "name") out.push({ field: "name", message: `the RRset's name is not set, so it is autonamed ${String(r.inputs.name)}: the record would be ${String(r.inputs.name)}.${String(r.inputs.zone)}, not the domain ("@" names the zone's apex)` });
    else if (!isSet(r.inputs.name)) out.push({ field: "name", message: "the RRset's name is not set: the provider requires one (\"@\" for the zone's apex)" });
    if (!isSet(r.inputs.zone)) out.push({ field: "zone", message: "the RRset names no zone" });
    const type = str(r.inputs.type);
    list<{ value?: unknown }>(r.inputs.records).forEach((rec, i) => {
      const v = str(rec.value) ?? "";
      if (type === "A" && isIP(v) !== 4) out.push({ field: `records.${i}.value`, message: `an A record holds an IPv4 address, not ${v || "nothing"}` });
      if (type === "AAAA" && isIP(v) !== 6) out.push({ field: `records.${i}.value`, message: `an AAAA record holds an IPv6 address, not ${v || "nothing"}` });
    });
    return out;
  },
};

export const hcloudRules: ProviderRule[] = [
  zoneRrsets,
  serverTypeOrderable,
  serverUserDataSize,
  spreadGroupSize,
  networkZones,
  networkRanges,
  loadBalancerServices,
  loadBalancerTypeLimits,
  privateTargetsNeedNetwork,
  firewallRules,
  hcloudLabels,
];
