/**
 * The llama-server launch spec: derived once from the instance type and the model,
 * then rendered for every place that starts a server (cloud boot scripts, the Dockerfile's defaults, the local stack).
 */
import type { InstanceType } from "../catalog";
import type { InferenceConfig, ModelConfig } from "../config";
import { deriveParallel } from "./sizing";

/** Where the container (and the local stack) keeps the model and reads the API key. */
export const MODEL_DIR = "/models";
export const API_KEY_FILE = "/run/secrets/llama-api-key";

export interface LaunchSpec {
  host: string;
  port: number;
  threads: number;
  parallel: number;
  /** Total context; llama-server splits it evenly across the parallel slots. */
  ctxSize: number;
  ctxPerSlot: number;
  metrics: boolean;
  alias: string;
  modelPath: string;
  /** Set when an API key is configured: the server reads it from this file, never from argv. */
  apiKeyFile?: string;
}

export interface LaunchInputs {
  instance: Pick<InstanceType, "vcpu" | "memoryGiB">;
  model: Pick<ModelConfig, "name" | "file">;
  inference: Pick<InferenceConfig, "port" | "ctxPerSlot" | "parallel" | "metrics">;
  apiKey: boolean;
  host?: string;
  modelDir?: string;
  apiKeyFile?: string;
}

export function deriveLaunchSpec(i: LaunchInputs): LaunchSpec {
  const parallel = deriveParallel(i.instance.vcpu, i.inference.parallel);
  return {
    host: i.host ?? "0.0.0.0",
    port: i.inference.port,
    threads: Math.max(1, i.instance.vcpu),
    parallel,
    ctxSize: i.inference.ctxPerSlot * parallel,
    ctxPerSlot: i.inference.ctxPerSlot,
    metrics: i.inference.metrics,
    alias: i.model.name,
    modelPath: `${i.modelDir ?? MODEL_DIR}/${i.model.file}`,
    ...(i.apiKey ? { apiKeyFile: i.apiKeyFile ?? API_KEY_FILE } : {}),
  };
}

/** llama-server's argv. The boot script builds exactly this from the environment rendered by `launchEnv`. */
export function launchArgs(s: LaunchSpec): string[] {
  const args = [
    "--model", s.modelPath,
    "--alias", s.alias,
    "--host", s.host,
    "--port", String(s.port),
    "--threads", String(s.threads),
    "--parallel", String(s.parallel),
    "--ctx-size", String(s.ctxSize),
  ];
  if (s.metrics) args.push("--metrics");
  if (s.apiKeyFile) args.push("--api-key-file", s.apiKeyFile);
  return args;
}

/** The environment the boot script reads (HI_ = hybrid inference). */
export function launchEnv(s: LaunchSpec): Record<string, string> {
  return {
    HI_MODEL_PATH: s.modelPath,
    HI_MODEL_ALIAS: s.alias,
    HI_HOST: s.host,
    HI_PORT: String(s.port),
    HI_THREADS: String(s.threads),
    HI_PARALLEL: String(s.parallel),
    HI_CTX_SIZE: String(s.ctxSize),
    HI_METRICS: s.metrics ? "1" : "0",
    HI_API_KEY_FILE: s.apiKeyFile ?? "",
  };
}
