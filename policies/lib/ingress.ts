/**
 * Ingress rules of every resource type that can open a port to a node, read into one shape, and the breadth of
 * their sources. Pure; no SDK imports.
 */
import { type AddressRange, type BreadthLimits, broaderThan, DEFAULT_BREADTH, readSource } from "../../infra/cidr";
import { asArray, num, type Props, str } from "./values";

/** A normalised ingress rule: which protocol, which ports, from where. */
export interface Ingress {
  protocol: string;
  /** Inclusive port range, or "all". */
  ports: [number, number] | "all";
  sources: string[];
  description: string;
  /** AWS managed prefix lists the rule also admits (resolved by the stack policy, which sees the lists). */
  prefixLists?: string[];
}

const ALL_PROTOCOLS = new Set(["-1", "all", "any"]);
const PORTED = new Set(["tcp", "udp", "6", "17", "sctp", "132"]);

/** AWS: from/to ports. Protocol -1 is every port; 0-0 (or an absent range) is read as every port. */
export function awsPorts(protocol: string, from: unknown, to: unknown): [number, number] | "all" {
  if (ALL_PROTOCOLS.has(protocol)) return "all";
  const f = num(from);
  const t = num(to);
  if (f === undefined || t === undefined || (f === 0 && t === 0) || (f <= 0 && t >= 65535) || f === -1) return "all";
  return [f, t];
}

/** GCP ("22", "1000-2000") and hcloud ("22", "80-85", "any") port strings. Absent means every port; unreadable is read as every port. */
export function parsePortSpec(spec: string | undefined): [number, number] | "all" {
  if (spec === undefined || spec === "" || spec === "any") return "all";
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) return "all";
  const f = Number(m[1]);
  const t = m[2] ? Number(m[2]) : f;
  return f <= 0 && t >= 65535 ? "all" : [f, t];
}

export function exposesPort(rule: Ingress, port: number): boolean {
  if (ALL_PROTOCOLS.has(rule.protocol)) return true;
  if (!PORTED.has(rule.protocol)) return false;
  return rule.ports === "all" || (rule.ports[0] <= port && port <= rule.ports[1]);
}

export function allPorts(rule: Ingress): boolean {
  return ALL_PROTOCOLS.has(rule.protocol) || (PORTED.has(rule.protocol) && rule.ports === "all");
}

export function describePorts(rule: Ingress): string {
  return allPorts(rule) ? `all ports (${rule.protocol})` : rule.ports === "all" ? rule.protocol : `${rule.protocol} ${rule.ports[0]}-${rule.ports[1]}`;
}

const lower = (v: unknown, fallback: string) => String(str(v) ?? fallback).toLowerCase();

function awsRule(r: Props, sources: string[]): Ingress {
  const protocol = lower(r.protocol ?? r.ipProtocol, "-1");
  const lists = [...asArray<string>(r.prefixListIds), ...asArray<string>(r.prefixListId)];
  return { protocol, ports: awsPorts(protocol, r.fromPort, r.toPort), sources, description: str(r.description) ?? "", ...(lists.length ? { prefixLists: lists } : {}) };
}

/** GCP hierarchical, global and regional firewall policy rules (one rule, or a policy's inline rules). */
function gcpPolicyRule(r: Props): Ingress[] {
  if (lower(r.direction, "INGRESS") !== "ingress" || r.disabled === true) return [];
  if (!["allow", "apply_security_profile_group"].includes(lower(r.action, "allow"))) return [];
  const m = (r.match ?? {}) as Props;
  const ranges = asArray<string>(m.srcIpRanges);
  const otherSources = ["srcAddressGroups", "srcFqdns", "srcRegionCodes", "srcThreatIntelligences", "srcSecureTags", "srcNetworks"].some((k) => asArray(m[k]).length > 0);
  const sources = ranges.length === 0 && !otherSources ? ["0.0.0.0/0", "::/0"] : ranges;
  return asArray<Props>(m.layer4Configs).flatMap((l4) => {
    const protocol = lower(l4.ipProtocol, "all");
    const specs = asArray<string>(l4.ports);
    const ranges4 = specs.length === 0 ? ["all" as const] : specs.map((s) => parsePortSpec(s));
    return ranges4.map((ports) => ({ protocol, ports, sources, description: str(r.description) ?? "" }));
  });
}

function naclRule(r: Props, action: unknown): Ingress[] {
  if (lower(action, "allow") !== "allow") return [];
  const protocol = lower(r.protocol, "-1");
  const p = ALL_PROTOCOLS.has(protocol) || protocol === "-1" ? "-1" : protocol;
  const sources = [str(r.cidrBlock), str(r.ipv6CidrBlock)].filter((s): s is string => !!s);
  return [{ protocol: p, ports: awsPorts(p, r.fromPort, r.toPort), sources, description: "" }];
}

