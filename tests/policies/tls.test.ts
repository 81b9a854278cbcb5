import { describe, expect, it } from "vitest";
import { burstEndpointsNotWorldOpen, tlsOnPublicListeners } from "../../policies/tls";
import { check, messages, res } from "./harness";

describe("tls-on-public-listeners (stack)", () => {
  const p = tlsOnPublicListeners;
  const nlb = (internal = false) => res("aws:lb/loadBalancer:LoadBalancer", "nlb", { loadBalancerType: "network", internal });
  const listener = (inputs: Record<string, unknown>, lb = nlb()) => res("aws:lb/listener:Listener", "l", inputs, { deps: { loadBalancerArn: [lb] } });

  it("passes TLS and HTTPS listeners, https hcloud services and HTTPS proxies", async () => {
    const urlMap = res("gcp:compute/uRLMap:URLMap", "um", { defaultService: "x" });
    const proxy = res("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "px", {}, { deps: { urlMap: [urlMap] } });
    const fr = res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr", { loadBalancingScheme: "EXTERNAL_MANAGED", portRange: "443" }, { deps: { target: [proxy] } });
    const svc = res("hcloud:index/loadBalancerService:LoadBalancerService", "https", { protocol: "https", listenPort: 443 });
    expect(await check(p, [nlb(), listener({ protocol: "TLS", port: 443 }), urlMap, proxy, fr, svc])).toEqual([]);
  });

  it("fails a plaintext public listener on each cloud", async () => {
    expect(messages(await check(p, res("hcloud:index/loadBalancerService:LoadBalancerService", "http", { protocol: "http", listenPort: 80 })))).toEqual([
      "hcloud load balancer service http listens with protocol http on port 80; public services must be https",
    ]);
    expect(messages(await check(p, res("hcloud:index/loadBalancerService:LoadBalancerService", "tcp", { protocol: "tcp", listenPort: 8080 })))).toHaveLength(1);
    expect(messages(await check(p, [nlb(), listener({ protocol: "TCP", port: 80 })]))).toEqual(["listener l of internet-facing load balancer nlb serves TCP on port 80; public listeners must be TLS or HTTPS"]);
    // No protocol on a network load balancer's listener is TCP.
    expect(messages(await check(p, [nlb(), listener({ port: 80 })]))).toHaveLength(1);
    const urlMap = res("gcp:compute/uRLMap:URLMap", "um", { defaultService: "x" });
    const proxy = res("gcp:compute/targetHttpProxy:TargetHttpProxy", "px", {}, { deps: { urlMap: [urlMap] } });
    const fr = res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr", { portRange: "80" }, { deps: { target: [proxy] } });
    expect(messages(await check(p, [urlMap, proxy, fr]))).toEqual(["forwarding rule fr (port 80) sends public traffic to TargetHttpProxy px in clear text; target an HTTPS proxy"]);
  });

  it("allows what serves nothing in clear text: redirects to HTTPS, and internal load balancers", async () => {
    expect(await check(p, [nlb(), listener({ protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] })])).toEqual([]);
    expect(await check(p, [nlb(true), listener({ protocol: "TCP", port: 8080 }, nlb(true))])).toEqual([]);
    const redirect = res("gcp:compute/uRLMap:URLMap", "um", { defaultUrlRedirect: { httpsRedirect: true } });
    const proxy = res("gcp:compute/targetHttpProxy:TargetHttpProxy", "px", {}, { deps: { urlMap: [redirect] } });
    expect(await check(p, [redirect, proxy, res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr", { portRange: "80" }, { deps: { target: [proxy] } })])).toEqual([]);
  });
});

describe("burst-endpoints-not-world-open (stack)", () => {
  const p = burstEndpointsNotWorldOpen;
  const sg = res("aws:ec2/securityGroup:SecurityGroup", "lb-sg", {});
  const lb = (groups = [sg]) => res("aws:lb/loadBalancer:LoadBalancer", "nlb", { loadBalancerType: "network", securityGroups: groups.map((g) => g.urn) }, { deps: { securityGroups: groups } });
  const rule = (cidr: Record<string, string>, name = "r") => res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, { ipProtocol: "tcp", fromPort: 443, toPort: 443, ...cidr }, { deps: { securityGroupId: [sg] } });

  it("passes a load balancer that admits single addresses", async () => {
    expect(await check(p, [sg, lb(), rule({ cidrIpv4: "198.51.100.7/32" }), rule({ cidrIpv4: "198.51.100.8/32" }, "r2")])).toEqual([]);
  });

  it("fails a world-open or overly broad source, in either family, and a load balancer without security groups", async () => {
    expect(messages(await check(p, [sg, lb(), rule({ cidrIpv4: "0.0.0.0/0" })]))).toEqual(["load balancer nlb's security group lb-sg admits 0.0.0.0/0; burst endpoints admit only their clients"]);
    expect(messages(await check(p, [sg, lb(), rule({ cidrIpv6: "::/0" })]))).toHaveLength(1);
    expect(messages(await check(p, [sg, lb(), rule({ cidrIpv4: "10.0.0.0/8" })]))).toHaveLength(1);
    expect(messages(await check(p, lb([])))).toEqual(["internet-facing load balancer nlb has no security group, so anyone can reach its listeners"]);
  });

  it("fails a GCP external backend service without Cloud Armor, or with one that allows the world or does not end in deny", async () => {
    const chain = (policy?: ReturnType<typeof res>) => {
      const be = res("gcp:compute/backendService:BackendService", "be", {}, { deps: policy ? { securityPolicy: [policy] } : {} });
      const um = res("gcp:compute/uRLMap:URLMap", "um", {}, { deps: { defaultService: [be] } });
      const px = res("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "px", {}, { deps: { urlMap: [um] } });
      return [be, um, px, res("gcp:compute/globalForwardingRule:GlobalForwardingRule", "fr", { loadBalancingScheme: "EXTERNAL_MANAGED" }, { deps: { target: [px] } }), ...(policy ? [policy] : [])];
    };
    const armor = (allow: string[], last = "deny(403)") => res("gcp:compute/securityPolicy:SecurityPolicy", "armor", {
      rules: [
        { action: "allow", priority: 1000, match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: allow } } },
        { action: last, priority: 2147483647, match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } },
      ],
    });
    expect(await check(p, chain(armor(["198.51.100.7/32"])))).toEqual([]);
    expect(messages(await check(p, chain()))).toEqual(["external backend service be has no Cloud Armor policy, so anyone can reach it"]);
    expect(messages(await check(p, chain(armor(["0.0.0.0/0"]))))).toEqual(["Cloud Armor policy armor allows 0.0.0.0/0; burst endpoints admit only their clients"]);
    expect(messages(await check(p, chain(armor(["198.51.100.7/32"], "allow"))))).toEqual([
      "Cloud Armor policy armor of backend service be does not end in a deny rule",
      "Cloud Armor policy armor allows *; burst endpoints admit only their clients",
    ]);
  });
});
