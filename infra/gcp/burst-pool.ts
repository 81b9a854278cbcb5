import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../cidr";
import { gcpName } from "../naming";
import { BURST_BOOT_SECONDS } from "../timeouts";
import type { PrivateCa } from "../tls/private-ca";
import { addHttpsEndpoint } from "./endpoint";
import { addDemandScaling } from "./scaling";

export interface GcpBurstPoolArgs {
  project: string;
  region: string;
  machineType: string;
  minReplicas: number;
  maxReplicas: number;
  publicIp: boolean;
  subnetCidr: string;
  bootDiskGiB: number;
  /** The zone of the group: autoscaling on a per-group metric needs a zonal group. */
  zone: string;
  /** Back to zero after this many minutes without demand. */
  scaleInQuietMinutes: number;
  /** llama-server's slots per node: how much demand one node takes. */
  slotsPerNode: number;
  adminCidrs: string[];
  inferencePort: number;
  labels: Record<string, string>;
  /** Grants the pool's service account read access to the model prefix (done by the storage component). */
  grantNodeRead: (name: string, email: pulumi.Output<string>) => unknown;
  /** The API key, stored as a Secret Manager secret only the pool's service account can read. */
  apiKey?: pulumi.Input<string>;
  /** Renders the boot script given the secret version's resource name (projects/.../secrets/.../versions/N), if any. */
  bootScript: (apiKeyVersion?: pulumi.Output<string>) => pulumi.Input<string>;
  shutdownScript: string;
  /** Service account id, 6-30 characters. */
  accountId: string;
  /** The routers that publish demand (their HI_ROUTER_ID): one autoscaling signal each. */
  demandRouters?: string[];
  /** Notification channels for the routers' liveness alert policy. */
  alertChannels?: string[];
  /** Service account id of the routers' demand publisher; none without routers. */
  publisherAccountId?: string;
  /** Signs the load balancer's certificate; the routers trust it. */
  ca: PrivateCa;
  /** The DNS name on the load balancer's certificate (burstTlsName): the routers send it as SNI and verify it. */
  tlsName: string;
  /** The only sources Cloud Armor admits: the routers' IPv4 addresses, and any extra CIDRs. */
  clients: pulumi.Input<string>[];
}

/** Google front ends and health checkers; the only sources that reach the inference port. */
export const GOOGLE_LB_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];
/** Identity-Aware Proxy TCP forwarding. */
export const IAP_RANGE = "35.235.240.0/20";
export const UBUNTU_IMAGE = "ubuntu-os-cloud/ubuntu-2404-lts-amd64";
/**
 * The cloud-platform scope with a dedicated service account whose IAM grants are narrow: Google's recommendation
 * ("As a best practice, grant the cloud-platform access scope on your VM instance. Then, to restrict resource access,
 * grant only the required IAM roles to the VM instance's service account",
 * cloud.google.com/sdk/gcloud/reference/compute/instances/set-service-account; also
 * cloud.google.com/compute/docs/access/service-accounts (access scopes)), and what Secret Manager requires of
 * Compute Engine workloads (cloud.google.com/secret-manager/docs/accessing-the-api). Scopes only cap what the
 * account's IAM grants; the grants here are logging, metrics, read on models/ and access to one secret.
 */
export const NODE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];
export const NODE_PROJECT_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter"];

/**
 * SSH sources split by address family: a VPC firewall rule holds IPv4 or IPv6 ranges, not both
 * (cloud.google.com/firewall/docs/using-firewalls). IAP's range is IPv4. A family with no source gets no rule.
 */
export function sshSourcesByFamily(adminCidrs: string[]): { v4: string[]; v6: string[] } {
  const v6 = adminCidrs.filter((c) => parseCidr(c)?.family === 6);
  return { v4: [IAP_RANGE, ...adminCidrs.filter((c) => parseCidr(c)?.family === 4)], v6 };
}

