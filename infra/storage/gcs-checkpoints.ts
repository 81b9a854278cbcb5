import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { CHECKPOINTS_PREFIX, MODELS_PREFIX, type ExternalReader } from "./layout";

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
}

/** IAM condition that limits a bucket-level grant to the models prefix. */
export function nodeReadCondition(bucketName: string): { title: string; description: string; expression: string } {
  return {
    title: "models-prefix-only",
    description: "Read access to model files only",
    expression: `resource.name.startsWith("projects/_/buckets/${bucketName}/objects/${MODELS_PREFIX}")`,
  };
}

/**
 * Cloud Audit Logs data access logging for Cloud Storage in a project: every read and write of object data and
 * metadata, nobody exempted. Google recommends audit logs over usage logs (cloud.google.com/storage/docs/access-logs);
 * data access logs are off by default (cloud.google.com/logging/docs/audit/configure-data-access). The config is
 * authoritative for the service in the project, so one stack per project owns it.
 */
export const STORAGE_AUDIT_LOG_TYPES = ["DATA_READ", "DATA_WRITE"] as const;

/**
 * Private GCS bucket with uniform access, enforced public-access prevention, versioning, soft delete, lifecycle and
 * data access audit logs. Protection against loss is versioning (every overwrite keeps the old generation for
 * noncurrentVersionDays) plus soft delete (a deleted object or generation stays restorable for softDeleteDays). A
 * retention policy is not used: GCS refuses it on a versioned bucket, and it would stop an overwritten secret or
 * model from being removed early.
 */
export class GcsCheckpoints extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly readerAccount?: gcp.serviceaccount.Account;
  readonly externalReader?: ExternalReader;
  readonly bucketName: pulumi.Output<string>;
  readonly auditConfig: gcp.projects.IAMAuditConfig;

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

    this.auditConfig = new gcp.projects.IAMAuditConfig(`${name}-data-access`, {
      project: args.project,
      service: "storage.googleapis.com",
      auditLogConfigs: STORAGE_AUDIT_LOG_TYPES.map((logType) => ({ logType })),
    }, child);

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

  /** Grants one service account read access to models/. */
  grantModelRead(name: string, email: pulumi.Input<string>): gcp.storage.BucketIAMMember {
    return new gcp.storage.BucketIAMMember(name, {
      bucket: this.bucket.name,
      role: "roles/storage.objectViewer",
      member: pulumi.interpolate`serviceAccount:${email}`,
      condition: this.bucket.name.apply((b) => nodeReadCondition(b)),
    }, { parent: this });
  }
}
