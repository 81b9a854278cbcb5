/**
 * Checkpoint bucket layout, the same on S3 and GCS:
 *   models/<file>.gguf              model files the fleet serves (read-only to the nodes)
 *   checkpoints/<run>/<step>/...    training or fine-tuning checkpoints (moved to colder storage with age)
 * No secrets live in the buckets: the nodes' API key is in SSM (AWS) and Secret Manager (GCP). S3 server access
 * logs go to a separate log bucket, under access/.
 */
export const MODELS_PREFIX = "models/";
export const CHECKPOINTS_PREFIX = "checkpoints/";
/** Prefix of the server access logs in the S3 log bucket. */
export const ACCESS_LOGS_PREFIX = "access/";

export function modelKey(file: string): string {
  return `${MODELS_PREFIX}${file}`;
}

/** Credentials for a reader outside the bucket's cloud (the Hetzner base layer), through the S3 API. */
export interface ExternalReader {
  endpoint: string;
  region: string;
  accessKeyId: import("@pulumi/pulumi").Output<string>;
  secretAccessKey: import("@pulumi/pulumi").Output<string>;
}
