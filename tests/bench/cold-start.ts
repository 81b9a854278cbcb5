/**
 * The cold-start benchmark: the boot path (boot.sh from process start to /health 200) with a 1 GiB generated model
 * in the S3 emulator, beside a bare `rclone copy` of the same object and the download-and-verify variants the boot
 * path could use. Every round runs every step, in an order that rotates from round to round, so machine noise falls
 * on all of them alike; each figure is the median of the rounds.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { deriveLaunchSpec, launchArgs, type LaunchSpec } from "../../infra/inference/launch";
import { modelKey } from "../../infra/storage/layout";
import { waitHealthy } from "../../local/stack/health";
import { CLIENT_CORES, hostMachine } from "../../local/stack/host-cpu";
import { ensureLlamaServer } from "../../local/toolchain/llama-build";
import { type ModelStore, rcloneEnv, rcloneS3Remote, startModelStore } from "../../local/cloud/model-store";
import { freePort } from "../../local/stack/ports";
import { BOOT_SCRIPT, exited, localBootEnv, spawnBoot } from "../../local/stack/stack";
import { stopGroup } from "../../local/stack/node";
import { ensureTestModel, type TestModel } from "../../local/toolchain/test-model";
import { DEFAULT_TINY_MODEL, type TinyModelOptions } from "../../local/toolchain/tiny-model";
import { readStackFile } from "../../plan/stack-file";
import { parseStackConfig } from "../../infra/config";
import { rawConfig } from "../../infra/stack-config";
import { type Projection, projectColdStart, S3_PER_CONNECTION_BYTES_PER_S } from "./cold-start-projection";

const ROOT = path.resolve(__dirname, "../..");

/** About 1 GiB of f16 weights (2048 wide, 10 layers, the llama vocab), tiled so it is written in seconds. */
export const COLD_START_MODEL: TinyModelOptions = { ...DEFAULT_TINY_MODEL, nEmbd: 2048, nLayer: 10, nHead: 16, nFf: 5120, name: "hybrid-cold-start", fill: "tiled" };

/** A default of boot.sh (`NAME=${HI_X:-default}`), read from the script so the benchmark follows it. */
export function bootDefault(variable: string, script = readFileSync(BOOT_SCRIPT, "utf8")): number {
  const m = new RegExp(`=\\$\\{${variable}:-(\\d+)\\}`).exec(script);
  if (!m) throw new Error(`boot.sh has no numeric default for ${variable}`);
  return Number(m[1]);
}

export interface Figure {
  median: number;
  runs: number[];
}

export interface ColdStartVariant {
  id: string;
  label: string;
  ms: Figure;
}

export interface ColdStartResult {
  model: { name: string; size_bytes: number; n_embd: number; n_layer: number; n_ff: number };
  rounds: number;
  /** The boot path's defaults: ranged streams and their smallest size. */
  streams: number;
  cutoff_mib: number;
  /** boot.sh from process start to /health 200 (fetch, verify, llama-server's load). */
  boot_to_healthy_ms: Figure;
  /** `rclone copyto` of the same object with rclone's defaults. */
  bare_copy_ms: Figure;
  /** The boot path's download alone: its streams, no checksum. */
  transfer_ms: Figure;
  /** Download-and-verify strategies, and the transfer at one stream. */
  variants: ColdStartVariant[];
  /** sha256 of the downloaded file from the page cache. */
  hash_ms: { openssl: Figure; sha256sum: Figure };
  /** llama-server from start to /health 200 with the model in the page cache. */
  load_ms: Figure;
  ratio_to_bare_copy: number;
  ratio_to_transfer: number;
  projection: Projection;
}

export interface ColdStartOptions {
  rounds: number;
  progress: (line: string) => void;
}

export const figure = (runs: number[]): Figure => {
  const s = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { median: Math.round(s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2), runs };
};

/** Runs a bash command (the source and destination in $SRC and $DST) and returns its wall time; fails on a non-zero exit. */
export function timedShell(command: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", command], { env: rcloneEnv(env), stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Math.round(performance.now() - started)) : reject(new Error(`${command} exited ${code}: ${err.trim()}`))));
  });
}

/**
 * Process start to /health 200, then the process group is stopped. With `serving`, polling starts only once it
 * resolves (the boot path says it starts llama-server): polling every 10 ms while the boot path downloads would
 * take CPU from the download on this 2-core machine, where on a node the health checks come from other machines.
 */
