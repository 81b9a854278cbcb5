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
