/**
 * The hybrid endpoint under the mock runtime: the routers' rendered HAProxy config (checked by the real haproxy -c)
 * and user data (cloud-init schema), TLS on every public listener, and burst pools that admit only the routers.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { METADATA_GUARD_PATH } from "../../infra/hetzner/router-cloud-init";
import { ROUTER_PATHS } from "../../infra/hetzner/router-spec";
import { ofType, one, type ProgramRun, runProgram } from "../helpers/fleet";
import { haproxyCheck, throwawayCa } from "../helpers/haproxy";
import { cloudInitSchema, shellcheck } from "../helpers/tools";

type Inputs = Record<string, unknown>;
const ca = throwawayCa(mkdtempSync(path.join(tmpdir(), "ca-")));
const readCa = () => readFileSync(ca, "utf8");

describe.each(["staging", "prod"])("the %s stack's routers and TLS", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  }, 60_000);
  const r = () => run.resources;
  const routers = () => ofType(r(), "hcloud:index/server:Server").filter((s) => (s.inputs.labels as Record<string, string>).role === "router");
  const userData = () => parse(String(routers()[0]?.inputs.userData).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string; permissions: string }[]; packages: string[]; runcmd: string[][] };
  const file = (p: string) => userData().write_files.find((f) => f.path === p);

  it("writes a config the real haproxy accepts", () => {
    const cfg = file(ROUTER_PATHS.config)?.content ?? "";
    const check = haproxyCheck(cfg, { [ROUTER_PATHS.burstCa]: readCa(), [ROUTER_PATHS.apiKeys]: String(file(ROUTER_PATHS.apiKeys)?.content) });
    // The NLB's DNS name does not resolve offline; HAProxy starts with that server down and resolves it at run time.
    expect(check.problems.filter((p) => !/could not resolve address '[^']+\.elb\.[a-z0-9-]+\.amazonaws\.com'/.test(p))).toEqual([]);
    expect(check.status).toBe(0);
  });

  it("routes to every base server with its slots, then to both pools, cheaper first", () => {
    const cfg = file(ROUTER_PATHS.config)?.content ?? "";
    const slots = (run.outputs.launchSpecs as Record<string, { parallel: number }>).hetzner?.parallel;
    const bases = ofType(r(), "hcloud:index/server:Server").length - routers().length;
    for (let i = 0; i < bases; i++) expect(cfg).toContain(`server base${i} 10.10.1.${10 + i}:8080 maxconn ${slots}`);
    const order = cfg.split("\n").filter((l) => l.includes("set-var(txn.route) str(burst_")).map((l) => /str\(burst_(\w+)\)/.exec(l)?.[1]);
    // GCP's spot slot is cheaper than AWS's in the catalog, so GCP is the last (winning) rule.
    expect(order).toEqual(["aws", "gcp"]);
    const awsMax = (stack === "prod" ? 8 : 2) * ((run.outputs.launchSpecs as Record<string, { parallel: number }>).aws?.parallel ?? 0);
    expect(cfg).toMatch(new RegExp(`server aws hi-${stack}-burst-[0-9a-f]{7}-[0-9a-f]{16}\\.elb\\.eu-central-1\\.amazonaws\\.com:443 ssl verify required ca-file ${ROUTER_PATHS.burstCa} .* maxconn ${awsMax} `));
  });

  it("is user data cloud-init accepts, holding the key root-only, and secret in state", () => {
    const text = String(routers()[0]?.inputs.userData);
    const v = cloudInitSchema(text);
    expect(v.output).toContain("Valid cloud-config");
    expect(v.status).toBe(0);
    expect(userData().packages).toEqual(["haproxy"]);
    expect(file(ROUTER_PATHS.apiKeys)).toMatchObject({ permissions: "0600", content: "Bearer offline-stand-in-for-hybrid-inference-apiKey\n" });
    expect(routers()[0]?.secretKeys).toContain("userData");
    // The metadata service (which serves this user data) is closed to everyone but root before HAProxy starts.
    expect(userData().runcmd.slice(0, 3)).toEqual([["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "hybrid-inference-metadata-guard.service"], ["haproxy", "-c", "-f", ROUTER_PATHS.config]]);
    const guard = file(METADATA_GUARD_PATH)?.content ?? "";
    expect(shellcheck(guard).output).toBe("");
    expect(guard).toContain("-m owner --uid-owner 0 -j RETURN");
  });

  it("terminates public TLS on the AWS load balancer: one TLS listener on 443 with an imported certificate and a TLS 1.2+ policy", () => {
    const listeners = ofType(r(), "aws:lb/listener:Listener").map((l) => l.inputs);
    expect(listeners).toEqual([expect.objectContaining({ port: 443, protocol: "TLS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: expect.stringMatching(/^arn:aws:acm:/) })]);
    const cert = one(r(), "aws:acm/certificate:Certificate");
    expect(cert.secretKeys).toContain("privateKey");
    expect(String(cert.inputs.certificateChain)).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("admits only the routers' addresses to the AWS load balancer", () => {
    const ips = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((p) => p.name.includes("-router-")).map((p) => `${String(p.state.ipAddress)}/32`);
    const lbSg = one(r(), "aws:ec2/securityGroup:SecurityGroup", "burst-lb");
    const ingress = ofType(r(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => x.propertyDependencies.securityGroupId?.includes(lbSg.urn));
    expect(ingress.map((x) => x.inputs)).toEqual(ips.map((ip) => expect.objectContaining({ fromPort: 443, toPort: 443, ipProtocol: "tcp", cidrIpv4: ip })));
  });

  it("serves GCP over HTTPS only (TLS 1.2+, the stack CA's certificate for the address) behind Cloud Armor that admits only the routers", () => {
    expect(ofType(r(), "gcp:compute/targetHttpProxy:TargetHttpProxy")).toEqual([]);
    const proxy = one(r(), "gcp:compute/targetHttpsProxy:TargetHttpsProxy").inputs;
    expect(proxy.sslCertificates).toHaveLength(1);
    expect(one(r(), "gcp:compute/sSLPolicy:SSLPolicy").inputs).toMatchObject({ profile: "MODERN", minTlsVersion: "TLS_1_2" });
    expect(one(r(), "gcp:compute/globalForwardingRule:GlobalForwardingRule").inputs).toMatchObject({ portRange: "443", loadBalancingScheme: "EXTERNAL_MANAGED" });
    const rules = one(r(), "gcp:compute/securityPolicy:SecurityPolicy").inputs.rules as Inputs[];
    const ips = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((p) => p.name.includes("-router-")).map((p) => `${String(p.state.ipAddress)}/32`);
    expect(rules).toEqual([
      expect.objectContaining({ action: "allow", priority: 1000, match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ips } } }),
      expect.objectContaining({ action: "deny(403)", priority: 2147483647, match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } } }),
    ]);
    const backend = one(r(), "gcp:compute/backendService:BackendService");
    expect(backend.propertyDependencies.securityPolicy).toHaveLength(1);
  });
});