async function timedHealthy(start: (serving: () => void) => ChildProcess, port: number, gated = false): Promise<number> {
  const t0 = performance.now();
  let serving: () => void = () => undefined;
  const started = gated ? new Promise<void>((resolve) => (serving = resolve)) : Promise.resolve();
  const child = start(() => serving());
  const abort = exited(child).then((c) => `exited with code ${c} before it was healthy`);
  try {
    const early = await Promise.race([started.then(() => undefined), abort]);
    if (early !== undefined) throw new Error(early);
    await waitHealthy(`http://127.0.0.1:${port}`, { timeoutMs: 300_000, intervalMs: 10, abort });
    return Math.round(performance.now() - t0);
  } finally {
    await stopGroup(child, 0, "SIGKILL");
  }
}

/** Flushes dirty pages (untimed), so one step's writeback does not land in the next one's figure. */
const settle = () => spawnSync("sync");

export interface Step {
  id: string;
  label: string;
  command: string;
}

/**
 * The download-and-verify strategies, as shell commands over $SRC and $DST. $BOOT holds boot.sh's rclone flags
 * without its stream settings; $N and $CUTOFF its streams.
 */
export function fetchSteps(): Step[] {
  const ranged = `rclone copyto $BOOT --ignore-checksum --multi-thread-streams $N --multi-thread-cutoff \${CUTOFF}Mi "$SRC" "$DST"`;
  const single = `rclone copyto $BOOT --ignore-checksum --multi-thread-streams 1 "$SRC" "$DST"`;
  const check = (hasher: string) => `[ "$(${hasher} "$DST" | cut -d' ' -f1)" = "$SHA" ]`;
  return [
    { id: "bare-copy", label: "bare `rclone copyto`, rclone's defaults", command: `rclone copyto "$SRC" "$DST"` },
    { id: "transfer", label: "the boot path's download alone: its streams, no checksum", command: ranged },
    { id: "transfer-1", label: "download alone, one stream", command: single },
    { id: "ranged-openssl", label: "streams, then sha256 with openssl from the page cache (the boot path's choice)", command: `${ranged} && ${check("openssl dgst -sha256 -r")}` },
    { id: "ranged-sha256sum", label: "streams, then sha256sum from the page cache", command: `${ranged} && ${check("sha256sum")}` },
    { id: "single-openssl", label: "one stream, then sha256 with openssl", command: `${single} && ${check("openssl dgst -sha256 -r")}` },
    { id: "single-piped", label: "one stream piped: `rclone cat | tee | openssl` (no second read)", command: `[ "$(rclone cat $BOOT "$SRC" | tee "$DST" | openssl dgst -sha256 -r | cut -d' ' -f1)" = "$SHA" ]` },
    { id: "previous", label: "the boot path before: rclone's defaults and its MD5 pass, then sha256sum", command: `rclone copyto $BOOT "$SRC" "$DST" && ${check("sha256sum")}` },
  ];
}

/** boot.sh's rclone flags other than the stream settings (kept in step with RCLONE_FLAGS there). */
export const BOOT_RCLONE_FLAGS = "--retries 1 --low-level-retries 1 --contimeout 10s --timeout 60s --s3-no-check-bucket --no-traverse --stats 0";

/** What the fetch steps read: the object in the store, the destination, the expected sha256, boot.sh's flags and streams. */
export function stepEnv(store: Pick<ModelStore, "endpoint" | "bucket" | "env">, key: string, dst: string, sha256: string, streams: number, cutoffMib: number): Record<string, string> {
  const src = `${rcloneS3Remote(store.endpoint)}${store.bucket}/${key}`;
  return { ...store.env, SRC: src, DST: dst, SHA: sha256, BOOT: BOOT_RCLONE_FLAGS, N: String(streams), CUTOFF: String(cutoffMib) };
}

/**
 * What the boot path spends beyond its download, hash and load: per round (the parts of one round saw the same
 * machine), then the median of the rounds.
 */
export function otherMs(boot: number[], transfer: number[], hash: number[], load: number[]): number {
  const perRound = boot.map((b, i) => b - (transfer[i] ?? 0) - (hash[i] ?? 0) - (load[i] ?? 0));
  return figure(perRound).median;
}

function prodModelSize(): number {
  return parseStackConfig(rawConfig(readStackFile(ROOT, "prod").config)).model.sizeBytes;
}

