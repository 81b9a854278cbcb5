import { gguf } from "@huggingface/gguf";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GgufType, readGguf, toFloat16, writeGguf } from "../../../local/toolchain/gguf";
import { waitHealthy } from "../../../local/stack/health";
import { ensureLlamaServer, ensureLlamaSource, readSourceFile } from "../../../local/toolchain/llama-build";
import { freePort } from "../../../local/stack/ports";
import { exited } from "../../../local/stack/stack";
import { ensureTestModel } from "../../../local/toolchain/test-model";
import { DEFAULT_TINY_MODEL, generateTinyModel, sha256, type TinyModelOptions, VOCAB_FILE, writeTinyModel } from "../../../local/toolchain/tiny-model";

let vocab: Buffer;
beforeAll(async () => {
  vocab = readSourceFile(await ensureLlamaSource(), VOCAB_FILE);
});

/** @huggingface/gguf reads over HTTP ranges; serve the bytes on loopback. */
async function parseWithHuggingFace(buf: Buffer) {
  const server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "");
    const [start, end] = m ? [Number(m[1]), Math.min(Number(m[2]), buf.length - 1)] : [0, buf.length - 1];
    res.writeHead(m ? 206 : 200, { "content-length": String(end - start + 1), "accept-ranges": "bytes" });
    res.end(buf.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  try {
    return await gguf(`http://127.0.0.1:${addr.port}/model.gguf`);
  } finally {
    server.close();
  }
}

