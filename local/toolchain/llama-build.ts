/**
 * Builds llama-server from the llama.cpp source that node-llama-cpp ships (llama/gitRelease.bundle), and caches
 * the binary outside the checkout, keyed by the bundle's hash, so a second run starts in seconds.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { cpus, homedir } from "node:os";
import * as path from "node:path";
import release from "../../inference-image/llama-release.json";

export interface LlamaSource {
  dir: string;
  bundle: string;
  /** llama.cpp release named by the package's llama/llama.cpp.info.json. */
  tag: string;
  bundleSha256: string;
}

export interface BuildProgress {
  step: string;
  percent?: number;
}

export type ProgressSink = (p: BuildProgress) => void;

/** Where everything this machine may reuse lives: the package tarball, the clone, the built binary. */
export function cacheRoot(): string {
  return process.env.HYBRID_INFERENCE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "hybrid-inference");
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Fetches node-llama-cpp's tarball from the npm registry (once) and unpacks its llama.cpp bundle. */
export async function ensureLlamaSource(progress: ProgressSink = () => undefined): Promise<LlamaSource> {
  const dir = path.join(cacheRoot(), `${release.package}-${release.version}`);
  const bundle = path.join(dir, "package", "llama", "gitRelease.bundle");
  const info = path.join(dir, "package", "llama", "llama.cpp.info.json");
  if (!existsSync(bundle) || !existsSync(info)) {
    progress({ step: `fetching ${release.package}@${release.version} from the npm registry` });
    mkdirSync(dir, { recursive: true });
    const tgz = run("npm", ["pack", `${release.package}@${release.version}`, "--pack-destination", dir, "--silent"], dir).trim().split("\n").pop() ?? "";
    run("tar", ["-xzf", path.join(dir, tgz), "-C", dir, "package/llama/gitRelease.bundle", "package/llama/llama.cpp.info.json"]);
    rmSync(path.join(dir, tgz), { force: true });
  }
  const tag = (JSON.parse(readFileSync(info, "utf8")) as { tag: string }).tag;
  return { dir, bundle, tag, bundleSha256: await sha256File(bundle) };
}

/** A bare clone of the bundle (once per bundle), to read single files such as the vocab GGUFs. */
export function ensureBareRepo(src: LlamaSource): string {
  const repo = path.join(cacheRoot(), "repo", `${src.bundleSha256.slice(0, 16)}.git`);
  if (!existsSync(path.join(repo, "HEAD"))) {
    const tmp = `${repo}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(path.dirname(repo), { recursive: true });
    run("git", ["clone", "--quiet", "--bare", src.bundle, tmp]);
    renameSync(tmp, repo);
  }
  return repo;
}

/** One file of the llama.cpp source at the bundle's commit. */
export function readSourceFile(src: LlamaSource, file: string): Buffer {
  const r = spawnSync("git", ["--git-dir", ensureBareRepo(src), "show", `HEAD:${file}`], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`cannot read ${file} from the llama.cpp bundle: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The CPU features the build was tuned for (GGML_NATIVE): part of the cache key. */
function cpuKey(): string {
  let flags = "";
  try {
    flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
  } catch {
    flags = cpus()[0]?.model ?? "";
  }
  return createHash("sha256").update(`${process.arch} ${flags}`).digest("hex").slice(0, 8);
}

export const CMAKE_FLAGS = [
  "-DCMAKE_BUILD_TYPE=Release",
  "-DBUILD_SHARED_LIBS=OFF",
  "-DGGML_NATIVE=ON",
  "-DLLAMA_BUILD_TESTS=OFF",
  "-DLLAMA_BUILD_EXAMPLES=OFF",
  "-DLLAMA_BUILD_TOOLS=ON",
  "-DLLAMA_BUILD_SERVER=ON",
  "-DLLAMA_BUILD_APP=OFF",
  "-DLLAMA_BUILD_UI=OFF",
  "-DLLAMA_USE_PREBUILT_UI=OFF",
  "-DLLAMA_OPENSSL=OFF",
];

export function binaryPath(src: LlamaSource): string {
  return path.join(cacheRoot(), "llama-server", `${src.bundleSha256.slice(0, 16)}-${process.arch}-${cpuKey()}`, "llama-server");
}

function streamed(cmd: string, args: string[], cwd: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const feed = (buf: Buffer) => {
      const text = buf.toString();
      tail = (tail + text).slice(-8000);
      for (const line of text.split("\n")) if (line.trim()) onLine(line);
    };
    child.stdout.on("data", feed);
    child.stderr.on("data", feed);
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.slice(0, 3).join(" ")} exited ${code}:\n${tail}`))));
  });
}

/** Returns the cached llama-server for this bundle, building it first when it is missing (about 6-8 minutes on 2 cores). */
export async function ensureLlamaServer(progress: ProgressSink = () => undefined): Promise<{ binary: string; source: LlamaSource; built: boolean }> {
  const source = await ensureLlamaSource(progress);
  const binary = binaryPath(source);
  if (existsSync(binary)) return { binary, source, built: false };
  const work = path.join(cacheRoot(), "build", source.bundleSha256.slice(0, 16));
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  progress({ step: "cloning the llama.cpp bundle" });
  run("git", ["clone", "--quiet", source.bundle, "src"], work);
  const src = path.join(work, "src");
  progress({ step: "configuring (cmake)" });
  await streamed("cmake", ["-S", ".", "-B", "build", ...CMAKE_FLAGS], src, () => undefined);
  const jobs = String(Math.max(1, cpus().length));
  await streamed("cmake", ["--build", "build", "--target", "llama-server", "-j", jobs], src, (line) => {
    const m = /^\[\s*(\d+)%\]/.exec(line);
    if (m) progress({ step: "building llama-server", percent: Number(m[1]) });
  });
  mkdirSync(path.dirname(binary), { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  copyFileSync(path.join(src, "build", "bin", "llama-server"), tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, binary);
  rmSync(work, { recursive: true, force: true });
  progress({ step: "built", percent: 100 });
  return { binary, source, built: true };
}
