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
    expect(script).toMatch(/export HI_API_KEY_SOURCE='aws-ssm:hybrid-inference-[a-z]+-aws-burst-api-key-[0-9a-f]{7}:[0-9]+'/);
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

  it("grants the AWS node role read access to the model prefix, the SSM key (decrypted through SSM only) and its own lifecycle hook, and nothing else", () => {
    const doc = JSON.parse(String(one(r(), "aws:iam/rolePolicy:RolePolicy", "aws-burst-node").inputs.policy)) as { Statement: { Sid: string; Action: string[]; Resource: string[]; Condition?: Record<string, Record<string, string>> }[] };
    const actions = doc.Statement.flatMap((s) => s.Action);
    const expected = ["autoscaling:CompleteLifecycleAction", "kms:Decrypt", "s3:GetObject", "s3:ListBucket", "ssm:GetParameter"];
    // prod's bucket uses SSE-KMS: the node also decrypts model objects, through S3 only.
    expect(actions.sort()).toEqual(stack === "prod" ? [...expected.slice(0, 2), "kms:Decrypt", ...expected.slice(2)] : expected);
    for (const s of doc.Statement) for (const res of s.Resource) expect(res).not.toBe("*");
    expect(doc.Statement.find((s) => s.Action.includes("s3:GetObject"))?.Resource[0]).toMatch(/^arn:aws:s3:::.*\/models\/\*$/);
    const ssmKey = doc.Statement.find((s) => s.Sid === "DecryptApiKeyThroughSsm");
    expect(ssmKey?.Resource).toEqual([String(one(r(), "aws:kms/key:Key", "aws-burst-api-key").state.arn)]);
    expect(ssmKey?.Condition).toEqual({ StringEquals: { "kms:ViaService": "ssm.eu-central-1.amazonaws.com" } });
  });

  it("makes the GCP template a hardened Spot VM with its own service account and narrow scopes", () => {
    const t = one(r(), "gcp:compute/instanceTemplate:InstanceTemplate").inputs;
    expect(t.scheduling).toMatchObject({ provisioningModel: "SPOT", preemptible: true, automaticRestart: false, instanceTerminationAction: "DELETE" });
    expect(t.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true });
    expect(t.metadata).toMatchObject({ "enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "serial-port-enable": "FALSE" });
    expect(String(get(t, "metadata", "shutdown-script"))).toContain("USR1");
    const sa = get(t, "serviceAccount") as { email: string; scopes: string[] };
    expect(sa.email).toMatch(/^hi-[a-z]+-burst@acme-inference-[a-z]+\.iam\.gserviceaccount\.com$/);
    // Google's recommendation with a dedicated account: the cloud-platform scope, narrow IAM (Secret Manager needs the scope).
    expect(sa.scopes).toEqual(["https://www.googleapis.com/auth/cloud-platform"]);
    const script = String(t.metadataStartupScript);
    expect(script).toMatch(/export HI_MODEL_URI='gs:\/\//);
    expect(script).toMatch(/export HI_API_KEY_SOURCE='gcp-secret:projects\/\d+\/secrets\/hybrid-inference-[a-z]+-gcp-burst-api-key\/versions\/\d+'/);
    expect(shellcheck(script).status).toBe(0);
  });

  it("scales the GCP group with an autoscaler and heals it on /health", () => {
    const mig = one(r(), "gcp:compute/instanceGroupManager:InstanceGroupManager").inputs;
    expect(get(mig, "autoHealingPolicies", "healthCheck")).toBeTruthy();
    const hc = one(r(), "gcp:compute/healthCheck:HealthCheck").inputs;
    expect(get(hc, "httpHealthCheck", "requestPath")).toBe("/health");
    const policy = get(one(r(), "gcp:compute/autoscaler:Autoscaler").inputs, "autoscalingPolicy") as Inputs;
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

  it("grants GCP nodes read on models/ only, through an IAM condition, and access to their one secret", () => {
    const member = one(r(), "gcp:storage/bucketIAMMember:BucketIAMMember", "burst").inputs;
    expect(member.role).toBe("roles/storage.objectViewer");
    expect(String(get(member, "condition", "expression"))).toMatch(/^resource\.name\.startsWith\(".*objects\/models\/"\)$/);
    const nodeRoles = ofType(r(), "gcp:projects/iAMMember:IAMMember").filter((x) => String(x.inputs.member).includes("-burst@")).map((x) => x.inputs.role);
    expect(nodeRoles.sort()).toEqual(["roles/logging.logWriter", "roles/monitoring.metricWriter"]);
    const secret = one(r(), "gcp:secretmanager/secret:Secret");
    const access = one(r(), "gcp:secretmanager/secretIamMember:SecretIamMember").inputs;
    expect(access).toMatchObject({ role: "roles/secretmanager.secretAccessor", secretId: secret.inputs.secretId, member: `serviceAccount:${String(get(one(r(), "gcp:compute/instanceTemplate:InstanceTemplate").inputs, "serviceAccount", "email"))}` });
    expect(one(r(), "gcp:secretmanager/secretVersion:SecretVersion").secretKeys).toEqual(["secretData"]);
  });

  it("keeps no secret in the checkpoint buckets (the GCP key object is gone), and logs every GCS data access", () => {
    expect(ofType(r(), "gcp:storage/bucketObject:BucketObject")).toEqual([]);
    expect(ofType(r(), "aws:s3/bucketObjectv2:BucketObjectv2")).toEqual([]);
    const audit = one(r(), "gcp:projects/iAMAuditConfig:IAMAuditConfig").inputs;
    expect(audit).toEqual({ project: `acme-inference-${stack}`, service: "storage.googleapis.com", auditLogConfigs: [{ logType: "DATA_READ" }, { logType: "DATA_WRITE" }] });
  });

  it("protects the Hetzner servers with a firewall attached at creation and explicit public networking", () => {
    const fw = one(r(), "hcloud:index/firewall:Firewall");
    const rules = fw.inputs.rules as { port?: string; sourceIps: string[] }[];
    expect(rules.map((x) => x.port)).toEqual(["22", undefined]);
    for (const rule of rules) for (const ip of rule.sourceIps) expect(ip).not.toMatch(/\/0$/);
    const servers = ofType(r(), "hcloud:index/server:Server");
    const routers = servers.filter((s) => (s.inputs.labels as Record<string, string>).role === "router");
    const bases = servers.filter((s) => !routers.includes(s));
    expect(bases).toHaveLength(stack === "prod" ? 3 : 1);
    expect(routers).toHaveLength(2);
    const baseIps = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((ip) => ip.name.includes("-base-ips-"));
    expect(baseIps).toHaveLength(2 * bases.length);
    for (const ip of baseIps) expect(ip.inputs).toMatchObject({ assigneeType: "server", autoDelete: false, location: "fsn1", deleteProtection: stack === "prod" });
    for (const [i, s] of bases.entries()) {
      const v4 = one(r(), "hcloud:index/primaryIp:PrimaryIp", `base-ips-${i}-ipv4`);
      const v6 = one(r(), "hcloud:index/primaryIp:PrimaryIp", `base-ips-${i}-ipv6`);
      expect(s.inputs.publicNets).toEqual([{ ipv4Enabled: true, ipv4: Number(v4.id), ipv6Enabled: true, ipv6: Number(v6.id) }]);
    }
    for (const s of servers) {
      expect(s.inputs.firewallIds).toEqual([Number(fw.id)]);
      expect(s.inputs.placementGroupId).toEqual(expect.any(Number));
      expect(s.secretKeys).toContain("userData");
      expect(String(s.inputs.userData)).toMatch(/^#cloud-config\n/);
    }
    // A router's egress is a primary IPv4 that outlives the server: the burst pools admit exactly these addresses.
    const routerIps = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((ip) => ip.name.includes("-router-"));
    expect(routerIps.map((i) => i.inputs)).toEqual(routerIps.map(() => expect.objectContaining({ type: "ipv4", assigneeType: "server", autoDelete: false, location: "fsn1", deleteProtection: stack === "prod" })));
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
    for (const pab of ofType(r(), "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
      expect(pab.inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    }
    expect(get(one(r(), "aws:s3/bucketVersioning:BucketVersioning", "checkpoints-versioning").inputs, "versioningConfiguration", "status")).toBe("Enabled");
    const sse = get(one(r(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "checkpoints-encryption").inputs, "rules", 0) as Inputs;
    if (stack === "prod") {
      const key = one(r(), "aws:kms/key:Key", "checkpoints-key");
      expect(sse).toEqual({ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.state.arn }, bucketKeyEnabled: true });
    } else expect(get(sse, "applyServerSideEncryptionByDefault", "sseAlgorithm")).toBe("AES256");
    const policy = JSON.parse(String(one(r(), "aws:s3/bucketPolicy:BucketPolicy", "tls-only").inputs.policy)) as { Statement: Inputs[] };
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    const rules = one(r(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "checkpoints-lifecycle").inputs.rules as Inputs[];
    expect(rules.map((x) => x.id)).toEqual(["expire-noncurrent-versions", "checkpoints-to-infrequent-access"]);
    for (const o of ofType(r(), "aws:s3/bucketOwnershipControls:BucketOwnershipControls")) expect(get(o.inputs, "rule", "objectOwnership")).toBe("BucketOwnerEnforced");
  });

  it("locks the GCS bucket down: uniform access, enforced public-access prevention, versioning, lifecycle", () => {
    const b = one(r(), "gcp:storage/bucket:Bucket").inputs;
    expect(b).toMatchObject({ uniformBucketLevelAccess: true, publicAccessPrevention: "enforced", versioning: { enabled: true } });
    expect((b.lifecycleRules as unknown[]).length).toBeGreaterThanOrEqual(2);
    // Versioning and soft delete protect the objects; GCS refuses a retention policy beside versioning.
    expect(b.retentionPolicy).toBeUndefined();
    expect(get(b, "softDeletePolicy", "retentionDurationSeconds")).toBe((stack === "prod" ? 30 : 7) * 86400);
  });

  it(`${stack === "prod" ? "protects" : "does not protect"} the buckets and keys, and retains them on delete`, () => {
    const stateful = [...ofType(r(), "aws:s3/bucket:Bucket"), ...ofType(r(), "gcp:storage/bucket:Bucket"), ...ofType(r(), "aws:kms/key:Key")];
    expect(stateful.length).toBeGreaterThanOrEqual(stack === "prod" ? 6 : 5);
    for (const b of stateful) {
      expect(b.protect, b.name).toBe(stack === "prod");
      expect(b.retainOnDelete, b.name).toBe(stack === "prod");
    }
  });

  it("keeps secrets secret: the API key and the Hetzner model-store credentials never appear unmarked", () => {
    expect(one(r(), "aws:ssm/parameter:Parameter").secretKeys).toEqual(["value"]);
    for (const res of r()) {
      for (const [k, v] of Object.entries(res.inputs)) {
        if (JSON.stringify(v)?.includes("offline-stand-in-for-hybrid-inference-apiKey")) expect(res.secretKeys, `${res.type} ${res.name}.${k}`).toContain(k);
        if (JSON.stringify(v)?.includes("AWS_SECRET_ACCESS_KEY=")) expect(res.secretKeys, `${res.type} ${res.name}.${k}`).toContain(k);
      }
    }
  });

  it("pins the Hetzner model-reader key to the base servers' primary IPs, through a group, never a user policy", () => {
    expect(ofType(r(), "aws:iam/userPolicy:UserPolicy")).toEqual([]);
    const user = one(r(), "aws:iam/user:User", "model-reader");
    const group = one(r(), "aws:iam/group:Group", "model-readers");
    expect(one(r(), "aws:iam/userGroupMembership:UserGroupMembership", "model-reader").inputs).toEqual({ user: user.state.name, groups: [group.state.name] });
    const doc = JSON.parse(String(one(r(), "aws:iam/groupPolicy:GroupPolicy", "model-readers").inputs.policy)) as { Statement: { Effect: string; Condition?: { IpAddress?: Record<string, string[]> } }[] };
    // The base servers' addresses only: the routers never read the model bucket.
    const ips = ofType(r(), "hcloud:index/primaryIp:PrimaryIp").filter((ip) => ip.name.includes("-base-ips-"));
    const expected = ips.flatMap((ip) => (ip.inputs.type === "ipv4" ? [`${String(ip.state.ipAddress)}/32`] : [String(ip.state.ipNetwork)]));
    expect(expected).toHaveLength(stack === "prod" ? 6 : 2);
    for (const st of doc.Statement.filter((x) => x.Effect === "Allow")) expect(st.Condition?.IpAddress?.["aws:SourceIp"]?.slice().sort()).toEqual(expected.slice().sort());
  });

  it("guards the metadata service on Hetzner nodes only (their user data holds the model-store key)", () => {
    const hetzner = String(one(r(), "hcloud:index/server:Server", "base-0").inputs.userData);
    expect(hetzner).toContain("export HI_METADATA_GUARD='1'");
    const aws = Buffer.from(String(one(r(), "aws:ec2/launchTemplate:LaunchTemplate").inputs.userData), "base64").toString("utf8");
    expect(aws).toContain("export HI_METADATA_GUARD='0'");
    expect(String(one(r(), "gcp:compute/instanceTemplate:InstanceTemplate").inputs.metadataStartupScript)).toContain("export HI_METADATA_GUARD='0'");
  });

  it("writes S3 server access logs to a separate, locked log bucket that only S3 log delivery for this bucket may write", () => {
    const buckets = ofType(r(), "aws:s3/bucket:Bucket");
    const logs = one(buckets, "aws:s3/bucket:Bucket", "-logs");
    const ckpt = buckets.find((b) => b !== logs) as typeof logs;
    const logging = one(r(), "aws:s3/bucketLogging:BucketLogging").inputs;
    expect(logging).toMatchObject({ bucket: ckpt.id, targetBucket: logs.id, targetPrefix: "access/" });
    expect(get(one(r(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "logs-encryption").inputs, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm")).toBe("AES256");
    expect(get(one(r(), "aws:s3/bucketVersioning:BucketVersioning", "logs-versioning").inputs, "versioningConfiguration", "status")).toBe("Enabled");
    const policy = JSON.parse(String(one(r(), "aws:s3/bucketPolicy:BucketPolicy", "logs-policy").inputs.policy)) as { Statement: Inputs[] };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      expect.objectContaining({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: ["s3:PutObject"], Condition: { ArnLike: { "aws:SourceArn": ckpt.state.arn }, StringEquals: { "aws:SourceAccount": "123456789012" } } }),
    ]);
  });

  it("encrypts the API key parameter with a rotating customer-managed key whose policy allows use only through SSM", () => {
    const key = one(r(), "aws:kms/key:Key", "aws-burst-api-key");
    expect(one(r(), "aws:ssm/parameter:Parameter").inputs.keyId).toBe(key.state.arn);
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    const policy = JSON.parse(String(key.inputs.policy)) as { Statement: { Sid: string; Principal: unknown; Action: string[]; Condition?: unknown }[] };
    const [admin, use] = policy.Statement;
    expect(admin?.Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    expect(admin?.Action.filter((a) => /Encrypt|Decrypt|GenerateDataKey|\*/.test(a))).toEqual([]);
    expect(use).toMatchObject({ Principal: { AWS: "arn:aws:iam::123456789012:root" }, Condition: { StringEquals: { "kms:ViaService": "ssm.eu-central-1.amazonaws.com", "kms:CallerAccount": "123456789012" } } });
  });

  it("logs the VPC's flows to an encrypted, retained log group and empties its default security group", () => {
    const vpc = one(r(), "aws:ec2/vpc:Vpc");
    const flow = one(r(), "aws:ec2/flowLog:FlowLog").inputs;
    expect(flow).toMatchObject({ vpcId: vpc.id, trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
    const group = one(r(), "aws:cloudwatch/logGroup:LogGroup");
    expect(group.inputs).toMatchObject({ kmsKeyId: one(r(), "aws:kms/key:Key", "flow-logs").state.arn, retentionInDays: 365 });
    const keyPolicy = JSON.parse(String(one(r(), "aws:kms/key:Key", "flow-logs").inputs.policy)) as { Statement: { Principal: unknown; Condition?: unknown }[] };
    expect(keyPolicy.Statement[1]).toMatchObject({ Principal: { Service: "logs.eu-central-1.amazonaws.com" }, Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-central-1:123456789012:log-group:${String(group.inputs.name)}` } } });
    const write = JSON.parse(String(one(r(), "aws:iam/rolePolicy:RolePolicy", "flow-logs").inputs.policy)) as { Statement: { Resource: string[] }[] };
    expect(write.Statement[0]?.Resource).toEqual([group.state.arn, `${String(group.state.arn)}:log-stream:*`]);
    expect(one(r(), "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs).toMatchObject({ vpcId: vpc.id, ingress: [], egress: [] });
  });

  it(`${stack === "prod" ? "turns on" : "leaves off"} deletion protection on the load balancers and keeps prod burst nodes private`, () => {
    expect(one(r(), "aws:lb/loadBalancer:LoadBalancer").inputs.enableDeletionProtection).toBe(stack === "prod");
    expect(one(r(), "hcloud:index/loadBalancer:LoadBalancer").inputs.deleteProtection).toBe(stack === "prod");
    const ni = get(one(r(), "aws:ec2/launchTemplate:LaunchTemplate").inputs, "networkInterfaces", 0, "associatePublicIpAddress");
    expect(ni).toBe(stack === "prod" ? "false" : "true");
    expect(get(one(r(), "gcp:compute/instanceTemplate:InstanceTemplate").inputs, "networkInterfaces", 0, "accessConfigs")).toEqual(stack === "prod" ? undefined : [{ networkTier: "STANDARD" }]);
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
