import { describe, expect, it } from "vitest";
import * as rules from "../../../plan/provider-rules/hcloud";
import { problems, res } from "./harness";

const network = res("hcloud:index/network:Network", "net", { ipRange: "10.10.0.0/16" });
const subnet = (zone = "eu-central", ipRange = "10.10.1.0/24") => res("hcloud:index/networkSubnet:NetworkSubnet", `subnet-${zone}`, { networkZone: zone, ipRange, type: "cloud" }, { deps: { networkId: [network] } });
const server = (inputs: Record<string, unknown> = {}, deps: Record<string, ReturnType<typeof res>[]> = {}) =>
  res("hcloud:index/server:Server", String(inputs.n ?? "s"), { serverType: "cpx32", location: "fsn1", publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }], ...inputs }, { deps });

describe("Hetzner provider rules", () => {
  it("hcloud-zone-rrset", () => {
    const rr = (inputs: Record<string, unknown>) => res("hcloud:index/zoneRrset:ZoneRrset", "rr", { zone: "example.com", name: "api", ttl: 300, ...inputs });
    expect(problems(rules.zoneRrsets, rr({ type: "A", records: [{ value: "49.13.1.2" }] }))).toEqual([]);
    expect(problems(rules.zoneRrsets, rr({ type: "AAAA", records: [{ value: "2a01:4f8::1" }] }))).toEqual([]);
    expect(problems(rules.zoneRrsets, rr({ type: "A", records: [{ value: "2a01:4f8::1" }] }))).toEqual(["an A record holds an IPv4 address, not 2a01:4f8::1"]);
    expect(problems(rules.zoneRrsets, rr({ type: "AAAA", records: [{ value: "49.13.1.2" }] }))).toEqual(["an AAAA record holds an IPv6 address, not 49.13.1.2"]);
    const autonamed = res("hcloud:index/zoneRrset:ZoneRrset", "rr", { zone: "example.com", type: "A", records: [{ value: "49.13.1.2" }] });
    expect(problems(rules.zoneRrsets, autonamed)).toEqual([expect.stringMatching(/^the RRset's name is not set, so it is autonamed rr-[0-9a-f]{7}: the record would be rr-[0-9a-f]{7}\.example\.com, not the domain/)]);
  });

  it("hcloud-server-type-orderable", () => {
    expect(problems(rules.serverTypeOrderable, server())).toEqual([]);
    expect(problems(rules.serverTypeOrderable, server({ serverType: "cx32" }))).toEqual([expect.stringMatching(/^cx32 can no longer be ordered \(CX Gen 2 removed from the Hetzner Cloud API, since 2025-12-31\); orderable: cpx12/)]);
    expect(problems(rules.serverTypeOrderable, server({ serverType: "ax42" }))).toEqual([expect.stringContaining("ax42 is not an orderable Hetzner Cloud server type")]);
    expect(problems(rules.serverTypeOrderable, server({ location: "ash" }))).toEqual(["cpx32 is not sold in ash; it is sold in fsn1, nbg1, hel1"]);
  });

  it("hcloud-user-data-size", () => {
    expect(problems(rules.serverUserDataSize, server({ userData: "x".repeat(32 * 1024) }))).toEqual([]);
    expect(problems(rules.serverUserDataSize, server({ userData: "x".repeat(32 * 1024 + 1) }))).toEqual(["user data is 32769 bytes, above 32768"]);
  });

  it("hcloud-spread-group-size", () => {
    const group = res("hcloud:index/placementGroup:PlacementGroup", "pg", { type: "spread" });
    const members = (n: number) => Array.from({ length: n }, (_, i) => server({ n: `s${i}` }, { placementGroupId: [group] }));
    expect(problems(rules.spreadGroupSize, [group, ...members(10)])).toEqual([]);
    expect(problems(rules.spreadGroupSize, [group, ...members(11)])).toEqual(["11 servers in spread group; at most 10"]);
  });

  it("hcloud-network-zone", () => {
    const sub = subnet();
    expect(problems(rules.networkZones, [sub, server({}, { networks: [network] })])).toEqual([]);
    expect(problems(rules.networkZones, [sub, server({ location: "ash" }, { networks: [network] })])).toEqual(["ash is in us-east, but subnet subnet-eu-central is in eu-central"]);
  });

  it("hcloud-network-ranges", () => {
    const sub = subnet();
    expect(problems(rules.networkRanges, [network, sub, server({ networks: [{ ip: "10.10.1.10" }] }, { networks: [network] })])).toEqual([]);
    expect(problems(rules.networkRanges, [sub, server({ networks: [{ ip: "10.10.2.10" }] }, { networks: [network] })])).toEqual(["private IP 10.10.2.10 is not inside a subnet of the network"]);
    expect(problems(rules.networkRanges, res("hcloud:index/network:Network", "n2", { ipRange: "8.8.0.0/16" }))).toEqual(["ipRange must be an RFC 1918 private IPv4 range"]);
    expect(problems(rules.networkRanges, subnet("eu-central", "10.11.1.0/24"))).toEqual(["subnet 10.11.1.0/24 is not inside network 10.10.0.0/16"]);
  });

  it("hcloud-lb-service-shape", () => {
    const lb = res("hcloud:index/loadBalancer:LoadBalancer", "lb", { loadBalancerType: "lb11", location: "fsn1" });
    const svc = (n: string, inputs: Record<string, unknown>) => res("hcloud:index/loadBalancerService:LoadBalancerService", n, inputs, { deps: { loadBalancerId: [lb] } });
    expect(problems(rules.loadBalancerServices, svc("https", { protocol: "https", http: { certificates: [1], redirectHttp: true } }))).toEqual([]);
    expect(problems(rules.loadBalancerServices, svc("https", { protocol: "https" }))).toEqual(["an https service needs certificates"]);
    expect(problems(rules.loadBalancerServices, svc("http", { protocol: "http", http: { redirectHttp: true } }))).toEqual(["redirectHttp is only for https services"]);
    expect(problems(rules.loadBalancerServices, [svc("a", { protocol: "tcp", listenPort: 80 }), svc("b", { protocol: "http" })])).toEqual(["listen port 80 is also used by b", "listen port 80 is also used by a"]);
  });

  it("hcloud-lb-type-limits counts label-selector targets by the servers they match", () => {
    const lb = res("hcloud:index/loadBalancer:LoadBalancer", "lb", { loadBalancerType: "lb11" });
    const target = res("hcloud:index/loadBalancerTarget:LoadBalancerTarget", "t", { type: "label_selector", labelSelector: "pool=base" }, { deps: { loadBalancerId: [lb] } });
    const servers = (n: number) => Array.from({ length: n }, (_, i) => server({ n: `s${i}`, labels: { pool: "base" } }));
    expect(problems(rules.loadBalancerTypeLimits, [lb, target, ...servers(25)])).toEqual([]);
    expect(problems(rules.loadBalancerTypeLimits, [lb, target, ...servers(26)])).toEqual(["26 targets; lb11 allows 25"]);
  });

  it("hcloud-lb-private-targets", () => {
    const lb = res("hcloud:index/loadBalancer:LoadBalancer", "lb", {});
    const target = res("hcloud:index/loadBalancerTarget:LoadBalancerTarget", "t", { type: "label_selector", usePrivateIp: true }, { deps: { loadBalancerId: [lb] } });
    expect(problems(rules.privateTargetsNeedNetwork, [lb, target])).toEqual(["the load balancer is not attached to a network"]);
    const attach = res("hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "ln", {}, { deps: { loadBalancerId: [lb] } });
    expect(problems(rules.privateTargetsNeedNetwork, [lb, target, attach])).toEqual([]);
  });

  it("hcloud-firewall-rules", () => {
    const fw = (rs: Record<string, unknown>[]) => res("hcloud:index/firewall:Firewall", "fw", { rules: rs });
    expect(problems(rules.firewallRules, fw([{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["203.0.113.0/24"] }, { direction: "in", protocol: "icmp", sourceIps: ["203.0.113.0/24"] }]))).toEqual([]);
    expect(problems(rules.firewallRules, fw([{ direction: "in", protocol: "tcp", sourceIps: [] }, { direction: "in", protocol: "icmp", port: "1", sourceIps: ["x"] }]))).toEqual([
      "a tcp rule needs a port",
      "an inbound rule needs sourceIps",
      "a icmp rule takes no port",
    ]);
    expect(problems(rules.firewallRules, server({ firewallIds: [1], publicNets: [{ ipv4Enabled: false, ipv6Enabled: false }] }))).toEqual(["a firewall cannot be applied to a server with no public interface"]);
  });

  it("hcloud-label-syntax", () => {
    expect(problems(rules.hcloudLabels, server({ labels: { pool: "base" } }))).toEqual([]);
    expect(problems(rules.hcloudLabels, server({ labels: { "hetzner.cloud/x": "y", pool: "-bad" } }))).toEqual(["the hetzner.cloud/ prefix is reserved", "label pool=-bad is not valid"]);
  });
});
