import { describe, expect, it } from "vitest";
import { isValidAwsTag, isValidGcpLabel, isValidHcloudLabel, REQUIRED_LABEL_KEYS } from "../../infra/naming";
import { type ProgramRun, ofType, one, runProgram } from "../helpers/fleet";
import { labelled } from "../helpers/labels";
import { shellcheck } from "../helpers/tools";

type Inputs = Record<string, unknown>;
const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((cur, p) => (cur === null || cur === undefined ? undefined : (cur as Record<string | number, unknown>)[p]), o);

describe.each(["staging", "prod"])("the %s stack under the mock runtime", (stack) => {
  let run: ProgramRun;
  const r = () => run.resources;

  it("registers the four components with children parented to them", async () => {
    run = await runProgram(stack);
    const components = r().filter((x) => !x.custom).map((x) => x.type);
    expect(components).toEqual(expect.arrayContaining(["hybrid:hetzner:BaseLayer", "hybrid:aws:BurstPool", "hybrid:gcp:BurstPool", "hybrid:storage:S3Checkpoints", "hybrid:storage:GcsCheckpoints"]));
    const orphans = r().filter((x) => x.custom && !x.type.startsWith("pulumi:providers:") && !x.parent?.includes("hybrid:"));
    expect(orphans.map((o) => o.urn)).toEqual([]);
  });

  it("puts the required labels, with valid syntax, on every resource that takes them", () => {
    const rows = labelled(r());
    expect(rows.length).toBeGreaterThan(20);
    for (const { r: res, value } of rows) {
      expect(value, `${res.type} ${res.name} has no labels`).toBeDefined();
      for (const key of REQUIRED_LABEL_KEYS) {
        expect(value?.[key], `${res.type} ${res.name} lacks ${key}`).toBeTruthy();
      }
      const valid = res.type.startsWith("aws:") ? isValidAwsTag : res.type.startsWith("gcp:") ? isValidGcpLabel : isValidHcloudLabel;
      for (const [k, v] of Object.entries(value ?? {})) expect(valid(k, v), `${res.type} ${res.name}: ${k}=${v}`).toBe(true);
      expect(value?.stack).toBe(stack);
    }
  });

  it("makes the AWS pool 100% spot, diversified, price-capacity-optimized, with rebalancing and a drain hook", () => {
    const asg = one(r(), "aws:autoscaling/group:Group").inputs;
    expect(get(asg, "mixedInstancesPolicy", "instancesDistribution")).toEqual({
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: "price-capacity-optimized",
    });
    expect((get(asg, "mixedInstancesPolicy", "launchTemplate", "overrides") as unknown[]).length).toBeGreaterThanOrEqual(3);
    expect(asg.capacityRebalance).toBe(true);
    expect(asg.minSize).toBe(0);
    expect(asg.initialLifecycleHooks).toEqual([expect.objectContaining({ lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING" })]);
    const tags = asg.tags as { key: string; propagateAtLaunch: boolean }[];
    expect(tags.map((t) => t.key)).toEqual(expect.arrayContaining([...REQUIRED_LABEL_KEYS]));
    expect(tags.every((t) => t.propagateAtLaunch)).toBe(true);
    expect(one(r(), "aws:autoscaling/group:Group").ignoreChanges).toContain("desiredCapacity");
  });

  it("hardens the AWS launch template: IMDSv2, hop limit 1, encrypted gp3, no market options, tags on instances and volumes", () => {
    const lt = one(r(), "aws:ec2/launchTemplate:LaunchTemplate");
    expect(lt.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" });
    expect(get(lt.inputs, "blockDeviceMappings", 0, "ebs")).toMatchObject({ encrypted: "true", volumeType: "gp3" });
    expect(lt.inputs.instanceMarketOptions).toBeUndefined();
    expect((lt.inputs.tagSpecifications as { resourceType: string }[]).map((t) => t.resourceType)).toEqual(expect.arrayContaining(["instance", "volume"]));
    expect(lt.secretKeys).toContain("userData");
    expect(get(lt.inputs, "iamInstanceProfile", "arn")).toMatch(/^arn:aws:iam::\d{12}:instance-profile\//);
  });

  it("renders the AWS user data from the launch spec and it passes shellcheck", () => {
    const lt = one(r(), "aws:ec2/launchTemplate:LaunchTemplate");
    const script = Buffer.from(String(lt.inputs.userData), "base64").toString("utf8");
    const spec = (run.outputs.launchSpecs as Record<string, Record<string, unknown>>).aws as Record<string, unknown>;
    expect(script).toContain(`export HI_THREADS='${spec.threads}'`);
    expect(script).toContain(`export HI_CTX_SIZE='${spec.ctxSize}'`);
    expect(script).toMatch(/export HI_MODEL_URI='s3:\/\/hybrid-inference-[a-z]+-checkpoints-[0-9a-f]{7}\/models\/qwen[^']+\.gguf'/);
    expect(script).toMatch(/export HI_API_KEY_SOURCE='aws-ssm:hybrid-inference-[a-z]+-aws-burst-api-key-[0-9a-f]{7}'/);
    expect(script).not.toContain("offline-stand-in");
    expect(shellcheck(script).status).toBe(0);
  });

  it("opens SSH on AWS only to the admin CIDRs and the inference port only to the load balancer", () => {
    const ingress = ofType(r(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((x) => x.inputs);
    const ssh = ingress.filter((i) => (i.fromPort as number) <= 22 && (i.toPort as number) >= 22);
    expect(ssh.length).toBeGreaterThan(0);
    for (const rule of ssh) expect([rule.cidrIpv4, rule.cidrIpv6].filter(Boolean)[0]).not.toMatch(/\/0$/);
    const inference = ingress.find((i) => i.fromPort === 8080) as Inputs;
    expect(inference.cidrIpv4).toBeUndefined();
    const lbSg = one(r(), "aws:ec2/securityGroup:SecurityGroup", "-lb");
    expect(inference.referencedSecurityGroupId).toBe(`sg-${String(lbSg.state.arn).split("sg-")[1]}`);
    expect(ingress.every((i) => i.ipProtocol !== "-1")).toBe(true);
  });

  it("grants the AWS node role read access to the model prefix, the SSM key and its own lifecycle hook, and nothing else", () => {
    const doc = JSON.parse(String(one(r(), "aws:iam/rolePolicy:RolePolicy").inputs.policy)) as { Statement: { Action: string[]; Resource: string[] }[] };
    const actions = doc.Statement.flatMap((s) => s.Action);
    expect(actions.sort()).toEqual(["autoscaling:CompleteLifecycleAction", "s3:GetObject", "s3:ListBucket", "ssm:GetParameter"]);
    for (const s of doc.Statement) for (const res of s.Resource) expect(res).not.toBe("*");
    expect(doc.Statement.find((s) => s.Action.includes("s3:GetObject"))?.Resource[0]).toMatch(/^arn:aws:s3:::.*\/models\/\*$/);
  });

  it("makes the GCP template a hardened Spot VM with its own service account and narrow scopes", () => {
    const t = one(r(), "gcp:compute/instanceTemplate:InstanceTemplate").inputs;
    expect(t.scheduling).toMatchObject({ provisioningModel: "SPOT", preemptible: true, automaticRestart: false, instanceTerminationAction: "DELETE" });
    expect(t.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
    expect(t.metadata).toMatchObject({ "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "serial-port-enable": "FALSE" });
    expect(String(get(t, "metadata", "shutdown-script"))).toContain("USR1");
    const sa = get(t, "serviceAccount") as { email: string; scopes: string[] };
    expect(sa.email).toMatch(/^hi-[a-z]+-burst@acme-inference-[a-z]+\.iam\.gserviceaccount\.com$/);
    expect(sa.scopes).not.toContain("https://www.googleapis.com/auth/cloud-platform");
    const script = String(t.metadataStartupScript);
    expect(script).toMatch(/export HI_MODEL_URI='gs:\/\//);
    expect(script).toMatch(/export HI_API_KEY_SOURCE='gcs:[a-z0-9-]+\/secrets\/llama-api-key'/);
    expect(shellcheck(script).status).toBe(0);
  });

  it("scales the GCP group with an autoscaler and heals it on /health", () => {
    const mig = one(r(), "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager").inputs;
    expect(get(mig, "autoHealingPolicies", "healthCheck")).toBeTruthy();
    const hc = one(r(), "gcp:compute/healthCheck:HealthCheck").inputs;
    expect(get(hc, "httpHealthCheck", "requestPath")).toBe("/health");
    const policy = get(one(r(), "gcp:compute/regionAutoscaler:RegionAutoscaler").inputs, "autoscalingPolicy") as Inputs;
    expect(policy.minReplicas).toBe(0);
    expect(policy.maxReplicas).toBe(stack === "prod" ? 8 : 2);
  });

  it("opens GCP SSH only to IAP and admins, and the inference port only to Google's load balancer ranges", () => {
    const fws = ofType(r(), "gcp:compute/firewall:Firewall").map((x) => x.inputs);
    for (const fw of fws) {
      expect(fw.sourceRanges as string[]).not.toContain("0.0.0.0/0");
      for (const allow of fw.allows as { ports?: string[] }[]) expect(allow.ports?.length).toBeGreaterThan(0);
    }
    const ssh = fws.filter((f) => (f.allows as { ports: string[] }[])[0]?.ports.includes("22"));
    const sources = ssh.flatMap((f) => f.sourceRanges as string[]);
    expect(sources).toEqual(expect.arrayContaining(["35.235.240.0/20", "203.0.113.0/24"]));
    // One address family per rule: a GCP firewall rule refuses a mix.
    for (const f of ssh) expect(new Set((f.sourceRanges as string[]).map((c) => c.includes(":"))).size).toBe(1);
    expect(ssh.length).toBe(stack === "staging" ? 2 : 1);
  });

  it("grants GCP nodes read on models/ and the key object only, through an IAM condition", () => {
    const member = one(r(), "gcp:storage/bucketIAMMember:BucketIAMMember", "burst").inputs;
    expect(member.role).toBe("roles/storage.objectViewer");
    expect(String(get(member, "condition", "expression"))).toMatch(/objects\/models\/"\) \|\| resource\.name == ".*objects\/secrets\/llama-api-key"$/);
    const roles = ofType(r(), "gcp:projects/iAMMember:IAMMember").map((x) => x.inputs.role);
    expect(roles.sort()).toEqual(["roles/logging.logWriter", "roles/monitoring.metricWriter"]);
  });

  it("protects the Hetzner servers with a firewall attached at creation and explicit public networking", () => {
    const fw = one(r(), "hcloud:index/firewall:Firewall");
    const rules = fw.inputs.rules as { port?: string; sourceIps: string[] }[];
    expect(rules.map((x) => x.port)).toEqual(["22", undefined]);
    for (const rule of rules) for (const ip of rule.sourceIps) expect(ip).not.toMatch(/\/0$/);
    const servers = ofType(r(), "hcloud:index/server:Server");
    const routers = servers.filter((s) => (s.inputs.labels as Record<string, string>).role === "router");
    expect(servers.length - routers.length).toBe(stack === "prod" ? 3 : 1);
    expect(routers).toHaveLength(2);
    for (const s of servers) {
      expect(s.inputs.firewallIds).toEqual([Number(fw.id)]);
      expect(s.inputs.placementGroupId).toEqual(expect.any(Number));
      expect(s.secretKeys).toContain("userData");
      expect(String(s.inputs.userData)).toMatch(/^#cloud-config\n/);
    }
    for (const s of servers.filter((x) => !routers.includes(x))) expect(s.inputs.publicNets).toEqual([{ ipv4Enabled: true, ipv6Enabled: true }]);
    // A router's egress is a primary IPv4 that outlives the server: the burst pools admit exactly these addresses.
    const ips = ofType(r(), "hcloud:index/primaryIp:PrimaryIp");
    expect(ips.map((i) => i.inputs)).toEqual(ips.map(() => expect.objectContaining({ type: "ipv4", assigneeType: "server", autoDelete: false, location: "fsn1" })));
    for (const s of routers) expect(s.inputs.publicNets).toEqual([{ ipv4Enabled: true, ipv4: expect.any(Number), ipv6Enabled: false }]);
  });

  it("serves one public endpoint: HTTPS on the Hetzner load balancer (HTTP only redirects), to the routers over the private network", () => {
    const svc = one(r(), "hcloud:index/loadBalancerService:LoadBalancerService").inputs;
    expect(svc).toMatchObject({ protocol: "https", listenPort: 443, destinationPort: 8000 });
    expect(get(svc, "http", "redirectHttp")).toBe(true);
    expect(get(svc, "http", "certificates")).toEqual([Number(one(r(), "hcloud:index/managedCertificate:ManagedCertificate").id)]);
    expect(get(svc, "healthCheck", "http", "path")).toBe("/healthz");
    expect(one(r(), "hcloud:index/managedCertificate:ManagedCertificate").inputs.domainNames).toEqual([stack === "prod" ? "inference.acme-platform.example" : "staging.inference.acme-platform.example"]);
    const target = one(r(), "hcloud:index/loadBalancerTarget:LoadBalancerTarget").inputs;
    expect(target).toMatchObject({ type: "label_selector", usePrivateIp: true });
    const matches = ofType(r(), "hcloud:index/server:Server").filter((s) => String(target.labelSelector).split(",").every((t) => (s.inputs.labels as Record<string, string>)[t.split("=")[0] as string] === t.split("=")[1]));
    expect(matches.map((s) => s.name)).toEqual([`hybrid-inference-${stack}-router-0`, `hybrid-inference-${stack}-router-1`]);
  });

  it("locks the S3 bucket down: all four public-access flags, SSE, versioning, TLS-only, lifecycle", () => {
    expect(one(r(), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(get(one(r(), "aws:s3/bucketVersioning:BucketVersioning").inputs, "versioningConfiguration", "status")).toBe("Enabled");
    expect(get(one(r(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm")).toBe("AES256");
    const policy = JSON.parse(String(one(r(), "aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as { Statement: Inputs[] };
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const rules = one(r(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as Inputs[];
    expect(rules.map((x) => x.id)).toEqual(["expire-noncurrent-versions", "checkpoints-to-infrequent-access"]);
    expect(get(one(r(), "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs, "rule", "objectOwnership")).toBe("BucketOwnerEnforced");
  });

  it("locks the GCS bucket down: uniform access, enforced public-access prevention, versioning, lifecycle", () => {
    const b = one(r(), "gcp:storage/bucket:Bucket").inputs;
    expect(b).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true } });
    expect((b.lifecycleRules as unknown[]).length).toBeGreaterThanOrEqual(2);
    // Versioning and soft delete protect the objects; GCS refuses a retention policy beside versioning.
    expect(b.retentionPolicy).toBeUndefined();
    expect(get(b, "softDeletePolicy", "retentionDurationSeconds")).toBe((stack === "prod" ? 30 : 7) * 86400);
  });

  it(`${stack === "prod" ? "protects" : "does not protect"} the buckets`, () => {
    for (const b of [one(r(), "aws:s3/bucket:Bucket"), one(r(), "gcp:storage/bucket:Bucket")]) {
      expect(b.protect).toBe(stack === "prod");
      expect(b.retainOnDelete).toBe(stack === "prod");
    }
  });

  it("keeps secrets secret: the API key and the Hetzner model-store credentials never appear unmarked", () => {
    expect(one(r(), "aws:ssm/parameter:Parameter").secretKeys).toEqual(["value"]);
    expect(one(r(), "gcp:storage/bucketObject:BucketObject").secretKeys).toEqual(["content"]);
    for (const res of r()) {
      for (const [k, v] of Object.entries(res.inputs)) {
        if (JSON.stringify(v)?.includes("offline-stand-in-for-hybrid-inference-apiKey")) expect(res.secretKeys, `${res.type} ${res.name}.${k}`).toContain(k);
        if (JSON.stringify(v)?.includes("AWS_SECRET_ACCESS_KEY=")) expect(res.secretKeys, `${res.type} ${res.name}.${k}`).toContain(k);
      }
    }
  });

  it("exports endpoints, buckets, the model and the pools", () => {
    const o = run.outputs as Record<string, Record<string, unknown>>;
    expect(o.endpoint).toBe(stack === "prod" ? "https://inference.acme-platform.example" : "https://staging.inference.acme-platform.example");
    expect(o.endpoints?.router).toBe(o.endpoint);
    expect(o.endpoints?.aws).toMatch(/^https:\/\/hi-[a-z]+-burst-[0-9a-f]{7}-[0-9a-f]{16}\.elb\.eu-central-1\.amazonaws\.com$/);
    expect(o.endpoints?.gcp).toMatch(/^https:\/\/34\./);
    expect(o.routerLoadBalancer).toMatchObject({ ipv4: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) });
    expect(String(o.burstCaPem)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(o.buckets?.s3).toMatch(/^hybrid-inference-[a-z]+-checkpoints-/);
    expect(o.pools?.awsGroup).toBe(`hybrid-inference-${stack}-aws-burst-asg`);
    expect((o.pools?.hetznerServers as unknown[]).length).toBe(stack === "prod" ? 3 : 1);
  });
});
