/**
 * The local inference stack: the same boot path a fleet node runs, on this machine, without Docker.
 * llama-server built from source (cached), a generated test model in an S3 emulator, and boot.sh fetching,
 * verifying and starting the server with flags from the same launch spec the clouds use.
 */
import type { ChildProcess } from "node:child_process";
import type { LaunchOverrides, LaunchSpec } from "../../infra/inference/launch";
import { modelKey } from "../../infra/storage/layout";
import { ensureLlamaServer, type ProgressSink } from "../toolchain/llama-build";
import { type ModelStore, startModelStore } from "../cloud/model-store";
import { type LocalNode, startNode } from "./node";
import { type PortReservation, reservePort } from "./ports";
import { startReaper } from "./reaper";
import { ensureTestModel, type TestModel } from "../toolchain/test-model";

export { BOOT_SCRIPT, type BootEnvInputs, exited, localBootEnv, spawnBoot } from "./node";

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

export async function startLocalStack(o: LocalStackOptions = {}): Promise<LocalStack> {
  const started = Date.now();
  const progress = o.progress ?? (() => undefined);
  // Reserved first: an explicit port that is taken fails before anything is built or started.
  const reservation: PortReservation = await reservePort(o.port === undefined ? { preferred: o.preferredPort ?? DEFAULT_PORT } : o.port === 0 ? {} : { exact: o.port });
  const reaper = startReaper();
  let store: ModelStore | undefined;
  let node: LocalNode | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (node) await node.stop();
      else await reservation.release();
      await store?.stop();
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
    await store.put(model.path, modelKey(model.file));
    progress({ step: "booting: fetch, verify, start llama-server" });
    node = await startNode({
      reservation,
      llamaServer: binary,
      model,
      store,
      reaper,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      ...(o.launch ? { launch: o.launch } : {}),
      ...(o.parallel ? { parallel: o.parallel } : {}),
      ...(o.ctxPerSlot ? { ctxPerSlot: o.ctxPerSlot } : {}),
      ...(o.healthTimeoutMs ? { healthTimeoutMs: o.healthTimeoutMs } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    return {
      baseUrl: node.baseUrl,
      port: node.port,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      model,
      launch: node.launch,
      store,
      server: node.server,
      timings: { llamaServerMs, modelMs, bootToHealthyMs: node.bootToHealthyMs, totalMs: Date.now() - started, built },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
