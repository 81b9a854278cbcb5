import { describe, expect, it } from "vitest";
import { effectiveIngress, hetznerServerFirewall, noWorldOpenAdminIngress, sshFromAdminCidrsOnly } from "../../policies/ssh";
import { check, messages, res, UNKNOWN } from "./harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const VPC_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const GCP_FW = "gcp:compute/firewall:Firewall";
const HC_FW = "hcloud:index/firewall:Firewall";

describe("no-world-open-admin-ingress", () => {
  const p = noWorldOpenAdminIngress;

  it("passes admin-only SSH and a world-open HTTP port", async () => {
    expect(await check(p, res(SG, "ok", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }, { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }] }))).toEqual([]);
    expect(await check(p, res(VPC_RULE, "http", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }))).toEqual([]);
    expect(await check(p, res(GCP_FW, "lb", { sourceRanges: ["35.191.0.0/16"], allows: [{ protocol: "tcp", ports: ["8080"] }] }))).toEqual([]);
    expect(await check(p, res(HC_FW, "fw", { rules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["203.0.113.0/24"] }] }))).toEqual([]);
  });

  it.each([
    ["SSH from 0.0.0.0/0 on an inline security group rule", SG, { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] }, /port 22/],
    ["SSH from ::/0", SG, { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }] }, /::\/0/],
    ["RDP", SG, { ingress: [{ protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] }] }, /port 3389/],
    ["a port range containing 22", SG, { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 1024, cidrBlocks: ["0.0.0.0/0"] }] }, /port 22 \(tcp 0-1024\)/],
    ["protocol -1", SG, { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }, /all ports/],
    ["tcp from 0 to 0", SG, { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }, /all ports/],
    ["a separate SecurityGroupRule", SG_RULE, { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" }, /port 22/],
    ["a vpc.SecurityGroupIngressRule with protocol -1", VPC_RULE, { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", securityGroupId: "sg-1" }, /all ports/],
    ["a GCP firewall without ports", GCP_FW, { sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp" }] }, /all ports/],
    ["a GCP firewall with protocol all", GCP_FW, { sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "all" }] }, /all ports/],
    ["a GCP firewall range containing 22", GCP_FW, { sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["20-30"] }] }, /port 22/],
    ["a GCP firewall with no source ranges at all", GCP_FW, { allows: [{ protocol: "tcp", ports: ["22"] }] }, /0\.0\.0\.0\/0/],
    ["hcloud port any", HC_FW, { rules: [{ direction: "in", protocol: "tcp", port: "any", sourceIps: ["0.0.0.0/0", "::/0"] }] }, /all ports/],
    ["an hcloud port range", HC_FW, { rules: [{ direction: "in", protocol: "tcp", port: "1-1000", sourceIps: ["::/0"] }] }, /port 22/],
  ])("flags %s", async (_, type, inputs, pattern) => {
    const v = messages(await check(p, res(type, "bad", inputs)));
    expect(v.length).toBeGreaterThan(0);
    expect(v.join("\n")).toMatch(pattern);
  });

  it("ignores egress, disabled GCP rules and ICMP", async () => {
    expect(await check(p, res(SG_RULE, "egress", { type: "egress", protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }))).toEqual([]);
    expect(await check(p, res(GCP_FW, "off", { disabled: true, sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "all" }] }))).toEqual([]);
    expect(await check(p, res(HC_FW, "icmp", { rules: [{ direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0"] }] }))).toEqual([]);
  });

  it("takes the admin ports from config", async () => {
    const r = res(SG, "pg", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }] });
    expect(await check(p, r)).toEqual([]);
    expect(messages(await check(p, r, { adminPorts: [5432] }))).toHaveLength(1);
  });

  it("reports a source unknown during preview as not checkable, never as a pass", async () => {
    const v = await check(p, res(SG_RULE, "later", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: UNKNOWN.array }));
    expect(v).toEqual([expect.objectContaining({ kind: "not-checkable", enforcementLevel: "advisory", policy: p.name })]);
    expect(v[0]?.message).toMatch(/can't be known during preview/);
  });
});

