/** SSH, RDP and all-ports ingress from the internet, on all three clouds, including rules made by separate resources. */
import { parseCidr } from "../infra/cidr";
import { dependenciesOf, type PolicyResource, type ResourcePolicy, type StackPolicy } from "./lib/policy";
import { allPorts, asArray, describePorts, exposesPort, type Ingress, ingressRules, type Props, str, worldOpenSources } from "./lib/values";

const DEFAULT_ADMIN_PORTS = [22, 3389];

interface IngressConfig {
  adminPorts: number[];
}

function worldOpenAdminFindings(rules: Ingress[], adminPorts: number[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    const world = worldOpenSources(rule);
    if (world.length === 0) continue;
    if (allPorts(rule)) out.push(`${describePorts(rule)} open to ${world.join(", ")}`);
    else for (const port of adminPorts) if (exposesPort(rule, port)) out.push(`port ${port} (${describePorts(rule)}) open to ${world.join(", ")}`);
  }
  return out;
}

export const noWorldOpenAdminIngress: ResourcePolicy = {
  name: "no-world-open-admin-ingress",
  description: "No SSH, RDP or all-ports ingress from 0.0.0.0/0 or ::/0 on AWS security groups and rules, GCP firewalls or hcloud firewalls.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_ssh_world; Checkov CKV_AWS_24, CKV_AWS_25, CKV_GCP_2, CKV_GCP_3",
  remediationSteps: "Restrict the source to the admin CIDRs (hybrid-inference:adminCidrs), or reach nodes through IAP / a bastion. Name ports explicitly: protocol -1, 'all', 'any', an absent GCP ports list and 0-0 open every port.",
  configSchema: { properties: { adminPorts: { type: "array", items: { type: "number" }, default: DEFAULT_ADMIN_PORTS } } },
  validateResource: (args, report) => {
    const rules = ingressRules(args.type, args.props as Props);
    if (rules.length === 0) return;
    const { adminPorts } = args.getConfig<IngressConfig>();
    for (const finding of worldOpenAdminFindings(rules, adminPorts)) report(`${args.type.split(":")[2]} ${args.name}: ${finding}`);
  },
};

interface AdminCidrConfig {
  allowedCidrs: string[];
}

/** Google's IAP TCP forwarding range: allowed as an SSH source on GCP. */
const IAP_RANGE = "35.235.240.0/20";

function within(source: string, allowed: string[]): boolean {
  const s = parseCidr(source);
  if (!s) return false;
  return allowed.some((a) => {
    const p = parseCidr(a);
    if (!p || p.family !== s.family || s.prefix < p.prefix) return false;
    const bits = (addr: string) =>
      s.family === 4
        ? addr.split(".").map((o) => Number(o).toString(2).padStart(8, "0")).join("")
        : expand6(addr).map((h) => parseInt(h, 16).toString(2).padStart(16, "0")).join("");
    return bits(s.address).slice(0, p.prefix) === bits(p.address).slice(0, p.prefix);
  });
}

function expand6(addr: string): string[] {
  const [head = "", tail = ""] = addr.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  return [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
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

const SG_RULE_TYPES = new Set(["aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]);

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

/**
 * Joins the pieces that together decide what reaches a node: AWS security groups with their separate rule
 * resources (through `securityGroupId`), and hcloud firewalls with their attachments (through `firewallId` and
 * `serverIds`). Reports the group or firewall, and every launch template, instance or server behind it.
 */
export const effectiveIngress: StackPolicy = {
  name: "effective-ingress",
  description: "Joins security groups and firewalls with their separately declared rules and attachments, and reports world-open SSH/RDP/all-ports reaching any node.",
  severity: "critical",
  enforcementLevel: "mandatory",
  anchor: "OPA security.rego deny_ssh_world (rules declared as separate resources); Checkov CKV2_AWS_5",
  remediationSteps: "Remove or narrow the separately declared rule; check every aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule and hcloud.FirewallAttachment that targets the group or firewall.",
  configSchema: { properties: { adminPorts: { type: "array", items: { type: "number" }, default: DEFAULT_ADMIN_PORTS } } },
  validateStack: (args, report) => {
    const { adminPorts } = args.getConfig<IngressConfig>();
    const byUrn = new Map(args.resources.map((r) => [r.urn, r]));
    const rulesBySg = new Map<string, Ingress[]>();
    for (const r of args.resources) {
      if (!SG_RULE_TYPES.has(r.type)) continue;
      for (const sg of dependenciesOf(r, "securityGroupId")) {
        rulesBySg.set(sg.urn, [...(rulesBySg.get(sg.urn) ?? []), ...ingressRules(r.type, r.props)]);
      }
    }
    const badSgs = new Set<string>();
    for (const [sgUrn, rules] of rulesBySg) {
      const sg = byUrn.get(sgUrn);
      const findings = worldOpenAdminFindings([...rules, ...(sg ? ingressRules(sg.type, sg.props) : [])], adminPorts);
      if (findings.length === 0) continue;
      badSgs.add(sgUrn);
      report(`security group ${sg?.name ?? sgUrn} (with its separate rules): ${findings.join("; ")}`, sgUrn);
    }
    for (const r of args.resources) {
      if (r.type !== "aws:ec2/launchTemplate:LaunchTemplate" && r.type !== "aws:ec2/instance:Instance") continue;
      const sgDeps = [...dependenciesOf(r, "networkInterfaces"), ...dependenciesOf(r, "vpcSecurityGroupIds"), ...dependenciesOf(r, "securityGroups")];
      for (const sg of sgDeps) if (badSgs.has(sg.urn)) report(`${r.name} uses security group ${sg.name}, which is open to the internet on an admin port`, r.urn);
    }

    const firewalls = args.resources.filter((r) => r.type === "hcloud:index/firewall:Firewall");
    const openFirewalls = new Set(firewalls.filter((f) => worldOpenAdminFindings(ingressRules(f.type, f.props), adminPorts).length > 0).map((f) => f.urn));
    for (const att of args.resources.filter((r) => r.type === "hcloud:index/firewallAttachment:FirewallAttachment")) {
      for (const fw of dependenciesOf(att, "firewallId")) {
        if (!openFirewalls.has(fw.urn)) continue;
        const servers = dependenciesOf(att, "serverIds").map((s) => s.name);
        report(`firewall ${fw.name} is open to the internet on an admin port and is attached to ${servers.join(", ") || "servers by label"}`, att.urn);
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
