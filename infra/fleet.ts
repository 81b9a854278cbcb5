/**
 * Composes the fleet from the typed stack config: checkpoint storage first, then the Hetzner base layer and the
 * AWS and GCP burst pools, each reading the model from its own cloud's bucket.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { getInstanceType, hourlyUsd, worstHourlyUsd, type Cloud, type InstanceType } from "./catalog";
import type { StackConfig } from "./config";
import { physicalCores } from "./cpu-topology";
import { AwsBurstPool } from "./aws/burst-pool";
import { GcpBurstPool } from "./gcp/burst-pool";
import { HetznerBaseLayer, routerIp } from "./hetzner/base-layer";
import type { BurstEndpoint } from "./hetzner/haproxy";
import { HetznerPrimaryIps } from "./hetzner/primary-ips";
import { HetznerRouter, type RouterCertificate } from "./hetzner/router";
import { gate } from "./hetzner/rollout";
import type { PublisherSettings } from "./hetzner/router-cloud-init";
import { PrivateCa } from "./tls/private-ca";
import { type ApiKeySource, type CloudInitFile, type NodeBootSettings, renderBootScript, renderShutdownScript, SECRETS_DIR } from "./inference/bootscript";
import { deriveLaunchSpec, type LaunchSpec } from "./inference/launch";
import { NODE_DRAIN_SECONDS } from "./timeouts";
import { awsLbLogicalName, awsTags, burstTlsName, gcpAccountId, gcpLabels, hcloudLabels, type LabelContext, resourceName } from "./naming";
import { GcsCheckpoints } from "./storage/gcs-checkpoints";
import { modelKey } from "./storage/layout";
import { S3Checkpoints } from "./storage/s3-checkpoints";

export interface FleetSecrets {
  apiKey?: pulumi.Output<string>;
  /** The key being retired: accepted beside apiKey until clients have moved (docs/runbook.md, "Rotating the API key"). */
  apiKeyPrevious?: pulumi.Output<string>;
  dedicatedSshPrivateKey?: pulumi.Output<string>;
  routerTlsCertificate?: pulumi.Output<string>;
  routerTlsPrivateKey?: pulumi.Output<string>;
}

export interface Fleet {
  hetznerIps?: HetznerPrimaryIps;
  s3?: S3Checkpoints;
  gcs?: GcsCheckpoints;
  hetzner?: HetznerBaseLayer;
  router?: HetznerRouter;
  burstCa?: PrivateCa;
  aws?: AwsBurstPool;
  gcp?: GcpBurstPool;
  launchSpecs: Partial<Record<"hetzner" | "aws" | "gcp", LaunchSpec>>;
}

/** The smallest type of a pool: the launch spec must fit every type the pool may launch. */
export function smallestType(cloud: Cloud, names: readonly string[]): InstanceType {
  const types = names.map((n) => getInstanceType(cloud, n));
  const sorted = [...types].sort((a, b) => a.vcpu - b.vcpu || a.memoryGiB - b.memoryGiB);
  const first = sorted[0];
  if (!first) throw new Error(`no ${cloud} instance types given`);
  return first;
}