/** GCP spot burst pool: a managed instance group of Spot VMs behind a global HTTPS load balancer that admits only the routers. */
export class GcpBurstPool extends pulumi.ComponentResource {
  readonly network: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
  readonly serviceAccount: gcp.serviceaccount.Account;
  readonly template: gcp.compute.InstanceTemplate;
  readonly healthCheck: gcp.compute.HealthCheck;
  readonly group: gcp.compute.InstanceGroupManager;
  readonly autoscaler: gcp.compute.Autoscaler;
  readonly publisherSilent?: gcp.monitoring.AlertPolicy;
  readonly firewalls: gcp.compute.Firewall[];
  /** The routers' service-account key (JSON) for Cloud Monitoring writes. */
  readonly publisherKeyJson?: pulumi.Output<string>;
  readonly securityPolicy: gcp.compute.SecurityPolicy;
  readonly certificate: gcp.compute.SSLCertificate;
  readonly sslPolicy: gcp.compute.SSLPolicy;
  /** The load balancer's address: what the routers connect to. */
  readonly host: pulumi.Output<string>;
  /** The name on the load balancer's certificate: what the routers send as SNI and verify. */
  readonly tlsName: string;
  readonly apiKeySecret?: gcp.secretmanager.Secret;
  readonly apiKeyVersion?: gcp.secretmanager.SecretVersion;
  readonly endpoint: pulumi.Output<string>;
  readonly groupName: pulumi.Output<string>;

