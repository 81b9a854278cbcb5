/**
 * The boot path's download: parallel ranged streams from the S3 emulator, what a spoiled stream leads to, the
 * hashing tool, and the fetch settings. llama-server is a fake that records the sha256 of the file it was given.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveLaunchSpec } from "../../infra/inference/launch";
import { type ModelStore, startModelStore } from "../../local/cloud/model-store";
import { exited, localBootEnv, spawnBoot } from "../../local/stack/stack";
import { ensureTestModel, type TestModel } from "../../local/toolchain/test-model";
import { type S3Proxy, type Spoil, startS3Proxy } from "../fixtures/servers/s3-proxy";

let model: TestModel;
let store: ModelStore;
const proxies: S3Proxy[] = [];
const dirs: string[] = [];
/** A temporary directory, removed after the suite. */
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  model = await ensureTestModel();
  store = await startModelStore();
  await store.put(model.path, `models/${model.file}`);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await store?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The tiny model is about 5 MB: a 1 MiB cutoff splits it into as many streams as asked for (up to 4; rclone's default is 4). */
const THREE_STREAMS = { HI_FETCH_STREAMS: "3", HI_FETCH_CUTOFF_MIB: "1" };

async function proxy(spoil?: { kind: Spoil; times: number }): Promise<S3Proxy> {
  const p = await startS3Proxy(store.endpoint, spoil);
  proxies.push(p);
  return p;
}

interface Boot {
  code: number | null;
  log: string;
  /** sha256 of the file the (fake) server was started with; undefined when it never started. */
  served?: string;
  modelPresent: boolean;
  partialPresent: boolean;
}

/** Runs boot.sh through the given endpoint with a fake llama-server, to completion. */
async function boot(endpoint: string, overrides: Record<string, string> = {}): Promise<Boot> {
  const dir = tempDir("hi-fetch-");
  const fake = path.join(dir, "llama-server");
  writeFileSync(fake, `#!/usr/bin/env bash\nsha256sum "$2" | cut -d' ' -f1 > ${dir}/served\n`);
  chmodSync(fake, 0o755);
  const launch = deriveLaunchSpec({
    instance: { vcpu: 2, memoryGiB: 8, physicalCores: 2 },
    model: { name: model.name, file: model.file },
    inference: { port: 8080, ctxPerSlot: 512, metrics: false },
    apiKey: false,
    host: "127.0.0.1",
    modelDir: path.join(dir, "models"),
  });
  const lines: string[] = [];
  const env = { ...localBootEnv({ model, store: { ...store, endpoint }, launch, llamaServer: fake }), HI_FETCH_BACKOFF_SECONDS: "0", ...overrides };
  const code = await exited(spawnBoot(env, (l) => lines.push(l)));
  const servedFile = path.join(dir, "served");
  return {
    code,
    log: lines.join("\n"),
    ...(existsSync(servedFile) ? { served: readFileSync(servedFile, "utf8").trim() } : {}),
    modelPresent: existsSync(launch.modelPath),
    partialPresent: existsSync(`${launch.modelPath}.partial`),
  };
}

const rangedGets = (p: S3Proxy) => p.requests.filter((r) => r.method === "GET" && r.path.includes(model.file));

describe("the model download", () => {
  it("comes in parallel ranged streams that cover the object exactly once", async () => {
    const p = await proxy();
    const r = await boot(p.endpoint, THREE_STREAMS);
    expect(r.code).toBe(0);
    expect(r.served).toBe(model.sha256);
    const ranges = rangedGets(p)
      .map((g) => /^bytes=(\d+)-(\d+)$/.exec(g.range ?? ""))
      .map((m) => [Number(m?.[1]), Number(m?.[2])] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]?.[0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe((ranges[i - 1]?.[1] ?? 0) + 1);
    expect(ranges.at(-1)?.[1]).toBe(model.sizeBytes - 1);
  });

  it.each([
    ["HI_FETCH_STREAMS=1", { HI_FETCH_STREAMS: "1", HI_FETCH_CUTOFF_MIB: "1" }],
    ["an object below the cutoff (64 MiB by default)", {}],
  ])("comes in one stream with %s", async (_, overrides) => {
    const p = await proxy();
    const r = await boot(p.endpoint, overrides);
    expect(r.code).toBe(0);
    expect(r.served).toBe(model.sha256);
    const gets = rangedGets(p);
    expect(gets).toHaveLength(1);
    expect(gets[0]?.range).toBeUndefined();
  });

  it("catches a corrupt stream with the sha256, fetches again and serves only the good file", async () => {
    const p = await proxy({ kind: "corrupt", times: 1 });
    const r = await boot(p.endpoint, THREE_STREAMS);
    expect(p.spoiled).toBe(1);
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    expect(r.log).toContain("attempt 2/5");
    expect(r.served).toBe(model.sha256);
  });

  it("fails an attempt whose stream is cut short, fetches again and serves only the good file", async () => {
    const p = await proxy({ kind: "truncate", times: 1 });
    const r = await boot(p.endpoint, THREE_STREAMS);
    expect(p.spoiled).toBe(1);
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/rclone exit \d+/);
    expect(r.log).toContain("attempt 2/5");
    expect(r.served).toBe(model.sha256);
  });

  it("refuses with exit 13 when every attempt has a corrupt stream, keeping nothing and starting nothing", async () => {
    const p = await proxy({ kind: "corrupt", times: Infinity });
    const r = await boot(p.endpoint, { ...THREE_STREAMS, HI_FETCH_ATTEMPTS: "2" });
    expect(p.spoiled).toBeGreaterThanOrEqual(2);
    expect(r.code).toBe(13);
    expect(r.log).toContain("checksum mismatch after 2 attempts; refusing to serve it");
    expect(r).toMatchObject({ modelPresent: false, partialPresent: false });
    expect(r.served).toBeUndefined();
  });
});

/** A directory of links to the tools the boot path and the fake server call, leaving out `omit`. */
function toolDir(omit: string[], extra: Record<string, string> = {}): string {
  const dir = tempDir("hi-tools-");
  const tools = ["bash", "env", "rclone", "stat", "cut", "mkdir", "dirname", "rm", "mv", "sleep", "grep", "tail", "tr", "sha256sum", "cp", "openssl"];
  const searchPath = (process.env.PATH ?? "").split(":");
  for (const tool of tools.filter((t) => !omit.includes(t))) {
    const found = searchPath.map((d) => path.join(d, tool)).find((f) => existsSync(f));
    if (!found) throw new Error(`${tool} is not installed (scripts/setup-machine.sh installs the tools)`);
    symlinkSync(found, path.join(dir, tool));
  }
  for (const [name, body] of Object.entries(extra)) {
    writeFileSync(path.join(dir, name), body);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

describe("the checksum", () => {
  it("is computed with openssl when it is installed", async () => {
    const calls = path.join(tempDir("hi-openssl-"), "calls");
    const real = path.join(toolDir([]), "openssl");
    const dir = toolDir(["openssl"], { openssl: `#!/usr/bin/env bash\necho "$*" >> ${calls}\nexec ${real} "$@"\n` });
    const r = await boot(store.endpoint, { PATH: dir });
    expect(r.code).toBe(0);
    expect(r.served).toBe(model.sha256);
    expect(readFileSync(calls, "utf8")).toContain("dgst -sha256");
  });

  it.each([
    ["the right sha256", 0, undefined],
    ["a wrong sha256", 13, "0".repeat(64)],
  ])("falls back to sha256sum without openssl: %s gives exit %s", async (_, code, sha) => {
    const r = await boot(store.endpoint, { PATH: toolDir(["openssl"]), HI_FETCH_ATTEMPTS: "1", ...(sha ? { HI_MODEL_SHA256: sha } : {}) });
    expect(r.code).toBe(code);
    if (code === 0) {
      expect(r.served).toBe(model.sha256);
    } else {
      expect(r).toMatchObject({ modelPresent: false, partialPresent: false });
      expect(r.served).toBeUndefined();
    }
  });
});

describe("the fetch settings", () => {
  it.each([
    ["HI_FETCH_STREAMS", "0", "HI_FETCH_STREAMS must be an integer from 1 to 64 (got '0')"],
    ["HI_FETCH_STREAMS", "65", "HI_FETCH_STREAMS must be an integer from 1 to 64 (got '65')"],
    ["HI_FETCH_STREAMS", "four", "HI_FETCH_STREAMS must be an integer from 1 to 64 (got 'four')"],
    ["HI_FETCH_CUTOFF_MIB", "0", "HI_FETCH_CUTOFF_MIB must be a positive integer (got '0')"],
    ["HI_FETCH_CUTOFF_MIB", "64Mi", "HI_FETCH_CUTOFF_MIB must be a positive integer (got '64Mi')"],
    ["HI_FETCH_ATTEMPTS", "0", "HI_FETCH_ATTEMPTS must be a positive integer (got '0')"],
    ["HI_FETCH_BACKOFF_SECONDS", "-1", "HI_FETCH_BACKOFF_SECONDS must be a whole number of seconds (got '-1')"],
    ["HI_MODEL_SIZE", "5MB", "HI_MODEL_SIZE must be a size in bytes or empty (got '5MB')"],
  ])("refuses %s=%s with exit 10 before fetching anything", async (key, value, message) => {
    const p = await proxy();
    const r = await boot(p.endpoint, { [key]: value });
    expect(r.code).toBe(10);
    expect(r.log).toContain(message);
    expect(p.requests).toHaveLength(0);
    expect(r.served).toBeUndefined();
  });
});