/** Every ingress rule a resource carries, in one shape, for the types that carry them. */
export function ingressRules(type: string, p: Props): Ingress[] {
  switch (type) {
    case "aws:ec2/securityGroup:SecurityGroup":
    case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
      return asArray<Props>(p.ingress).map((r) => awsRule(r, [...asArray<string>(r.cidrBlocks), ...asArray<string>(r.ipv6CidrBlocks)]));
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      if (p.type !== "ingress") return [];
      return [awsRule(p, [...asArray<string>(p.cidrBlocks), ...asArray<string>(p.ipv6CidrBlocks)])];
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [awsRule(p, [str(p.cidrIpv4), str(p.cidrIpv6)].filter((s): s is string => !!s))];
    case "aws:ec2/networkAcl:NetworkAcl":
    case "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl":
      return asArray<Props>(p.ingress).flatMap((r) => naclRule(r, r.action));
    case "aws:ec2/networkAclRule:NetworkAclRule":
      return p.egress === true ? [] : naclRule(p, p.ruleAction);
    case "gcp:compute/firewall:Firewall": {
      if (lower(p.direction, "INGRESS") !== "ingress" || p.disabled === true) return [];
      const sources = asArray<string>(p.sourceRanges);
      // No source ranges and no source tags/service accounts means 0.0.0.0/0.
      const effective = sources.length === 0 && asArray(p.sourceTags).length === 0 && asArray(p.sourceServiceAccounts).length === 0 ? ["0.0.0.0/0"] : sources;
      return asArray<Props>(p.allows).flatMap((a) => {
        const protocol = lower(a.protocol, "all");
        const specs = asArray<string>(a.ports);
        const ranges = specs.length === 0 ? ["all" as const] : specs.map((s) => parsePortSpec(s));
        return ranges.map((ports) => ({ protocol, ports, sources: effective, description: str(p.description) ?? "" }));
      });
    }
    case "gcp:compute/firewallPolicyRule:FirewallPolicyRule":
    case "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule":
    case "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule":
      return gcpPolicyRule(p);
    case "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules":
    case "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules":
    case "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules":
      return asArray<Props>(p.rules).flatMap(gcpPolicyRule);
    case "hcloud:index/firewall:Firewall":
      return asArray<Props>(p.rules)
        .filter((r) => (str(r.direction) ?? "in") === "in")
        .map((r) => {
          const protocol = lower(r.protocol, "tcp");
          return { protocol, ports: parsePortSpec(str(r.port)), sources: asArray<string>(r.sourceIps), description: str(r.description) ?? "" };
        });
    default:
      return [];
  }
}

export interface BreadthConfig extends BreadthLimits {
  adminPorts: number[];
}

export const BREADTH_SCHEMA = {
  minIpv4Prefix: { type: "number", minimum: 0, maximum: 32, default: DEFAULT_BREADTH.minIpv4Prefix },
  minIpv6Prefix: { type: "number", minimum: 0, maximum: 128, default: DEFAULT_BREADTH.minIpv6Prefix },
} as const;

/** A source is too broad when it covers more than one /minIpv4Prefix (or /minIpv6Prefix) block, or cannot be read at all. */
function tooBroad(source: string, limits: BreadthLimits): string | undefined {
  const s = readSource(source);
  if (!s) return `${source} (not an address range this policy can read)`;
  const families = broaderThan(s.ranges, limits);
  return families.length > 0 ? source : undefined;
}

/**
 * Admin ports reachable from too broad a set of sources. Each rule's own sources are judged one by one (a single
 * 0.0.0.0/1 is too broad), then, per admin port, the union of every rule's sources (0.0.0.0/1 and 128.0.0.0/1 in two
 * rules are the internet, and so are 256 /8s).
 */
export function broadAdminFindings(rules: Ingress[], cfg: BreadthConfig): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    const broad = rule.sources.map((s) => tooBroad(s, cfg)).filter((s): s is string => s !== undefined);
    if (broad.length === 0) continue;
    if (allPorts(rule)) out.push(`${describePorts(rule)} open to ${broad.join(", ")}`);
    else for (const port of cfg.adminPorts) if (exposesPort(rule, port)) out.push(`port ${port} (${describePorts(rule)}) open to ${broad.join(", ")}`);
  }
  for (const port of cfg.adminPorts) {
    const reaching = rules.filter((r) => exposesPort(r, port));
    const narrow = reaching.flatMap((r) => r.sources).filter((s) => tooBroad(s, cfg) === undefined);
    const ranges: AddressRange[] = narrow.flatMap((s) => readSource(s)?.ranges ?? []);
    const families = broaderThan(ranges, cfg);
    if (families.length > 0) {
      out.push(`port ${port} is open to ${narrow.length} ranges that together cover more ${families.join(" and ")} addresses than a /${families[0] === "IPv4" ? cfg.minIpv4Prefix : cfg.minIpv6Prefix}: ${narrow.join(", ")}`);
    }
  }
  return out;
}
