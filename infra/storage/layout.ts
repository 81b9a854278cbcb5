/**
 * Checkpoint bucket layout, the same on S3 and GCS:
 *   models/<file>.gguf              model files the fleet serves (read-only to the nodes)
 *   checkpoints/<run>/<step>/...    training or fine-tuning checkpoints (moved to colder storage with age)
 *   secrets/llama-api-key           GCS only: the API key the GCP nodes read at boot
 */
export const MODELS_PREFIX = "models/";
export const CHECKPOINTS_PREFIX = "checkpoints/";
export const SECRETS_PREFIX = "secrets/";

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