export function createFleet(cfg: StackConfig, ctx: Pick<LabelContext, "project" | "stack">, secrets: FleetSecrets): Fleet {
  const labelCtx: LabelContext = { ...ctx, owner: cfg.owner, costCenter: cfg.costCenter };
  const name = (component: string) => resourceName(ctx, component);
  const apiKey = secrets.apiKey;
  /** Every key the nodes and routers accept, one per line: the current one, then the one being retired. */
  const acceptedKeys = apiKey && secrets.apiKeyPrevious ? pulumi.secret(pulumi.interpolate`${apiKey}\n${secrets.apiKeyPrevious}`) : apiKey;
  /** The spec for a type, or for a mixed pool: it must not use more cores than the pool's leanest type has. */
  const launchFor = (instance: InstanceType, pool: readonly InstanceType[] = [instance]) =>
    deriveLaunchSpec({
      instance: { vcpu: instance.vcpu, memoryGiB: instance.memoryGiB, physicalCores: Math.min(...pool.map(physicalCores)) },
      model: cfg.model,
      inference: cfg.inference,
      apiKey: apiKey !== undefined,
    });
  const common = { image: cfg.inference.image, modelSha256: cfg.model.sha256, modelSizeBytes: cfg.model.sizeBytes };
  const protect = cfg.storage.protect ?? false;
  const fleet: Fleet = { launchSpecs: {} };

  // The routers need the burst pools' endpoints, and the pools admit only the routers' addresses: the routers are
  // created first with this list to come, and it is resolved once the pools exist.
  const [burstEndpoints, resolveBurstEndpoints] = pulumi.deferredOutput<BurstEndpoint[]>();
  const [publisherSettings, resolvePublisherSettings] = pulumi.deferredOutput<PublisherSettings | undefined>();
  const ca = cfg.aws.enabled || cfg.gcp.enabled ? new PrivateCa(name("burst-ca"), { commonName: `hybrid-inference ${ctx.stack} burst pools` }) : undefined;
  if (ca) fleet.burstCa = ca;

  const awsProvider = cfg.aws.enabled ? new aws.Provider("aws", { region: cfg.aws.region as aws.Region }) : undefined;
  const gcpProvider = cfg.gcp.enabled ? new gcp.Provider("gcp", { project: cfg.gcp.project, region: cfg.gcp.region }) : undefined;

  // The base servers' addresses come first: the model-reader key is pinned to them before any server boots.
  if (cfg.hetzner.enabled) {
    fleet.hetznerIps = new HetznerPrimaryIps(name("base-ips"), {
      count: cfg.hetzner.count,
      location: cfg.hetzner.location,
      labels: hcloudLabels(labelCtx, "base"),
      deleteProtection: cfg.hetzner.deletionProtection,
    });
  }
  const hostCidr = (ip: string) => (ip.includes(":") ? `${ip}/128` : `${ip}/32`);
  const readerSourceCidrs = fleet.hetznerIps?.sourceCidrs.apply((cidrs) => [...cidrs, ...cfg.hetzner.dedicatedHosts.map((h) => hostCidr(h.ip))]);

  if (awsProvider) {
    const externalReader = cfg.hetzner.enabled && cfg.hetzner.modelSource === "aws";
    fleet.s3 = new S3Checkpoints(name("checkpoints"), {
      region: cfg.aws.region,
      tags: awsTags(labelCtx, "checkpoints"),
      protect,
      noncurrentVersionDays: cfg.storage.noncurrentVersionDays,
      checkpointInfrequentAccessDays: cfg.storage.checkpointInfrequentAccessDays,
      encryption: cfg.storage.s3Encryption,
      ...(cfg.storage.kmsKeyArn ? { kmsKeyArn: cfg.storage.kmsKeyArn } : {}),
      accessLogDays: cfg.storage.accessLogDays,
      externalReader,
      ...(externalReader && readerSourceCidrs ? { readerSourceCidrs } : {}),
    }, { providers: { aws: awsProvider } });
  }
  if (gcpProvider) {
    fleet.gcs = new GcsCheckpoints(name("checkpoints"), {
      project: cfg.gcp.project,
      location: cfg.storage.gcsLocation,
      labels: gcpLabels(labelCtx, "checkpoints"),
      protect,
      noncurrentVersionDays: cfg.storage.noncurrentVersionDays,
      checkpointInfrequentAccessDays: cfg.storage.checkpointInfrequentAccessDays,
      softDeleteDays: cfg.storage.softDeleteDays,
      externalReader: cfg.hetzner.enabled && cfg.hetzner.modelSource === "gcp",
      readerAccountId: gcpAccountId(ctx, "model-reader"),
    }, { providers: { gcp: gcpProvider } });
  }

  if (cfg.hetzner.enabled) {
    const store = cfg.hetzner.modelSource === "aws" ? fleet.s3 : fleet.gcs;
    const reader = store?.externalReader;
    const ips = fleet.hetznerIps;
    if (!store || !reader || !ips) throw new Error(`hetzner.modelSource ${cfg.hetzner.modelSource} has no checkpoint bucket`);
    const spec = launchFor(getInstanceType("hetzner", cfg.hetzner.serverType));
    fleet.launchSpecs.hetzner = spec;
    const bootFor = (launch: LaunchSpec) =>
      store.bucketName.apply((bucket) =>
        renderBootScript({
          ...common,
          cloud: "hetzner",
          modelUri: `s3://${bucket}/${modelKey(cfg.model.file)}`,
          launch,
          apiKey: apiKey ? { kind: "preset" } : { kind: "none" },
          spot: false,
          s3Endpoint: reader.endpoint,
          s3Region: reader.region,
          drain: { agentPort: cfg.inference.agentPort, seconds: NODE_DRAIN_SECONDS },
        }),
      );
    const secretFiles = pulumi.secret(
      pulumi.all([reader.accessKeyId, reader.secretAccessKey, acceptedKeys ?? ""]).apply(([id, key, k]): CloudInitFile[] => [
        { path: `${SECRETS_DIR}/model-store.env`, content: `AWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${key}\n`, permissions: "0400" },
        ...(k ? [{ path: `${SECRETS_DIR}/llama-api-key`, content: `${k}\n`, permissions: "0400" }] : []),
      ]),
    );
    // Base server i is replaced only after base server i-1 is healthy through the routers (its gate, made once the
    // routers exist below).
    const baseReady = Array.from({ length: cfg.hetzner.count }, () => pulumi.deferredOutput<pulumi.Resource[]>());
    fleet.hetzner = new HetznerBaseLayer(name("base"), {
      location: cfg.hetzner.location,
      networkZone: cfg.hetzner.networkZone,
      serverType: cfg.hetzner.serverType,
      count: cfg.hetzner.count,
      image: cfg.hetzner.image,
      networkCidr: cfg.hetzner.networkCidr,
      sshPublicKey: cfg.hetzner.sshPublicKey,
      adminCidrs: cfg.adminCidrs,
      labels: hcloudLabels(labelCtx, "base"),
      bootScript: bootFor(spec),
      secretFiles,
      primaryIps: ips.addresses,
      after: (i) => (baseReady[i - 1] as (typeof baseReady)[number])[0],
      dedicatedHosts: cfg.hetzner.dedicatedHosts.map((h) => ({
        name: h.name,
        ip: h.ip,
        user: h.user,
        serverType: h.serverType,
        bootScript: bootFor(launchFor(getInstanceType("hetzner", h.serverType))),
      })),
      ...(secrets.dedicatedSshPrivateKey ? { dedicatedSshPrivateKey: secrets.dedicatedSshPrivateKey } : {}),
    });

    // The routers run beside the base layer: with Hetzner off, the stack has no router (and its settings wait).
    if (cfg.router) {
      const r = cfg.router;
      const base = [
        ...fleet.hetzner.privateAddresses.map((address, i) => ({ name: `base${i}`, address, port: cfg.inference.port, slots: spec.parallel, agentPort: cfg.inference.agentPort })),
        ...cfg.hetzner.dedicatedHosts.map((h) => ({
          name: `dedicated-${h.name}`,
          address: h.privateIp ?? h.ip,
          port: cfg.inference.port,
          slots: launchFor(getInstanceType("hetzner", h.serverType)).parallel,
          agentPort: cfg.inference.agentPort,
        })),
      ];
      const certificate: RouterCertificate =
        r.certificate === "managed"
          ? { kind: "managed" }
          : { kind: "uploaded", certificate: requireSecret(secrets.routerTlsCertificate, "routerTlsCertificate"), privateKey: requireSecret(secrets.routerTlsPrivateKey, "routerTlsPrivateKey") };
      fleet.router = new HetznerRouter(name("router"), {
        location: cfg.hetzner.location,
        serverType: r.serverType,
        count: r.count,
        image: r.image,
        loadBalancerType: cfg.hetzner.loadBalancerType,
        deleteProtection: cfg.hetzner.deletionProtection,
        labels: hcloudLabels(labelCtx, "router"),
        sshKeyId: fleet.hetzner.sshKey.id,
        firewallId: fleet.hetzner.firewall.id,
        networkId: fleet.hetzner.network.id.apply(Number),
        subnet: fleet.hetzner.subnet,
        address: (i) => routerIp(cfg.hetzner.networkCidr, i),
        domain: r.domain,
        certificate,
        ...(r.dnsZone ? { dnsZone: r.dnsZone } : {}),
        listenPort: r.listenPort,
        metricsPort: r.metricsPort,
        queueTimeoutSeconds: r.queueTimeoutSeconds,
        queuePerSlot: r.queuePerSlot,
        ctxPerSlot: cfg.inference.ctxPerSlot,
        base,
        burst: burstEndpoints,
        burstCaPem: ca?.certPem ?? "",
        publisher: publisherSettings,
        ...(acceptedKeys ? { apiKey: acceptedKeys } : {}),
        ...(apiKey ? { gateApiKey: apiKey } : {}),
      });
      const router = fleet.router;
      const layer = fleet.hetzner;
      layer.servers.forEach((server, i) => {
        const ready = gate(`${name("base")}-${i}-ready`, {
          target: { kind: "node", name: `base${i}`, routers: router.routerIds },
          server,
          endpoint: router.gateEndpoint,
          apiKey: apiKey ?? "none",
          dependsOn: [router.service, router.target],
        }, { parent: layer });
        (baseReady[i] as (typeof baseReady)[number])[1](pulumi.output([ready]));
      });
    } else {
      for (const [, resolve] of baseReady) resolve(pulumi.output([]));
    }
  }

  // The burst pools admit only the routers (and any extra clients the stack names).
  const clients: pulumi.Input<string>[] = [...(fleet.router?.egressIps ?? []), ...cfg.burstClientCidrs];

  if (awsProvider && fleet.s3) {
    const s3 = fleet.s3;
    const spec = launchFor(smallestType("aws", cfg.aws.instanceTypes), cfg.aws.instanceTypes.map((n) => getInstanceType("aws", n)));
    fleet.launchSpecs.aws = spec;
    fleet.aws = new AwsBurstPool(name("aws-burst"), {
      ...cfg.aws,
      adminCidrs: cfg.adminCidrs,
      inferencePort: cfg.inference.port,
      tags: awsTags(labelCtx, "aws-burst"),
      modelBucketArn: s3.bucketArn,
      loadBalancerName: awsLbLogicalName(ctx, "burst"),
      slotsPerNode: spec.parallel,
      ...(fleet.router ? { publisherSources: fleet.router.egressIps, demandRouters: fleet.router.routerIds } : {}),
      ...(cfg.aws.alertTopicArn ? { alertTopicArn: cfg.aws.alertTopicArn } : {}),
      ca: ca as PrivateCa,
      clients,
      ...(s3.kmsKeyArn ? { modelBucketKeyArn: s3.kmsKeyArn } : {}),
      protectKeys: protect,
      ...(acceptedKeys ? { apiKey: acceptedKeys } : {}),
      bootScript: (param, lifecycle) =>
        pulumi.all([s3.bucketName, param]).apply(([bucket, paramName]) => {
          const source: ApiKeySource = paramName ? { kind: "aws-ssm", name: paramName } : { kind: "none" };
          const settings: NodeBootSettings = {
            ...common,
            cloud: "aws",
            modelUri: `s3://${bucket}/${modelKey(cfg.model.file)}`,
            launch: spec,
            apiKey: source,
            spot: true,
            awsRegion: cfg.aws.region,
            s3Region: cfg.aws.region,
            lifecycle,
          };
          return renderBootScript(settings);
        }),
    }, { providers: { aws: awsProvider } });
  }

  if (gcpProvider && fleet.gcs) {
    const gcs = fleet.gcs;
    const spec = launchFor(getInstanceType("gcp", cfg.gcp.machineType));
    fleet.launchSpecs.gcp = spec;
    fleet.gcp = new GcpBurstPool(name("gcp-burst"), {
      ...cfg.gcp,
      adminCidrs: cfg.adminCidrs,
      inferencePort: cfg.inference.port,
      labels: gcpLabels(labelCtx, "gcp-burst"),
      accountId: gcpAccountId(ctx, "burst"),
      ...(fleet.router ? { publisherAccountId: gcpAccountId(ctx, "publisher"), demandRouters: fleet.router.routerIds } : {}),
      zone: cfg.gcp.zone ?? `${cfg.gcp.region}-b`,
      tlsName: burstTlsName(ctx, "gcp"),
      slotsPerNode: spec.parallel,
      ca: ca as PrivateCa,
      clients,
      grantNodeRead: (n, email) => gcs.grantModelRead(n, email),
      ...(acceptedKeys ? { apiKey: acceptedKeys } : {}),
      shutdownScript: renderShutdownScript(),
      bootScript: (keyVersion) =>
        pulumi.all([gcs.bucketName, keyVersion]).apply(([bucket, version]) =>
          renderBootScript({
            ...common,
            cloud: "gcp",
            modelUri: `gs://${bucket}/${modelKey(cfg.model.file)}`,
            launch: spec,
            apiKey: version ? { kind: "gcp-secret", version } : { kind: "none" },
            spot: true,
          }),
        ),
    }, { providers: { gcp: gcpProvider } });
  }

  const burst: pulumi.Output<BurstEndpoint>[] = [];
  if (fleet.aws && fleet.launchSpecs.aws) {
    const slots = fleet.launchSpecs.aws.parallel;
    burst.push(fleet.aws.host.apply((host) => ({ name: "aws", host, port: 443, tlsName: host, caFile: "", slots: cfg.aws.maxSize * slots, hourlyUsd: worstHourlyUsd("aws", cfg.aws.instanceTypes, "spot") / slots })));
  }
  if (fleet.gcp && fleet.launchSpecs.gcp) {
    const slots = fleet.launchSpecs.gcp.parallel;
    const tlsName = fleet.gcp.tlsName;
    burst.push(fleet.gcp.host.apply((host) => ({ name: "gcp", host, port: 443, tlsName, caFile: "", slots: cfg.gcp.maxReplicas * slots, hourlyUsd: hourlyUsd(getInstanceType("gcp", cfg.gcp.machineType), "spot") / slots })));
  }
  // A pool that may not grow (max 0) has no capacity to spill to.
  const spillable = pulumi.all(burst).apply((b) => b.filter((x) => x.slots > 0));
  resolveBurstEndpoints(spillable);
  // The routers publish each pool's demand to its own cloud, with the credentials the pools made for them.
  resolvePublisherSettings(
    pulumi
      .all([spillable, fleet.aws?.publisher?.accessKeyId ?? "", fleet.aws?.publisher?.secretAccessKey ?? "", fleet.gcp?.publisherKeyJson ?? ""])
      .apply(([pools, accessKeyId, secretAccessKey, keyJson]): PublisherSettings | undefined =>
        pools.length === 0 || !fleet.router
          ? undefined
          : {
              pools: pools.map((p) => ({ name: p.name, maxSlots: p.slots, hourlyUsdPerSlot: p.hourlyUsd })),
              ...(accessKeyId && pools.some((p) => p.name === "aws") ? { aws: { region: cfg.aws.region, accessKeyId, secretAccessKey } } : {}),
              ...(keyJson && pools.some((p) => p.name === "gcp") ? { gcp: { project: cfg.gcp.project, keyJson } } : {}),
            },
      ),
  );
  return fleet;
}

function requireSecret(v: pulumi.Output<string> | undefined, key: string): pulumi.Output<string> {
  if (!v) throw new Error(`hybrid-inference:${key} is required (as a secret) when router.certificate is uploaded`);
  return v;
}
