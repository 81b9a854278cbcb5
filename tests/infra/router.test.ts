/**
 * The hybrid endpoint under the mock runtime: the routers' rendered HAProxy config (checked by the real haproxy -c)
 * and user data (cloud-init schema), TLS on every public listener, and burst pools that admit only the routers.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { X509Certificate } from "node:crypto";
import { HAPROXY_CHECK, METADATA_GUARD_PATH, PUBLISHER_SCRIPT_PATH } from "../../infra/hetzner/router-cloud-init";
import { ROUTER_PATHS, routerShare } from "../../infra/hetzner/router-spec";
import { ofType, one, type ProgramRun, runProgram } from "../helpers/fleet";
import { haproxyCheck } from "../helpers/haproxy";
import { cloudInitSchema, shellcheck } from "../helpers/tools";

type Inputs = Record<string, unknown>;

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
    const cfg = (file(ROUTER_PATHS.config)?.content ?? "").replace(/bind 10\.10\.1\.\d+:/g, "bind 127.0.0.1:");
    const check = haproxyCheck(cfg, { [ROUTER_PATHS.burstCa]: String(file(ROUTER_PATHS.burstCa)?.content), [ROUTER_PATHS.apiKeys]: String(file(ROUTER_PATHS.apiKeys)?.content) });
    // The NLB's DNS name does not resolve offline; HAProxy starts with that server down and resolves it at run time.
    expect(check.problems.filter((p) => !/could not resolve address '[^']+\.elb\.[a-z0-9-]+\.amazonaws\.com'/.test(p))).toEqual([]);
    expect(check.status).toBe(0);
  });

  it("routes to every base server with this router's share of its slots, then to both pools, cheaper first", () => {
    const cfg = file(ROUTER_PATHS.config)?.content ?? "";
    const slots = (run.outputs.launchSpecs as Record<string, { parallel: number }>).hetzner?.parallel ?? 0;
    const count = routers().length;
    const bases = ofType(r(), "hcloud:index/server:Server").length - count;
    for (let i = 0; i < bases; i++) expect(cfg).toContain(`server base${i} 10.10.1.${10 + i}:8080 maxconn ${routerShare(slots, { index: 0, of: count })}`);
    // Every router's shares add up to the node's slots: R routers never put more than its slots on a node.
    const shares = routers().map((router) => {
      const c = (parse(String(router.inputs.userData).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] }).write_files.find((f) => f.path === ROUTER_PATHS.config)?.content ?? "";
      return Number(/server base0 \S+ maxconn (\d+)/.exec(c)?.[1]);
    });
    expect(shares.reduce((a, b) => a + b, 0)).toBe(slots);
    const order = cfg.split("\n").filter((l) => l.includes("set-var(txn.route) str(burst_")).map((l) => /str\(burst_(\w+)\)/.exec(l)?.[1]);
    // GCP's spot slot is cheaper than AWS's in the catalog, so GCP is the last (winning) rule.
    expect(order).toEqual(["aws", "gcp"]);
    const awsMax = routerShare((stack === "prod" ? 8 : 2) * ((run.outputs.launchSpecs as Record<string, { parallel: number }>).aws?.parallel ?? 0), { index: 0, of: count });
    expect(cfg).toMatch(new RegExp(`server aws hi-${stack}-burst-[0-9a-f]{7}-[0-9a-f]{16}\\.elb\\.eu-central-1\\.amazonaws\\.com:443 ssl verify required ca-file ${ROUTER_PATHS.burstCa} .* maxconn ${awsMax} `));
  });

  it("is user data cloud-init accepts, holding the key root-only, and secret in state", () => {
    const text = String(routers()[0]?.inputs.userData);
    const v = cloudInitSchema(text);
    expect(v.output).toContain("Valid cloud-config");
    expect(v.status).toBe(0);
    expect(userData().packages).toEqual(expect.arrayContaining(["haproxy"]));
    expect(file(ROUTER_PATHS.apiKeys)).toMatchObject({ permissions: "0600", content: "Bearer offline-stand-in-for-hybrid-inference-apiKey\n" });
    expect(routers()[0]?.secretKeys).toContain("userData");
    // The metadata service (which serves this user data) is closed to everyone but root before HAProxy starts.
    expect(userData().runcmd.slice(0, 2)).toEqual([["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "hybrid-inference-metadata-guard.service"]]);
    // HAProxy starts only if the image ships the HAProxy the tests run and the config checks, in one runcmd line.
    const start = userData().runcmd[2] ?? [];
    expect(start.slice(0, 2)).toEqual(["sh", "-ec"]);
    expect(start[2]).toContain(HAPROXY_CHECK);
    expect(start[2]?.indexOf(HAPROXY_CHECK)).toBeLessThan(start[2]?.indexOf(`haproxy -c -f ${ROUTER_PATHS.config}`) ?? -1);
    expect(start[2]?.indexOf(`haproxy -c -f ${ROUTER_PATHS.config}`)).toBeLessThan(start[2]?.indexOf("systemctl restart haproxy") ?? -1);
    const guard = file(METADATA_GUARD_PATH)?.content ?? "";
    expect(shellcheck(guard).output).toBe("");
    expect(guard).toContain("-m owner --uid-owner 0 -j RETURN");
  });

  it("runs Debian 12, whose HAProxy 2.6 with the Prometheus exporter is the one the tests run, binding only its private address", () => {
    for (const [i, router] of routers().entries()) {
      expect(router.inputs.image).toBe("debian-12");
      const cfg = (parse(String(router.inputs.userData).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] }).write_files.find((f) => f.path === ROUTER_PATHS.config)?.content ?? "";
      const ip = (router.inputs.networks as Array<{ ip: string }>)[0]?.ip;
      expect(cfg.split("\n").filter((l) => l.trim().startsWith("bind ")).map((l) => l.trim().split(" ")[1]?.split(":")[0])).toEqual([ip, ip]);
      expect(cfg).toContain(`x-hybrid-router hybrid-inference-${stack}-router-${i}`);
    }
    const service = one(r(), "hcloud:index/loadBalancerService:LoadBalancerService").inputs as { healthCheck: { port: number; http: { path: string } }; http: { timeoutIdle: number } };
    expect(service.healthCheck).toMatchObject({ port: 8405, http: { path: "/healthz" } });
    expect(service.http.timeoutIdle).toBe(300);
  });

  it("points the domain at the load balancer in its Hetzner DNS zone, so the managed certificate and the endpoint work after one up", () => {
    const records = ofType(r(), "hcloud:index/zoneRrset:ZoneRrset");
    const lb = one(r(), "hcloud:index/loadBalancer:LoadBalancer");
    const name = stack === "prod" ? "inference" : "staging.inference";
    expect(records.map((x) => x.inputs).sort((a, b) => String(a.type).localeCompare(String(b.type)))).toEqual([
      expect.objectContaining({ zone: "acme-platform.example", name, type: "A", ttl: 300, records: [{ value: lb.state.ipv4 }] }),
      expect.objectContaining({ zone: "acme-platform.example", name, type: "AAAA", ttl: 300, records: [{ value: lb.state.ipv6 }] }),
    ]);
    expect(one(r(), "hcloud:index/managedCertificate:ManagedCertificate").inputs.domainNames).toEqual([`${name}.acme-platform.example`]);
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

  it("issues each pool's certificate for the DNS name the routers verify (never an IP address alone), from the stack's CA", () => {
    const cfg = file(ROUTER_PATHS.config)?.content ?? "";
    const caPem = String(file(ROUTER_PATHS.burstCa)?.content);
    const ca = new X509Certificate(caPem);
    const served = [String(one(r(), "aws:acm/certificate:Certificate").inputs.certificateBody), String(one(r(), "gcp:compute/sSLCertificate:SSLCertificate").inputs.certificate)];
    for (const [pool, pem] of [["aws", served[0]], ["gcp", served[1]]] as const) {
      const cert = new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem ?? "")?.[0] ?? "");
      const verified = new RegExp(`server ${pool} \\S+ .* verifyhost (\\S+)`).exec(cfg)?.[1] ?? "";
      expect(cert.subjectAltName).toBe(`DNS:${verified}`);
      expect(cert.checkHost(verified)).toBe(verified);
      expect(cert.verify(ca.publicKey)).toBe(true);
    }
  });

  it("serves GCP over HTTPS only (TLS 1.2+, the stack CA's certificate for the pool's name) behind Cloud Armor that admits only the routers", () => {
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

describe.each(["staging", "prod"])("the %s stack scales its burst pools from zero on the routers' demand", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  }, 60_000);
  const r = () => run.resources;
  const spec = (cloud: string) => (run.outputs.launchSpecs as Record<string, { parallel: number }>)[cloud]?.parallel ?? 0;

  it("AWS: no CPU policy; steps that add the nodes for the shortfall beyond the group's slots, and zero after the quiet period", () => {
    const policies = ofType(r(), "aws:autoscaling/policy:Policy").map((p) => p.inputs);
    expect(policies.map((p) => p.policyType).sort()).toEqual(["SimpleScaling", "StepScaling"]);
    const out = one(r(), "aws:autoscaling/policy:Policy", "scale-out").inputs;
    expect(out).toMatchObject({ adjustmentType: "ChangeInCapacity", estimatedInstanceWarmup: 180 });
    expect(one(r(), "aws:autoscaling/group:Group").inputs).toMatchObject({ enabledMetrics: ["GroupDesiredCapacity"], metricsGranularity: "1Minute" });
    const max = stack === "prod" ? 8 : 2;
    expect(out.stepAdjustments).toHaveLength(max);
    expect((out.stepAdjustments as Inputs[])[0]).toEqual({ metricIntervalLowerBound: "0", metricIntervalUpperBound: String(spec("aws")), scalingAdjustment: 1 });
    expect((out.stepAdjustments as Inputs[])[max - 1]).toEqual({ metricIntervalLowerBound: String((max - 1) * spec("aws")), scalingAdjustment: max });
    const high = one(r(), "aws:cloudwatch/metricAlarm:MetricAlarm", "aws-burst-demand");
    expect(high.inputs).toMatchObject({ threshold: 0.5, comparisonOperator: "GreaterThanOrEqualToThreshold", treatMissingData: "notBreaching" });
    // Each router's series (Pool=aws, Router=<name>) added up per minute, less the slots of the group's desired capacity.
    const routerSeries = [0, 1].map((i) => ({ id: `r${i}`, returnData: false, metric: { namespace: "HybridInference/Router", metricName: "BurstDemandSlots", dimensions: { Pool: "aws", Router: `hybrid-inference-${stack}-router-${i}` }, period: 60, stat: "Maximum" } }));
    const groupName = one(r(), "aws:autoscaling/group:Group").state.name;
    expect(high.inputs.metricQueries).toEqual([
      ...routerSeries,
      { id: "demand", expression: "SUM([r0, r1])", label: "burst demand (slots)", returnData: false },
      { id: "capacity", returnData: false, metric: { namespace: "AWS/AutoScaling", metricName: "GroupDesiredCapacity", dimensions: { AutoScalingGroupName: groupName }, period: 60, stat: "Maximum" } },
      { id: "shortfall", expression: `demand - ${spec("aws")} * capacity`, label: "burst demand beyond the group's slots", returnData: true },
    ]);
    const quiet = one(r(), "aws:cloudwatch/metricAlarm:MetricAlarm", "aws-burst-quiet");
    expect(quiet.inputs).toMatchObject({ evaluationPeriods: 15, datapointsToAlarm: 15, comparisonOperator: "LessThanThreshold", treatMissingData: "notBreaching" });
    expect(quiet.inputs.metricQueries).toEqual([...routerSeries, { id: "demand", expression: "SUM([r0, r1])", label: "burst demand (slots)", returnData: true }]);
    expect(one(r(), "aws:autoscaling/policy:Policy", "scale-in").inputs).toMatchObject({ adjustmentType: "ExactCapacity", scalingAdjustment: 0, cooldown: 60 });
    // A silent router notifies the stack's topic after 5 minutes.
    const silent = one(r(), "aws:cloudwatch/metricAlarm:MetricAlarm", "publisher-silent").inputs;
    expect(silent).toMatchObject({ evaluationPeriods: 5, datapointsToAlarm: 5, threshold: 1, comparisonOperator: "LessThanThreshold", treatMissingData: "breaching", alarmActions: ["arn:aws:sns:eu-central-1:123456789012:platform-alerts"] });
    expect((silent.metricQueries as Inputs[]).at(-1)).toMatchObject({ expression: "MIN([FILL(c0, 0), FILL(c1, 0)])", returnData: true });
  });

  it("AWS: the routers' key may only PutMetricData in the demand namespace, from the routers' addresses", () => {
    const doc = JSON.parse(String(one(r(), "aws:iam/groupPolicy:GroupPolicy", "demand-publishers").inputs.policy)) as { Statement: Inputs[] };
    const routerIps = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((p) => p.name.includes("-router-")).map((p) => `${String(p.state.ipAddress)}/32`);
    expect(doc.Statement).toEqual([{
      Sid: "PublishBurstDemand", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": "HybridInference/Router" }, IpAddress: { "aws:SourceIp": routerIps } },
    }]);
  });

  it("GCP: a zonal group whose autoscaler has no CPU signal, one per-group demand metric per slot count, and a quiet window", () => {
    expect(ofType(r(), "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")).toEqual([]);
    expect(one(r(), "gcp:compute/instanceGroupManager:InstanceGroupManager").inputs.zone).toBe("europe-west4-b");
    const policy = one(r(), "gcp:compute/autoscaler:Autoscaler").inputs.autoscalingPolicy as Inputs;
    expect(policy.cpuUtilization).toBeUndefined();
    // One specific series per router, each asking for its share x routers.
    expect(policy.metrics).toEqual([0, 1].map((i) => ({
      name: "custom.googleapis.com/hybrid_inference/burst_demand_slots",
      filter: `resource.type = "global" AND metric.labels.pool = "gcp" AND metric.labels.router = "hybrid-inference-${stack}-router-${i}"`,
      singleInstanceAssignment: spec("gcp") / 2,
    })));
    // At most one VM below the quiet window's peak: a value the provider sends (it omits a 0).
    expect(policy.scaleInControl).toEqual({ timeWindowSec: 900, maxScaledInReplicas: { fixed: 1 } });
    expect(ofType(r(), "gcp:projects/iAMMember:IAMMember").filter((m) => String(m.inputs.member).includes("publisher")).map((m) => m.inputs.role)).toEqual(["roles/monitoring.metricWriter"]);
    const alert = one(r(), "gcp:monitoring/alertPolicy:AlertPolicy").inputs;
    expect(alert.notificationChannels).toEqual([`projects/acme-inference-${stack}/notificationChannels/1234567890`]);
    expect((alert.conditions as Inputs[])[0]?.conditionAbsent).toMatchObject({ duration: "300s", filter: 'metric.type = "custom.googleapis.com/hybrid_inference/burst_demand_slots" AND resource.type = "global" AND metric.labels.pool = "gcp"' });
  });

  it("gives each router the publisher, its settings and its secrets, root-only, under a timer", () => {
    const routers = ofType(r(), "hcloud:index/server:Server").filter((s) => (s.inputs.labels as Record<string, string>).role === "router");
    routers.forEach((router, i) => {
      const doc = parse(String(router.inputs.userData).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string; permissions: string }[]; runcmd: string[][]; packages: string[] };
      const get = (p: string) => doc.write_files.find((f) => f.path === p);
      const env = get("/etc/hybrid-inference/publisher.env")?.content ?? "";
      expect(env).toContain(`HI_ROUTER_ID='hybrid-inference-${stack}-router-${i}'`);
      // Each router publishes against its own share of each pool, as its config routes.
      const share = (total: number) => routerShare(total, { index: i, of: routers.length });
      expect(JSON.parse(/HI_POOLS='([^']+)'/.exec(env)?.[1] ?? "[]")).toEqual([
        { name: "aws", maxSlots: share((stack === "prod" ? 8 : 2) * spec("aws")), hourlyUsdPerSlot: expect.any(Number) },
        { name: "gcp", maxSlots: share((stack === "prod" ? 8 : 2) * spec("gcp")), hourlyUsdPerSlot: expect.any(Number) },
      ]);
      expect(get("/etc/hybrid-inference/secrets/aws-publisher.env")).toMatchObject({ permissions: "0400", content: expect.stringMatching(/^AWS_ACCESS_KEY_ID=AKIA/) });
      expect(JSON.parse(get("/etc/hybrid-inference/secrets/gcp-publisher.json")?.content ?? "{}")).toMatchObject({ type: "service_account" });
      expect(get("/usr/local/sbin/hybrid-inference-publish-demand")?.content).toBe(readFileSync(PUBLISHER_SCRIPT_PATH, "utf8"));
      expect(doc.runcmd).toContainEqual(["systemctl", "enable", "--now", "hybrid-inference-demand.timer"]);
      // Every 20 s from the end of the last run: two points of a series never closer than Cloud Monitoring's 5 s.
      expect(get("/etc/systemd/system/hybrid-inference-demand.timer")?.content).toMatch(/^OnUnitInactiveSec=20s$/m);
      expect(doc.packages).toEqual(expect.arrayContaining(["haproxy", "socat", "jq"]));
      expect(cloudInitSchema(String(router.inputs.userData)).status).toBe(0);
    });
  });
});
