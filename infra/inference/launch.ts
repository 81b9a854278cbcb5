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
  /** Threads for token generation (`--threads`). */
  threads: number;
  /** Threads for prompt processing (`--threads-batch`). */
  threadsBatch: number;
  /** llama.cpp's `--poll` level (0-100) for idle worker threads; unset keeps llama.cpp's default. */
  poll?: number;
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

/** The machine as the launch spec sees it: vCPUs, memory and the physical cores behind the vCPUs. */
export interface LaunchMachine extends Pick<InstanceType, "vcpu" | "memoryGiB"> {
  physicalCores: number;
}

/** Settings the benchmark (and a person) may pin instead of deriving them. */
export interface LaunchOverrides {
  threads?: number;
  threadsBatch?: number;
  poll?: number;
}

export interface LaunchInputs {
  instance: LaunchMachine;
  /** Physical cores left to other work on the same machine (the load client beside the local stack). */
  reserveCores?: number;
  overrides?: LaunchOverrides;
  model: Pick<ModelConfig, "name" | "file">;
  inference: Pick<InferenceConfig, "port" | "ctxPerSlot" | "parallel" | "metrics">;
  apiKey: boolean;
  host?: string;
  modelDir?: string;
  apiKeyFile?: string;
}

/**
 * Threads from physical cores, never from vCPUs: measured in docs/performance.md, one thread per vCPU on a machine
 * whose cores are also busy with something else collapses throughput (llama.cpp's threads spin at every barrier,
 * waiting for a sibling that is not running), while one thread per free physical core loses nothing when quiet.
 * `--poll` stays at llama.cpp's default: the builds this project runs (the local build and the official image) use
 * OpenMP, where `--poll` does not apply, and the benchmark shows no difference. `--cpu-mask`/`--cpu-strict` are not
 * set either: inside a VM they pin threads to vCPUs, which says nothing about the physical cores behind them.
 */
export function deriveThreads(machine: LaunchMachine, reserveCores = 0): number {
  return Math.max(1, Math.min(machine.vcpu, machine.physicalCores) - reserveCores);
}

function checkOverrides(o: LaunchOverrides): void {
  const int = (v: number | undefined, min: number, max: number) => v === undefined || (Number.isInteger(v) && v >= min && v <= max);
  if (!int(o.threads, 1, 512)) throw new Error(`threads must be an integer from 1 to 512 (got ${o.threads})`);
  if (!int(o.threadsBatch, 1, 512)) throw new Error(`threadsBatch must be an integer from 1 to 512 (got ${o.threadsBatch})`);
  if (!int(o.poll, 0, 100)) throw new Error(`poll must be an integer from 0 to 100 (got ${o.poll})`);
}

export function deriveLaunchSpec(i: LaunchInputs): LaunchSpec {
  if (i.overrides) checkOverrides(i.overrides);
  const parallel = deriveParallel(i.instance.vcpu, i.inference.parallel);
  const threads = i.overrides?.threads ?? deriveThreads(i.instance, i.reserveCores);
  const poll = i.overrides?.poll;
  return {
    host: i.host ?? "0.0.0.0",
    port: i.inference.port,
    threads,
    threadsBatch: i.overrides?.threadsBatch ?? threads,
    ...(poll !== undefined ? { poll } : {}),
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
    "--threads-batch", String(s.threadsBatch),
    "--parallel", String(s.parallel),
    "--ctx-size", String(s.ctxSize),
  ];
  if (s.poll !== undefined) args.push("--poll", String(s.poll));
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
    HI_THREADS_BATCH: String(s.threadsBatch),
    HI_POLL: s.poll === undefined ? "" : String(s.poll),
    HI_PARALLEL: String(s.parallel),
    HI_CTX_SIZE: String(s.ctxSize),
    HI_METRICS: s.metrics ? "1" : "0",
    HI_API_KEY_FILE: s.apiKeyFile ?? "",
  };
}
