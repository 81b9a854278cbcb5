/**
 * A stand-in for the checkpoint bucket: an S3 emulator on loopback (s3rver) holding the model, filled with the real
 * rclone. How it differs from the real service:
 * - One bucket with fixed credentials (S3RVER/S3RVER) and no IAM: the stack's bucket policy, the nodes' roles and the
 *   Hetzner reader's IP-pinned key are not applied here (the plan's policies and provider rules check them).
 * - No encryption at rest, versioning, lifecycle rules or access logs.
 * - Every object has an MD5 ETag, also large ones (S3 gives multipart uploads none); the boot path never relies on it.
 * - Loopback speed: a download takes a fraction of what S3 takes (docs/performance.md projects the cold start).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import S3rver from "s3rver";
import { freePort } from "../stack/ports";

export const EMULATOR_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" };

export interface ModelStore {
  endpoint: string;
  bucket: string;
  /** The emulator's data directory (temporary; removed by stop). */
  dir: string;
  /** Environment for rclone (and boot.sh) to reach the store. */
  env: Record<string, string>;
  put(localFile: string, key: string): Promise<void>;
  stop(): Promise<void>;
}

/** An on-the-fly rclone remote; the endpoint is quoted because it holds colons. */
export function rcloneS3Remote(endpoint: string): string {
  return `:s3,provider=Other,env_auth=true,endpoint="${endpoint}":`;
}

/** Runs rclone without blocking the event loop (the emulator serves from this same process). */
export function rclone(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("rclone", args, { env: rcloneEnv(env), stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("error", (e) => reject(new Error(`rclone is not installed (scripts/setup-machine.sh installs it): ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`rclone ${args[0]} failed (${code}): ${err.trim()}`))));
  });
}

/**
 * rclone's S3 client cannot use AWS_CA_BUNDLE ("unsupported transport"); some machines set it globally.
 * The emulator is plain HTTP on loopback, so it is dropped for rclone.
 */
export function rcloneEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { AWS_CA_BUNDLE: _unused, ...rest } = process.env;
  return { ...rest, ...extra };
}

export interface ModelStoreOptions {
  bucket?: string;
  /**
   * Serve from a process of its own instead of this one. Measurements use it: in this process the emulator shares
   * the event loop with whatever this process does meanwhile (polling a server's /health every few milliseconds
   * added 1-2 s to a 1 GiB download of about 2.5 s), which a real store, on other machines, never does.
   */
  ownProcess?: boolean;
  /** A fixed port (default: a free one). */
  port?: number;
}

export async function startModelStore(o: ModelStoreOptions = {}): Promise<ModelStore> {
  const bucket = o.bucket ?? "models-local";
  const dir = mkdtempSync(path.join(tmpdir(), "hi-s3-"));
  const port = o.port ?? (await freePort());
  let close: () => Promise<void>;
  try {
    close = o.ownProcess ? await serveInChild(port, dir, bucket) : await serveHere(port, dir, bucket);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const env = { ...EMULATOR_CREDENTIALS, AWS_REGION: "us-east-1" };
  return {
    endpoint,
    bucket,
    dir,
    env,
    put: (localFile, key) => rclone(["copyto", "--s3-no-check-bucket", "--stats", "0", localFile, `${rcloneS3Remote(endpoint)}${bucket}/${key}`], env),
    async stop() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function serveHere(port: number, directory: string, bucket: string): Promise<() => Promise<void>> {
  const server = new S3rver({ port, address: "127.0.0.1", directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  await server.run();
  return async () => {
    await server.close();
  };
}

async function serveInChild(port: number, directory: string, bucket: string): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [path.join(__dirname, "model-store-process.mjs"), JSON.stringify({ port, directory, bucket })], { stdio: ["ignore", "pipe", "pipe"] });
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    child.stdout?.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the S3 emulator's process exited with code ${code} before serving: ${err.trim()}`)));
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await gone;
  };
}
