import { readFileSync, writeFileSync, mkdtempSync, chmodSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveLaunchSpec, launchArgs, launchEnv, type LaunchOverrides } from "../../infra/inference/launch";
import { ensureLlamaServer } from "../../local/toolchain/llama-build";
import { type ModelStore, startModelStore } from "../../local/cloud/model-store";
import { freePort } from "../../local/stack/ports";
import { exited, localBootEnv, spawnBoot, startLocalStack, type LocalStack } from "../../local/stack/stack";
import { ensureTestModel, type TestModel } from "../../local/toolchain/test-model";
import { startFlakyStore } from "../fixtures/servers/model-server";

let llamaServer: string;
let model: TestModel;
let store: ModelStore;

beforeAll(async () => {
  llamaServer = (await ensureLlamaServer()).binary;
  model = await ensureTestModel();
  store = await startModelStore();
  await store.put(model.path, `models/${model.file}`);
});
afterAll(async () => {
  await store?.stop();
});

async function launchFor(dir: string, overrides?: LaunchOverrides) {
  const port = await freePort();
  return deriveLaunchSpec({
    instance: { vcpu: 2, memoryGiB: 8, physicalCores: 2 },
    ...(overrides ? { overrides } : {}),
    model: { name: model.name, file: model.file },
    inference: { port, ctxPerSlot: 512, metrics: true },
    apiKey: false,
    host: "127.0.0.1",
    modelDir: dir,
  });
}

/** Runs boot.sh to completion (it must fail before starting a server) and returns its exit code and log. */
async function bootFails(overrides: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "hi-boot-"));
  const launch = await launchFor(dir);
  const lines: string[] = [];
  const child = spawnBoot({ ...localBootEnv({ model, store, launch, llamaServer }), HI_FETCH_BACKOFF_SECONDS: "0", ...overrides }, (l) => lines.push(l));
  const code = await exited(child);
  const portOpen = await fetch(`http://127.0.0.1:${launch.port}/health`).then(() => true, () => false);
  return { code, log: lines.join("\n"), portOpen, modelPresent: existsSync(launch.modelPath), partialPresent: existsSync(`${launch.modelPath}.partial`) };
}