describe("the GGUF writer and the tiny model", () => {
  it("generates the same bytes twice", () => {
    expect(sha256(generateTinyModel(vocab))).toBe(sha256(generateTinyModel(vocab)));
    expect(sha256(generateTinyModel(vocab, { ...DEFAULT_TINY_MODEL, seed: 1 }))).not.toBe(sha256(generateTinyModel(vocab)));
  });

  it("stays a few MB", () => {
    const size = generateTinyModel(vocab).length;
    expect(size).toBeGreaterThan(1_000_000);
    expect(size).toBeLessThan(8_000_000);
  });

  it("parses back with an independent reader (@huggingface/gguf): architecture, sizes, tokenizer, tensors", async () => {
    const model = generateTinyModel(vocab);
    const { metadata: parsed, tensorInfos } = await parseWithHuggingFace(model);
    const metadata = parsed as unknown as Record<string, unknown>;
    const tokens = readGguf(vocab).kv.get("tokenizer.ggml.tokens")?.value as string[];
    expect(metadata["general.architecture"]).toBe("llama");
    expect(metadata["llama.embedding_length"]).toBe(DEFAULT_TINY_MODEL.nEmbd);
    expect(metadata["llama.block_count"]).toBe(DEFAULT_TINY_MODEL.nLayer);
    expect(metadata["tokenizer.ggml.tokens"]).toHaveLength(tokens.length);
    expect(metadata["tokenizer.ggml.model"]).toBe("llama");
    expect(tensorInfos.map((t) => t.name)).toContain("token_embd.weight");
    expect(tensorInfos).toHaveLength(2 + 9 * DEFAULT_TINY_MODEL.nLayer);
    const embd = tensorInfos.find((t) => t.name === "token_embd.weight");
    expect(embd?.shape.map(Number)).toEqual([DEFAULT_TINY_MODEL.nEmbd, tokens.length]);
  });

  it("round-trips through our own reader, with aligned tensor data", () => {
    const model = generateTinyModel(vocab);
    const f = readGguf(model);
    expect(f.version).toBe(3);
    expect(f.dataOffset % 32).toBe(0);
    for (const t of f.tensors) expect(Number(t.offset) % 32).toBe(0);
    const last = f.tensors[f.tensors.length - 1];
    expect(f.dataOffset + Number(last?.offset) + (last?.dims[0] ?? 0) * 4).toBeLessThanOrEqual(model.length);
  });

  it("writes every value type the reader knows", () => {
    const kv = new Map([
      ["a.u8", { type: GgufType.UINT8, value: 7 }],
      ["a.i32", { type: GgufType.INT32, value: -5 }],
      ["a.f32", { type: GgufType.FLOAT32, value: 0.5 }],
      ["a.bool", { type: GgufType.BOOL, value: true }],
      ["a.str", { type: GgufType.STRING, value: "héllo" }],
      ["a.u64", { type: GgufType.UINT64, value: 2n ** 40n }],
      ["a.arr", { type: GgufType.ARRAY, itemType: GgufType.STRING, value: ["x", "y"] }],
    ]);
    const back = readGguf(writeGguf(kv, []));
    expect([...back.kv.entries()].map(([k, v]) => [k, v.value])).toEqual([...kv.entries()].map(([k, v]) => [k, v.value]));
  });

  it("converts to half precision correctly", () => {
    expect(toFloat16(1)).toBe(0x3c00);
    expect(toFloat16(-2)).toBe(0xc000);
    expect(toFloat16(0)).toBe(0);
    expect(toFloat16(65504)).toBe(0x7bff);
    expect(toFloat16(1e6)).toBe(0x7c00);
  });

  it("caches the model file by options and vocab, with its checksum", async () => {
    const m = await ensureTestModel();
    expect(sha256(readFileSync(m.path))).toBe(m.sha256);
    expect(m.sha256).toBe(sha256(generateTinyModel(vocab)));
  });

  it("writes the same bytes to a file, one tensor at a time", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hi-gguf-"));
    try {
      const file = path.join(dir, "tiny.gguf");
      const size = writeTinyModel(file, vocab);
      expect(size).toBe(statSync(file).size);
      expect(sha256(readFileSync(file))).toBe(sha256(generateTinyModel(vocab)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a larger model with tiled weights", () => {
  // 256-wide, 2 layers: about 20 MB, enough to show the fill without making the suite slow.
  const tiled: TinyModelOptions = { ...DEFAULT_TINY_MODEL, nEmbd: 256, nHead: 4, nFf: 704, name: "hybrid-tiled-test", fill: "tiled" };

  it("has the size its dimensions give, the same bytes every time, and differs from the random fill", () => {
    const a = generateTinyModel(vocab, tiled);
    const nVocab = (readGguf(vocab).kv.get("tokenizer.ggml.tokens")?.value as string[]).length;
    const f16 = 2 * (tiled.nEmbd * nVocab + tiled.nLayer * (4 * tiled.nEmbd ** 2 + 3 * tiled.nEmbd * tiled.nFf));
    expect(a.length).toBeGreaterThan(f16);
    expect(a.length).toBeLessThan(f16 + 2_000_000);
    expect(sha256(generateTinyModel(vocab, tiled))).toBe(sha256(a));
    expect(sha256(generateTinyModel(vocab, { ...tiled, fill: "random" }))).not.toBe(sha256(a));
  });

  it("loads in llama-server, which answers /health and a completion", async () => {
    const { binary } = await ensureLlamaServer();
    const dir = mkdtempSync(path.join(tmpdir(), "hi-tiled-"));
    const file = path.join(dir, "tiled.gguf");
    writeTinyModel(file, vocab, tiled);
    const port = await freePort();
    const server = spawn(binary, ["--model", file, "--host", "127.0.0.1", "--port", String(port), "--threads", "1", "--ctx-size", "256"], { stdio: "ignore" });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitHealthy(base, { timeoutMs: 30_000, abort: exited(server).then((c) => `llama-server exited with ${c}`) });
      const res = (await (await fetch(`${base}/v1/completions`, { method: "POST", body: JSON.stringify({ prompt: "Hello", max_tokens: 4 }) })).json()) as { usage: { completion_tokens: number } };
      expect(res.usage.completion_tokens).toBe(4);
    } finally {
      server.kill("SIGKILL");
      await exited(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
