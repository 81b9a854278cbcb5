/** Small readers for provider inputs, shared by the policies. Pure; no SDK imports. */
import { isWorldOpen } from "../../infra/cidr";

export type Props = Record<string, unknown>;

export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/** A normalised ingress rule: which protocol, which ports, from where. */
export interface Ingress {
  protocol: string;
  /** Inclusive port range, or "all". */
  ports: [number, number] | "all";
  sources: string[];
  description: string;
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

/** GCP ("22", "1000-2000") and hcloud ("22", "80-85", "any") port strings. Absent means every port. */
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

export function worldOpenSources(rule: Ingress): string[] {
  return rule.sources.filter(isWorldOpen);
}

/** Every ingress rule a resource carries, in one shape, for the types that carry them. */
export function ingressRules(type: string, p: Props): Ingress[] {
  switch (type) {
    case "aws:ec2/securityGroup:SecurityGroup":
      return asArray<Props>(p.ingress).map((r) => {
        const protocol = String(str(r.protocol) ?? "-1").toLowerCase();
        return { protocol, ports: awsPorts(protocol, r.fromPort, r.toPort), sources: [...asArray<string>(r.cidrBlocks), ...asArray<string>(r.ipv6CidrBlocks)], description: str(r.description) ?? "" };
      });
    case "aws:ec2/securityGroupRule:SecurityGroupRule": {
      if (p.type !== "ingress") return [];
      const protocol = String(str(p.protocol) ?? "-1").toLowerCase();
      return [{ protocol, ports: awsPorts(protocol, p.fromPort, p.toPort), sources: [...asArray<string>(p.cidrBlocks), ...asArray<string>(p.ipv6CidrBlocks)], description: str(p.description) ?? "" }];
    }
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
      const protocol = String(str(p.ipProtocol) ?? "-1").toLowerCase();
      return [{ protocol, ports: awsPorts(protocol, p.fromPort, p.toPort), sources: [str(p.cidrIpv4), str(p.cidrIpv6)].filter((s): s is string => !!s), description: str(p.description) ?? "" }];
    }
    case "gcp:compute/firewall:Firewall": {
      if ((str(p.direction) ?? "INGRESS") !== "INGRESS" || p.disabled === true) return [];
      const sources = asArray<string>(p.sourceRanges);
      // No source ranges and no source tags/service accounts means 0.0.0.0/0.
      const effective = sources.length === 0 && asArray(p.sourceTags).length === 0 && asArray(p.sourceServiceAccounts).length === 0 ? ["0.0.0.0/0"] : sources;
      return asArray<Props>(p.allows).flatMap((a) => {
        const protocol = String(str(a.protocol) ?? "all").toLowerCase();
        const specs = asArray<string>(a.ports);
        const ranges = specs.length === 0 ? ["all" as const] : specs.map((s) => parsePortSpec(s));
        return ranges.map((ports) => ({ protocol, ports, sources: effective, description: str(p.description) ?? "" }));
      });
    }
    case "hcloud:index/firewall:Firewall":
      return asArray<Props>(p.rules)
        .filter((r) => (str(r.direction) ?? "in") === "in")
        .map((r) => {
          const protocol = String(str(r.protocol) ?? "tcp").toLowerCase();
          return { protocol, ports: parsePortSpec(str(r.port)), sources: asArray<string>(r.sourceIps), description: str(r.description) ?? "" };
        });
    default:
      return [];
  }
}

export function describePorts(rule: Ingress): string {
  return allPorts(rule) ? `all ports (${rule.protocol})` : rule.ports === "all" ? rule.protocol : `${rule.protocol} ${rule.ports[0]}-${rule.ports[1]}`;
}
