/**
 * SSH, RDP and all-ports ingress from the internet, on all three clouds, including rules made by separate resources
 * and ports forwarded by public load balancers. "The internet" is any set of sources broader than a configured
 * prefix (default /8 for IPv4, /16 for IPv6), however it is spelled.
 */
import { cidrWithin } from "../infra/cidr";
import { BREADTH_SCHEMA, type BreadthConfig, broadAdminFindings, exposesPort, type Ingress, ingressRules } from "./lib/ingress";
import { dependenciesOf, type PolicyResource, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { asArray, num, type Props, str } from "./lib/values";

const DEFAULT_ADMIN_PORTS = [22, 3389];

const INGRESS_SCHEMA = {
  properties: {
    adminPorts: { type: "array", items: { type: "number" }, default: DEFAULT_ADMIN_PORTS },
    ...BREADTH_SCHEMA,
  },
} as const;

/** hcloud load balancers are public: a service that forwards to an admin port exposes it on every target. */
function lbServiceFindings(type: string, p: Props, adminPorts: number[]): string[] {
  if (type !== "hcloud:index/loadBalancerService:LoadBalancerService") return [];
  const protocol = str(p.protocol) ?? "tcp";
  const dest = num(p.destinationPort) ?? num(p.listenPort) ?? (protocol === "https" ? 443 : 80);
  return dest !== undefined && adminPorts.includes(dest) ? [`forwards public port ${String(num(p.listenPort) ?? "?")} to admin port ${dest} on its targets`] : [];
}

export const noWorldOpenAdminIngress: ResourcePolicy = {
  name: "no-world-open-admin-ingress",
  description: "No SSH, RDP or all-ports ingress from the internet (any source, or set of sources, broader than /8 for IPv4 or /16 for IPv6, in any spelling) on AWS security groups, rules and network ACLs, GCP firewalls and firewall policy rules, or hcloud firewalls; no public hcloud load balancer service forwarding to an admin port.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_ssh_world; Checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_277, CKV_GCP_2, CKV_GCP_3, CKV2_GCP_12; trivy AWS-0107, AWS-0105, GCP-0027, GCP-0071, GCP-0070, GCP-0072; regula FG_R00085, FG_R00087, FG_R00045, FG_R00407, FG_R00408. Breadth: RFC 4291 2.5.5 (IPv4-mapped and -compatible), RFC 6052 (NAT64), RFC 3056 (6to4)",
  remediationSteps: "Restrict the source to the admin CIDRs (hybrid-inference:adminCidrs), or reach nodes through IAP / a bastion. Name ports explicitly: protocol -1, 'all', 'any', an absent GCP ports list and 0-0 open every port. Do not forward a load balancer port to SSH.",
  configSchema: INGRESS_SCHEMA,
  validateResource: (args, report) => {
    const props = args.props as Props;
    const cfg = args.getConfig<BreadthConfig>();
    const rules = ingressRules(args.type, props);
    for (const finding of [...broadAdminFindings(rules, cfg), ...lbServiceFindings(args.type, props, cfg.adminPorts)]) report(`${args.type.split(":")[2]} ${args.name}: ${finding}`);
  },
};

interface AdminCidrConfig {
  allowedCidrs: string[];
}

/** Google's IAP TCP forwarding range: allowed as an SSH source on GCP. */
const IAP_RANGE = "35.235.240.0/20";

/** Strict CIDR containment: an unreadable or differently spelled source is never "within". */
function within(source: string, allowed: string[]): boolean {
  return allowed.some((a) => cidrWithin(source, a));
}

export const sshFromAdminCidrsOnly: ResourcePolicy = {
  name: "ssh-from-admin-cidrs-only",
  description: "SSH ingress comes only from the stack's admin CIDRs (and Google IAP on GCP).",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego ssh_allowed_sources",
  remediationSteps: "Set the rule's source to one of the admin CIDRs listed in the policy config (allowedCidrs), which mirror hybrid-inference:adminCidrs.",
  configSchema: { properties: { allowedCidrs: { type: "array", items: { type: "string" }, default: [] } } },
  validateResource: (args, report) => {
    const rules = ingressRules(args.type, args.props as Props).filter((r) => exposesPort(r, 22));
    if (rules.length === 0) return;
    const { allowedCidrs } = args.getConfig<AdminCidrConfig>();
    if (allowedCidrs.length === 0) args.notApplicable("no allowedCidrs configured for this stack");
    const allowed = args.type.startsWith("gcp:") ? [...allowedCidrs, IAP_RANGE] : allowedCidrs;
    for (const rule of rules) {
      for (const src of rule.sources) if (!within(src, allowed)) report(`${args.name}: SSH source ${src} is not within the admin CIDRs (${allowedCidrs.join(", ")})`);
    }
  },
};

const SG_TYPES = new Set(["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"]);
const SG_RULE_TYPES = new Set(["aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]);
const PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList";
const PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry";

function hcloudPublic(server: PolicyResource): boolean {
  const nets = asArray<Props>(server.props.publicNets);
  // No publicNet block means public IPv4 and IPv6.
  if (nets.length === 0) return true;
  return nets.some((n) => n.ipv4Enabled !== false || n.ipv6Enabled !== false);
}

function selectorMatches(selector: string, labels: Record<string, string>): boolean {
  return selector.split(",").every((term) => {
    const [k = "", v] = term.trim().split("=");
    return v === undefined ? k in labels : labels[k] === v;
  });
}

/** The CIDRs of a managed prefix list: its inline entries and its separate entry resources. */
function prefixListCidrs(list: PolicyResource, all: PolicyResource[]): string[] {
  const inline = asArray<Props>(list.props.entries).map((e) => str(e.cidr)).filter((c): c is string => !!c);
  const separate = all.filter((e) => e.type === PREFIX_LIST_ENTRY && dependenciesOf(e, "prefixListId").some((l) => l.urn === list.urn)).map((e) => str(e.props.cidr)).filter((c): c is string => !!c);
  return [...inline, ...separate];
}

/** A resource's ingress rules with the prefix lists it depends on expanded into their CIDRs. */
function resolvedRules(r: PolicyResource, all: PolicyResource[]): Ingress[] {
  const lists = ["prefixListIds", "prefixListId", "ingress"].flatMap((k) => dependenciesOf(r, k)).filter((d) => d.type === PREFIX_LIST);
  const cidrs = lists.flatMap((l) => prefixListCidrs(l, all));
  return ingressRules(r.type, r.props).map((rule) => (rule.prefixLists?.length ? { ...rule, sources: [...rule.sources, ...cidrs] } : rule));
}

/**
 * Joins the pieces that together decide what reaches a node: AWS security groups with their separate rule
 * resources (through `securityGroupId`) and the managed prefix lists they admit, hcloud firewalls with their
 * attachments (through `firewallId` and `serverIds`), and internet-facing AWS load balancers with the target
 * groups their listeners forward to. Reports the group or firewall, and every launch template, instance or server
 * behind it.
 */
export const effectiveIngress: StackPolicy = {
  name: "effective-ingress",
  description: "Joins security groups and firewalls with their separately declared rules, prefix lists and attachments, and public load balancers with their target groups, and reports SSH/RDP/all-ports reachable from the internet on any node.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_ssh_world (rules declared as separate resources); trivy AWS-0107 (aws_security_group_rule); regula FG_R00044, FG_R00350 (with rules as separate resources)",
  remediationSteps: "Remove or narrow the separately declared rule or prefix list entry; check every aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule, aws.ec2.ManagedPrefixListEntry and hcloud.FirewallAttachment that targets the group or firewall; never point a public listener at a target group on an admin port.",
  configSchema: INGRESS_SCHEMA,
  validateStack: (args, report) => {
    const cfg = args.getConfig<BreadthConfig>();
    const all = args.resources;
    const byUrn = new Map(all.map((r) => [r.urn, r]));
    const rulesBySg = new Map<string, Ingress[]>();
    for (const r of all) {
      if (!SG_RULE_TYPES.has(r.type)) continue;
      for (const sg of dependenciesOf(r, "securityGroupId")) rulesBySg.set(sg.urn, [...(rulesBySg.get(sg.urn) ?? []), ...resolvedRules(r, all)]);
    }
    for (const sg of all.filter((r) => SG_TYPES.has(r.type) && resolvedRules(r, all).some((rule) => rule.prefixLists?.length))) {
      if (!rulesBySg.has(sg.urn)) rulesBySg.set(sg.urn, []);
    }
    const badSgs = new Set<string>();
    for (const [sgUrn, rules] of rulesBySg) {
      const sg = byUrn.get(sgUrn);
      const findings = broadAdminFindings([...rules, ...(sg ? resolvedRules(sg, all) : [])], cfg);
      if (findings.length === 0) continue;
      badSgs.add(sgUrn);
      report(`security group ${sg?.name ?? sgUrn} (with its separate rules and prefix lists): ${findings.join("; ")}`, sgUrn);
    }
    for (const r of all) {
      if (r.type !== "aws:ec2/launchTemplate:LaunchTemplate" && r.type !== "aws:ec2/instance:Instance") continue;
      const sgDeps = [...dependenciesOf(r, "networkInterfaces"), ...dependenciesOf(r, "vpcSecurityGroupIds"), ...dependenciesOf(r, "securityGroups")];
      for (const sg of sgDeps) if (badSgs.has(sg.urn)) report(`${r.name} uses security group ${sg.name}, which is open to the internet on an admin port`, r.urn);
    }

    const firewalls = all.filter((r) => r.type === "hcloud:index/firewall:Firewall");
    const openFirewalls = new Set(firewalls.filter((f) => broadAdminFindings(ingressRules(f.type, f.props), cfg).length > 0).map((f) => f.urn));
    for (const att of all.filter((r) => r.type === "hcloud:index/firewallAttachment:FirewallAttachment")) {
      for (const fw of dependenciesOf(att, "firewallId")) {
        if (!openFirewalls.has(fw.urn)) continue;
        const servers = dependenciesOf(att, "serverIds").map((s) => s.name);
        report(`firewall ${fw.name} is open to the internet on an admin port and is attached to ${servers.join(", ") || "servers by label"}`, att.urn);
      }
    }

    for (const listener of all.filter((r) => r.type === "aws:lb/listener:Listener")) {
      const lb = dependenciesOf(listener, "loadBalancerArn").find((d) => d.type === "aws:lb/loadBalancer:LoadBalancer");
      if (lb && lb.props.internal === true) continue;
      for (const tg of dependenciesOf(listener, "defaultActions").filter((d) => d.type === "aws:lb/targetGroup:TargetGroup")) {
        const port = num(tg.props.port);
        if (port !== undefined && cfg.adminPorts.includes(port)) {
          report(`listener ${listener.name} on ${lb ? `internet-facing load balancer ${lb.name}` : "a load balancer"} forwards to target group ${tg.name} on admin port ${port}`, listener.urn);
        }
      }
    }
  },
};

/** A Hetzner server with a public interface must sit behind a firewall: inline, by attachment, or by label selector. */
export const hetznerServerFirewall: StackPolicy = {
  name: "hetzner-server-firewall",
  description: "Every Hetzner server with a public network is protected by a firewall from its first boot.",
  severity: "high",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_unprotected_server (Terraform module hetzner)",
  remediationSteps: "Pass firewallIds on the server (attached at creation), or disable the public network with publicNets: [{ ipv4Enabled: false, ipv6Enabled: false }].",
  validateStack: (args, report) => {
    const attachments = args.resources.filter((r) => r.type === "hcloud:index/firewallAttachment:FirewallAttachment");
    const attachedServers = new Set(attachments.flatMap((a) => dependenciesOf(a, "serverIds").map((s) => s.urn)));
    const labelSelectors = [
      ...args.resources.filter((r) => r.type === "hcloud:index/firewall:Firewall").flatMap((f) => asArray<Props>(f.props.applyTos)),
      ...attachments.flatMap((a) => asArray<string>(a.props.labelSelectors).map((labelSelector) => ({ labelSelector }))),
    ].map((a) => str(a.labelSelector)).filter((s): s is string => !!s);
    for (const server of args.resources.filter((r) => r.type === "hcloud:index/server:Server")) {
      if (!hcloudPublic(server)) continue;
      const inline = asArray(server.props.firewallIds).length > 0;
      const labels = (server.props.labels ?? {}) as Record<string, string>;
      const bySelector = labelSelectors.some((sel) => selectorMatches(sel, labels));
      if (!inline && !attachedServers.has(server.urn) && !bySelector) {
        report(`server ${server.name} has a public network and no firewall`, server.urn);
      } else if (!inline) {
        report(`server ${server.name} gets its firewall only after creation; its first boot is unprotected. Pass firewallIds on the server.`, server.urn);
      }
    }
  },
};

export const sshPolicies = [noWorldOpenAdminIngress, sshFromAdminCidrsOnly, effectiveIngress, hetznerServerFirewall];