describe("the boot path against the S3 emulator", () => {
  let stack: LocalStack;
  afterAll(async () => stack?.stop());

  it("fetches a good model, verifies it and serves completions and chat, streaming and not", async () => {
    stack = await startLocalStack({ port: await freePort() });
    const post = (p: string, body: unknown) => fetch(`${stack.baseUrl}${p}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const completion = (await (await post("/v1/completions", { prompt: "Hello", max_tokens: 8 })).json()) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.usage.completion_tokens).toBe(8);
    const chat = (await (await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 4 })).json()) as { choices: { message: { role: string } }[] };
    expect(chat.choices[0]?.message.role).toBe("assistant");
    const stream = await (await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 4, stream: true })).text();
    expect(stream).toMatch(/^data: /m);
    expect(stream.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((await fetch(`${stack.baseUrl}/metrics`)).status).toBe(200);
  });

  it.each([
    ["derived", undefined],
    ["with pinned threads-batch and poll", { threads: 1, threadsBatch: 2, poll: 0 }],
  ] as const)("starts llama-server with exactly the launch spec's flags (%s)", async (_, overrides) => {
    const dir = mkdtempSync(path.join(tmpdir(), "hi-args-"));
    const fake = path.join(dir, "llama-server");
    const argsFile = path.join(dir, "args");
    writeFileSync(fake, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > ${argsFile}\n`);
    chmodSync(fake, 0o755);
    const keyFile = path.join(dir, "key");
    writeFileSync(keyFile, "k");
    const launch = { ...(await launchFor(dir, overrides)), apiKeyFile: keyFile };
    const code = await exited(spawnBoot({ ...localBootEnv({ model, store, launch, llamaServer: fake }), ...launchEnv(launch) }));
    expect(code).toBe(0);
    const args = readFileSync(argsFile, "utf8").trimEnd().split("\n");
    expect(args).toEqual(launchArgs(launch));
    if (overrides) expect(args.join(" ")).toContain("--threads 1 --threads-batch 2 --parallel 2 --ctx-size 1024 --poll 0");
  });

  it("refuses a wrong sha256 with exit 13, keeps nothing, starts nothing", async () => {
    const r = await bootFails({ HI_MODEL_SHA256: "0".repeat(64), HI_FETCH_ATTEMPTS: "2" });
    expect(r.code).toBe(13);
    expect(r.log).toMatch(/sha256 [0-9a-f]{64}, expected 0{64}/);
    expect(r.log).toContain("checksum mismatch after 2 attempts; refusing to serve it");
    expect(r).toMatchObject({ portOpen: false, modelPresent: false, partialPresent: false });
  });

  it("reports a missing object with exit 12 and the URI, without retrying", async () => {
    const r = await bootFails({ HI_MODEL_URI: `s3://${store.bucket}/models/absent.gguf` });
    expect(r.code).toBe(12);
    expect(r.log).toContain(`s3://${store.bucket}/models/absent.gguf: object not found`);
    expect(r.log.match(/attempt \d/g)).toHaveLength(1);
    expect(r.portOpen).toBe(false);
  });

  it("reports an unreachable endpoint with exit 11 after its retries", async () => {
    const closed = await freePort();
    const r = await bootFails({ HI_S3_ENDPOINT: `http://127.0.0.1:${closed}`, HI_FETCH_ATTEMPTS: "2" });
    expect(r.code).toBe(11);
    expect(r.log).toContain("could not download after 2 attempts (store unreachable or transfer failed)");
    expect(r.portOpen).toBe(false);
  });

  it("rejects bad settings with exit 10 and a missing server binary with exit 14", async () => {
    expect((await bootFails({ HI_MODEL_SHA256: "nothex" })).code).toBe(10);
    expect((await bootFails({ HI_MODEL_URI: "ftp://x/y" })).log).toContain("unsupported scheme");
    const poll = await bootFails({ HI_POLL: "101" });
    expect(poll.code).toBe(10);
    expect(poll.log).toContain("HI_POLL must be an integer from 0 to 100 or empty (got '101')");
    const batch = await bootFails({ HI_THREADS_BATCH: "two" });
    expect(batch.code).toBe(10);
    expect(batch.log).toContain("HI_THREADS_BATCH must be a positive integer (got 'two')");
    const r = await bootFails({ LLAMA_SERVER_BIN: "/nonexistent/llama-server" });
    expect(r.code).toBe(14);
    expect(r.log).toContain("llama-server not found at /nonexistent/llama-server");
  });
});

describe("a truncated download", () => {
  it("is retried and never served", async () => {
    const body = readFileSync(model.path);
    const flaky = await startFlakyStore(body, 1);
    const dir = mkdtempSync(path.join(tmpdir(), "hi-trunc-"));
    const fake = path.join(dir, "llama-server");
    writeFileSync(fake, `#!/usr/bin/env bash\nsha256sum "$2" > ${dir}/served\n`);
    chmodSync(fake, 0o755);
    const launch = await launchFor(dir);
    const lines: string[] = [];
    const code = await exited(spawnBoot({ ...localBootEnv({ model, store, launch, llamaServer: fake }), HI_MODEL_URI: flaky.url, HI_FETCH_BACKOFF_SECONDS: "0" }, (l) => lines.push(l)));
    await flaky.close();
    expect(code).toBe(0);
    expect(flaky.requests).toBe(2);
    expect(lines.join("\n")).toMatch(/attempt 2\/5/);
    expect(readFileSync(path.join(dir, "served"), "utf8").split(" ")[0]).toBe(model.sha256);
  });

  it("fails with exit 13 when every attempt is truncated", async () => {
    const flaky = await startFlakyStore(readFileSync(model.path), 99);
    const r = await bootFails({ HI_MODEL_URI: flaky.url, HI_FETCH_ATTEMPTS: "3" });
    await flaky.close();
    expect(r.code).not.toBe(0);
    expect([11, 13]).toContain(r.code);
    expect(r).toMatchObject({ portOpen: false, modelPresent: false });
  });
});
