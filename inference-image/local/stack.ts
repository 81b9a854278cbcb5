/**
 * The local inference stack: the same boot path a fleet node runs, on this machine, without Docker.
 * llama-server built from source (cached), a generated test model in an S3 emulator, and boot.sh fetching,
 * verifying and starting the server with flags from the same launch spec the clouds use.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deriveLaunchSpec, launchEnv, type LaunchOverrides, type LaunchSpec } from "../../infra/inference/launch";
import { modelKey } from "../../infra/storage/layout";
import { waitHealthy } from "./health";
import { CLIENT_CORES, hostMachine } from "./host-cpu";
import { ensureLlamaServer, type ProgressSink } from "./llama-build";
import { type ModelStore, startModelStore } from "./model-store";
import { type PortReservation, reservePort } from "./ports";
import { startReaper } from "./reaper";
import { ensureTestModel, type TestModel } from "./test-model";

export const BOOT_SCRIPT = path.resolve(__dirname, "../boot/boot.sh");

/** The port a stack prefers when none is given: llama-server's own default. */
export const DEFAULT_PORT = 8080;

export interface LocalStackOptions {
  /**
   * The port: a number is that port or an error (PortBusy) when it is taken; 0 is any free port; undefined is
   * `preferredPort` when free, else any free port.
   */
  port?: number;
  preferredPort?: number;
  apiKey?: string;
  /** Pinned launch settings (the benchmark's candidates); derived from this machine's cores otherwise. */
  launch?: LaunchOverrides;
  parallel?: number;
  ctxPerSlot?: number;
  healthTimeoutMs?: number;
  progress?: ProgressSink;
  /** Server and boot log lines. */
  log?: (line: string) => void;
}

export interface LocalStack {
  baseUrl: string;
  port: number;
  apiKey?: string;
  model: TestModel;
  launch: LaunchSpec;
  store: ModelStore;
  server: ChildProcess;
  timings: { llamaServerMs: number; modelMs: number; bootToHealthyMs: number; totalMs: number; built: boolean };
  stop(): Promise<void>;
}

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
async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
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
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
  kill("SIGKILL"); // anything the leader left behind in its group
}

export async function startLocalStack(o: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const progress = o.progress ?? (() => undefined);
  const log = o.log ?? (() => undefined);
  // Reserved first: an explicit port that is taken fails before anything is built or started.
  const reservation: PortReservation = await reservePort(o.port === undefined ? { preferred: o.preferredPort ?? DEFAULT_PORT } : o.port === 0 ? {} : { exact: o.port });
  const reaper = startReaper();
  let store: ModelStore | undefined;
  let work: string | undefined;
  let server: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (server) await stopGroup(server);
      await store?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
      await reservation.release();
      reaper.dismiss();
    })());
  try {
    const t0 = Date.now();
    const { binary, built } = await ensureLlamaServer(progress);
    const llamaServerMs = Date.now() - t0;
    progress({ step: "generating the test model" });
    const t1 = Date.now();
    const model = await ensureTestModel();
    const modelMs = Date.now() - t1;

    progress({ step: "starting the S3 emulator" });
    store = await startModelStore();
    reaper.path(store.dir);
    work = mkdtempSync(path.join(tmpdir(), "hi-node-"));
    reaper.path(work);
    await store.put(model.path, modelKey(model.file));
    const port = reservation.port;
    let apiKeyFile: string | undefined;
    if (o.apiKey) {
      apiKeyFile = path.join(work, "llama-api-key");
      writeFileSync(apiKeyFile, o.apiKey);
      chmodSync(apiKeyFile, 0o400);
    }
    const launch = deriveLaunchSpec({
      instance: hostMachine(),
      reserveCores: CLIENT_CORES,
      ...(o.launch ? { overrides: o.launch } : {}),
      model: { name: model.name, file: model.file },
      inference: { port, ctxPerSlot: o.ctxPerSlot ?? 2048, metrics: true, ...(o.parallel ? { parallel: o.parallel } : {}) },
      apiKey: o.apiKey !== undefined,
      host: "127.0.0.1",
      modelDir: path.join(work, "models"),
      ...(apiKeyFile ? { apiKeyFile } : {}),
    });
    progress({ step: "booting: fetch, verify, start llama-server" });
    const t2 = Date.now();
    let bindFailed = false;
    const child = spawnBoot(localBootEnv({ model, store, launch, llamaServer: binary }), (line) => {
      if (/couldn't bind|address already in use/i.test(line)) bindFailed = true;
      log(line);
    }, true);
    server = child;
    if (child.pid !== undefined) reaper.group(child.pid);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitHealthy(baseUrl, {
      timeoutMs: o.healthTimeoutMs ?? 120_000,
      abort: exited(child).then((code) => (bindFailed ? `llama-server could not bind port ${port}: another process took it after the check` : `the boot path exited with code ${code}`)),
    });
    const bootToHealthyMs = Date.now() - t2;
    return {
      baseUrl,
      port,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      model,
      launch,
      store,
      server: child,
      timings: { llamaServerMs, modelMs, bootToHealthyMs, totalMs: Date.now() - started, built },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