  constructor(name: string, args: GcpBurstPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:gcp:BurstPool", name, {}, opts);
    const child = { parent: this };
    const project = args.project;
    const labels = args.labels;
    const nodeTag = gcpName(`${name}-node`);

    this.network = new gcp.compute.Network(`${name}-net`, { project, autoCreateSubnetworks: false, routingMode: "REGIONAL" }, child);
    this.subnet = new gcp.compute.Subnetwork(`${name}-subnet`, {
      project,
      region: args.region,
      network: this.network.id,
      ipCidrRange: args.subnetCidr,
      privateIpGoogleAccess: true,
      logConfig: { aggregationInterval: "INTERVAL_5_MIN", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    }, child);
    if (!args.publicIp) {
      const router = new gcp.compute.Router(`${name}-router`, { project, region: args.region, network: this.network.id }, child);
      new gcp.compute.RouterNat(`${name}-nat`, {
        project,
        region: args.region,
        router: router.name,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      }, child);
    }

    this.firewalls = [
      new gcp.compute.Firewall(`${name}-lb-to-nodes`, {
        project,
        network: this.network.id,
        direction: "INGRESS",
        sourceRanges: GOOGLE_LB_RANGES,
        targetTags: [nodeTag],
        allows: [{ protocol: "tcp", ports: [String(args.inferencePort)] }],
        description: "load balancer and health checks to the inference port",
      }, child),
      ...Object.entries(sshSourcesByFamily(args.adminCidrs))
        .filter(([, sources]) => sources.length > 0)
        .map(([family, sources]) =>
          new gcp.compute.Firewall(`${name}-ssh-${family}`, {
            project,
            network: this.network.id,
            direction: "INGRESS",
            sourceRanges: sources,
            targetTags: [nodeTag],
            allows: [{ protocol: "tcp", ports: ["22"] }],
            description: `SSH from ${family === "v4" ? "IAP and admin networks (IPv4)" : "admin networks (IPv6)"}`,
          }, child),
        ),
    ];

    this.serviceAccount = new gcp.serviceaccount.Account(`${name}-node`, {
      project,
      accountId: args.accountId,
      displayName: "hybrid-inference burst node",
    }, child);
    const email = this.serviceAccount.email;
    NODE_PROJECT_ROLES.forEach((role) => {
      new gcp.projects.IAMMember(`${name}-${role.split("/")[1]}`, { project, role, member: pulumi.interpolate`serviceAccount:${email}` }, child);
    });
    args.grantNodeRead(`${name}-node-read`, email);

    if (args.apiKey !== undefined) {
      this.apiKeySecret = new gcp.secretmanager.Secret(`${name}-api-key`, {
        project,
        secretId: gcpName(`${name}-api-key`, 255),
        replication: { auto: {} },
        labels,
      }, child);
      this.apiKeyVersion = new gcp.secretmanager.SecretVersion(`${name}-api-key`, {
        secret: this.apiKeySecret.id,
        secretData: pulumi.secret(args.apiKey),
      }, child);
      // Access to this one secret, not secretmanager.secretAccessor on the project.
      new gcp.secretmanager.SecretIamMember(`${name}-api-key-access`, {
        project,
        secretId: this.apiKeySecret.secretId,
        role: "roles/secretmanager.secretAccessor",
        member: pulumi.interpolate`serviceAccount:${email}`,
      }, child);
    }

    this.template = new gcp.compute.InstanceTemplate(`${name}-node`, {
      project,
      namePrefix: gcpName(`${name}-`, 37),
      machineType: args.machineType,
      region: args.region,
      disks: [{ sourceImage: UBUNTU_IMAGE, boot: true, autoDelete: true, diskSizeGb: args.bootDiskGiB, diskType: "pd-balanced" }],
      networkInterfaces: [{
        subnetwork: this.subnet.id,
        ...(args.publicIp ? { accessConfigs: [{ networkTier: "STANDARD" }] } : {}),
      }],
      serviceAccount: { email, scopes: NODE_SCOPES },
      scheduling: {
        provisioningModel: "SPOT",
        preemptible: true,
        automaticRestart: false,
        onHostMaintenance: "TERMINATE",
        instanceTerminationAction: "DELETE",
      },
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      metadata: {
        "enable-oslogin": "TRUE",
        "block-project-ssh-keys": "TRUE",
        "serial-port-enable": "FALSE",
        "shutdown-script": args.shutdownScript,
      },
      metadataStartupScript: pulumi.secret(pulumi.output(args.bootScript(this.apiKeyVersion?.name))),
      tags: [nodeTag],
      labels,
    }, { parent: this });

    this.healthCheck = new gcp.compute.HealthCheck(`${name}-health`, {
      project,
      checkIntervalSec: 10,
      timeoutSec: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      httpHealthCheck: { port: args.inferencePort, requestPath: "/health" },
    }, child);

    // A zonal group: Google's autoscaler takes a per-group metric (one that exists at zero VMs) only for zonal
    // groups ("regional MIGs don't support autoscaling using per-group metrics", cloud.google.com/compute/docs/
    // instance-groups/distributing-instances-with-regional-instance-groups, Limitations), and a per-instance metric
    // cannot take a group below one VM.
    this.group = new gcp.compute.InstanceGroupManager(`${name}-mig`, {
      project,
      zone: args.zone,
      baseInstanceName: gcpName(`${name}`, 50),
      versions: [{ instanceTemplate: this.template.selfLinkUnique, name: "primary" }],
      namedPorts: [{ name: "http", port: args.inferencePort }],
      autoHealingPolicies: { healthCheck: this.healthCheck.id, initialDelaySec: 600 },
      // A new template rolls the group at once, one node at a time, a new node (surge) before an old one goes (none
      // unavailable), counted as serving after a burst node's boot to healthy; an old node drains through its
      // shutdown script and the backend service's connection draining.
      updatePolicy: { type: "PROACTIVE", minimalAction: "REPLACE", replacementMethod: "SUBSTITUTE", maxSurgeFixed: 1, maxUnavailableFixed: 0, minReadySec: BURST_BOOT_SECONDS },
      waitForInstances: false,
    }, child);

    // Scaling on the routers' demand, and the routers' liveness (infra/gcp/scaling.ts).
    const scaling = addDemandScaling(name, { ...args, groupId: this.group.id, labels }, this);
    this.autoscaler = scaling.autoscaler;
    if (scaling.publisherSilent) this.publisherSilent = scaling.publisherSilent;

    // The routers publish demand as a service account that may only write metrics (roles/monitoring.metricWriter);
    // Hetzner has no workload identity, so its key is delivered to the routers as a secret.
    if (args.publisherAccountId) {
      const publisher = new gcp.serviceaccount.Account(`${name}-publisher`, {
        project,
        accountId: args.publisherAccountId,
        displayName: "hybrid-inference router demand publisher",
      }, child);
      new gcp.projects.IAMMember(`${name}-publisher-metric-writer`, { project, role: "roles/monitoring.metricWriter", member: pulumi.interpolate`serviceAccount:${publisher.email}` }, child);
      const publisherKey = new gcp.serviceaccount.Key(`${name}-publisher`, { serviceAccountId: publisher.name }, child);
      this.publisherKeyJson = pulumi.secret(publisherKey.privateKey.apply((b64) => Buffer.from(b64, "base64").toString("utf8")));
    }

    // The HTTPS load balancer in front of the group, behind Cloud Armor (infra/gcp/endpoint.ts).
    const endpoint = addHttpsEndpoint(name, { ...args, healthCheckId: this.healthCheck.id, instanceGroup: this.group.instanceGroup, labels }, this);
    this.securityPolicy = endpoint.securityPolicy;
    this.certificate = endpoint.certificate;
    this.sslPolicy = endpoint.sslPolicy;
    const address = endpoint.address;

    this.host = address.address;
    this.tlsName = args.tlsName;
    this.endpoint = pulumi.interpolate`https://${address.address}`;
    this.groupName = this.group.name;
    this.registerOutputs({ endpoint: this.endpoint, groupName: this.groupName });
  }
}
