import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CHECKPOINTS_PREFIX, MODELS_PREFIX, SECRETS_PREFIX, type ExternalReader } from "./layout";

export interface GcsCheckpointsArgs {
  project: string;
  location: string;
  labels: Record<string, string>;
  protect: boolean;
  noncurrentVersionDays: number;
  checkpointInfrequentAccessDays: number;
  /** Days a deleted or overwritten object stays restorable (0 turns soft delete off). */
  softDeleteDays: number;
  /** Create a read-only service account with an HMAC key, for nodes outside GCP. */
  externalReader: boolean;
  /** Service account id for the external reader (6-30 characters). */
  readerAccountId: string;
  apiKey?: pulumi.Input<string>;
}

export const API_KEY_OBJECT = `${SECRETS_PREFIX}llama-api-key`;

/** IAM condition that limits a bucket-level grant to the models prefix (and, for nodes, the one API key object). */
export function nodeReadCondition(bucketName: string, extraObjects: string[] = []): { title: string; description: string; expression: string } {
  const objects = `projects/_/buckets/${bucketName}/objects/`;
  const clauses = [`resource.name.startsWith("${objects}${MODELS_PREFIX}")`, ...extraObjects.map((o) => `resource.name == "${objects}${o}"`)];
  return {
    title: "models-prefix-only",
    description: "Read access to model files (and the node API key) only",
    expression: clauses.join(" || "),
  };
}

/**
 * Private GCS bucket with uniform access, enforced public-access prevention, versioning, soft delete and lifecycle.
 * Protection against loss is versioning (every overwrite keeps the old generation for noncurrentVersionDays) plus
 * soft delete (a deleted object or generation stays restorable for softDeleteDays). A retention policy is not used:
 * GCS refuses it on a versioned bucket, and it would stop an overwritten secret or model from being removed early.
 */
export class GcsCheckpoints extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly readerAccount?: gcp.serviceaccount.Account;
  readonly externalReader?: ExternalReader;
  readonly bucketName: pulumi.Output<string>;
  /** The API key as a private object, read by the GCP nodes at boot (Secret Manager would need the cloud-platform scope). */
  readonly apiKeyObject?: gcp.storage.BucketObject;

  constructor(name: string, args: GcsCheckpointsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hybrid:storage:GcsCheckpoints", name, {}, opts);
    const child: pulumi.CustomResourceOptions = { parent: this };

    this.bucket = new gcp.storage.Bucket(name, {
      project: args.project,
      location: args.location,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      versioning: { enabled: true },
      labels: args.labels,
      softDeletePolicy: { retentionDurationSeconds: args.softDeleteDays * 24 * 3600 },
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: args.noncurrentVersionDays, withState: "ARCHIVED" } },
        { action: { type: "SetStorageClass", storageClass: "NEARLINE" }, condition: { age: args.checkpointInfrequentAccessDays, matchesPrefixes: [CHECKPOINTS_PREFIX] } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
      ],
    }, { parent: this, protect: args.protect, retainOnDelete: args.protect });

    if (args.apiKey !== undefined) {
      this.apiKeyObject = new gcp.storage.BucketObject(`${name}-api-key`, {
        bucket: this.bucket.name,
        name: API_KEY_OBJECT,
        content: pulumi.secret(args.apiKey),
        contentType: "text/plain",
      }, child);
    }

    if (args.externalReader) {
      this.readerAccount = new gcp.serviceaccount.Account(`${name}-model-reader`, {
        project: args.project,
        accountId: args.readerAccountId,
        displayName: "hybrid-inference model reader (Hetzner base layer)",
      }, child);
      this.grantModelRead(`${name}-model-reader`, this.readerAccount.email);
      const hmac = new gcp.storage.HmacKey(`${name}-model-reader`, { project: args.project, serviceAccountEmail: this.readerAccount.email }, child);
      this.externalReader = {
        endpoint: "https://storage.googleapis.com",
        region: "auto",
        accessKeyId: pulumi.secret(hmac.accessId),
        secretAccessKey: pulumi.secret(hmac.secret),
      };
    }

    this.bucketName = this.bucket.name;
    this.registerOutputs({ bucketName: this.bucketName });
  }

  /** Grants one service account read access to models/ and, when stored, the API key object. */
  grantModelRead(name: string, email: pulumi.Input<string>): gcp.storage.BucketIAMMember {
    const extra = this.apiKeyObject ? [API_KEY_OBJECT] : [];
    return new gcp.storage.BucketIAMMember(name, {
      bucket: this.bucket.name,
      role: "roles/storage.objectViewer",
      member: pulumi.interpolate`serviceAccount:${email}`,
      condition: this.bucket.name.apply((b) => nodeReadCondition(b, extra)),
    }, { parent: this });
  }
}
