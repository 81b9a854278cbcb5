/**
 * A random-weight llama model, generated deterministically, with a real tokenizer copied from one of the
 * vocab GGUFs that llama.cpp ships. llama-server loads it and answers (with gibberish): enough to run the
 * real boot path and the API suites without downloading anything. The default is tiny; larger sizes (the
 * cold-start benchmark's 1 GiB model) fill their weights by repeating one random block, so they are written
 * at disk speed.
 */
import { createHash } from "node:crypto";
import { GgmlType, GgufType, type GgufValue, readGguf, type TensorData, type TensorSource, toFloat16, writeGguf, writeGgufFile } from "./gguf";

export interface TinyModelOptions {
  seed: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nFf: number;
  contextLength: number;
  name: string;
  /**
   * How the f16 weights are filled: "random" (the default) draws every value from the seeded generator;
   * "tiled" repeats one seeded block of TILE_VALUES values, which is what a large model needs to be quick
   * to generate. Both load and answer the same way.
   */
  fill?: "random" | "tiled";
}

export const DEFAULT_TINY_MODEL: TinyModelOptions = { seed: 20261121, nEmbd: 64, nLayer: 2, nHead: 4, nFf: 128, contextLength: 4096, name: "hybrid-tiny-llama" };

/** The vocab file (in llama.cpp's models/ directory) whose tokenizer the tiny model uses. */
export const VOCAB_FILE = "models/ggml-vocab-llama-spm.gguf";

/** A minimal ChatML template, so /v1/chat/completions works. */
export const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** f16 values of one seeded block, repeated by the "tiled" fill (1 MiB). */
export const TILE_VALUES = 512 * 1024;

function f16Values(n: number, rand: () => number, scale: number): Buffer {
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeUInt16LE(toFloat16((rand() * 2 - 1) * scale), i * 2);
  return data;
}

function onesTensor(name: string, n: number): TensorSource {
  return {
    name,
    dims: [n],
    type: GgmlType.F32,
    byteLength: n * 4,
    data() {
      const data = Buffer.alloc(n * 4);
      for (let i = 0; i < n; i++) data.writeFloatLE(1, i * 4);
      return data;
    },
  };
}

/** The model's metadata and its tensors, whose bytes are produced in order when they are written. */
export function tinyModelParts(vocabGguf: Buffer, o: TinyModelOptions = DEFAULT_TINY_MODEL): { kv: Map<string, GgufValue>; tensors: TensorSource[] } {
  const vocab = readGguf(vocabGguf);
  const tokens = vocab.kv.get("tokenizer.ggml.tokens");
  if (!tokens || !Array.isArray(tokens.value)) throw new Error("the vocab file has no tokenizer.ggml.tokens");
  const nVocab = tokens.value.length;
  const headDim = o.nEmbd / o.nHead;
  const u32 = (value: number): GgufValue => ({ type: GgufType.UINT32, value });
  const kv = new Map<string, GgufValue>([
    ["general.architecture", { type: GgufType.STRING, value: "llama" }],
    ["general.name", { type: GgufType.STRING, value: o.name }],
    ["general.file_type", u32(1)],
    ["llama.context_length", u32(o.contextLength)],
    ["llama.embedding_length", u32(o.nEmbd)],
    ["llama.block_count", u32(o.nLayer)],
    ["llama.feed_forward_length", u32(o.nFf)],
    ["llama.attention.head_count", u32(o.nHead)],
    ["llama.attention.head_count_kv", u32(o.nHead)],
    ["llama.attention.layer_norm_rms_epsilon", { type: GgufType.FLOAT32, value: 1e-5 }],
    ["llama.rope.dimension_count", u32(headDim)],
    ["llama.rope.freq_base", { type: GgufType.FLOAT32, value: 10000 }],
    ["llama.vocab_size", u32(nVocab)],
  ]);
  for (const [k, v] of vocab.kv) if (k.startsWith("tokenizer.")) kv.set(k, v);
  if (!kv.has("tokenizer.chat_template")) kv.set("tokenizer.chat_template", { type: GgufType.STRING, value: CHAT_TEMPLATE });

  const rand = prng(o.seed);
  let tile: Buffer | undefined;
  const f16Tensor = (name: string, dims: number[], scale: number): TensorSource => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data =
      o.fill === "tiled"
        ? () => {
            tile ??= f16Values(TILE_VALUES, rand, 1 / Math.sqrt(o.nEmbd));
            return Buffer.allocUnsafe(n * 2).fill(tile);
          }
        : () => f16Values(n, rand, scale);
    return { name, dims, type: GgmlType.F16, byteLength: n * 2, data };
  };
  const s = 1 / Math.sqrt(o.nEmbd);
  const tensors: TensorSource[] = [f16Tensor("token_embd.weight", [o.nEmbd, nVocab], 0.5)];
  for (let i = 0; i < o.nLayer; i++) {
    tensors.push(
      onesTensor(`blk.${i}.attn_norm.weight`, o.nEmbd),
      f16Tensor(`blk.${i}.attn_q.weight`, [o.nEmbd, o.nEmbd], s),
      f16Tensor(`blk.${i}.attn_k.weight`, [o.nEmbd, o.nEmbd], s),
      f16Tensor(`blk.${i}.attn_v.weight`, [o.nEmbd, o.nEmbd], s),
      f16Tensor(`blk.${i}.attn_output.weight`, [o.nEmbd, o.nEmbd], s),
      onesTensor(`blk.${i}.ffn_norm.weight`, o.nEmbd),
      f16Tensor(`blk.${i}.ffn_gate.weight`, [o.nEmbd, o.nFf], s),
      f16Tensor(`blk.${i}.ffn_up.weight`, [o.nEmbd, o.nFf], s),
      f16Tensor(`blk.${i}.ffn_down.weight`, [o.nFf, o.nEmbd], 1 / Math.sqrt(o.nFf)),
    );
  }
  // The output projection is tied to the token embedding (llama.cpp uses token_embd when output.weight is absent).
  tensors.push(onesTensor("output_norm.weight", o.nEmbd));
  return { kv, tensors };
}

export function generateTinyModel(vocabGguf: Buffer, o: TinyModelOptions = DEFAULT_TINY_MODEL): Buffer {
  const { kv, tensors } = tinyModelParts(vocabGguf, o);
  // In order: the generator's sequence follows the tensors.
  const data: TensorData[] = tensors.map((t) => ({ name: t.name, dims: t.dims, type: t.type, data: t.data() }));
  return writeGguf(kv, data);
}

/** Writes the model to `file` one tensor at a time (the same bytes as generateTinyModel); returns its size. */
export function writeTinyModel(file: string, vocabGguf: Buffer, o: TinyModelOptions = DEFAULT_TINY_MODEL): number {
  const { kv, tensors } = tinyModelParts(vocabGguf, o);
  return writeGgufFile(file, kv, tensors);
}

export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}