export async function runColdStart(o: ColdStartOptions): Promise<ColdStartResult> {
  const streams = bootDefault("HI_FETCH_STREAMS");
  const cutoffMib = bootDefault("HI_FETCH_CUTOFF_MIB");
  o.progress("cold start: llama-server and the 1 GiB model (generated once, then cached)");
  const { binary } = await ensureLlamaServer();
  const model: TestModel = await ensureTestModel(COLD_START_MODEL);
  let store: ModelStore | undefined;
  const work = mkdtempSync(path.join(tmpdir(), "hi-cold-"));
  try {
    store = await startModelStore({ ownProcess: true });
    o.progress(`cold start: putting ${(model.sizeBytes / 1024 ** 3).toFixed(2)} GiB into the S3 emulator`);
    const key = modelKey(model.file);
    await store.put(model.path, key);
    const dst = path.join(work, "copy.gguf");
    const env = stepEnv(store, key, dst, model.sha256, streams, cutoffMib);
    const port = await freePort();
    const launch: LaunchSpec = deriveLaunchSpec({
      instance: hostMachine(),
      reserveCores: CLIENT_CORES,
      model: { name: model.name, file: model.file },
      inference: { port, ctxPerSlot: 2048, metrics: true },
      apiKey: false,
      host: "127.0.0.1",
      modelDir: path.join(work, "node"),
    });
    const bootEnv = localBootEnv({ model, store, launch, llamaServer: binary });

    const steps = fetchSteps();
    const runs = new Map<string, number[]>([...steps.map((s) => [s.id, []] as [string, number[]]), ["boot", []], ["load", []], ["hash-openssl", []], ["hash-sha256sum", []]]);
    const push = (id: string, ms: number) => runs.get(id)?.push(ms);
    // The boot path and what is measured on its file (hash and load from the page cache) run as one unit.
    const bootUnit = async () => {
      rmSync(launch.modelPath, { force: true });
      settle();
      push("boot", await timedHealthy((serving) => spawnBoot(bootEnv, (line) => line.startsWith("boot: starting llama-server") && serving(), true), port, true));
      for (const [id, hasher] of [["hash-openssl", "openssl dgst -sha256 -r"], ["hash-sha256sum", "sha256sum"]] as const) {
        push(id, await timedShell(`[ "$(${hasher} "$MODEL" | cut -d' ' -f1)" = "$SHA" ]`, { ...env, MODEL: launch.modelPath }));
      }
      push("load", await timedHealthy(() => spawn(binary, launchArgs(launch), { stdio: "ignore", detached: true }), port));
    };
    const units: Array<{ id: string; run: () => Promise<void> }> = [
      ...steps.map((s) => ({
        id: s.id,
        run: async () => {
          rmSync(dst, { force: true });
          settle();
          push(s.id, await timedShell(s.command, env));
        },
      })),
      { id: "boot", run: bootUnit },
    ];
    for (let round = 0; round < o.rounds; round++) {
      // Rotated each round, so no step is always first (or always right after the boot path's writes).
      const order = units.map((_, i) => units[(i + round) % units.length] as (typeof units)[number]);
      for (const unit of order) {
        o.progress(`cold start: round ${round + 1}/${o.rounds}, ${unit.id}`);
        await unit.run();
      }
    }
    rmSync(dst, { force: true });
    rmSync(launch.modelPath, { force: true });

    const f = (id: string) => figure(runs.get(id) ?? []);
    const boot = f("boot");
    const bare = f("bare-copy");
    const transfer = f("transfer");
    const hashOpenssl = f("hash-openssl");
    const load = f("load");
    const size = statSync(model.path).size;
    const projection = projectColdStart({
      sizeBytes: prodModelSize(),
      streams: [1, 4, 8, streams],
      perConnectionBytesPerS: S3_PER_CONNECTION_BYTES_PER_S,
      hashBytesPerS: size / (hashOpenssl.median / 1000),
      loadMsPerByte: load.median / size,
      otherMs: otherMs(runs.get("boot") ?? [], runs.get("transfer") ?? [], runs.get("hash-openssl") ?? [], runs.get("load") ?? []),
    }, streams);
    return {
      model: { name: model.name, size_bytes: size, n_embd: COLD_START_MODEL.nEmbd, n_layer: COLD_START_MODEL.nLayer, n_ff: COLD_START_MODEL.nFf },
      rounds: o.rounds,
      streams,
      cutoff_mib: cutoffMib,
      boot_to_healthy_ms: boot,
      bare_copy_ms: bare,
      transfer_ms: transfer,
      variants: steps.filter((s) => s.id !== "bare-copy" && s.id !== "transfer").map((s) => ({ id: s.id, label: s.label, ms: f(s.id) })),
      hash_ms: { openssl: hashOpenssl, sha256sum: f("hash-sha256sum") },
      load_ms: load,
      ratio_to_bare_copy: Math.round((boot.median / bare.median) * 100) / 100,
      ratio_to_transfer: Math.round((boot.median / transfer.median) * 100) / 100,
      projection,
    };
  } finally {
    await store?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
