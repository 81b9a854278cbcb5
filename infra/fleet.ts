/**
 * Composes the fleet from the typed stack config: checkpoint storage first, then the Hetzner base layer and the
 * AWS and GCP burst pools, each reading the model from its own cloud's bucket.
 */
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { getInstanceType, type Cloud, type InstanceType } from "./catalog";
import type { StackConfig } from "./config";
import { physicalCores } from "./cpu-topology";
import { AwsBurstPool } from "./aws/burst-pool";
import { GcpBurstPool } from "./gcp/burst-pool";
import { HetznerBaseLayer } from "./hetzner/base-layer";
import { type ApiKeySource, type CloudInitFile, type NodeBootSettings, renderBootScript, renderShutdownScript, SECRETS_DIR } from "./inference/bootscript";
import { deriveLaunchSpec, type LaunchSpec } from "./inference/launch";
import { awsTags, gcpAccountId, gcpLabels, hcloudLabels, type LabelContext, resourceName } from "./naming";
import { GcsCheckpoints } from "./storage/gcs-checkpoints";
import { modelKey } from "./storage/layout";
import { S3Checkpoints } from "./storage/s3-checkpoints";

export interface FleetSecrets {
  apiKey?: pulumi.Output<string>;
  dedicatedSshPrivateKey?: pulumi.Output<string>;
}

export interface Fleet {
  s3?: S3Checkpoints;
  gcs?: GcsCheckpoints;
  hetzner?: HetznerBaseLayer;
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

  const awsProvider = cfg.aws.enabled ? new aws.Provider("aws", { region: cfg.aws.region as aws.Region }) : undefined;
  const gcpProvider = cfg.gcp.enabled ? new gcp.Provider("gcp", { project: cfg.gcp.project, region: cfg.gcp.region }) : undefined;

  if (awsProvider) {
    fleet.s3 = new S3Checkpoints(name("checkpoints"), {
      region: cfg.aws.region,
      tags: awsTags(labelCtx, "checkpoints"),
      protect,
      noncurrentVersionDays: cfg.storage.noncurrentVersionDays,
      checkpointInfrequentAccessDays: cfg.storage.checkpointInfrequentAccessDays,
      ...(cfg.storage.kmsKeyArn ? { kmsKeyArn: cfg.storage.kmsKeyArn } : {}),
      externalReader: cfg.hetzner.enabled && cfg.hetzner.modelSource === "aws",
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
      ...(cfg.storage.retentionDays ? { retentionDays: cfg.storage.retentionDays } : {}),
      externalReader: cfg.hetzner.enabled && cfg.hetzner.modelSource === "gcp",
      readerAccountId: gcpAccountId(ctx, "model-reader"),
      ...(apiKey ? { apiKey } : {}),
    }, { providers: { gcp: gcpProvider } });
  }

  if (cfg.hetzner.enabled) {
    const store = cfg.hetzner.modelSource === "aws" ? fleet.s3 : fleet.gcs;
    const reader = store?.externalReader;
    if (!store || !reader) throw new Error(`hetzner.modelSource ${cfg.hetzner.modelSource} has no checkpoint bucket`);
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
        }),
      );
    const secretFiles = pulumi.secret(
      pulumi.all([reader.accessKeyId, reader.secretAccessKey, apiKey ?? ""]).apply(([id, key, k]): CloudInitFile[] => [
        { path: `${SECRETS_DIR}/model-store.env`, content: `AWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${key}\n`, permissions: "0400" },
        ...(k ? [{ path: `${SECRETS_DIR}/llama-api-key`, content: k, permissions: "0400" }] : []),
      ]),
    );
    fleet.hetzner = new HetznerBaseLayer(name("base"), {
      location: cfg.hetzner.location,
      networkZone: cfg.hetzner.networkZone,
      serverType: cfg.hetzner.serverType,
      count: cfg.hetzner.count,
      image: cfg.hetzner.image,
      loadBalancerType: cfg.hetzner.loadBalancerType,
      networkCidr: cfg.hetzner.networkCidr,
      sshPublicKey: cfg.hetzner.sshPublicKey,
      adminCidrs: cfg.adminCidrs,
      inferencePort: cfg.inference.port,
      labels: hcloudLabels(labelCtx, "base"),
      bootScript: bootFor(spec),
      secretFiles,
      dedicatedHosts: cfg.hetzner.dedicatedHosts.map((h) => ({
        name: h.name,
        ip: h.ip,
        user: h.user,
        serverType: h.serverType,
        bootScript: bootFor(launchFor(getInstanceType("hetzner", h.serverType))),
      })),
      ...(secrets.dedicatedSshPrivateKey ? { dedicatedSshPrivateKey: secrets.dedicatedSshPrivateKey } : {}),
    });
  }

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
      ...(apiKey ? { apiKey } : {}),
      bootScript: (param) =>
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
          };
          return renderBootScript(settings);
        }),
    }, { providers: { aws: awsProvider } });
  }

  if (gcpProvider && fleet.gcs) {
    const gcs = fleet.gcs;
    const spec = launchFor(getInstanceType("gcp", cfg.gcp.machineType));
    fleet.launchSpecs.gcp = spec;
    const keyObject = gcs.apiKeyObject;
    fleet.gcp = new GcpBurstPool(name("gcp-burst"), {
      ...cfg.gcp,
      adminCidrs: cfg.adminCidrs,
      inferencePort: cfg.inference.port,
      labels: gcpLabels(labelCtx, "gcp-burst"),
      accountId: gcpAccountId(ctx, "burst"),
      grantNodeRead: (n, email) => gcs.grantModelRead(n, email),
      shutdownScript: renderShutdownScript(),
      bootScript: pulumi.all([gcs.bucketName, keyObject?.name]).apply(([bucket, object]) =>
        renderBootScript({
          ...common,
          cloud: "gcp",
          modelUri: `gs://${bucket}/${modelKey(cfg.model.file)}`,
          launch: spec,
          apiKey: object ? { kind: "gcs", bucket, object } : { kind: "none" },
          spot: true,
        }),
      ),
    }, { providers: { gcp: gcpProvider } });
  }

  return fleet;
}
