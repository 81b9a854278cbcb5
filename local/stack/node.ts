/**
 * One inference node on this machine: boot.sh fetching the model from the S3 emulator, verifying it and starting
 * llama-server with flags from the launch spec, exactly as a fleet node does. The local stack runs one; the local
 * fleet runs several beside one model store.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deriveLaunchSpec, launchEnv, type LaunchOverrides, type LaunchSpec } from "../../infra/inference/launch";
import { modelKey } from "../../infra/storage/layout";
import { waitHealthy } from "./health";
import { CLIENT_CORES, hostMachine } from "./host-cpu";
import type { ModelStore } from "../cloud/model-store";
import type { PortReservation } from "./ports";
import type { Reaper } from "./reaper";
import type { TestModel } from "../toolchain/test-model";

export const BOOT_SCRIPT = path.resolve(__dirname, "../../inference-image/boot/boot.sh");

/** Context per slot when none is given: small, the test model needs no more. */
export const DEFAULT_CTX_PER_SLOT = 2048;

export interface BootEnvInputs {
  model: TestModel;
  store: Pick<ModelStore, "endpoint" | "bucket" | "env">;
  launch: LaunchSpec;
  llamaServer: string;
}

/** Everything boot.sh reads, exactly as a node's env file carries it, pointed at the emulator. */
export function localBootEnv(i: BootEnvInputs): Record<string, string> {
  return {
    ...launchEnv(i.launch),
    ...i.store.env,
    HI_MODEL_URI: `s3://${i.store.bucket}/${modelKey(i.model.file)}`,
    HI_MODEL_SHA256: i.model.sha256,
    HI_MODEL_SIZE: String(i.model.sizeBytes),
    HI_S3_ENDPOINT: i.store.endpoint,
    HI_S3_REGION: "us-east-1",
    LLAMA_SERVER_BIN: i.llamaServer,
  };
}

/**
 * Starts boot.sh with the given settings; its stdout and stderr go to `log`. `detached` puts it (and so the
 * llama-server it becomes, and its rclone) in a process group of its own, which the stack stops as a whole.
 */
export function spawnBoot(env: Record<string, string>, log: (line: string) => void = () => undefined, detached = false): ChildProcess {
  const child = spawn("bash", [BOOT_SCRIPT], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"], detached });
  const feed = (b: Buffer) => b.toString().split("\n").filter(Boolean).forEach(log);
  child.stdout?.on("data", feed);
  child.stderr?.on("data", feed);
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Stops a process group (SIGTERM, SIGKILL after the grace period) and waits for its leader. */
export async function stopGroup(child: ChildProcess, graceMs = 10_000, first: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is gone
    }
  };
  const done = exited(child);
  kill(first);
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
  kill("SIGKILL"); // anything the leader left behind in its group
}

export interface LocalLaunchInputs {
  port: number;
  model: Pick<TestModel, "name" | "file">;
  modelDir: string;
  apiKeyFile?: string;
  launch?: LaunchOverrides;
  parallel?: number;
  ctxPerSlot?: number;
}

/** The launch spec of a node on this machine: the clouds' derivation, from this machine's cores less the client's. */
export function localLaunchSpec(i: LocalLaunchInputs): LaunchSpec {
  return deriveLaunchSpec({
    instance: hostMachine(),
    reserveCores: CLIENT_CORES,
    ...(i.launch ? { overrides: i.launch } : {}),
    model: { name: i.model.name, file: i.model.file },
    inference: { port: i.port, ctxPerSlot: i.ctxPerSlot ?? DEFAULT_CTX_PER_SLOT, metrics: true, ...(i.parallel ? { parallel: i.parallel } : {}) },
    apiKey: i.apiKeyFile !== undefined,
    host: "127.0.0.1",
    modelDir: i.modelDir,
    ...(i.apiKeyFile ? { apiKeyFile: i.apiKeyFile } : {}),
  });
}

export interface NodeOptions {
  /** The node's port, reserved by the caller; the node releases it when it stops. */
  reservation: PortReservation;
  llamaServer: string;
  model: TestModel;
  store: ModelStore;
  reaper: Reaper;
  apiKey?: string;
  launch?: LaunchOverrides;
  parallel?: number;
  ctxPerSlot?: number;
  /** The model's name as the node serves it (a stack's alias); the test model's own name by default. */
  alias?: string;
  healthTimeoutMs?: number;
  /** Boot and server log lines. */
  log?: (line: string) => void;
}

export interface LocalNode {
  baseUrl: string;
  port: number;
  launch: LaunchSpec;
  /** The boot path's process (it becomes llama-server), leader of its own process group. */
  server: ChildProcess;
  bootToHealthyMs: number;
  /** Stops the node (SIGTERM to its group; `signal` SIGKILL for a node that vanishes) and removes its files. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Boots one node through boot.sh and waits until its /health answers 200. */
export async function startNode(o: NodeOptions): Promise<LocalNode> {
  const log = o.log ?? (() => undefined);
  const port = o.reservation.port;
  const work = mkdtempSync(path.join(tmpdir(), "hi-node-"));
  o.reaper.path(work);
  let child: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = "SIGTERM") =>
    (stopped ??= (async () => {
      if (child) await stopGroup(child, 10_000, signal);
      rmSync(work, { recursive: true, force: true });
      await o.reservation.release();
    })());
  try {
    let apiKeyFile: string | undefined;
    if (o.apiKey) {
      apiKeyFile = path.join(work, "llama-api-key");
      writeFileSync(apiKeyFile, o.apiKey);
      chmodSync(apiKeyFile, 0o400);
    }
    const launch = localLaunchSpec({
      port,
      model: o.alias ? { name: o.alias, file: o.model.file } : o.model,
      modelDir: path.join(work, "models"),
      ...(apiKeyFile ? { apiKeyFile } : {}),
      ...(o.launch ? { launch: o.launch } : {}),
      ...(o.parallel ? { parallel: o.parallel } : {}),
      ...(o.ctxPerSlot ? { ctxPerSlot: o.ctxPerSlot } : {}),
    });
    const t0 = Date.now();
    let bindFailed = false;
    const started = spawnBoot(localBootEnv({ model: o.model, store: o.store, launch, llamaServer: o.llamaServer }), (line) => {
      if (/couldn't bind|address already in use/i.test(line)) bindFailed = true;
      log(line);
    }, true);
    child = started;
    if (started.pid !== undefined) o.reaper.group(started.pid);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHealthy(baseUrl, {
      timeoutMs: o.healthTimeoutMs ?? 120_000,
      abort: exited(started).then((code) => (bindFailed ? `llama-server could not bind port ${port}: another process took it after the check` : `the boot path exited with code ${code}`)),
    });
    return { baseUrl, port, launch, server: started, bootToHealthyMs: Date.now() - t0, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