describe("ssh-from-admin-cidrs-only", () => {
  const p = sshFromAdminCidrsOnly;
  const cfg = { allowedCidrs: ["203.0.113.0/24", "2001:db8:100::/48"] };

  it("passes sources inside the admin CIDRs, and IAP on GCP", async () => {
    expect(await check(p, res(VPC_RULE, "ok", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.128/25" }), cfg)).toEqual([]);
    expect(await check(p, res(VPC_RULE, "v6", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8:100:5::/64" }), cfg)).toEqual([]);
    expect(await check(p, res(GCP_FW, "iap", { sourceRanges: ["35.235.240.0/20"], allows: [{ protocol: "tcp", ports: ["22"] }] }), cfg)).toEqual([]);
  });

  it("flags a private range that is not an admin network", async () => {
    expect(messages(await check(p, res(VPC_RULE, "bad", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" }), cfg))).toEqual([
      expect.stringContaining("SSH source 10.0.0.0/8 is not within the admin CIDRs"),
    ]);
  });

  it("flags IAP on AWS, where it means nothing", async () => {
    expect(messages(await check(p, res(VPC_RULE, "iap", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "35.235.240.0/20" }), cfg))).toHaveLength(1);
  });

  it("is not applicable until the stack lists its admin CIDRs", async () => {
    expect(await check(p, res(VPC_RULE, "any", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" }))).toEqual([]);
  });
});

describe("effective-ingress (stack)", () => {
  const p = effectiveIngress;
  const sg = res(SG, "nodes", { description: "nodes" });
  const lt = res("aws:ec2/launchTemplate:LaunchTemplate", "tpl", { networkInterfaces: [{ securityGroups: ["sg-1"] }] }, { deps: { networkInterfaces: [sg] } });

  it("passes a group whose separate rules are narrow", async () => {
    const rule = res(VPC_RULE, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24" }, { deps: { securityGroupId: [sg] } });
    expect(await check(p, [sg, lt, rule])).toEqual([]);
  });

  it("joins a world-open separate rule to its group and to the launch template that uses it", async () => {
    const rule = res(SG_RULE, "ssh", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }, { deps: { securityGroupId: [sg] } });
    const v = await check(p, [sg, lt, rule]);
    expect(v.map((x) => x.urn)).toEqual([sg.urn, lt.urn]);
    expect(v[1]?.message).toContain("tpl uses security group nodes");
  });

  it("joins an hcloud firewall attachment to the world-open firewall it attaches", async () => {
    const fw = res(HC_FW, "open", { rules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }] });
    const server = res("hcloud:index/server:Server", "node", {});
    const att = res("hcloud:index/firewallAttachment:FirewallAttachment", "att", { firewallId: 1, serverIds: [2] }, { deps: { firewallId: [fw], serverIds: [server] } });
    const v = await check(p, [fw, server, att]);
    expect(v).toEqual([expect.objectContaining({ urn: att.urn, message: expect.stringContaining("attached to node") })]);
  });
});

describe("hetzner-server-firewall (stack)", () => {
  const p = hetznerServerFirewall;
  const fw = res(HC_FW, "fw", { rules: [] });

  it("passes a server with an inline firewall, and a private-only server", async () => {
    const s1 = res("hcloud:index/server:Server", "a", { firewallIds: [1], publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }] });
    const s2 = res("hcloud:index/server:Server", "b", { publicNets: [{ ipv4Enabled: false, ipv6Enabled: false }] });
    expect(await check(p, [fw, s1, s2])).toEqual([]);
  });

  it("flags a server with no publicNets block (public by default) and no firewall", async () => {
    const s = res("hcloud:index/server:Server", "naked", {});
    expect(messages(await check(p, [s]))).toEqual(["server naked has a public network and no firewall"]);
  });

  it("flags a firewall attached only after creation, through an attachment or a label selector", async () => {
    const s = res("hcloud:index/server:Server", "late", { labels: { pool: "base" } });
    const att = res("hcloud:index/firewallAttachment:FirewallAttachment", "att", { firewallId: 1, serverIds: [2] }, { deps: { firewallId: [fw], serverIds: [s] } });
    expect(messages(await check(p, [fw, s, att]))).toEqual([expect.stringContaining("first boot is unprotected")]);
    const bySelector = res(HC_FW, "sel", { applyTos: [{ labelSelector: "pool=base" }] });
    expect(messages(await check(p, [bySelector, s]))).toEqual([expect.stringContaining("first boot is unprotected")]);
  });
});

describe("no-world-open-admin-ingress: the internet spelled other ways", () => {
  const p = noWorldOpenAdminIngress;
  const sg = (cidrBlocks: string[], ipv6CidrBlocks: string[] = []) => res(SG, "sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks, ipv6CidrBlocks }] });

  it.each([
    ["two halves of IPv4 in one rule", ["0.0.0.0/1", "128.0.0.0/1"], []],
    ["a /1", ["0.0.0.0/1"], []],
    ["a /7 (broader than the /8 limit)", ["8.0.0.0/7"], []],
    ["0/0, a provider-accepted spelling", ["0/0"], []],
    ["zero-padded octets", ["000.000.000.000/0"], []],
    ["a padded prefix", ["0.0.0.0/00"], []],
    ["surrounding spaces", [" 0.0.0.0/0 "], []],
    ["a hexadecimal spelling", ["0x0/0"], []],
    ["the bare unspecified address", ["0.0.0.0"], []],
    ["an unreadable source", ["everyone"], []],
    ["::/1", [], ["::/1"]],
    ["IPv4-mapped IPv6 (every IPv4 address)", [], ["::ffff:0:0/96"]],
    ["IPv4-mapped, dotted", [], ["::ffff:0.0.0.0/96"]],
    ["the NAT64 prefix", [], ["64:ff9b::/96"]],
    ["6to4", [], ["2002::/16"]],
    ["an IPv6 /15", [], ["2000::/15"]],
  ])("flags SSH from %s", async (_, v4, v6) => {
    expect(messages(await check(p, sg(v4, v6)))).not.toEqual([]);
  });

  it("flags many narrow ranges that together are too broad: 256 /8s, and three /9s across two rules", async () => {
    const all8 = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
    expect(messages(await check(p, sg(all8))).join("\n")).toMatch(/256 ranges that together cover more IPv4 addresses than a \/8/);
    const twoRules = res(SG, "two", { ingress: [
      { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/9"] },
      { protocol: "tcp", fromPort: 20, toPort: 30, cidrBlocks: ["10.128.0.0/9", "11.0.0.0/9"] },
    ] });
    expect(messages(await check(p, twoRules))).toEqual([expect.stringContaining("port 22 is open to 3 ranges")]);
  });

  it("passes narrow ranges, a mapped admin /24 and exactly a /8, and takes the limits from config", async () => {
    expect(await check(p, sg(["203.0.113.0/24", "198.51.100.0/24"], ["::ffff:203.0.113.0/120", "2001:db8::/32"]))).toEqual([]);
    expect(await check(p, sg(["10.0.0.0/8"]))).toEqual([]);
    expect(messages(await check(p, sg(["10.0.0.0/8"]), { minIpv4Prefix: 16 }))).toHaveLength(1);
    expect(await check(p, sg(["8.0.0.0/7"]), { minIpv4Prefix: 7 })).toEqual([]);
  });
});

describe("no-world-open-admin-ingress: ports opened by more resource types", () => {
  const p = noWorldOpenAdminIngress;
  it.each([
    ["a default security group", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }],
    ["a network ACL", "aws:ec2/networkAcl:NetworkAcl", { ingress: [{ action: "allow", protocol: "6", ruleNo: 100, fromPort: 22, toPort: 22, cidrBlock: "0.0.0.0/0" }] }],
    ["a network ACL rule", "aws:ec2/networkAclRule:NetworkAclRule", { ruleAction: "allow", protocol: "tcp", ruleNumber: 100, fromPort: 3389, toPort: 3389, ipv6CidrBlock: "::/0" }],
    ["a GCP hierarchical firewall policy rule", "gcp:compute/firewallPolicyRule:FirewallPolicyRule", { action: "allow", direction: "INGRESS", priority: 1000, match: { srcIpRanges: ["0.0.0.0/0"], layer4Configs: [{ ipProtocol: "tcp", ports: ["22"] }] } }],
    ["a GCP network firewall policy rule without any source", "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule", { action: "allow", direction: "INGRESS", priority: 1000, match: { layer4Configs: [{ ipProtocol: "all" }] } }],
    ["a GCP regional firewall policy rule", "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule", { action: "apply_security_profile_group", direction: "INGRESS", priority: 10, match: { srcIpRanges: ["::/0"], layer4Configs: [{ ipProtocol: "tcp", ports: ["1-1024"] }] } }],
    ["a GCP firewall policy with inline rules", "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules", { rules: [{ action: "allow", priority: 1, match: { srcIpRanges: ["0.0.0.0/1", "128.0.0.0/1"], layer4Configs: [{ ipProtocol: "tcp", ports: ["22"] }] } }] }],
    ["an hcloud load balancer service forwarding to SSH", "hcloud:index/loadBalancerService:LoadBalancerService", { protocol: "tcp", listenPort: 2222, destinationPort: 22, loadBalancerId: "1" }],
  ])("flags %s", async (_, type, inputs) => {
    expect(messages(await check(p, res(type, "bad", inputs)))).not.toEqual([]);
  });

  it("ignores deny rules, egress ACL rules and disabled policy rules", async () => {
    expect(await check(p, res("aws:ec2/networkAclRule:NetworkAclRule", "deny", { ruleAction: "deny", protocol: "-1", cidrBlock: "0.0.0.0/0" }))).toEqual([]);
    expect(await check(p, res("aws:ec2/networkAclRule:NetworkAclRule", "out", { egress: true, ruleAction: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0" }))).toEqual([]);
    expect(await check(p, res("gcp:compute/firewallPolicyRule:FirewallPolicyRule", "off", { action: "allow", direction: "INGRESS", disabled: true, match: { srcIpRanges: ["0.0.0.0/0"], layer4Configs: [{ ipProtocol: "all" }] } }))).toEqual([]);
    expect(await check(p, res("gcp:compute/firewallPolicyRule:FirewallPolicyRule", "deny", { action: "deny", direction: "INGRESS", match: { srcIpRanges: ["0.0.0.0/0"], layer4Configs: [{ ipProtocol: "all" }] } }))).toEqual([]);
    expect(await check(p, res("hcloud:index/loadBalancerService:LoadBalancerService", "http", { protocol: "http", listenPort: 80, destinationPort: 8080 }))).toEqual([]);
  });
});

describe("ssh-from-admin-cidrs-only: spellings that are not the admin network", () => {
  const cfg = { allowedCidrs: ["203.0.113.0/24"] };
  it.each(["0/0", "::ffff:203.0.113.0/120", "203.0.112.0/23", "203.0.113.0"])("flags %s", async (src) => {
    expect(messages(await check(sshFromAdminCidrsOnly, res(GCP_FW, "fw", { sourceRanges: [src], allows: [{ protocol: "tcp", ports: ["22"] }] }), cfg))).toHaveLength(1);
  });
});

describe("effective-ingress: joins more than rules", () => {
  const p = effectiveIngress;
  const sg = res(SG, "nodes", { description: "nodes" });
  it("expands a managed prefix list (inline entries and separate entries) into the rule that admits it", async () => {
    const list = res("aws:ec2/managedPrefixList:ManagedPrefixList", "pl", { addressFamily: "IPv4", maxEntries: 5, entries: [{ cidr: "203.0.113.0/24" }] });
    const entry = res("aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry", "pl-world", { cidr: "0.0.0.0/0", prefixListId: "pl-1" }, { deps: { prefixListId: [list] } });
    const rule = res(VPC_RULE, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, prefixListId: "pl-1" }, { deps: { securityGroupId: [sg], prefixListId: [list] } });
    expect((await check(p, [sg, list, rule])).map((v) => v.urn)).toEqual([]);
    expect(messages(await check(p, [sg, list, entry, rule]))).toEqual([expect.stringMatching(/security group nodes .*port 22 .*0\.0\.0\.0\/0/)]);
  });

  it("flags a public listener that forwards to a target group on an admin port, not an internal one", async () => {
    const tg = res("aws:lb/targetGroup:TargetGroup", "ssh-tg", { port: 22, protocol: "TCP" });
    const lb = res("aws:lb/loadBalancer:LoadBalancer", "nlb", { internal: false, loadBalancerType: "network" });
    const listener = res("aws:lb/listener:Listener", "l", { port: 2222, protocol: "TCP", defaultActions: [{ type: "forward" }] }, { deps: { loadBalancerArn: [lb], defaultActions: [tg] } });
    expect(messages(await check(p, [tg, lb, listener]))).toEqual([expect.stringContaining("forwards to target group ssh-tg on admin port 22")]);
    const internal = res("aws:lb/loadBalancer:LoadBalancer", "nlb", { internal: true });
    const l2 = res("aws:lb/listener:Listener", "l", { port: 2222 }, { deps: { loadBalancerArn: [internal], defaultActions: [tg] } });
    expect(await check(p, [tg, internal, l2])).toEqual([]);
  });
});
